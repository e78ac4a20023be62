package org.clearing.store;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system of record: the embedded PostgreSQL under the data directory (real PostgreSQL binaries
 * shipped as a Maven artifact), or an external one. Migrations run at start, through Flyway over
 * JDBC, before any Vert.x client connects; afterwards the engine speaks only the Vert.x PG client.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /**
   * Server settings that make a commit durable. The embedded PostgreSQL launcher starts the server
   * with {@code -F} (no fsync) and {@code synchronous_commit=off}, settings for throw-away test
   * databases: a payment acknowledged to its channel after such a commit can vanish in a crash.
   * Settings given with {@code -c} come after {@code -F} on the command line and win.
   */
  public static final Map<String, String> DURABLE_SERVER_CONFIG =
      Map.of("fsync", "on", "synchronous_commit", "on", "full_page_writes", "on");

  private final EmbeddedPostgres embedded;
  private final PgConnectOptions connectOptions;
  private final String description;

  private Database(EmbeddedPostgres embedded, PgConnectOptions connectOptions, String description) {
    this.embedded = embedded;
    this.connectOptions = connectOptions;
    this.description = description;
  }

  /** Starts (or connects to) the database and migrates it. Blocking: call before serving. */
  public static Database open(Path dataDir, String pgUrl) {
    Database database = pgUrl == null ? embedded(dataDir) : external(pgUrl);
    try {
      database.migrate();
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    return database;
  }

  private static Database embedded(Path dataDir) {
    Path pgDir = dataDir.resolve("pg").toAbsolutePath();
    try {
      Files.createDirectories(pgDir);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(pgDir)
          .setCleanDataDirectory(false)
          .setServerConfig("max_connections", "100");
      DURABLE_SERVER_CONFIG.forEach(builder::setServerConfig);
      EmbeddedPostgres pg = builder.start();
      PgConnectOptions options = new PgConnectOptions()
          .setHost("localhost")
          .setPort(pg.getPort())
          .setDatabase("postgres")
          .setUser("postgres");
      return new Database(pg, options, "embedded PostgreSQL in " + pgDir + " on port " + pg.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + pgDir, e);
    }
  }

  private static Database external(String pgUrl) {
    PgConnectOptions options = PgConnectOptions.fromUri(pgUrl);
    return new Database(null, options, "PostgreSQL at " + options.getHost() + ":" + options.getPort()
        + "/" + options.getDatabase());
  }

  private void migrate() {
    String jdbcUrl = "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort()
        + "/" + connectOptions.getDatabase();
    var result = Flyway.configure()
        .dataSource(jdbcUrl, connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        .load()
        .migrate();
    LOG.info("event=database.migrated target={} applied={} where=\"{}\"",
        result.targetSchemaVersion, result.migrationsExecuted, description);
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connectOptions);
  }

  public String description() {
    return description;
  }

  /** Stops the embedded PostgreSQL (a fast shutdown that checkpoints); nothing for an external one. */
  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
        LOG.info("event=database.stopped");
      } catch (IOException e) {
        LOG.warn("event=database.stop_failed error={}", e.toString());
      }
    }
  }

  /**
   * The connection as a {@code postgresql://} URL (without password), so that another engine,
   * a test or an operator's tool can reach the same database.
   */
  public String uri() {
    return "postgresql://" + connectOptions.getUser() + "@" + connectOptions.getHost() + ":"
        + connectOptions.getPort() + "/" + connectOptions.getDatabase();
  }
}
