package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.clearing.Main;
import org.clearing.testing.TestDatabase;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The query parameters of {@code --pg-url} reach both connections the engine opens — the
 * migrations' JDBC connection and the Vert.x pool — as PostgreSQL itself sees them; a
 * {@code sslmode=require} is never quietly downgraded to plain TCP for the migrations; and a bad
 * URL stops the start with a message naming {@code --pg-url} that never carries the password.
 */
class PgUrlParametersTest {

  private static final String PASSWORD = "Pw-only-the-operator-knows-7731";

  @TempDir
  Path dataDir;

  @Test
  void theMigrationsAndThePoolBothConnectUnderTheUrlsApplicationName() throws Exception {
    String pgUrl = TestDatabase.newDatabase();
    // An event trigger notes the application name of every connection that runs DDL: the
    // migrations' connection is gone by the time we look, but what it did is not.
    TestDatabase.execute(pgUrl, """
        CREATE SCHEMA probe;
        CREATE TABLE probe.ddl (application_name text);
        CREATE FUNCTION probe.note() RETURNS event_trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO probe.ddl VALUES (current_setting('application_name')); END $$;
        CREATE EVENT TRIGGER note_ddl ON ddl_command_end EXECUTE FUNCTION probe.note();
        """);

    try (Database database = Database.open(dataDir,
        pgUrl + "?sslmode=disable&application_name=clearing-test")) {
      assertTrue(TestDatabase.queryLong(pgUrl, "SELECT count(*) FROM probe.ddl") > 0, "migrations ran");
      assertEquals(0, TestDatabase.queryLong(pgUrl,
          "SELECT count(*) FROM probe.ddl WHERE application_name IS DISTINCT FROM 'clearing-test'"));

      Vertx vertx = Vertx.vertx();
      try {
        Pool pool = PgBuilder.pool()
            .with(new NetClientOptions().setConnectTimeout(database.connectTimeoutMs()))
            .connectingTo(database.connectOptions()).using(vertx).build();
        String seen = pool.query("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            .execute().map(rows -> rows.iterator().next().getString(0))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals("clearing-test", seen);
        // The client's own session defaults survive the URL's settings.
        String encoding = pool.query("SHOW client_encoding").execute()
            .map(rows -> rows.iterator().next().getString(0))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals("UTF8", encoding);
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theEnginesPoolConnectsUnderTheUrlsApplicationName() throws Exception {
    try (TestEngine engine = TestEngine.startWith(
        config -> config.withPgUrl(config.pgUrl() + "?application_name=clearing-engine-test"))) {
      String database = TestDatabase.queryString(engine.pgUrl(), "SELECT current_database()");
      assertTrue(TestDatabase.queryLong(engine.pgUrl(), "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database
          + "' AND application_name = 'clearing-engine-test'") > 0);
    }
  }

  @Test
  void sslmodeRequireIsNotDowngradedToPlainTcpForTheMigrations() {
    // The test server speaks no TLS: a client that honours sslmode=require cannot get in.
    String pgUrl = TestDatabase.newDatabase();
    RuntimeException refused = assertThrows(RuntimeException.class,
        () -> Database.open(dataDir, pgUrl + "?sslmode=require").close());
    assertTrue(stackTrace(refused).contains("SSL"), stackTrace(refused));
    assertEquals(0, TestDatabase.queryLong(pgUrl,
        "SELECT count(*) FROM pg_tables WHERE tablename = 'flyway_schema_history'"),
        "no migration ran over plain TCP");
  }

  @Test
  void aBadParameterStopsTheStartNamingPgUrlAndNeverShowsThePassword() {
    String pgUrl = TestDatabase.newDatabase().replace("postgres@", "postgres:" + PASSWORD + "@");
    assertRefusedWithoutPassword(pgUrl + "?sslmode=bogus", "sslmode");
    assertRefusedWithoutPassword(pgUrl + "?sslmode=disable&sslmdoe=require", "sslmdoe");
    assertRefusedWithoutPassword(pgUrl + "?connect_timeout=soon", "connect_timeout");
    assertRefusedWithoutPassword(pgUrl + "?connect_timeout=0", "connect_timeout");
    assertRefusedWithoutPassword(pgUrl + "?application_name=a%0Ab", "application_name");
    assertRefusedWithoutPassword(pgUrl + "?sslmode=disable&sslmode=require", "twice");
    assertRefusedWithoutPassword(pgUrl + "?sslmode=verify-full", "sslrootcert");
    assertRefusedWithoutPassword(pgUrl + "?sslmode=verify-ca&sslrootcert=/no/such/ca.pem", "sslrootcert");
    assertRefusedWithoutPassword(pgUrl.replaceFirst(":[0-9]+/", ":port/") + "?sslmode=disable", "form");
  }

  @Test
  void theEngineRefusesABadUrlAtStartWithoutWritingThePasswordToTheConsoleOrTheLog() {
    String pgUrl = TestDatabase.newDatabase().replace("postgres@", "postgres:" + PASSWORD + "@")
        + "?sslmode=bogus";
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    root.addAppender(log);
    StringWriter console = new StringWriter();
    int exit;
    try {
      exit = new CommandLine(new Main()).setErr(new PrintWriter(console)).setOut(new PrintWriter(console))
          .execute("--data-dir", dataDir.toString(), "--pg-url", pgUrl);
    } finally {
      root.detachAppender(log);
    }
    assertNotEquals(0, exit);
    assertTrue(console.toString().contains("--pg-url"), console.toString());
    assertTrue(console.toString().contains("sslmode"), console.toString());
    assertFalse(console.toString().contains(PASSWORD), console.toString());
    for (ILoggingEvent event : log.list) {
      String line = event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
      assertFalse(line.contains(PASSWORD), line);
    }
  }

  @Test
  void theRedactedUrlKeepsNeitherThePasswordNorTheQuery() {
    assertEquals("postgresql://app:***@db.example:5432/clearing?…",
        PgUrl.redacted("postgresql://app:p@ss/w?rd@db.example:5432/clearing?sslmode=verify-full"));
    assertEquals("postgresql://app@db.example/clearing", PgUrl.redacted("postgresql://app@db.example/clearing"));
  }

  private void assertRefusedWithoutPassword(String pgUrl, String named) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> Database.open(dataDir, pgUrl).close(), pgUrl);
    assertTrue(refused.getMessage().startsWith("--pg-url "), refused.getMessage());
    assertTrue(refused.getMessage().contains(named), refused.getMessage());
    assertFalse(stackTrace(refused).contains(PASSWORD), stackTrace(refused));
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter text = new StringWriter();
    thrown.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
