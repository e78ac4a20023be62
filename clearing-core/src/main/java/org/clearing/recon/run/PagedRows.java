package org.clearing.recon.run;

import io.vertx.core.Future;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The rows of one query streamed through a cursor, a page at a time, on a connection of their own
 * in a read-only transaction: a day's million rows never sit in memory at once, as a whole
 * {@code RowSet} would.
 *
 * <p>One page is always asked for ahead: the first as soon as the cursor opens (so the database
 * runs and sorts the query while the caller does other work, e.g. reads the bill), the next as soon
 * as a page arrives, so the database works while the caller goes through the page it has.
 *
 * <p>Blocking: call it from a worker thread only (each page waits for the database).
 */
final class PagedRows<T> implements Iterator<T>, AutoCloseable {

  /** Rows fetched per round trip; a page of small rows is a few hundred kilobytes at most. */
  static final int PAGE_ROWS = 1_000;
  /**
   * The sort memory of these read transactions: the day's rows come out ordered, and PostgreSQL's
   * default of 4 MB would sort a million of them on disk. Per connection, for this transaction only.
   */
  static final String SORT_MEMORY = "64MB";

  private final SqlConnection conn;
  private final Transaction tx;
  private final Cursor cursor;
  private final Function<Row, T> mapping;
  private final ArrayDeque<T> page = new ArrayDeque<>();
  /** The page asked for ahead; null once the cursor has given its last. */
  private Future<io.vertx.sqlclient.RowSet<Row>> ahead;
  private long read;
  private long readNs;

  private PagedRows(SqlConnection conn, Transaction tx, Cursor cursor, Function<Row, T> mapping) {
    this.conn = conn;
    this.tx = tx;
    this.cursor = cursor;
    this.mapping = mapping;
    this.ahead = cursor.read(PAGE_ROWS);
  }

  /** Opens the cursor; its query runs as the first page is read. */
  static <T> PagedRows<T> open(Pool pool, String sql, Tuple arguments, Function<Row, T> mapping) {
    SqlConnection conn = Blocking.await(pool.getConnection());
    try {
      Transaction tx = Blocking.await(conn.begin());
      Blocking.await(conn.query("SET TRANSACTION READ ONLY").execute());
      Blocking.await(conn.query("SET LOCAL work_mem = '" + SORT_MEMORY + "'").execute());
      Cursor cursor = Blocking.await(conn.prepare(sql)).cursor(arguments);
      return new PagedRows<>(conn, tx, cursor, mapping);
    } catch (RuntimeException e) {
      conn.close();
      throw e;
    }
  }

  long read() {
    return read;
  }

  /** Time spent waiting for the database's pages. */
  long readMs() {
    return readNs / 1_000_000;
  }

  @Override
  public boolean hasNext() {
    if (page.isEmpty() && ahead != null) {
      long startNs = System.nanoTime();
      var rows = Blocking.await(ahead);
      readNs += System.nanoTime() - startNs;
      ahead = cursor.hasMore() ? cursor.read(PAGE_ROWS) : null;
      for (Row row : rows) {
        page.add(mapping.apply(row));
      }
    }
    return !page.isEmpty();
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    read++;
    return page.poll();
  }

  @Override
  public void close() {
    // A page still asked for is let finish (or fail) before the cursor closes under it.
    Future<?> pending = ahead == null ? Future.succeededFuture() : ahead;
    Future<Void> closed = pending.transform(done -> cursor.close()).eventually(tx::rollback)
        .eventually(conn::close);
    Blocking.await(closed);
  }
}
