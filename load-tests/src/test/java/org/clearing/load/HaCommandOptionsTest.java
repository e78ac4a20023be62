package org.clearing.load;

// Proves that the ha command refuses bad options with a clear message and exit code 2 before it
// starts any part of the cluster (no Patroni needed to run these).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HaCommandOptionsTest {

  private record Run(int exitCode, String err) {}

  private static Run ha(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "ha";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new LoadMain());
    command.setErr(new PrintWriter(err));
    command.setOut(new PrintWriter(new StringWriter()));
    return new Run(command.execute(all), err.toString());
  }

  @Test
  void aWindowTooShortForTheFailoverIsRefused() {
    Run run = ha("--duration", "20s", "--cluster-script", "no-such-script");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--duration must be at least 40s"), run.err());
  }

  @Test
  void aRateOfZeroIsRefused() {
    Run run = ha("--rate", "0", "--cluster-script", "no-such-script");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("--rate"), run.err());
  }

  @Test
  void aClusterScriptThatIsNotThereIsRefusedByName() {
    Run run = ha("--cluster-script", "no-such-script");

    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("not executable: no-such-script"), run.err());
  }
}
