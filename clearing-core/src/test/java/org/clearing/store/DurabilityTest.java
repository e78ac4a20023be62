package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// The engine's embedded PostgreSQL flushes every commit to disk before the engine acknowledges it.
class DurabilityTest {

  @TempDir
  Path dataDir;

  @Test
  void theEmbeddedDatabaseFsyncsAndCommitsSynchronously() throws Exception {
    try (Database database = Database.open(dataDir, null)) {
      var options = database.connectOptions();
      try (Connection db = DriverManager.getConnection("jdbc:postgresql://" + options.getHost() + ":"
              + options.getPort() + "/" + options.getDatabase(), options.getUser(), options.getPassword());
          Statement sql = db.createStatement()) {
        assertEquals("on", show(sql, "fsync"));
        assertEquals("on", show(sql, "synchronous_commit"));
        assertEquals("on", show(sql, "full_page_writes"));
      }
    }
  }

  private static String show(Statement sql, String setting) throws Exception {
    try (ResultSet row = sql.executeQuery("SHOW " + setting)) {
      row.next();
      return row.getString(1);
    }
  }
}
