package org.clearing.load.driver;

// Proves that the harness removes its clearing-load-* data directory (PostgreSQL's files, the engine's keys and log) after a run, and also when the run fails to start.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TempDirectoriesTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @TempDir
  Path root;

  @BeforeEach
  void harnessDirectoriesGoUnderTheTestsRoot() {
    System.setProperty(TempDirectories.ROOT_PROPERTY, root.toString());
  }

  @AfterEach
  void restore() {
    System.clearProperty(TempDirectories.ROOT_PROPERTY);
  }

  private List<Path> left() throws Exception {
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(p -> !p.getFileName().toString().equals("bad-engine.jar")).toList();
    }
  }

  @Test
  @Timeout(120)
  void aHarnessWhoseEngineCannotStartLeavesNoDirectoryAndSaysWhatTheLogSaid() throws Exception {
    Path badJar = Files.writeString(root.resolve("bad-engine.jar"), "not a jar");

    IllegalStateException failed = assertThrows(IllegalStateException.class, () -> Harness.start(badJar));

    assertTrue(failed.getMessage().contains("engine exited; the end of its log:"), failed.getMessage());
    assertTrue(failed.getMessage().toLowerCase(java.util.Locale.ROOT).contains("jarfile"), failed.getMessage());
    assertEquals(List.of(), left(), "directories left behind");
  }

  @Test
  @Timeout(180)
  void aHarnessRunRemovesItsDirectoryWhenClosed() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    Path dataDir;
    try (Harness harness = Harness.start(ENGINE_JAR)) {
      dataDir = harness.dataDir();
      assertTrue(dataDir.getFileName().toString().startsWith(TempDirectories.PREFIX), dataDir.toString());
      assertTrue(Files.exists(dataDir.resolve("engine").resolve("engine.log")));
    }

    assertTrue(Files.notExists(dataDir), dataDir + " is still there");
    assertEquals(List.of(), left(), "directories left behind");
  }
}
