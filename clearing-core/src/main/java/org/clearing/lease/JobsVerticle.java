package org.clearing.lease;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's one scheduling loop for its {@link LeasedJob}s, in a verticle of its own so the
 * jobs' timers and callbacks never share an event loop's context with the HTTP edge by accident.
 * Every {@link LeasedJob#intervalMs()} it takes or renews the job's lease and, where this instance
 * holds it, runs the job once; a tick that finds the last run still going does nothing.
 *
 * <p>Undeploying stops every job and gives back the leases of the jobs not running at that moment,
 * so another instance takes them over at once. The lease of a job still running is kept: it
 * expires, and no other instance starts that job while this run finishes.
 */
public final class JobsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(JobsVerticle.class);

  /** One job's timer and state; the timer and the flag are touched from the test thread too. */
  private static final class Slot {
    final LeasedJob job;
    final AtomicLong timerId = new AtomicLong(-1);
    final AtomicBoolean running = new AtomicBoolean();
    final AtomicLong runs = new AtomicLong();

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
      slot.timerId.set(vertx.setPeriodic(slot.job.intervalMs(), id -> tick(slot)));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return stop(slots.keySet().toArray(String[]::new));
  }

  private void tick(Slot slot) {
    if (!slot.running.compareAndSet(false, true)) {
      return;
    }
    String name = slot.job.name();
    lease.acquire(name, slot.job.leaseMs())
        .compose(held -> {
          if (!held) {
            return Future.succeededFuture();
          }
          slot.runs.incrementAndGet();
          return slot.job.runOnce().mapEmpty();
        })
        .onFailure(e -> LOG.warn("event=job.failed job={} holder={} error={}", name, lease.holder(), e.toString()))
        .onComplete(done -> slot.running.set(false));
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
      long timerId = slot(job).timerId.getAndSet(-1);
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
    }
  }

  /**
   * Stops the jobs' timers and gives back the leases of those not running now. Giving back is a
   * courtesy: if the database is already going (a SIGTERM reaches it too), the leases simply
   * expire, so a failure here never fails the shutdown.
   */
  public Future<Void> stop(String... jobs) {
    pause(jobs);
    List<Future<Void>> released = new ArrayList<>();
    for (String job : jobs) {
      if (!slot(job).running.get()) {
        released.add(lease.release(job).otherwise(e -> {
          LOG.info("event=job_lease.not_released job={} holder={} error={}", job, lease.holder(), e.toString());
          return null;
        }));
      }
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
