package org.clearing.lease;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's one scheduling loop for its {@link LeasedJob}s, in a verticle of its own: its timers
 * and callbacks run on one context, so a job's ticks, runs and stop never race each other, and
 * undeploying the verticle stops every job. Every {@link LeasedJob#intervalMs()} it takes or renews the job's lease and, where this instance
 * holds it, runs the job once; a tick that finds the last run still going does nothing.
 *
 * <p>Undeploying stops every job and gives back the leases of the jobs not running at that moment,
 * so another instance takes them over at once. The lease of a job still running is kept: it
 * expires, and no other instance starts that job while this run finishes.
 */
public final class JobsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(JobsVerticle.class);

  /** Where a job's tick is. Ticks and stops run on the verticle's context, one at a time. */
  private enum Phase { IDLE, ACQUIRING, RUNNING }

  /** One job's timer and state; the timer and the run count are read from other threads too. */
  private static final class Slot {
    final LeasedJob job;
    final AtomicLong runs = new AtomicLong();
    volatile long timerId = -1;
    volatile Phase phase = Phase.IDLE;
    volatile boolean stopped;
    volatile Future<Boolean> acquiring = Future.succeededFuture(false);

    Slot(LeasedJob job) {
      this.job = job;
    }
  }

  private final JobLease lease;
  private final Map<String, Slot> slots = new LinkedHashMap<>();

  public JobsVerticle(JobLease lease, List<? extends LeasedJob> jobs) {
    this.lease = lease;
    for (LeasedJob job : jobs) {
      if (slots.putIfAbsent(job.name(), new Slot(job)) != null) {
        throw new IllegalArgumentException("two jobs named " + job.name());
      }
    }
  }

  @Override
  public Future<?> start() {
    for (Slot slot : slots.values()) {
      slot.timerId = vertx.setPeriodic(slot.job.intervalMs(), id -> tick(slot));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return stopOnContext(slots.keySet().toArray(String[]::new));
  }

  private void tick(Slot slot) {
    if (slot.stopped || slot.phase != Phase.IDLE) {
      return;
    }
    slot.phase = Phase.ACQUIRING;
    String name = slot.job.name();
    Future<java.util.Optional<Fence>> acquiring = lease.take(name, slot.job.leaseMs());
    slot.acquiring = acquiring.map(java.util.Optional::isPresent);
    acquiring
        .compose(fence -> {
          // A stop that came while the lease was being taken wins: the job does not start.
          if (fence.isEmpty() || slot.stopped) {
            return Future.succeededFuture();
          }
          slot.phase = Phase.RUNNING;
          slot.runs.incrementAndGet();
          return slot.job.runOnce(fence.get()).mapEmpty();
        })
        .onFailure(e -> LOG.warn("event=job.failed job={} holder={} error={}", name, lease.holder(), e.toString()))
        .onComplete(done -> slot.phase = Phase.IDLE);
  }

  /** Who this instance is in {@code job_lease}. */
  public String holder() {
    return lease.holder();
  }

  /** Runs this instance has started of {@code job} (only where it held the lease). */
  public long runs(String job) {
    return slot(job).runs.get();
  }

  /**
   * Stops the jobs' timers without giving their leases back, as a crashed instance would: another
   * instance takes the jobs over only when the leases expire.
   */
  public void pause(String... jobs) {
    for (String job : jobs) {
      Slot slot = slot(job);
      long timerId = slot.timerId;
      slot.timerId = -1;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
    }
  }

  /**
   * Stops the jobs' timers and gives back the leases of those not running now (a job that was
   * just taking its lease does not start, and gives it back). Giving back is a courtesy: if the
   * database is already going (a SIGTERM reaches it too), the leases simply expire, so a failure
   * here never fails the shutdown.
   */
  public Future<Void> stop(String... jobs) {
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> stopOnContext(jobs).onComplete(stopped));
    return stopped.future();
  }

  private Future<Void> stopOnContext(String... jobs) {
    pause(jobs);
    List<Future<Void>> released = new ArrayList<>();
    for (String job : jobs) {
      Slot slot = slot(job);
      slot.stopped = true;
      if (slot.phase == Phase.RUNNING) {
        continue;
      }
      released.add(slot.acquiring.transform(acquired -> lease.release(job)).otherwise(e -> {
        LOG.info("event=job_lease.not_released job={} holder={} error={}", job, lease.holder(), e.toString());
        return null;
      }));
    }
    return Future.join(released).mapEmpty();
  }

  private Slot slot(String job) {
    Slot slot = slots.get(job);
    if (slot == null) {
      throw new IllegalArgumentException("no job named " + job);
    }
    return slot;
  }
}
