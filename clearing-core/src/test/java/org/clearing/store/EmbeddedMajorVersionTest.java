package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL is the major version the engine expects, and a data directory made by
 * another major version (the PostgreSQL 14 of earlier releases) is refused with the way to upgrade
 * it, and left exactly as it was — never wiped to make a new cluster.
 */
class EmbeddedMajorVersionTest {

  @TempDir
  Path dataDir;

  @Test
  void theEmbeddedBinariesAreTheMajorVersionTheEngineExpects() {
    String pgUrl = TestDatabase.newDatabase();
    assertEquals(Database.EMBEDDED_MAJOR,
        TestDatabase.queryLong(pgUrl, "SELECT current_setting('server_version_num')::int / 10000"));
  }

  @Test
  void aDataDirectoryOfPostgres14IsRefusedWithHowToUpgradeAndKeptAsItWas() throws Exception {
    // What PostgreSQL 14 leaves behind, as far as a launcher and a server look before refusing.
    Path pgDir = dataDir.resolve("pg");
    Files.createDirectories(pgDir.resolve("base").resolve("1"));
    Files.writeString(pgDir.resolve("PG_VERSION"), "14\n");
    Files.writeString(pgDir.resolve("postgresql.conf"), "# made by PostgreSQL 14\n");
    Files.writeString(pgDir.resolve("base").resolve("1").resolve("16384"), "the journal's rows");
    Map<String, String> before = contents(pgDir);

    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> Database.open(dataDir, null).close());

    String message = refused.getMessage();
    assertTrue(message.contains("PostgreSQL 14"), message);
    assertTrue(message.contains("PostgreSQL " + Database.EMBEDDED_MAJOR), message);
    assertTrue(message.contains("pg_upgrade") && message.contains("pg_dump"), message);
    assertTrue(message.contains("nothing was changed"), message);
    assertEquals(before, contents(pgDir));
  }

  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(path).toString(), Files.readString(path));
      }
    }
    return files;
  }
}
