package org.clearing.load;

// Proves that the soak command refuses bad options with a clear message and exit code 2, before starting anything.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SoakCommandOptionsTest {

  private record Run(int exitCode, String err) {}

  private static Run soak(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "soak";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new LoadMain());
    command.setErr(new PrintWriter(err));
    command.setOut(new PrintWriter(new StringWriter()));
    return new Run(command.execute(all), err.toString());
  }

  @Test
  void tooFewPaymentsAreRefusedWithTheMinimum() {
    Run run = soak("--payments", "29", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--payments must be at least 30"), run.err());
  }

  @Test
  void aDayOutsideItsBoundsIsRefused() {
    Run run = soak("--payments", "1000", "--day-orders", "19", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--day-orders must be 20 to 5000, not 19"), run.err());
  }

  @Test
  void aRateOfZeroIsRefused() {
    Run run = soak("--rate", "0", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--rate and --inflight-max must be positive"), run.err());
  }

  @Test
  void aReportInAMissingDirectoryIsRefused() {
    Run run = soak("--report", "no-such-dir/soak.json", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--report: no such directory"), run.err());
  }

  @Test
  void sandboxesOtherThanInsideOrApartAreRefused() {
    Run run = soak("--sandboxes", "elsewhere", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("expected inside or apart, not elsewhere"), run.err());
  }
}
