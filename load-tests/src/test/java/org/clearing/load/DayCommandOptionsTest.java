package org.clearing.load;

// Proves that the day command, and the day option of all, refuse bad options with a clear message and exit code 2, before starting anything.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DayCommandOptionsTest {

  private record Run(int exitCode, String err) {}

  private static Run day(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "day";
    System.arraycopy(args, 0, all, 1, args.length);
    return execute(all);
  }

  private static Run execute(String... args) {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new LoadMain());
    command.setErr(new PrintWriter(err));
    command.setOut(new PrintWriter(new StringWriter()));
    return new Run(command.execute(args), err.toString());
  }

  @Test
  void zeroOrdersAreRefusedWithTheAllowedRange() {
    Run run = day("--orders", "0", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--orders must be 20 to 5000"), run.err());
    assertTrue(run.err().contains("not 0"), run.err());
  }

  @Test
  void tooManyOrdersAreRefused() {
    Run run = day("--orders", "5001", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--orders must be 20 to 5000"), run.err());
  }

  @Test
  void ordersThatAreNotANumberAreRefused() {
    Run run = day("--orders", "many");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--orders"), run.err());
  }

  @Test
  void aReportInADirectoryThatDoesNotExistIsRefused() {
    Run run = day("--orders", "40", "--report", "no-such-directory/day.json", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("no such directory"), run.err());
  }

  @Test
  void allRefusesADayOfZeroOrdersBeforeItRunsAnyScenario() {
    Run run = execute("all", "--day-orders", "0", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--day-orders must be 20 to 5000, not 0"), run.err());
  }
}
