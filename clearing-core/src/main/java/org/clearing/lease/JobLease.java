package org.clearing.lease;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.UUID;

/**
 * A job's lease in PostgreSQL, so that several engine instances on one database never run the same
 * job at once. A lease lasts {@code leaseMs}; the holder renews it each run. If the holder dies, the
 * lease expires and another instance takes the job over. {@link JobsVerticle} takes the leases;
 * jobs never touch them.
 */
public final class JobLease {

  /**
   * Takes the lease when free or expired, or renews it when already ours. Taking it from another
   * holder gives it a new generation (the fencing token); renewing keeps the generation, since
   * nobody else ran the job in between.
   */
  private static final String ACQUIRE = """
      INSERT INTO job_lease (job, holder, expires_at, generation)
      VALUES ($1, $2, now() + make_interval(secs => $3::int8 / 1000.0), nextval('job_lease_generation'))
      ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
        generation = CASE WHEN job_lease.holder = EXCLUDED.holder THEN job_lease.generation
                          ELSE EXCLUDED.generation END
      WHERE job_lease.holder = EXCLUDED.holder OR job_lease.expires_at < now()
      RETURNING generation
      """;
  private static final String RELEASE = "DELETE FROM job_lease WHERE job = $1 AND holder = $2";

  private final Pool pool;
  private final String holder;

  public JobLease(Pool pool) {
    this(pool, "engine-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
  }

  public JobLease(Pool pool, String holder) {
    this.pool = pool;
    this.holder = holder;
  }

  public String holder() {
    return holder;
  }

  /** Tries to take or renew the lease; true when this instance holds it now. */
  public Future<Boolean> acquire(String job, long leaseMs) {
    return take(job, leaseMs).map(Optional::isPresent);
  }

  /** Tries to take or renew the lease; the fence a run under it writes behind, when held. */
  public Future<Optional<Fence>> take(String job, long leaseMs) {
    return pool.preparedQuery(ACQUIRE).execute(Tuple.of(job, holder, leaseMs))
        .map(rows -> rows.size() == 1
            ? Optional.of(new Fence(job, holder, rows.iterator().next().getLong("generation")))
            : Optional.empty());
  }

  public Future<Void> release(String job) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(job, holder)).mapEmpty();
  }
}
