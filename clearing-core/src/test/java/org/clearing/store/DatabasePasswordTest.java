package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.clearing.cli.VerifyJournalCommand;
import org.clearing.crypto.SecretFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The embedded PostgreSQL lets nobody in without the password kept in
 * {@code <data-dir>/keys/database.password}: an attacker on the machine connecting over TCP as the
 * superuser, with no password or a guessed one, is refused — also on a data directory made by an
 * earlier version with trust authentication, which keeps its data. The engine's own tools use
 * the password. The engine itself logs in as its own role, with its own generated password, and
 * that role cannot change the journal.
 */
class DatabasePasswordTest {

  @TempDir
  Path dataDir;

  @Test
  void aConnectionOverTcpWithoutThePasswordOrWithAWrongOneIsRefused() throws Exception {
    try (Database database = Database.open(dataDir, null)) {
      PgConnectOptions options = database.ownerConnectOptions();
      assertRefused(options, null);
      assertRefused(options, "");
      assertRefused(options, "postgres");
      assertRefused(options, "0".repeat(64));
      assertEquals(1, queryOne(options, options.getPassword(), "SELECT 1"));

      Path file = dataDir.resolve("keys").resolve("database.password");
      assertEquals(options.getPassword() + "\n", Files.readString(file));
      assertTrue(options.getPassword().matches("[0-9a-f]{64}"), "a generated password of 256 bits");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    }
  }

  @Test
  void aDataDirectoryFromAnEarlierVersionIsLockedOnItsFirstStartAndKeepsItsData() throws Exception {
    // What an earlier version left behind: a cluster made with trust authentication, no password.
    try (EmbeddedPostgres legacy = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("pg"))
        .setCleanDataDirectory(false).start();
        Connection connection = legacy.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA earlier");
      statement.execute("CREATE TABLE earlier.version (note text)");
      statement.execute("INSERT INTO earlier.version VALUES ('kept')");
    }

    for (int start = 1; start <= 2; start++) {
      try (Database database = Database.open(dataDir, null)) {
        PgConnectOptions options = database.ownerConnectOptions();
        assertRefused(options, null);
        assertRefused(options, "wrong");
        assertEquals(1, queryOne(options, options.getPassword(),
            "SELECT count(*) FROM earlier.version WHERE note = 'kept'"), "start " + start);
      }
    }
  }

  @Test
  void verifyJournalUsesThePasswordFile() throws Exception {
    Database.open(dataDir, null).close();

    int exit = new CommandLine(new VerifyJournalCommand()).execute("--data-dir", dataDir.toString());

    assertEquals(0, exit);
  }

  @Test
  void aPasswordFileOthersCanReadIsRefusedByName() throws Exception {
    Database.open(dataDir, null).close();
    Path file = dataDir.resolve("keys").resolve("database.password");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    SecretFiles.ExposedSecretException refused =
        assertThrows(SecretFiles.ExposedSecretException.class, () -> Database.open(dataDir, null));

    assertTrue(refused.getMessage().contains(file.toAbsolutePath().toString()), refused.getMessage());
  }

  @Test
  void theEngineLogsInAsItsOwnRoleWithItsOwnPasswordAndCannotChangeTheJournal() throws Exception {
    try (Database database = Database.open(dataDir, null)) {
      PgConnectOptions engine = database.connectOptions();
      assertEquals(Database.ENGINE_ROLE, engine.getUser());
      Path file = dataDir.resolve("keys").resolve(Database.ENGINE_PASSWORD_FILE);
      assertEquals(engine.getPassword() + "\n", Files.readString(file));
      assertTrue(engine.getPassword().matches("[0-9a-f]{64}"));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      assertTrue(!engine.getPassword().equals(database.ownerConnectOptions().getPassword()));

      String url = "jdbc:postgresql://127.0.0.1:" + engine.getPort() + "/" + engine.getDatabase();
      try (Connection connection = DriverManager.getConnection(url, engine.getUser(), engine.getPassword());
          Statement statement = connection.createStatement()) {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM journal_entry")) {
          rows.next();
          assertEquals(0, rows.getLong(1));
        }
        SQLException refused = assertThrows(SQLException.class,
            () -> statement.execute("DELETE FROM journal_posting"));
        assertEquals("42501", refused.getSQLState());
      }
      SQLException guessed = assertThrows(SQLException.class,
          () -> DriverManager.getConnection(url, Database.ENGINE_ROLE, "0".repeat(64)));
      assertEquals("28P01", guessed.getSQLState());
    }
  }

  private static void assertRefused(PgConnectOptions options, String password) {
    SQLException refused = assertThrows(SQLException.class,
        () -> queryOne(options, password, "SELECT 1"), "password " + password + " let in");
    // 28P01 invalid_password from the server; 08004 when the driver has none to give when asked.
    assertTrue(refused.getSQLState().equals("28P01") || refused.getSQLState().equals("08004"),
        refused.getSQLState() + " " + refused.getMessage());
  }

  private static long queryOne(PgConnectOptions options, String password, String sql) throws SQLException {
    String url = "jdbc:postgresql://127.0.0.1:" + options.getPort() + "/" + options.getDatabase();
    try (Connection connection = DriverManager.getConnection(url, "postgres", password);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
