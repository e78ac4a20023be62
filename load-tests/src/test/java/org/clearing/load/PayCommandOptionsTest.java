package org.clearing.load;

// Proves that pay's baseline connections are read as a list and that a count PostgreSQL cannot serve is refused with exit code 2 before anything starts.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PayCommandOptionsTest {

  private record Run(int exitCode, String err) {}

  private static Run pay(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "pay";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new LoadMain());
    command.setErr(new PrintWriter(err));
    command.setOut(new PrintWriter(new StringWriter()));
    return new Run(command.execute(all), err.toString());
  }

  @Test
  void theBaselineRunsAtEightThirtyTwoAndSixtyFourConnectionsUnlessToldOtherwise() {
    LoadMain.Pay pay = new LoadMain.Pay();
    new CommandLine(pay).parseArgs();
    assertEquals(List.of(8, 32, 64), pay.baselineConnections);

    new CommandLine(pay).parseArgs("--baseline-connections", "4,16");
    assertEquals(List.of(4, 16), pay.baselineConnections);
  }

  @Test
  void moreBaselineConnectionsThanPostgresqlCanServeAreRefused() {
    Run run = pay("--baseline-connections", "8,200", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--baseline-connections must each be 1 to 80"), run.err());
  }

  @Test
  void zeroBaselineConnectionsAreRefused() {
    Run run = pay("--baseline-connections", "0", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--baseline-connections must each be 1 to 80"), run.err());
  }
}
