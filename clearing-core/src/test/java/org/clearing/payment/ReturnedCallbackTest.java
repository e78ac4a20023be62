package org.clearing.payment;

// Proves, per channel, that a sandbox paying with "notify": "return" sends nothing and hands back the
// one signed callback, which the engine books once when anyone replays it; a bad notify pays nothing.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.client.Role;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ReturnedCallbackTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  /** Creates an order and opens it at {@code channel} as a desktop cashier would; its out_trade_no. */
  private static String openedAt(Channel channel) {
    cases++;
    JsonObject order = registration.post("/api/v1/orders",
        OrderBodies.typical("RETURNED-" + cases).encode(), "returned-" + cases).json();
    String orderNo = order.getString("order_no");
    Browser.Page page = new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url")
        + "/pay/" + channel.code());
    assertEquals(200, page.status(), page.html());
    return OutTradeNumbers.of(channel, orderNo);
  }

  private static ApiCaller.Answer pay(Channel channel, String outTradeNo, Object notify) {
    JsonObject body = new JsonObject().put("out_trade_no", outTradeNo).put("payer", "payer1");
    if (notify != null) {
      body.put("notify", notify);
    }
    return new ApiCaller(engine.sandboxUrl(channel), null).raw("POST", "/sandbox/pay",
        body.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
  }

  /** Delivers a callback as the channel would: exactly its URL, headers and body. */
  private static ApiCaller.Answer deliver(CallbackDispatcher.Callback callback) {
    URI url = URI.create(callback.url());
    return new ApiCaller(url.getScheme() + "://" + url.getAuthority(), null)
        .raw("POST", url.getRawPath(), callback.body(), callback.headers());
  }

  private static boolean acknowledged(Channel channel, ApiCaller.Answer answer) {
    return switch (channel) {
      case WECHAT -> answer.status() == 200 || answer.status() == 204;
      case ALIPAY -> answer.status() == 200 && "success".equals(answer.text());
      case UNIONPAY -> answer.status() == 200;
    };
  }

  private static long deliveryAttempts(Channel channel, String outTradeNo) {
    return new ApiCaller(engine.sandboxUrl(channel), null).raw("GET", "/sandbox/callbacks/" + outTradeNo,
        new byte[0], Map.of()).json().getJsonArray("attempts").size();
  }

  private static long appliedPayments(String outTradeNo) {
    return engine.count("SELECT count(*) FROM channel_inbox WHERE out_trade_no = '" + outTradeNo
        + "' AND kind = 'PAYMENT' AND outcome = 'APPLIED'");
  }

  private static long paymentEntries(String outTradeNo) {
    return engine.count("SELECT count(*) FROM journal_entry e JOIN channel_inbox i USING (order_no)"
        + " WHERE i.out_trade_no = '" + outTradeNo + "' AND e.kind = 'PAYMENT'");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aReturnedCallbackIsNotSentAndBooksThePaymentOnceWhenReplayedTwice(Channel channel) {
    String outTradeNo = openedAt(channel);

    ApiCaller.Answer paid = pay(channel, outTradeNo, "return");

    assertEquals(200, paid.status(), paid.text());
    CallbackDispatcher.Callback callback = CallbackDispatcher.Callback.fromJson(paid.json().getJsonObject("callback"));
    assertTrue(callback.url().endsWith("/callbacks/" + channel.code()), callback.url());
    assertEquals(0, deliveryAttempts(channel, outTradeNo), "the sandbox made no delivery attempt");
    assertEquals(0, appliedPayments(outTradeNo), "nothing reached the engine before the replay");

    ApiCaller.Answer first = deliver(callback);
    ApiCaller.Answer again = deliver(callback);

    assertTrue(acknowledged(channel, first), first.status() + " " + first.text());
    assertTrue(acknowledged(channel, again), "a replayed duplicate is acknowledged: " + again.status());
    assertEquals(1, appliedPayments(outTradeNo));
    assertEquals(1, paymentEntries(outTradeNo));
    assertEquals(0, deliveryAttempts(channel, outTradeNo), "still no delivery attempt by the sandbox");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aBadNotifyValueIsRefusedWith400AndTheOrderStaysUnpaid(Channel channel) {
    String outTradeNo = openedAt(channel);

    ApiCaller.Answer refused = pay(channel, outTradeNo, "later");
    ApiCaller.Answer notText = pay(channel, outTradeNo, 1);

    assertEquals(400, refused.status(), refused.text());
    assertEquals(400, notText.status(), notText.text());
    JsonObject problem = refused.json();
    if (channel == Channel.WECHAT) {
      assertEquals("PARAM_ERROR", problem.getString("code"));
    } else {
      assertTrue(problem.getString("error").contains("notify"), problem.encode());
    }
    assertEquals(0, deliveryAttempts(channel, outTradeNo));
    ApiCaller.Answer paidLater = pay(channel, outTradeNo, "return");
    assertEquals(200, paidLater.status(), "the refused requests paid nothing, so the order is still payable: "
        + paidLater.text());
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void notifySendIsTodaysBehaviourTheSandboxDeliversAndReturnsNoCallback(Channel channel) throws Exception {
    String outTradeNo = openedAt(channel);

    ApiCaller.Answer paid = pay(channel, outTradeNo, "send");

    assertEquals(200, paid.status(), paid.text());
    assertFalse(paid.json().containsKey("callback"));
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (appliedPayments(outTradeNo) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(1, appliedPayments(outTradeNo));
    assertTrue(deliveryAttempts(channel, outTradeNo) >= 1);
  }
}
