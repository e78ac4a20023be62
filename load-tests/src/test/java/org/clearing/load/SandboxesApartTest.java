package org.clearing.load;

// Proves that with --sandboxes apart the sandboxes run as their own process, the engine runs with none (--no-sandboxes --config) on clients registered offline, a small pay run still leaves the money audit clean, the sandbox process is gone afterwards, and an unknown mode is refused.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.channel.Channel;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.Runs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

class SandboxesApartTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(90)
  void aSmallPayRunWithTheSandboxesInTheirOwnProcessLeavesTheAuditClean() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    Path dataDir;
    int sandboxPort;
    try (Harness harness = Harness.start(ENGINE_JAR, Harness.PAYMENT_QUERY_AFTER, Harness.Sandboxes.APART)) {
      dataDir = harness.dataDir();
      String engineCommand = ProcessHandle.of(harness.engine().pid()).orElseThrow().info().commandLine().orElse("");
      assertTrue(engineCommand.contains("--no-sandboxes"), engineCommand);
      sandboxPort = URI.create(harness.sandboxUrl(Channel.WECHAT)).getPort();
      assertFalse(Files.readString(harness.engine().dataDir().resolve("engine.log")).contains("Sandbox wechat"),
          "the engine started no sandboxes of its own");

      JsonObject pay = Runs.pay(harness, new Runs.Settings(20, 40, 64, java.util.List.of(4), System.out));

      assertTrue(pay.getJsonObject("audit").getBoolean("clean"), pay.getJsonObject("audit").encodePrettily());
      assertEquals(40, pay.getLong("callbacks_confirmed"), "every payment confirmed");
      assertEquals("apart", pay.getString("sandboxes"));
      assertTrue(pay.getLong("engine_vmhwm_mib") > 0, "the engine's peak is reported: " + pay);
    }
    assertFalse(Files.exists(dataDir), "the run's directory, sandboxes' data included, is removed");
    try (java.net.Socket probe = new java.net.Socket()) {
      probe.connect(new java.net.InetSocketAddress("127.0.0.1", sandboxPort), 1_000);
      throw new AssertionError("the sandbox process still answers on " + sandboxPort);
    } catch (java.io.IOException closed) {
      // Stopped with the harness.
    }
  }

  @Test
  void anUnknownSandboxesModeIsRefusedWithTheOptionNamed() {
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(new LoadMain());
    line.setErr(new PrintWriter(err));
    line.setOut(new PrintWriter(new StringWriter()));

    int exit = line.execute("storm", "--sandboxes", "beside", "--engine-jar", "no-such-engine.jar");

    assertEquals(2, exit, err.toString());
    assertTrue(err.toString().contains("--sandboxes"), err.toString());
  }
}
