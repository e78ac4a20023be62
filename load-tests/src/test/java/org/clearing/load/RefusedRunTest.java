package org.clearing.load;

// Proves that a run which cannot fit WeChat's freshness window ends, through the command's own entry point, with one line on stderr and a non-zero exit, before anything is started — no stack trace.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusedRunTest {

  private record Ended(int exitCode, String out, String err) {}

  private static Ended run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = LoadMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Ended(exitCode, out.toString(), err.toString());
  }

  private static void assertOneLineRefusal(Ended ended, String command) {
    assertEquals(LoadMain.EXIT_REFUSED, ended.exitCode(), ended.err());
    List<String> lines = ended.err().lines().toList();
    assertEquals(1, lines.size(), "one line on stderr:\n" + ended.err());
    assertTrue(lines.get(0).startsWith("clearing-load " + command + ": a replay window of "), lines.get(0));
    assertTrue(lines.get(0).contains("shorten --duration"), lines.get(0));
    assertFalse(ended.err().contains("Exception") || ended.err().contains("\tat "), ended.err());
  }

  @Test
  void aPayRunLongerThanTheFreshnessWindowEndsWithOneLineAndExitTwo() {
    // The engine jar does not exist: the refusal must come before anything is started.
    Ended ended = run("pay", "--rate", "400", "--duration", "600s", "--engine-jar", "no-such-engine.jar");

    assertOneLineRefusal(ended, "pay");
  }

  @Test
  void anOverloadRunWhoseCopiesCannotFitEndsWithOneLineAndExitTwo() {
    // Its window is a quarter of --duration (4x the rate), each callback five times.
    Ended ended = run("overload", "--rate", "100", "--duration", "1200s", "--engine-jar", "no-such-engine.jar");

    assertOneLineRefusal(ended, "overload");
  }

  @Test
  void createAgainstARunningEngineWithoutItsClientKeyIsRefusedAsABadOption() {
    Ended ended = run("create", "--url", "http://127.0.0.1:1", "--duration", "1s");

    assertEquals(2, ended.exitCode(), ended.err());
    assertTrue(ended.err().startsWith("--url needs --client-file"), ended.err());
  }

  @Test
  void anotherFailureStillShowsItsStackTrace() {
    // A missing engine jar is not a refusal of the window: picocli's full report, exit 1.
    Ended ended = run("pay", "--rate", "10", "--duration", "3s", "--engine-jar", "no-such-engine.jar");

    assertEquals(1, ended.exitCode(), ended.err());
    assertTrue(ended.err().contains("engine jar not found"), ended.err());
  }
}
