package org.clearing.refund;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * A channel refund the channel accepted before the bill settled its leg, and whose success the
 * engine learns only after a settlement run (its notification dropped, the refund-query job
 * finishing it), is booked against the payee account exactly once: the leg's money reaches the
 * payee account net of the refund, every balance ends at zero to the fen, and the books keep
 * their invariants.
 */
class LateRefundAfterSettlementTest {

  /** The refund-query job asks 5 s after the channel's answer, then 30 s later. */
  private static final Duration QUERIED = Duration.ofSeconds(45);
  private static final long NTX_LEG_FEN = 9_000;
  private static final long REFUNDED_LINE_FEN = 8_000;

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  @AfterEach
  void clearFaults() {
    for (Channel channel : Channel.values()) {
      faults(channel, new JsonObject());
    }
  }

  private static void faults(Channel channel, JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(channel), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static String refundStatus(String orderNo, String refundId) {
    return registration.get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json().getString("status");
  }

  /** What the order's entries of one kind moved on one account, debits less credits. */
  private static long moved(String orderNo, String kind, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND e.kind = '" + kind
        + "' AND p.account = '" + account + "'");
  }

  private static long balance(String orderNo, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account = '" + account + "'");
  }

  private static void settleToday() {
    Await.result(engine.engine().settlement().run(LocalDate.now(ZoneOffset.ofHours(8))));
  }

  @Test
  void aRefundAcceptedBeforeSettlementAndConfirmedAfterItIsTakenFromThePayeeOnce() {
    // UnionPay answers a refund "accepted" and confirms it later (notification or query).
    Channel channel = Channel.UNIONPAY;
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("LATE-" + (++cases)).encode(),
        "late-" + cases).json();
    String orderNo = order.getString("order_no");
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/" + channel.code()));
    Await.until("PAID", () -> status(orderNo).equals("PAID"));
    // The channel refunds, but its notification never comes: only the refund-query job, seconds
    // later, learns that the refund succeeded.
    faults(channel, new JsonObject().put("drop_percent", 100));

    ApiCaller.Answer answer = registration.post("/api/v1/orders/" + orderNo + "/refunds", new JsonObject()
        .put("refund_key", "late-" + orderNo).put("reason", "fee withdrawn").put("lines", new JsonArray().add(2))
        .encode(), null);
    assertEquals(201, answer.status(), answer.text());
    String refundId = answer.json().getString("refund_id");
    assertEquals(REFUNDED_LINE_FEN, answer.json().getLong("amount_fen"));
    settleToday();
    assertNotEquals("SUCCEEDED", refundStatus(orderNo, refundId),
        "the settlement run came before the engine learnt of the refund's success");

    Await.until("the refund succeeded", QUERIED, () -> refundStatus(orderNo, refundId).equals("SUCCEEDED"));
    settleToday();

    String ntx = "payee:NTX-341500";
    String tre = "payee:TRE-341500";
    String clearing = "clearing:" + channel.code();
    assertEquals(REFUNDED_LINE_FEN, moved(orderNo, "REFUND", ntx), "the refund is taken from the fee account once");
    assertEquals(NTX_LEG_FEN - REFUNDED_LINE_FEN, moved(orderNo, "SETTLEMENT", ntx),
        "the fee account is settled what it really received, net of the refund");
    assertEquals(1_500_000, moved(orderNo, "SETTLEMENT", tre), "the deed tax settles whole");
    assertEquals(0, balance(orderNo, ntx), "nothing more is owed to the fee account, nor taken from it");
    assertEquals(0, balance(orderNo, tre));
    assertEquals(0, balance(orderNo, clearing), "the channel holds nothing more for the order");
    assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE entry_key = 'REFUND:" + refundId + "'"));
    assertEquals("SETTLED", status(orderNo));
    JsonObject invariants = engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json();
    assertTrue(invariants.getBoolean("ok"), invariants.encode());
  }
}
