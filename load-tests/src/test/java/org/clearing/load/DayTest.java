package org.clearing.load;

// Proves, with a small day, that every story ends as told, the reconciliation leaves nothing unexplained and the audit is clean; and that the audit then catches what is planted in the books.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.clearing.load.audit.DayAudit;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.DayOrder;
import org.clearing.load.scenario.DayScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DayTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(480)
  void aSmallDayReconcilesWithNothingUnexplainedAndItsAuditCatchesWhatIsPlantedAfterwards() throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    try (Harness harness = Harness.start(ENGINE_JAR, Harness.PAYMENT_QUERY_AFTER_DEFAULT)) {
      DayScenario.Day day = DayScenario.runDay(harness, new DayScenario.Settings(40, System.out));

      assertEquals(0L, day.section().getJsonObject("reconciliation").getLong("open_items"),
          day.section().getJsonObject("reconciliation").encodePrettily());
      assertTrue(day.section().getJsonObject("audit").getBoolean("clean"),
          day.section().getJsonObject("audit").encodePrettily());

      DayOrder paid = day.orders().stream().filter(o -> o.story() == DayOrder.Story.PAID).findFirst().orElseThrow();
      try (Connection db = harness.jdbc(); Statement sql = db.createStatement()) {
        sql.execute("UPDATE orders SET status = 'CANCELLED' WHERE order_no = '" + paid.orderNo() + "'");
        // The journal refuses changes; only a superuser with triggers off can plant this.
        sql.execute("SET session_replication_role = replica");
        sql.execute("UPDATE journal_posting SET debit_fen = debit_fen + 1 WHERE (entry_id, posting_no) ="
            + " (SELECT min(entry_id), 1 FROM journal_entry WHERE order_no = '" + paid.orderNo() + "')");
      }
      DayAudit.Verdict planted = DayAudit.run(harness, day.orders(), List.of());

      assertFalse(planted.clean());
      assertTrue(planted.findings().stream().anyMatch(f -> f.startsWith(paid.orderNo()) && f.contains("CANCELLED")),
          planted.findings().toString());
      assertTrue(planted.findings().stream().anyMatch(f -> f.startsWith("journal unbalanced")),
          planted.findings().toString());
    }
  }
}
