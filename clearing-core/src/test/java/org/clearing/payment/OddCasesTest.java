package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.Money;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.SplitLeg;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The odd cases of paying, end to end through the sandboxes: a second payment through another
 * channel, a payment after cancellation, money for an order we do not know, a callback before the
 * channel order was recorded, and resends after the commit (as when an acknowledgement is lost).
 * Money is never lost: what an order cannot take is booked to the refund side and given back.
 */
class OddCasesTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  private static JsonObject newOrder() {
    return registration.post("/api/v1/orders", OrderBodies.typical("ODD-" + (++cases)).encode(), "odd-" + cases).json();
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static long balance(String orderNo, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account = '" + account + "'");
  }

  private static ChannelAdapter adapter(Channel channel) {
    return engine.engine().channels().adapter(channel).orElseThrow();
  }

  @Test
  void aSecondPaymentThroughAnotherChannelIsBookedToTheRefundSideAndGivenBack() throws Exception {
    JsonObject order = newOrder();
    String orderNo = order.getString("order_no");
    String qr = order.getJsonObject("qr").getString("url");
    Browser desktop = new Browser(Browser.DESKTOP);
    Browser.Page unionPayPage = desktop.open(qr + "/pay/unionpay");
    desktop.submitForm(desktop.open(qr + "/pay/wechat"));
    Await.until("PAID", () -> status(orderNo).equals("PAID"));

    desktop.submitForm(unionPayPage);

    Await.until("the second payment recorded", () -> engine.count("SELECT count(*) FROM channel_inbox WHERE order_no = '"
        + orderNo + "' AND outcome = 'NOT_PAYABLE'") == 1);
    Await.until("the second payment refunded", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '"
        + orderNo + "' AND status = 'SUCCEEDED'") == 1);
    assertEquals("PAID", status(orderNo));
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE paid_channel = 'wechat' AND order_no = '" + orderNo + "'"));
    assertEquals(0, balance(orderNo, "refund:unionpay"), "the refund side is cleared");
    assertEquals(0, balance(orderNo, "clearing:unionpay"), "UnionPay holds nothing for the order");
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'payment.duplicate' AND order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'payment.refunded' AND order_no = '" + orderNo + "'"));
  }

  @Test
  void aPaymentAfterCancellationIsAcceptedAsMoneyAndRefunded() throws Exception {
    JsonObject order = newOrder();
    String orderNo = order.getString("order_no");
    Browser desktop = new Browser(Browser.DESKTOP);
    Browser.Page alipayPage = desktop.open(order.getJsonObject("qr").getString("url") + "/pay/alipay");
    assertEquals(200, registration.post("/api/v1/orders/" + orderNo + "/cancel", "", null).status());

    desktop.submitForm(alipayPage);

    Await.until("refunded", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '"
        + orderNo + "' AND status = 'SUCCEEDED'") == 1);
    assertEquals("CANCELLED", status(orderNo));
    assertEquals(0, balance(orderNo, "clearing:alipay"));
    assertEquals(0, balance(orderNo, "refund:alipay"));
  }

  @Test
  void moneyForAnOrderWeDoNotKnowIsHeldInSuspense() throws Exception {
    String unknownOrderNo = "TF20991231000000" + (1000 + ++cases);
    String outTradeNo = OutTradeNumbers.of(Channel.ALIPAY, unknownOrderNo);
    adapter(Channel.ALIPAY).openOrder(new OpenOrderRequest(unknownOrderNo, outTradeNo, Money.ofFen(5_000), "x",
            Instant.now().plusSeconds(3_600), List.of(new SplitLeg(1, "NTX-341500", "2088000000000102", Money.ofFen(5_000))),
            engine.baseUrl() + "/callbacks/alipay", "", OpenOrderRequest.Flow.CHANNEL_QR, ""))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

    ApiCaller.Answer paid = new ApiCaller(engine.sandboxUrl(Channel.ALIPAY), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", outTradeNo).put("payer", "stranger").encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    assertEquals(200, paid.status(), paid.text());

    Await.until("suspense", () -> engine.count("SELECT count(*) FROM channel_inbox WHERE out_trade_no = '" + outTradeNo
        + "' AND outcome = 'UNKNOWN_ORDER' AND order_no IS NULL") == 1);
    assertEquals(-5_000, engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.entry_key LIKE 'PAYMENT:alipay:%' AND p.account = 'suspense'"
        + " AND e.order_no IS NULL"));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'payment.suspense'"
        + " AND payload->>'transaction_id' = '" + paid.json().getString("transaction_id") + "'"));
  }

  @Test
  void aCallbackForAChannelOrderTheEngineNeverRecordedStillFindsItsOrder() throws Exception {
    JsonObject order = newOrder();
    String orderNo = order.getString("order_no");
    String outTradeNo = OutTradeNumbers.of(Channel.UNIONPAY, orderNo);
    adapter(Channel.UNIONPAY).openOrder(new OpenOrderRequest(orderNo, outTradeNo, Money.ofFen(1_509_000), "x",
            Instant.now().plusSeconds(3_600), List.of(
                new SplitLeg(1, "TRE-341500", "898340100000101", Money.ofFen(1_500_000)),
                new SplitLeg(2, "NTX-341500", "898340100000102", Money.ofFen(9_000))),
            engine.baseUrl() + "/callbacks/unionpay", "", OpenOrderRequest.Flow.CHANNEL_QR, ""))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(0, engine.count("SELECT count(*) FROM channel_order WHERE order_no = '" + orderNo + "'"));

    ApiCaller.Answer paid = new ApiCaller(engine.sandboxUrl(Channel.UNIONPAY), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", outTradeNo).put("payer", "p").encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));

    assertEquals(200, paid.status(), paid.text());
    Await.until("PAID", () -> status(orderNo).equals("PAID"));
  }

  @Test
  void resendsAfterTheCommitAreAcknowledgedAndChangeNothing() throws Exception {
    ApiCaller sandbox = new ApiCaller(engine.sandboxUrl(Channel.WECHAT), null);
    sandbox.raw("PUT", "/sandbox/faults", new JsonObject().put("deliveries", 4).encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    try {
      JsonObject order = newOrder();
      String orderNo = order.getString("order_no");
      Browser wallet = new Browser(Browser.WECHAT);
      wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
      Await.until("PAID", () -> status(orderNo).equals("PAID"));
      String key = OutTradeNumbers.of(Channel.WECHAT, orderNo);
      Await.until("four acknowledged deliveries", () -> sandbox.raw("GET", "/sandbox/callbacks/" + key, new byte[0], Map.of()).json()
          .getJsonArray("attempts").stream().filter(a -> ((JsonObject) a).getString("outcome").equals("acknowledged"))
          .count() == 4);
      assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
      assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'"));
      assertTrue(balance(orderNo, "clearing:wechat") == 1_509_000);
    } finally {
      sandbox.raw("PUT", "/sandbox/faults", "{}".getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }
  }
}
