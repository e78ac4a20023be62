package org.clearing.refund;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.client.Role;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refunds left open by a channel are finished by asking it, through the sandboxes: a refund whose
 * answer was lost (the channel refunded, the connection dropped as it answered, its notification
 * dropped too) ends SUCCEEDED with its journal entry; one that never reached the channel is sent
 * again under its own number and succeeds, or, refused then, ends FAILED with its lines refundable
 * again; and a duplicate payment's refund that WeChat accepted and
 * never confirmed ends SUCCEEDED. No refund notification reaches the engine in any of them.
 */
class LostRefundAnswerTest {

  /**
   * The refund-query job asks 5 s after a lost answer and 30 s after that: a wait must cover a
   * first question that met a channel still failing, and the second one.
   */
  private static final Duration QUERIED = Duration.ofSeconds(40);

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

  private static JsonObject newOrder() {
    return registration.post("/api/v1/orders", OrderBodies.typical("LOST-" + (++cases)).encode(), "lost-" + cases).json();
  }

  private static String paidThrough(Channel channel) {
    JsonObject order = newOrder();
    String orderNo = order.getString("order_no");
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/" + channel.code()));
    Await.until("PAID", () -> status(orderNo).equals("PAID"));
    return orderNo;
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static JsonObject refundWhole(String orderNo) {
    ApiCaller.Answer answer = registration.post("/api/v1/orders/" + orderNo + "/refunds",
        new JsonObject().put("refund_key", "lost-" + orderNo).put("reason", "registration withdrawn").encode(), null);
    assertEquals(201, answer.status(), answer.text());
    return answer.json();
  }

  private static String refundStatus(String orderNo, String refundId) {
    return registration.get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json().getString("status");
  }

  private static long refundNotifications(String orderNo) {
    return engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'REFUND' AND order_no = '" + orderNo + "'");
  }

  private void aLostAnswerIsFinishedByAQuery(Channel channel) {
    String orderNo = paidThrough(channel);
    faults(channel, new JsonObject().put("lose_answer_percent", 100).put("drop_percent", 100));

    JsonObject refund = refundWhole(orderNo);

    assertEquals("UNKNOWN", refund.getString("status"), refund.encode());
    faults(channel, new JsonObject().put("drop_percent", 100));
    String refundId = refund.getString("refund_id");
    Await.until("the refund finished", QUERIED, () -> refundStatus(orderNo, refundId).equals("SUCCEEDED"));
    assertEquals("REFUNDED", status(orderNo));
    assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE entry_key = 'REFUND:" + refundId + "'"));
    assertEquals(0, refundNotifications(orderNo), "finished by the query, not by a notification");
  }

  @Test
  void anAlipayRefundWhoseAnswerWasLostIsFinishedByAskingAlipay() {
    aLostAnswerIsFinishedByAQuery(Channel.ALIPAY);
  }

  @Test
  void aUnionPayRefundWhoseAnswerWasLostIsFinishedByAskingUnionPay() {
    aLostAnswerIsFinishedByAQuery(Channel.UNIONPAY);
  }

  @Test
  void aRefundThatNeverReachedTheChannelIsSentAgainUnderItsNumberAndSucceeds() {
    String orderNo = paidThrough(Channel.ALIPAY);
    faults(Channel.ALIPAY, new JsonObject().put("fail_requests_percent", 100).put("drop_percent", 100));

    JsonObject refund = refundWhole(orderNo);

    assertEquals("UNKNOWN", refund.getString("status"), refund.encode());
    faults(Channel.ALIPAY, new JsonObject().put("drop_percent", 100));
    String refundId = refund.getString("refund_id");
    Await.until("the refund sent again and finished", QUERIED,
        () -> refundStatus(orderNo, refundId).equals("SUCCEEDED"));
    assertEquals("REFUNDED", status(orderNo));
    assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE entry_key = 'REFUND:" + refundId + "'"));
    assertEquals(0, refundNotifications(orderNo), "finished by the query, not by a notification");
  }

  @Test
  void aRefundSentAgainThatTheChannelRefusesFailsAndItsLinesCanBeRefundedAgain() {
    String orderNo = paidThrough(Channel.ALIPAY);
    faults(Channel.ALIPAY, new JsonObject().put("fail_requests_percent", 100));

    JsonObject refund = refundWhole(orderNo);

    assertEquals("UNKNOWN", refund.getString("status"), refund.encode());
    // The merchant's balance cannot cover it when it is sent again (ACQ.SELLER_BALANCE_NOT_ENOUGH).
    faults(Channel.ALIPAY, new JsonObject().put("refuse_refunds_percent", 100));
    Await.until("the refund failed", QUERIED,
        () -> refundStatus(orderNo, refund.getString("refund_id")).equals("FAILED"));
    assertEquals("PAID", status(orderNo), "nothing was refunded, so the order is paid as before");
    faults(Channel.ALIPAY, new JsonObject());
    ApiCaller.Answer again = registration.post("/api/v1/orders/" + orderNo + "/refunds",
        new JsonObject().put("refund_key", "again-" + orderNo).put("reason", "registration withdrawn").encode(), null);
    assertEquals(201, again.status(), again.text());
    Await.until("refunded the second time", QUERIED, () -> status(orderNo).equals("REFUNDED"));
  }

  @Test
  void aDuplicatePaymentRefundWechatAcceptedAndNeverConfirmedIsFinishedByAskingWechat() {
    JsonObject order = newOrder();
    String orderNo = order.getString("order_no");
    String qr = order.getJsonObject("qr").getString("url");
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.open(qr + "/pay/wechat");
    // WeChat keeps the order open (its close is refused) and sends no notification at all.
    faults(Channel.WECHAT, new JsonObject().put("fail_requests_percent", 100).put("drop_percent", 100));
    desktop.submitForm(desktop.open(qr + "/pay/unionpay"));
    Await.until("PAID", () -> status(orderNo).equals("PAID"));
    ApiCaller.Answer paid = new ApiCaller(engine.sandboxUrl(Channel.WECHAT), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", OutTradeNumbers.of(Channel.WECHAT, orderNo)).put("notify", "return")
            .encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, paid.status(), paid.text());
    faults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    CallbackDispatcher.Callback callback = CallbackDispatcher.Callback.fromJson(paid.json().getJsonObject("callback"));
    URI url = URI.create(callback.url());
    ApiCaller.Answer delivered = new ApiCaller(url.getScheme() + "://" + url.getAuthority(), null)
        .raw("POST", url.getRawPath(), callback.body(), callback.headers());
    assertEquals(204, delivered.status(), "WeChat's acknowledgement: " + delivered.text());

    Await.until("accepted by WeChat", QUERIED, () -> engine.count(
        "SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo + "' AND status = 'ACCEPTED'") == 1);
    Await.until("confirmed by asking", QUERIED, () -> engine.count(
        "SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo + "' AND status = 'SUCCEEDED'") == 1);
    assertEquals(0, refundNotifications(orderNo), "finished by the query, not by a notification");
    assertEquals(0, engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account = 'refund:wechat'"));
    assertEquals("PAID", status(orderNo));
  }
}
