package org.clearing.load;

// Proves, with a small soak, that payments under the storm, a SIGKILL of the engine and a PostgreSQL restart, then a business day with its refunds, leave nothing lost or doubled, every forgery refused and the whole date reconciled.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.SoakScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SoakTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(900)
  void aSmallSoakUnderEveryFaultLeavesTheBooksAndTheDaysReconciliationClean() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    try (Harness harness = Harness.start(ENGINE_JAR, Harness.PAYMENT_QUERY_AFTER_DEFAULT)) {
      JsonObject soak = SoakScenario.run(harness, new SoakScenario.Settings(300, 100, 256, 20, System.out));

      assertTrue(soak.getJsonObject("audit").getBoolean("clean"), soak.getJsonObject("audit").encodePrettily());
      assertEquals(3, soak.getInteger("batches"));
      assertEquals(300, soak.getJsonObject("money_audit").getLong("orders_audited"));
      // A payer whose try met the engine (and its sandboxes) down tries again after the window.
      assertTrue(soak.getLong("payments_taken_by_sandboxes") >= 285, soak.encodePrettily());
      assertEquals(0L, soak.getJsonObject("day").getJsonObject("reconciliation").getLong("open_items"));
      JsonObject forgeries = soak.getJsonObject("forgeries");
      assertTrue(forgeries.getBoolean("all_refused"), forgeries.encode());
      assertEquals(0L, forgeries.getLong("forged_acknowledged"), forgeries.encode());
      assertTrue(forgeries.getLong("refused_by_engine_after_restart") >= forgeries.getLong("forged_answered_after_restart"),
          forgeries.encode());
    }
  }
}
