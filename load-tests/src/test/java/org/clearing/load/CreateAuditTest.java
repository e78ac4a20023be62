package org.clearing.load;

// Proves that the audit after an order-creation run passes a real run and catches a wrong status, a lost leg and an order nobody sent.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.clearing.load.audit.CreateAudit;
import org.clearing.load.driver.Harness;
import org.clearing.load.driver.OpenLoopDriver;
import org.clearing.load.scenario.CreateScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CreateAuditTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(110)
  void aCleanRunPassesAndWrongStatusesLostLegsAndUnsentOrdersAreFound() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    try (Harness harness = Harness.start(ENGINE_JAR)) {
      List<OpenLoopDriver.PreparedRequest> requests =
          CreateScenario.prepare(harness.signer("registration"), 40, "audit" + System.nanoTime());
      OpenLoopDriver.Result result = CreateScenario.run(harness, requests, 40, 64);
      assertEquals(40, result.ok());

      try (Connection db = harness.jdbc()) {
        CreateAudit.Verdict clean = CreateAudit.run(db, requests, result.statuses());
        assertTrue(clean.clean(), clean.json().encodePrettily());
        assertEquals(40, clean.created());

        try (Statement sql = db.createStatement()) {
          sql.executeUpdate("UPDATE orders SET status = 'PAID' WHERE idempotency_key = '"
              + key(requests.get(3)) + "'");
          sql.executeUpdate("DELETE FROM leg WHERE leg_no = 1 AND order_no = (SELECT order_no FROM orders"
              + " WHERE idempotency_key = '" + key(requests.get(7)) + "')");
        }
        int[] statuses = result.statuses().clone();
        statuses[11] = 0;
        CreateAudit.Verdict broken = CreateAudit.run(db, requests, statuses);

        assertEquals(3, broken.findings().size(), broken.findings().toString());
        assertTrue(broken.findings().get(0).contains("stored PAID"), broken.findings().toString());
        assertTrue(broken.findings().get(1).contains("legs add up to"), broken.findings().toString());
        assertTrue(broken.findings().get(2).contains("never sent"), broken.findings().toString());
      }
    }
  }

  private static String key(OpenLoopDriver.PreparedRequest request) {
    return request.headers().get("Idempotency-Key");
  }
}
