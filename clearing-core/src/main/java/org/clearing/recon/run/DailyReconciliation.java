package org.clearing.recon.run;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.LocalTime;
import java.util.List;
import org.clearing.lease.LeasedJob;

/**
 * The daily reconciliation as a {@link LeasedJob}: every {@code checkIntervalMs}, on the instance
 * holding the lease, once it is past {@code runAt} Beijing time, it reconciles yesterday for every
 * channel not yet done (a failed day is tried again after {@value ReconciliationRun#RETRY_AFTER_MINUTES}
 * minutes, e.g. while the bill is not yet published).
 */
public final class DailyReconciliation implements LeasedJob {

  private final ReconciliationRun run;
  private final LocalTime runAt;
  private final long checkIntervalMs;
  private final Clock clock;

  public DailyReconciliation(ReconciliationRun run, LocalTime runAt, long checkIntervalMs, Clock clock) {
    this.run = run;
    this.runAt = runAt;
    this.checkIntervalMs = checkIntervalMs;
    this.clock = clock;
  }

  @Override
  public String name() {
    return ReconciliationRun.JOB;
  }

  @Override
  public long intervalMs() {
    return checkIntervalMs;
  }

  /** Yesterday's runs once they are due; nothing before. */
  @Override
  public Future<List<ReconciliationRun.Result>> runOnce() {
    return ReconciliationRun.dueDay(clock.instant(), runAt)
        .map(run::runDue)
        .orElseGet(() -> Future.succeededFuture(List.of()));
  }
}
