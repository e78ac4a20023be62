package org.clearing.lease;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.TransactionPropagation;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collector;

/**
 * The pool one leased job, and the doors it writes through, are built on: while a run of the job
 * is under way, every transaction and every single statement through this pool passes the run's
 * {@link Fence#check} first, inside the same transaction, so nothing of a run whose lease was
 * taken over commits after the new holder started. The doors (the payment intake, the guarded
 * transitions, the journal) stay as they are: the job gets its own instances of them on this
 * pool, and the callback path keeps the engine's plain pool.
 *
 * <p>One run of a job at a time per instance ({@link JobsVerticle} never overlaps them), so the
 * run's fence is one field. Between runs (a test or a command calling the job directly) the pool
 * passes straight through. {@link #getConnection()} and {@link #withConnection} are not fenced:
 * they hand out a connection without a transaction, used for reads (a consistent snapshot).
 */
public final class FencedPool implements Pool {

  private final Pool pool;
  /** The fence of the run under way; null between runs. */
  private Fence fence;

  private FencedPool(Pool pool) {
    this.pool = pool;
  }

  public static FencedPool over(Pool pool) {
    return new FencedPool(pool);
  }

  /** {@code job}, whose runs go through this pool, run under the fence of their lease. */
  public LeasedJob fencing(LeasedJob job) {
    FencedPool fenced = this;
    return new LeasedJob() {
      @Override
      public String name() {
        return job.name();
      }

      @Override
      public long intervalMs() {
        return job.intervalMs();
      }

      @Override
      public long leaseMs() {
        return job.leaseMs();
      }

      @Override
      public Future<?> runOnce() {
        return job.runOnce();
      }

      @Override
      public Future<?> runOnce(Fence fence) {
        return fenced.under(fence, job::runOnce);
      }

      @Override
      public String toString() {
        return job + " fenced";
      }
    };
  }

  /** Runs {@code run} with every write through this pool behind {@code fence}. */
  public <T> Future<T> under(Fence fence, Supplier<? extends Future<T>> run) {
    this.fence = fence;
    Future<T> running;
    try {
      running = run.get();
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    return running.andThen(done -> {
      if (this.fence == fence) {
        this.fence = null;
      }
    });
  }

  private <T> Future<T> fenced(Function<SqlConnection, Future<T>> work) {
    Fence now = fence;
    if (now == null) {
      return pool.withTransaction(work);
    }
    // The fence first: its row lock, held to the commit, also keeps a new holder from taking the
    // lease while this transaction is committing.
    return pool.withTransaction(conn -> now.check(conn).compose(checked -> work.apply(conn)));
  }

  @Override
  public <T> Future<T> withTransaction(Function<SqlConnection, Future<T>> work) {
    return fenced(work);
  }

  @Override
  public <T> Future<T> withTransaction(TransactionPropagation propagation, Function<SqlConnection, Future<T>> work) {
    return fenced(work);
  }

  @Override
  public Future<SqlConnection> getConnection() {
    return pool.getConnection();
  }

  @Override
  public <T> Future<T> withConnection(Function<SqlConnection, Future<T>> work) {
    return pool.withConnection(work);
  }

  @Override
  public Query<RowSet<Row>> query(String sql) {
    return new FencedQuery<>(conn -> conn.query(sql));
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
    return new FencedQuery<>(conn -> conn.preparedQuery(sql));
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
    return new FencedQuery<>(conn -> conn.preparedQuery(sql, options));
  }

  @Override
  public int size() {
    return pool.size();
  }

  /** The pool belongs to the engine: closing the job's view of it closes nothing. */
  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** A statement run alone in its own fenced transaction, where the plain pool would autocommit it. */
  private final class FencedQuery<T> implements PreparedQuery<T> {

    private final Function<SqlConnection, Query<T>> query;

    FencedQuery(Function<SqlConnection, ? extends Query<T>> query) {
      this.query = query::apply;
    }

    private PreparedQuery<T> prepared(SqlConnection conn) {
      return (PreparedQuery<T>) query.apply(conn);
    }

    @Override
    public Future<T> execute() {
      return fenced(conn -> query.apply(conn).execute());
    }

    @Override
    public Future<T> execute(Tuple args) {
      return fenced(conn -> prepared(conn).execute(args));
    }

    @Override
    public Future<T> executeBatch(List<Tuple> batch) {
      return fenced(conn -> prepared(conn).executeBatch(batch));
    }

    @Override
    public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
      return new FencedQuery<>(conn -> query.apply(conn).collecting(collector));
    }

    @Override
    public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
      return new FencedQuery<>(conn -> query.apply(conn).mapping(mapper));
    }
  }
}
