package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.testing.TestCertificates;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --pg-url}'s TLS settings hold for the migrations' connection as for the pool, against a
 * real PostgreSQL speaking TLS: with {@code sslmode=verify-full} both check the server's
 * certificate against {@code sslrootcert}, so a server showing a certificate from another CA (a
 * man in the middle) gets neither the migrations nor the pool; {@code sslmode=require} encrypts
 * both.
 */
class PgUrlTlsTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;
  private static Path certificates;

  @TempDir
  Path dataDir;

  @BeforeAll
  static void startServerSpeakingTls() throws Exception {
    certificates = Files.createTempDirectory("pg-tls-");
    TestCertificates.Issued ca = TestCertificates.authority("Database CA");
    ca.writeCertificateTo(certificates.resolve("ca.pem"));
    TestCertificates.authority("Another CA").writeCertificateTo(certificates.resolve("other-ca.pem"));
    TestCertificates.server(ca).writeTo(certificates.resolve("server.pem"), certificates.resolve("server.key"));
    server = EmbeddedPostgres.builder()
        .setServerConfig("ssl", "on")
        .setServerConfig("ssl_cert_file", certificates.resolve("server.pem").toString())
        .setServerConfig("ssl_key_file", certificates.resolve("server.key").toString())
        .start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Test
  void verifyFullWithTheServersCaEncryptsTheMigrationsAndThePool() throws Exception {
    String url = newDatabase() + "?sslmode=verify-full&sslrootcert=" + certificates.resolve("ca.pem");
    try (Database database = Database.open(dataDir, url)) {
      assertEquals(0, TestDatabase.queryLong(plain(url),
          "SELECT count(*) FROM probe.ddl WHERE NOT encrypted"), "every migration over TLS");
      assertTrue(TestDatabase.queryLong(plain(url), "SELECT count(*) FROM probe.ddl") > 0);
      assertEquals("true", poolSees(database.connectOptions(), url));
    }
  }

  @Test
  void aServerWithACertificateFromAnotherCaGetsNeitherTheMigrationsNorThePool() throws Exception {
    String url = newDatabase() + "?sslmode=verify-full&sslrootcert=" + certificates.resolve("other-ca.pem");
    assertThrows(RuntimeException.class, () -> Database.open(dataDir, url).close());
    assertEquals(0, TestDatabase.queryLong(plain(url), "SELECT count(*) FROM probe.ddl"), "no migration ran");
    assertThrows(ExecutionException.class, () -> poolSees(PgUrl.parse(url).options(), url));
  }

  @Test
  void sslmodeRequireEncryptsTheMigrationsAndThePool() throws Exception {
    String url = newDatabase() + "?sslmode=require";
    try (Database database = Database.open(dataDir, url)) {
      assertEquals(0, TestDatabase.queryLong(plain(url), "SELECT count(*) FROM probe.ddl WHERE NOT encrypted"));
      assertTrue(TestDatabase.queryLong(plain(url), "SELECT count(*) FROM probe.ddl") > 0);
      assertEquals("true", poolSees(database.connectOptions(), url));
    }
  }

  /** A database with an event trigger noting whether each connection running DDL used TLS. */
  private static String newDatabase() throws Exception {
    String name = "tls_" + DATABASES.incrementAndGet();
    try (Connection connection = server.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    String url = "postgresql://postgres@localhost:" + server.getPort() + "/" + name;
    TestDatabase.execute(url, """
        CREATE SCHEMA probe;
        CREATE TABLE probe.ddl (encrypted boolean);
        CREATE FUNCTION probe.note() RETURNS event_trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO probe.ddl SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid(); END $$;
        CREATE EVENT TRIGGER note_ddl ON ddl_command_end EXECUTE FUNCTION probe.note();
        """);
    return url;
  }

  private static String plain(String url) {
    return url.substring(0, url.indexOf('?'));
  }

  /**
   * Whether the pool's connection is encrypted, read from {@code pg_stat_ssl} by the database's
   * owner: the engine serves as {@code clearing_engine}, which may not see the connection details
   * of a session entered as the URL's user, even its own.
   */
  private static String poolSees(PgConnectOptions options, String url) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
          .connectingTo(options).using(vertx).build();
      long pid = pool.query("SELECT pg_backend_pid()").execute()
          .map(rows -> rows.iterator().next().getLong(0))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return TestDatabase.queryLong(plain(url), "SELECT count(*) FROM pg_stat_ssl WHERE ssl AND pid = " + pid)
          == 1 ? "true" : "false";
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
