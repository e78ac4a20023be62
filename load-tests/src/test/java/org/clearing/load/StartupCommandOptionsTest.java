package org.clearing.load;

// Proves that the start-up command refuses bad options with a clear message and exit code 2,
// before starting anything, that its median is the middle run's, and that it reads the engine's
// start-up phases from its log lines.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StartupCommandOptionsTest {

  @TempDir Path temp;

  private record Run(int exitCode, String err) {}

  private static Run startup(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "startup";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new LoadMain());
    command.setErr(new PrintWriter(err));
    command.setOut(new PrintWriter(new StringWriter()));
    return new Run(command.execute(all), err.toString());
  }

  @Test
  void noRunsAtAllIsRefused() {
    Run run = startup("--runs", "0", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--runs must be 1 to 100, not 0"), run.err());
  }

  @Test
  void aMissingEngineJarIsRefusedSayingHowToBuildIt() {
    Run run = startup("--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--engine-jar: no such file no-such-engine.jar"), run.err());
  }

  @Test
  void aDataDirectoryThatIsNoEnginesIsRefused() throws Exception {
    Path jar = Files.writeString(temp.resolve("engine.jar"), "not started");

    Run run = startup("--engine-jar", jar.toString(), "--data-dir", temp.toString());

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("is not an engine's data directory"), run.err());
  }

  @Test
  void theMedianIsTheMiddleRunOrTheMeanOfTheTwoMiddleOnes() {
    assertEquals(30, StartupCommand.median(new long[] {90, 10, 30}));
    assertEquals(25, StartupCommand.median(new long[] {40, 10, 20, 30}));
  }

  @Test
  void thePhasesAreReadFromTheEnginesLogLinesAndTheirMediansTakenPhaseByPhase() {
    var database = StartupCommand.msFields("INFO o.c.s.Database - event=database.migrated target=40 applied=0"
        + " start_ms=412 migrate_ms=388 where=\"embedded PostgreSQL\"");
    var phases = StartupCommand.msFields("event=engine.startup_phases vertx_ms=120 consoles_ms=300");

    assertEquals(java.util.List.of("start_ms", "migrate_ms"), java.util.List.copyOf(database.keySet()));
    assertEquals(412L, database.get("start_ms"));
    java.util.LinkedHashMap<String, Long> second = new java.util.LinkedHashMap<>(phases);
    second.put("vertx_ms", 100L);
    java.util.LinkedHashMap<String, Long> third = new java.util.LinkedHashMap<>(phases);
    third.put("vertx_ms", 500L);
    third.put("consoles_ms", 200L);
    var medians = StartupCommand.medianPhases(java.util.List.of(
        new StartupCommand.Run(1, 1, 1, "0", phases), new StartupCommand.Run(1, 1, 1, "0", second),
        new StartupCommand.Run(1, 1, 1, "0", third)));

    assertEquals(120L, medians.get("vertx_ms"));
    assertEquals(300L, medians.get("consoles_ms"));
  }
}
