package org.clearing.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL for the whole test run (started once, ~3 s), with a fresh database per
 * test class so that classes cannot see each other's rows.
 */
public final class TestDatabase {

  private static EmbeddedPostgres postgres;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestDatabase() {}

  private static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException e) {
          // The JVM is exiting; the temporary cluster goes with it.
        }
      }));
    }
    return postgres;
  }

  /** Creates an empty database and returns its {@code postgresql://} URL. */
  public static String newDatabase() {
    String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection connection = postgres().getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return "postgresql://postgres@localhost:" + postgres().getPort() + "/" + name;
  }

  /** Runs a query returning one number, e.g. a count, against a database by its URL. */
  public static long queryLong(String pgUrl, String sql) {
    String jdbc = "jdbc:" + pgUrl.replace("postgres@", "");
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a query returning one text value against a database by its URL. */
  public static String queryString(String pgUrl, String sql) {
    String jdbc = "jdbc:" + pgUrl.replace("postgres@", "");
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a statement against a database by its URL. */
  public static void execute(String pgUrl, String sql) {
    String jdbc = "jdbc:" + pgUrl.replace("postgres@", "");
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs statements as the superuser with triggers switched off ({@code session_replication_role =
   * replica}), the only way past the journal's append-only and balance triggers: what a test that
   * tampers with the books deliberately, to prove the seal chain catches it, must use.
   */
  public static void tamper(String pgUrl, String sql) {
    execute(pgUrl, "SET session_replication_role = replica; " + sql);
  }
}
