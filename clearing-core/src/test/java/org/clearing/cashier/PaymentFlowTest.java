package org.clearing.cashier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole payment, as a payer and the channels do it: create an order, open its QR URL with the
 * wallet's User-Agent, follow the redirects to the channel sandbox's payment page, submit its
 * form; the sandbox's signed callback makes the order PAID exactly once, whatever the sandbox's
 * fault switches do.
 */
class PaymentFlowTest {

  private static TestEngine engine;
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    engine = TestEngine.startWithSandboxes();
    registration = engine.as(Role.REGISTRATION);
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
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

  private static String awaitStatus(String orderNo, String wanted) throws InterruptedException {
    String status = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      status = registration.get("/api/v1/orders/" + orderNo).json().getString("status");
      if (status.equals(wanted)) {
        return status;
      }
      Thread.sleep(100);
    }
    return status;
  }

  private static long inbox(String orderNo) {
    return engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = '" + orderNo + "'");
  }

  @ParameterizedTest
  @EnumSource(value = Channel.class, names = {"UNIONPAY"})
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
  @EnumSource(value = Channel.class, names = {"UNIONPAY"})
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
  @EnumSource(value = Channel.class, names = {"UNIONPAY"})
  void aForgedCallbackIsRejectedAndTheGenuineOnePays(Channel channel) throws Exception {
    setFaults(channel, new JsonObject().put("forge_percent", 100));
    JsonObject order = newOrder();

    payThroughCashier(channel, order);

    String orderNo = order.getString("order_no");
    assertEquals("PAID", awaitStatus(orderNo, "PAID"));
    assertEquals(1, inbox(orderNo));
    String metrics = new ApiCaller(engine.baseUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text();
    assertTrue(metrics.contains("clearing_callbacks_total{channel=\"" + channel.code() + "\",outcome=\"rejected_bad_signature\"}")
        || metrics.contains("clearing_callbacks_total{channel=\"" + channel.code() + "\",outcome=\"rejected_unknown_key\"}"),
        "the forged callback is counted as rejected");
  }
}
