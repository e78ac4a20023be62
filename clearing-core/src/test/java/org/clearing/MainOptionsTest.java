package org.clearing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

// The command line reads durations as people write them and refuses nonsense before anything starts.
class MainOptionsTest {

  @Test
  void thePaymentQueryDelayReadsSecondsMinutesAndIsoDurations() {
    assertEquals(Duration.ofSeconds(90), parse("90s"));
    assertEquals(Duration.ofMinutes(2), parse("2m"));
    assertEquals(Duration.ofSeconds(45), parse("PT45S"));
  }

  @Test
  void thePaymentQueryDelayDefaultsToOneMinute() {
    Main main = new Main();
    new CommandLine(main).parseArgs();
    assertEquals(Duration.ofSeconds(60), main.paymentQueryAfter);
  }

  @Test
  void aBadOrNegativeDelayIsRefusedWithTheOptionNamed() {
    for (String bad : new String[] {"soon", "-5s", "5"}) {
      StringWriter err = new StringWriter();
      int exit = new CommandLine(new Main()).setErr(new PrintWriter(err))
          .execute("--payment-query-after", bad, "--no-sandboxes");
      assertEquals(2, exit, bad);
      assertTrue(err.toString().contains("--payment-query-after"), err.toString());
    }
  }

  @Test
  void webhookAllowRangesRepeatOrSplitOnCommasAndDefaultToNone() {
    Main main = new Main();
    new CommandLine(main).parseArgs("--webhook-allow-cidr", "10.20.0.0/16,fd00::/8", "--webhook-allow-cidr", "127.0.0.1");
    assertEquals(java.util.List.of("10.20.0.0/16", "fd00::/8", "127.0.0.1"), main.webhookAllowCidrs);
    Main none = new Main();
    new CommandLine(none).parseArgs();
    assertTrue(none.webhookAllowCidrs == null || none.webhookAllowCidrs.isEmpty());
  }

  @Test
  void aWebhookAllowRangeThatIsNotOneIsRefusedWithTheOptionNamed() {
    for (String bad : new String[] {"10.0.0.0/33", "intranet.example", "10.0.0.0/", ""}) {
      StringWriter err = new StringWriter();
      int exit = new CommandLine(new Main()).setErr(new PrintWriter(err))
          .execute("--webhook-allow-cidr", bad, "--no-sandboxes");
      assertEquals(2, exit, bad);
      assertTrue(err.toString().contains("--webhook-allow-cidr"), err.toString());
    }
  }

  @Test
  void anEngineServingHttpsSendsWebhooksOverHttpsOnly() {
    Main https = new Main();
    new CommandLine(https).parseArgs("--tls-cert", "server.pem", "--tls-key", "server-key.pem");
    assertTrue(https.config().webhookHttpsOnly());
    Main plain = new Main();
    new CommandLine(plain).parseArgs();
    assertFalse(plain.config().webhookHttpsOnly());
  }

  @Test
  void theKeyOptionsNameFilesAndTheMasterKeyItselfNeverComesFromAnOption() {
    Main files = new Main();
    new CommandLine(files).parseArgs("--master-key-file", "master.key", "--signing-key-file", "signing.pem",
        "--payer-key-file", "payer.keys");
    org.clearing.config.KeySources keys = files.config().keys();
    assertTrue(keys.masterKeyFile().endsWith("master.key") && keys.masterKeyFile().isAbsolute());
    assertTrue(keys.signingKeyFile().endsWith("signing.pem"));
    assertTrue(keys.payerKeyFile().endsWith("payer.keys"));
    Main none = new Main();
    new CommandLine(none).parseArgs();
    assertEquals(null, none.config().keys().signingKeyFile(), "by default the keys are kept in the database");
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new Main()).setErr(new PrintWriter(err)).execute("--master-key", "00");
    assertEquals(2, exit, "there is no option carrying the key: the process list would show it");
  }

  private static Duration parse(String value) {
    Main main = new Main();
    new CommandLine(main).parseArgs("--payment-query-after", value);
    return main.paymentQueryAfter;
  }
}
