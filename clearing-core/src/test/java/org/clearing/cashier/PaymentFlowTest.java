package org.clearing.cashier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole payment, as a payer and the channels do it: create an order, open its QR URL with the
 * wallet's User-Agent, follow the redirects to the channel sandbox's payment page, submit its
 * form; the sandbox's signed callback makes the order PAID exactly once, whatever the sandbox's
 * fault switches do.
 */
class PaymentFlowTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  @BeforeEach
  void noFaults() {
    for (Channel channel : engine.engine().sandboxes().orElseThrow().started().stream()
        .map(s -> s.channel()).toList()) {
      setFaults(channel, new JsonObject());
    }
  }

  static String userAgent(Channel channel) {
    return switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    };
  }

  private static JsonObject newOrder() {
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical("FLOW-" + (++cases)).encode(), "flow-" + cases);
    assertEquals(201, created.status(), created.text());
    return created.json();
  }

  private static void setFaults(Channel channel, JsonObject faults) {
    ApiCaller sandbox = new ApiCaller(engine.sandboxUrl(channel), null);
    ApiCaller.Answer answer = sandbox.raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  /** Pays through the cashier as the channel's wallet and returns the sandbox's "paid" page. */
  private static Browser.Page payThroughCashier(Channel channel, JsonObject order) {
    Browser wallet = new Browser(userAgent(channel));
    Browser.Page page = wallet.open(order.getJsonObject("qr").getString("url"));
    assertEquals(200, page.status(), page.url() + "\n" + page.html());
    assertTrue(page.url().startsWith(engine.sandboxUrl(channel)), "ends on the sandbox: " + page.url());
    assertTrue(page.html().contains("15090.00") || page.html().contains("1509000"),
        "the page shows the amount: " + page.html());
    Browser.Page paid = wallet.submitForm(page);
    assertEquals(200, paid.status(), paid.html());
    return paid;
  }

  private static String awaitStatus(String orderNo, String wanted) {
    return Await.value("order " + orderNo + " is " + wanted,
        () -> registration.get("/api/v1/orders/" + orderNo).json().getString("status"), wanted::equals);
  }

  private static long inbox(String orderNo) {
    return engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = '" + orderNo + "'");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aPaymentThroughTheCashierMakesTheOrderPaid(Channel channel) throws Exception {
    JsonObject order = newOrder();

    payThroughCashier(channel, order);

    String orderNo = order.getString("order_no");
    assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    assertEquals(1, inbox(orderNo));
    JsonObject paid = registration.get("/api/v1/orders/" + orderNo).json();
    paid.getJsonArray("legs").forEach(leg -> assertEquals("PAID", ((JsonObject) leg).getString("status")));
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE paid_channel = '" + channel.code()
        + "' AND order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE kind = 'PAYMENT' AND order_no = '" + orderNo + "'"));
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void fiveDeliveriesOfOneCallbackPayTheOrderOnce(Channel channel) throws Exception {
    setFaults(channel, new JsonObject().put("deliveries", 5));
    JsonObject order = newOrder();

    payThroughCashier(channel, order);

    String orderNo = order.getString("order_no");
    assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    Thread.sleep(500);
    assertEquals(1, inbox(orderNo));
    assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'"));
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aForgedCallbackIsRejectedAndTheGenuineOnePays(Channel channel) throws Exception {
    setFaults(channel, new JsonObject().put("forge_percent", 100));
    JsonObject order = newOrder();

    payThroughCashier(channel, order);

    String orderNo = order.getString("order_no");
    assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    assertEquals(1, inbox(orderNo));
    String metrics = new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text();
    assertTrue(metrics.contains("clearing_callbacks_total{channel=\"" + channel.code() + "\",outcome=\"rejected_bad_signature\"}")
        || metrics.contains("clearing_callbacks_total{channel=\"" + channel.code() + "\",outcome=\"rejected_unknown_key\"}"),
        "the forged callback is counted as rejected");
  }

  private static String metrics() {
    return new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text();
  }

  private static double counter(String text, Channel channel, String outcome) {
    String prefix = "clearing_callbacks_total{channel=\"" + channel.code() + "\",outcome=\"" + outcome + "\"} ";
    for (String line : text.split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(prefix.length()));
      }
    }
    return 0;
  }

  @ParameterizedTest
  @EnumSource(value = Channel.class, names = {"WECHAT", "ALIPAY"})
  void aStaleCallbackIsRejectedAndLeavesTheOrderOpen(Channel channel) throws Exception {
    // WeChat signs a timestamp checked to ±5 minutes; Alipay's notify_time is checked to 48 hours,
    // because Alipay resends one event for 25 hours.
    long skewSeconds = channel == Channel.WECHAT ? -600 : -3 * 86_400;
    setFaults(channel, new JsonObject().put("skew_seconds", skewSeconds));
    double before = counter(metrics(), channel, "rejected_stale");
    JsonObject order = newOrder();

    payThroughCashier(channel, order);

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (counter(metrics(), channel, "rejected_stale") == before && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(counter(metrics(), channel, "rejected_stale") > before);
    assertEquals("OPEN", registration.get("/api/v1/orders/" + order.getString("order_no")).json().getString("status"));
    assertEquals(0, inbox(order.getString("order_no")));
  }

  @org.junit.jupiter.api.Test
  void aWechatSignatureProbeIsRefusedAndTheRealCallbackPays() throws Exception {
    setFaults(Channel.WECHAT, new JsonObject().put("probe", true));
    double before = counter(metrics(), Channel.WECHAT, "rejected_probe");
    JsonObject order = newOrder();

    payThroughCashier(Channel.WECHAT, order);

    assertEquals("PAID", awaitStatus(order.getString("order_no"), "PAID"));
    assertTrue(counter(metrics(), Channel.WECHAT, "rejected_probe") > before);
    assertEquals(1, inbox(order.getString("order_no")));
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void callbacksOutOfOrderAndLatePayEachOrderOnce(Channel channel) throws Exception {
    setFaults(channel, new JsonObject().put("out_of_order_percent", 100).put("deliveries", 2).put("delay_ms", 2_000));
    List<String> orderNos = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonObject order = newOrder();
      payThroughCashier(channel, order);
      orderNos.add(order.getString("order_no"));
    }
    for (String orderNo : orderNos) {
      assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    }
    Thread.sleep(300);
    for (String orderNo : orderNos) {
      assertEquals(1, inbox(orderNo));
    }
  }

  @org.junit.jupiter.api.Test
  void aPlainBrowserIsOfferedAllThreeAndTheFirstChannelPaidWins() throws Exception {
    JsonObject order = newOrder();
    Browser desktop = new Browser(Browser.DESKTOP);
    Browser.Page choice = desktop.open(order.getJsonObject("qr").getString("url"));
    assertEquals(200, choice.status());
    for (Channel channel : Channel.values()) {
      assertTrue(choice.html().contains("/pay/" + channel.code()), "offers " + channel.code());
    }
    assertTrue(choice.html().contains("¥15090.00"));
    String qr = order.getJsonObject("qr").getString("url");
    Browser.Page alipayPage = desktop.open(qr + "/pay/alipay");
    assertTrue(alipayPage.url().startsWith(engine.sandboxUrl(Channel.ALIPAY)), alipayPage.url());

    Browser.Page wechatPage = desktop.open(qr + "/pay/wechat");
    desktop.submitForm(wechatPage);

    String orderNo = order.getString("order_no");
    assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (engine.count("SELECT count(*) FROM channel_order WHERE status = 'CLOSED' AND channel = 'alipay'"
        + " AND order_no = '" + orderNo + "'") == 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(1, engine.count("SELECT count(*) FROM channel_order WHERE status = 'CLOSED' AND channel = 'alipay'"
        + " AND order_no = '" + orderNo + "'"), "the order is closed at the channel that lost");
    ApiCaller.Answer late = new ApiCaller(engine.sandboxUrl(Channel.ALIPAY), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", "A" + orderNo).put("payer", "late").encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    assertEquals(409, late.status(), "a closed Alipay trade cannot be paid: " + late.text());
    assertEquals("PAID", registration.get("/api/v1/orders/" + orderNo).json().getString("status"));
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void theDaysBillDownloadsAndParsesToWhatWasPaidAndRefunded(Channel channel) throws Exception {
    JsonObject order = newOrder();
    payThroughCashier(channel, order);
    String orderNo = order.getString("order_no");
    assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    var adapter = engine.engine().channels().adapter(channel).orElseThrow();
    String transactionId = org.clearing.testing.TestDatabase.queryString(engine.pgUrl(),
        "SELECT paid_transaction_id FROM orders WHERE order_no = '" + orderNo + "'");
    var legs = order.getJsonArray("legs");
    var refundLeg = legs.getJsonObject(1);
    var refund = adapter.refund(new org.clearing.channel.RefundRequest(
        org.clearing.channel.OutTradeNumbers.of(channel, orderNo), transactionId, "R" + orderNo,
        org.clearing.channel.Money.ofFen(1_000), org.clearing.channel.Money.ofFen(1_509_000),
        List.of(new org.clearing.channel.SplitLeg(refundLeg.getInteger("leg_no"), refundLeg.getString("payee_account"),
            channelAccount(channel, refundLeg.getString("payee_account")), org.clearing.channel.Money.ofFen(1_000))),
        engine.baseUrl() + "/callbacks/" + channel.code(), "test refund"))
        .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(refund instanceof org.clearing.channel.RefundResult.Accepted
        || refund instanceof org.clearing.channel.RefundResult.Succeeded, refund.toString());

    var bill = adapter.downloadBill(java.time.LocalDate.now(java.time.ZoneOffset.ofHours(8)))
        .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
    long paidFen = 0;
    long refundedFen = 0;
    try (var reader = adapter.readBill(bill)) {
      while (reader.hasNext()) {
        var line = reader.next();
        if (!line.outTradeNo().startsWith(org.clearing.channel.OutTradeNumbers.of(channel, orderNo))) {
          continue;
        }
        if (line.kind() == org.clearing.channel.StatementLine.Kind.PAYMENT) {
          paidFen += line.amount().fen();
        } else if (line.kind() == org.clearing.channel.StatementLine.Kind.REFUND) {
          refundedFen += line.amount().fen();
        }
      }
    }
    assertEquals(1_509_000, paidFen, "the bill's payments for the order");
    assertEquals(-1_000, refundedFen, "the bill's refund for the order");
  }

  private static String channelAccount(Channel channel, String payeeAccount) {
    return org.clearing.testing.TestDatabase.queryString(engine.pgUrl(), "SELECT channel_account FROM payee_channel_account"
        + " WHERE channel = '" + channel.code() + "' AND payee_account_id = '" + payeeAccount + "'");
  }
}
