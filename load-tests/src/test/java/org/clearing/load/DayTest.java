package org.clearing.load;

// Proves, with a small day, that every story ends as told, the daily reconciliation leaves nothing unexplained, and the day's audit is clean.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.DayScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DayTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(420)
  void aSmallDayReconcilesWithNothingUnexplainedAndLeavesTheAuditClean() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    try (Harness harness = Harness.start(ENGINE_JAR)) {
      JsonObject day = DayScenario.run(harness, new DayScenario.Settings(40, System.out));

      assertEquals(0L, day.getJsonObject("reconciliation").getLong("open_items"),
          day.getJsonObject("reconciliation").encodePrettily());
      assertTrue(day.getJsonObject("audit").getBoolean("clean"), day.getJsonObject("audit").encodePrettily());
    }
  }
}
