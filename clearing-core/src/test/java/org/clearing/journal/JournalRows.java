package org.clearing.journal;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.clearing.testing.Await;
import org.clearing.testing.TestDatabase;
import org.flywaydb.core.Flyway;

/** Journal rows written straight with SQL, and the plumbing the journal tests share. */
final class JournalRows {

  private JournalRows() {}

  static String jdbcUrl(String pgUrl) {
    return "jdbc:" + pgUrl.replace("postgres@", "");
  }

  static Connection connect(String pgUrl) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(pgUrl), "postgres", "");
  }

  /** A fresh database with the engine's migrations and nothing else running on it. */
  static String migratedDatabase() {
    String pgUrl = TestDatabase.newDatabase();
    Flyway.configure().dataSource(jdbcUrl(pgUrl), "postgres", "")
        .locations("classpath:db/migration").load().migrate();
    return pgUrl;
  }

  static Pool pool(Vertx vertx, String pgUrl) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64))
        .connectingTo(PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
  }

  /** SQL that books a balanced two-posting entry of {@code fen} under {@code key}. */
  static String entrySql(String key, long fen) {
    return "INSERT INTO journal_entry (entry_key, kind, order_no, channel) VALUES ('" + key
        + "', 'PAYMENT', 'ORD-" + key + "', 'wechat');"
        + " INSERT INTO journal_posting (entry_id, posting_no, account, debit_fen, credit_fen) VALUES"
        + " (currval('journal_entry_seq'), 1, 'clearing:wechat', " + fen + ", 0),"
        + " (currval('journal_entry_seq'), 2, 'payee:TRE-341500', 0, " + fen + ");";
  }

  /** Books an entry in its own committed transaction. */
  static void book(String pgUrl, String key, long fen) {
    TestDatabase.execute(pgUrl, entrySql(key, fen));
  }

  static long count(String pgUrl, String sql) {
    return TestDatabase.queryLong(pgUrl, sql);
  }

  /** Entries that no seal covers, or more than one does; zero when sealing is exactly once. */
  static long entriesNotSealedExactlyOnce(String pgUrl) {
    return count(pgUrl, "SELECT count(*) FROM journal_entry e WHERE (SELECT count(*) FROM journal_seal s"
        + " WHERE e.txid >= s.from_txid AND e.txid < s.to_txid) <> 1");
  }

  /** The seal whose range holds the entry booked under {@code key}. */
  static long sealOf(String pgUrl, String key) {
    return count(pgUrl, "SELECT s.seal_no FROM journal_seal s JOIN journal_entry e"
        + " ON e.txid >= s.from_txid AND e.txid < s.to_txid WHERE e.entry_key = '" + key + "'");
  }

  /**
   * Seals until every committed entry is sealed. A short transaction elsewhere on the shared test
   * cluster can hold the horizon back for a moment, so this retries briefly.
   */
  static void sealEverything(JournalSealer sealer, String pgUrl) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      Await.result(sealer.sealPending());
      if (count(pgUrl, "SELECT count(*) FROM journal_entry WHERE txid >= coalesce("
          + "(SELECT to_txid FROM journal_seal ORDER BY seal_no DESC LIMIT 1), '0'::xid8)") == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("entries stayed unsealed");
      }
      Thread.sleep(50);
    }
  }

  /** The stored seal bytes of {@code sealNo}. */
  static byte[] sealBytes(String pgUrl, long sealNo) throws SQLException {
    try (Connection connection = connect(pgUrl);
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet rows = statement.executeQuery("SELECT seal FROM journal_seal WHERE seal_no = " + sealNo)) {
      rows.next();
      return rows.getBytes(1);
    }
  }
}
