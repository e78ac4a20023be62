package org.clearing.load;

// Proves that recon-bench on a small day (every kind of plant still present: the first of each
// comes early) reconciles the bill through the engine's own run and finds exactly what it planted.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ReconBenchCommandTest {

  @Test
  void aSmallDayIsReconciledWithExactlyThePlantedDiscrepanciesFound() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = System.out;
    StringWriter err = new StringWriter();
    int exit;
    // The bench prints its report on the standard output.
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      CommandLine command = new CommandLine(new LoadMain());
      command.setErr(new PrintWriter(err));
      exit = command.execute("recon-bench", "--lines", "12000");
    } finally {
      System.setOut(out);
    }
    String report = printed.toString(StandardCharsets.UTF_8);

    assertEquals(0, exit, report + err);
    assertTrue(report.contains("every planted discrepancy found and nothing else: yes"), report);
    assertTrue(report.contains("planted {LONG=1, SHORT=1, AMOUNT_MISMATCH=1}"), report);
    assertTrue(report.contains("reconciled 11999 bill lines against 18000 engine records"), report);
  }
}
