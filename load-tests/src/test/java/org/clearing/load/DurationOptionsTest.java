package org.clearing.load;

// Proves that every load command refuses a duration it cannot read with the option named and exit code 2, before starting anything.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class DurationOptionsTest {

  @ParameterizedTest
  @CsvSource({"create, 20", "pay, soon", "storm, -5s", "overload, 1x", "all, 60"})
  void anUnreadableOrNegativeDurationIsRefusedWithTheOptionNamed(String command, String duration) {
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(new LoadMain());
    line.setErr(new PrintWriter(err));
    line.setOut(new PrintWriter(new StringWriter()));

    int exit = line.execute(command, "--duration", duration, "--engine-jar", "no-such-engine.jar");

    assertEquals(2, exit, err.toString());
    assertTrue(err.toString().contains("--duration"), err.toString());
  }

  @Test
  void secondsMinutesAndIsoDurationsAreRead() {
    LoadMain.Create create = new LoadMain.Create();
    new CommandLine(create).parseArgs("--duration", "2m");
    assertEquals(120, create.duration.toSeconds());
    new CommandLine(create).parseArgs("--duration", "PT45S");
    assertEquals(45, create.duration.toSeconds());
  }
}
