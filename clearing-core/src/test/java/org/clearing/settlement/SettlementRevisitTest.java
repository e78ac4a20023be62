package org.clearing.settlement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.config.EngineConfig;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.SettableClock;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The settlement job comes back for a leg it had to leave: a fee leg left paid under a channel
 * refund still open when the bill of its day was read is settled days later by the job's own
 * scheduled run, net of the refund, once the refund is final — nobody re-runs that day by hand.
 */
class SettlementRevisitTest {

  /** The engine's clock (the job's today, and request signing); the sandboxes keep real time. */
  private static final SettableClock CLOCK = new SettableClock(Instant.now());
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxesAndClock(CLOCK);
  /** The refund-query job asks 5 s after the channel's answer, then 30 s later. */
  private static final Duration QUERIED = Duration.ofSeconds(45);
  /** The job's scheduled run comes within one interval (the engine's default). */
  private static final Duration NEXT_RUN = Duration.ofMillis(EngineConfig.SETTLEMENT_INTERVAL_MS_DEFAULT + 30_000);
  private static final Channel CHANNEL = Channel.UNIONPAY;
  private static final String FEES = "NTX-341500";
  private static final String DEED_TAX = "TRE-341500";

  @AfterEach
  void clearFaults() {
    faults(new JsonObject());
  }

  /** The engine's closing checks sign their requests with real time. */
  @AfterAll
  static void backToToday() {
    CLOCK.set(Instant.now());
  }

  private static void faults(JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(CHANNEL), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  /** Signs with the engine's clock, so requests stay inside its timestamp window as days pass. */
  private static ApiCaller as(Role role) {
    return new ApiCaller(engine.baseUrl(), TestEngine.demoSigner(engine.dataDir(), role, CLOCK));
  }

  private static String legStatus(String orderNo, String payee) {
    return engine.count("SELECT count(*) FROM leg WHERE status = 'SETTLED' AND order_no = '" + orderNo
        + "' AND payee_account_id = '" + payee + "'") == 1 ? "SETTLED" : "not settled";
  }

  private static long moved(String orderNo, String kind, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND e.kind = '" + kind
        + "' AND p.account = '" + account + "'");
  }

  @Test
  void aLegLeftUnderAnOpenRefundIsSettledByTheJobDaysLaterWithoutARerunOfItsDay() {
    ApiCaller registration = as(Role.REGISTRATION);
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("REVISIT-1").encode(), "revisit-1")
        .json();
    String orderNo = order.getString("order_no");
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/" + CHANNEL.code()));
    Await.until("PAID", () -> registration.get("/api/v1/orders/" + orderNo).json().getString("status").equals("PAID"));
    // UnionPay accepts the refund and confirms it later; with its notification dropped only the
    // refund-query job learns, seconds later, that it succeeded.
    faults(new JsonObject().put("drop_percent", 100));
    ApiCaller.Answer refund = registration.post("/api/v1/orders/" + orderNo + "/refunds", new JsonObject()
        .put("refund_key", "revisit-" + orderNo).put("reason", "fee withdrawn").put("lines", new JsonArray().add(2))
        .encode(), null);
    assertEquals(201, refund.status(), refund.text());
    String refundPath = "/api/v1/orders/" + orderNo + "/refunds/" + refund.json().getString("refund_id");

    // One run of the job on day D, as its loop makes it: the deed tax settles, the fee leg waits.
    Await.result(engine.engine().settlement().runOnce());
    assertNotEquals("SUCCEEDED", registration.get(refundPath).json().getString("status"),
        "the run came while the refund was open");
    assertEquals("SETTLED", legStatus(orderNo, DEED_TAX));
    assertEquals("not settled", legStatus(orderNo, FEES), "left paid under the open refund");
    Await.until("the refund succeeded", QUERIED,
        () -> registration.get(refundPath).json().getString("status").equals("SUCCEEDED"));

    // Three days on, day D is neither today nor yesterday for the job.
    CLOCK.set(CLOCK.instant().plus(Duration.ofDays(3)));

    Await.until("the job's own run settles the fee leg", NEXT_RUN, () -> legStatus(orderNo, FEES).equals("SETTLED"));
    assertEquals(9_000 - 8_000, moved(orderNo, "SETTLEMENT", "payee:" + FEES), "settled net of the refund");
    assertEquals(0, engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account IN ('payee:"
        + FEES + "', 'payee:" + DEED_TAX + "', 'clearing:" + CHANNEL.code() + "')"), "every balance is zero");
    ApiCaller admin = as(Role.ADMIN);
    Await.until("SETTLED", () -> registration.get("/api/v1/orders/" + orderNo).json().getString("status")
        .equals("SETTLED"));
    JsonObject invariants = admin.get("/api/v1/admin/invariants").json();
    assertTrue(invariants.getBoolean("ok"), invariants.encode());
  }
}
