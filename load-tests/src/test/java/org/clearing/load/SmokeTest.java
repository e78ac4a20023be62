package org.clearing.load;

// Proves, with small numbers, that payments pre-paid at the three sandboxes, their callbacks replayed to the engine (after a warm-up repeated while the JIT is busy), and the baseline at two numbers of connections leave the money audit clean.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.Runs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SmokeTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(150)
  void aSmallPayRunWithItsBaselineLeavesTheAuditClean() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    try (Harness harness = Harness.start(ENGINE_JAR)) {
      JsonObject pay = Runs.pay(harness, new Runs.Settings(30, 90, 64, List.of(2, 4), System.out));

      assertTrue(pay.getJsonObject("audit").getBoolean("clean"), pay.getJsonObject("audit").encodePrettily());
      assertTrue(pay.getLong("callbacks_confirmed") == 90, "every payment confirmed: " + pay.getLong("callbacks_confirmed"));
      // Both baseline runs booked every payment; the ratio is against the faster one.
      var runs = pay.getJsonObject("baseline").getJsonArray("runs");
      assertEquals(2, runs.size(), runs.encode());
      double best = Math.max(runs.getJsonObject(0).getDouble("callbacks_per_s"), runs.getJsonObject(1).getDouble("callbacks_per_s"));
      assertEquals(best, pay.getJsonObject("baseline").getDouble("callbacks_per_s"), 0.001);
      assertTrue(pay.getJsonObject("warm_up").getInteger("rounds") >= 1, pay.getJsonObject("warm_up").encode());
    }
  }
}
