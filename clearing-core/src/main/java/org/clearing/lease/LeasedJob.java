package org.clearing.lease;

import io.vertx.core.Future;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A background job that must run on one engine instance at a time: the active payment query, the
 * expired-order closer, settlement, duplicate-payment refunds, the queries of open channel
 * refunds, the webhook relay, journal sealing and the daily reconciliation. None schedules itself. The engine's one scheduling loop,
 * {@link JobsVerticle}, looks at each job every {@link #intervalMs()}; where this instance holds (or
 * can take) the job's lease in {@code job_lease} it calls {@link #runOnce()}, and never starts a
 * run while the last one is still going.
 *
 * <p>To add a job: implement this interface (or wrap a method with {@link #of}) and add it to the
 * list the engine hands to its {@link JobsVerticle}.
 */
public interface LeasedJob {

  /** The job's row in {@code job_lease} and its name in log lines; unique among an engine's jobs. */
  String name();

  /** How often the loop looks whether the job has work, renewing its lease each time. */
  long intervalMs();

  /**
   * How long the lease lasts unrenewed: three intervals and at least three seconds, so a holder
   * that misses a tick keeps it and one that dies loses it within three.
   */
  default long leaseMs() {
    return Math.max(3 * intervalMs(), 3_000);
  }

  /**
   * One run, called by the loop while this instance holds the lease. A failed future is logged by
   * the loop and the next tick simply tries again; what a run does with its own failures (backoff
   * per item, giving up) is the job's business.
   */
  Future<?> runOnce();

  /**
   * One run under {@code fence}, the lease it was started under. A job whose writes must never
   * land once another instance has taken the job over (because its lease expired while this run
   * stalled, e.g. through a database failover) overrides this and passes each of its
   * transactions through {@link Fence#check} before committing; the default ignores the fence.
   * Rather than override it, a job is usually built on a {@link FencedPool} and handed to the loop
   * wrapped by {@link FencedPool#fencing}, which fences every transaction of its runs.
   */
  default Future<?> runOnce(Fence fence) {
    return runOnce();
  }

  /** A job made of a name, an interval and a run (for wiring a method, or a test's own job). */
  static LeasedJob of(String name, long intervalMs, Supplier<? extends Future<?>> run) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(run, "run");
    if (intervalMs < 1) {
      throw new IllegalArgumentException("intervalMs must be positive: " + intervalMs);
    }
    return new LeasedJob() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public long intervalMs() {
        return intervalMs;
      }

      @Override
      public Future<?> runOnce() {
        return run.get();
      }

      @Override
      public String toString() {
        return "LeasedJob[" + name + " every " + intervalMs + " ms]";
      }
    };
  }
}
