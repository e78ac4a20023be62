package org.clearing.lease;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * The lease a job's run started under: the job, this instance, and the lease's generation (a
 * fencing token, new each time another holder takes the lease). A run writes only inside
 * transactions that pass {@link #check}: it re-reads the lease row as it was when the run started
 * and keeps it locked (FOR SHARE) until the transaction ends. So a run whose lease expired and
 * was taken over cannot commit afterwards, and the new holder's taking of the lease waits for a
 * run's transaction that is committing right now.
 */
public record Fence(String job, String holder, long generation) {

  private static final String CHECK =
      "SELECT 1 FROM job_lease WHERE job = $1 AND holder = $2 AND generation = $3 FOR SHARE";

  /** The run lost its lease: another instance holds the job now. Its transaction rolls back. */
  public static final class LeaseLost extends RuntimeException {
    public LeaseLost(Fence fence) {
      super("job " + fence.job() + " is no longer held by " + fence.holder() + " under generation "
          + fence.generation() + "; the run's writes are refused");
    }
  }

  /** Fails with {@link LeaseLost}, in {@code conn}'s transaction, unless the lease is still this one. */
  public Future<Void> check(SqlConnection conn) {
    return conn.preparedQuery(CHECK).execute(Tuple.of(job, holder, generation))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture() : Future.failedFuture(new LeaseLost(this)));
  }
}
