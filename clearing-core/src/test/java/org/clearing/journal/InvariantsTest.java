package org.clearing.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.clearing.client.Role;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine's self-check can fail: each kind of broken book is reported by its own check. */
class InvariantsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  @AfterAll
  static void stop() throws Exception {
    engine.skipInvariantCheck();
  }

  private static JsonObject check(String name) {
    JsonObject answer = engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json();
    return answer.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("name").equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aCleanBookPassesAndEachBreakIsNamed() {
    assertTrue(engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json().getBoolean("ok"));
    String orderNo = engine.as(Role.REGISTRATION).post("/api/v1/orders", OrderBodies.typical("INV-1").encode(),
        "inv-1").json().getString("order_no");

    TestDatabase.tamper(engine.pgUrl(), "INSERT INTO journal_entry (entry_key, kind, order_no, channel)"
        + " VALUES ('BROKEN:1', 'PAYMENT', '" + orderNo + "', 'wechat')");
    TestDatabase.tamper(engine.pgUrl(), "INSERT INTO journal_posting (entry_id, posting_no, account, debit_fen,"
        + " credit_fen) SELECT entry_id, 1, 'clearing:wechat', 100, 0 FROM journal_entry WHERE entry_key = 'BROKEN:1'");
    TestDatabase.execute(engine.pgUrl(), "UPDATE leg SET amount_fen = amount_fen + 1 WHERE order_no = '"
        + orderNo + "' AND leg_no = 1");

    assertFalse(check("journal entries balance").getBoolean("ok"));
    assertFalse(check("legs sum to the order total").getBoolean("ok"));
    assertFalse(check("clearing accounts hold exactly what is in transit").getBoolean("ok"));
    assertEquals(1L, check("journal entries balance").getLong("violations"));
    assertEquals(403, engine.as(Role.REGISTRATION).get("/api/v1/admin/invariants").status());
  }
}
