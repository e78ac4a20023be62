package org.clearing.lease;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a background job only where it holds the job's lease in PostgreSQL, so that several engine
 * instances on one database never run the same job at once. A lease lasts {@code leaseMs}; the
 * holder renews it each run. If the holder dies, the lease expires and another instance takes the
 * job over. Runs never overlap within an instance either: the next tick waits for the last run.
 */
public final class JobLease {

  private static final Logger LOG = LoggerFactory.getLogger(JobLease.class);

  /** Takes the lease when free or expired, or renews it when already ours. */
  private static final String ACQUIRE = """
      INSERT INTO job_lease (job, holder, expires_at)
      VALUES ($1, $2, now() + make_interval(secs => $3::int8 / 1000.0))
      ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE job_lease.holder = EXCLUDED.holder OR job_lease.expires_at < now()
      RETURNING holder
      """;
  private static final String RELEASE = "DELETE FROM job_lease WHERE job = $1 AND holder = $2";

  private final Vertx vertx;
  private final Pool pool;
  private final String holder;

  public JobLease(Vertx vertx, Pool pool) {
    this(vertx, pool, "engine-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
  }

  public JobLease(Vertx vertx, Pool pool, String holder) {
    this.vertx = vertx;
    this.pool = pool;
    this.holder = holder;
  }

  public String holder() {
    return holder;
  }

  /** Tries to take or renew the lease; true when this instance holds it now. */
  public Future<Boolean> acquire(String job, long leaseMs) {
    return pool.preparedQuery(ACQUIRE).execute(Tuple.of(job, holder, leaseMs))
        .map(rows -> rows.size() == 1);
  }

  public Future<Void> release(String job) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(job, holder)).mapEmpty();
  }

  /**
   * Every {@code intervalMs}, if this instance holds (or can take) the lease, runs the job. The
   * lease is three intervals long, so a holder that misses one tick keeps it, and one that dies
   * loses it within three. Returns the timer id (cancel it to stop).
   */
  public long schedule(String job, long intervalMs, Supplier<Future<?>> run) {
    long leaseMs = Math.max(3 * intervalMs, 3_000);
    boolean[] running = new boolean[1];
    return vertx.setPeriodic(intervalMs, id -> {
      if (running[0]) {
        return;
      }
      running[0] = true;
      acquire(job, leaseMs)
          .compose(held -> held ? run.get().mapEmpty() : Future.succeededFuture())
          .onFailure(e -> LOG.warn("event=job.failed job={} holder={} error={}", job, holder, e.toString()))
          .onComplete(done -> running[0] = false);
    });
  }
}
