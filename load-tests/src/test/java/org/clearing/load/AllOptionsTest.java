package org.clearing.load;

// Proves that all refuses a rate that is not positive with exit code 2, before starting anything.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class AllOptionsTest {

  @ParameterizedTest
  @ValueSource(strings = {"--create-rate", "--pay-rate", "--fault-rate"})
  void aRateOfZeroIsRefused(String option) {
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(new LoadMain());
    line.setErr(new PrintWriter(err));
    line.setOut(new PrintWriter(new StringWriter()));

    int exit = line.execute("all", option, "0", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, exit, err.toString());
    assertTrue(err.toString().contains("must be positive"), err.toString());
  }
}
