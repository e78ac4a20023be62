package org.clearing.load;

// Proves, with small numbers, that payments pre-paid at the three sandboxes, their callbacks replayed to the engine, and the baseline leave the money audit clean.

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.Runs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SmokeTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(110)
  void aSmallPayRunWithItsBaselineLeavesTheAuditClean() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    try (Harness harness = Harness.start(ENGINE_JAR)) {
      JsonObject pay = Runs.pay(harness, new Runs.Settings(30, 90, 64, 4, System.out));

      assertTrue(pay.getJsonObject("audit").getBoolean("clean"), pay.getJsonObject("audit").encodePrettily());
      assertTrue(pay.getLong("callbacks_confirmed") == 90, "every payment confirmed: " + pay.getLong("callbacks_confirmed"));
    }
  }
}
