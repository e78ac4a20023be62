package org.clearing.golive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.wechat.WechatNotificationSigner;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves the order's region picks the merchant: two regions with two WeChat merchants (two
 * sandboxes) each pay and refund through their own, the channel order records which; and, by
 * attack, that one merchant's genuine notification cannot pay another merchant's order, even when
 * it names that merchant's mchid and app — on the plain callback path and on the other merchant's.
 */
class MerchantPerRegionTest {

  @RegisterExtension
  @Order(1)
  static final TwoWechatMerchants merchants = new TwoWechatMerchants();

  @RegisterExtension
  @Order(2)
  static final EngineExtension engine = EngineExtension.with(config -> config
      .withSandboxes(false, 0, 1)
      .withMerchantConfig(merchants.merchantConfig())
      .withPublicBaseUrl("http://127.0.0.1:" + config.httpPort()));

  private static ApiCaller registration() {
    return engine.as(Role.REGISTRATION);
  }

  private static JsonObject created(String caseNo, String region) {
    ApiCaller.Answer created = registration().post("/api/v1/orders",
        OrderBodies.typical(caseNo).put("region", region).encode(), caseNo);
    assertEquals(201, created.status(), created.text());
    return created.json();
  }

  /** Follows the QR code in WeChat to the merchant's pay page (the channel order is then open). */
  private static Browser.Page payPage(Browser wallet, JsonObject order) {
    Browser.Page page = wallet.open(order.getJsonObject("qr").getString("url"));
    assertEquals(200, page.status(), page.url() + "\n" + page.html());
    return page;
  }

  private static String status(String orderNo) {
    return registration().get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static String merchantOf(String orderNo) {
    return TestDatabase.queryString(engine.pgUrl(),
        "SELECT merchant_id FROM channel_order WHERE order_no = '" + orderNo + "' AND channel = 'wechat'");
  }

  @Test
  void eachRegionPaysAndRefundsThroughItsOwnWechatMerchant() {
    Map<String, String> mchidOfRegion = Map.of(TwoWechatMerchants.REGION_A, TwoWechatMerchants.MCHID_A,
        TwoWechatMerchants.REGION_B, TwoWechatMerchants.MCHID_B);
    for (var region : mchidOfRegion.entrySet()) {
      JsonObject order = created("PER-REGION-" + region.getKey(), region.getKey());
      String orderNo = order.getString("order_no");
      Browser wallet = new Browser(Browser.WECHAT);
      Browser.Page page = payPage(wallet, order);
      assertTrue(page.url().startsWith(merchants.baseUrl(region.getValue())),
          region.getKey() + " pays at its merchant's sandbox: " + page.url());
      assertEquals(200, wallet.submitForm(page).status());
      Await.value("order " + orderNo + " is PAID", () -> status(orderNo), "PAID"::equals);
      assertEquals(region.getValue(), merchantOf(orderNo), "the channel order records its merchant");

      ApiCaller.Answer refund = registration().post("/api/v1/orders/" + orderNo + "/refunds", new JsonObject()
          .put("refund_key", "line-2-" + orderNo).put("reason", "registration fee withdrawn")
          .put("lines", new JsonArray().add(2)).encode(), null);
      assertEquals(201, refund.status(), refund.text());
      String refundId = refund.json().getString("refund_id");
      // Only the merchant that took the payment knows it: a refund asked of the other one fails.
      Await.value(region.getKey() + " refunds line 2 through its merchant",
          () -> registration().get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json().getString("status"),
          "SUCCEEDED"::equals);
    }
  }

  @Test
  void aNotificationSignedByRegionAsMerchantCannotPayAnOrderOfRegionB() throws Exception {
    JsonObject order = created("PER-REGION-ATTACK", TwoWechatMerchants.REGION_B);
    String orderNo = order.getString("order_no");
    payPage(new Browser(Browser.WECHAT), order);
    assertEquals(TwoWechatMerchants.MCHID_B, merchantOf(orderNo));
    // Merchant A's platform vouches for a payment naming merchant B's mchid and app: the payee
    // check alone would take it, since it names exactly the payee the channel order expects.
    JsonObject paysB = transaction(orderNo, merchants.merchant(TwoWechatMerchants.MCHID_B));
    WechatNotificationSigner platformA = merchants.platformOf(TwoWechatMerchants.MCHID_A);

    ApiCaller.Answer plain = deliver(platformA, paysB, "/callbacks/wechat");
    ApiCaller.Answer atB = deliver(platformA, paysB, "/callbacks/wechat/" + TwoWechatMerchants.MCHID_B);

    assertNotEquals(200, plain.status(), plain.text());
    assertNotEquals(204, plain.status(), plain.text());
    assertTrue(atB.status() >= 400, atB.text());
    assertEquals("OPEN", status(orderNo), "nothing was booked");
    assertEquals(0, engine.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));

    // The same notification from B's own platform is taken: the refusals above were A's keys'.
    ApiCaller.Answer genuine = deliver(merchants.platformOf(TwoWechatMerchants.MCHID_B), paysB,
        "/callbacks/wechat/" + TwoWechatMerchants.MCHID_B);
    assertTrue(genuine.status() == 200 || genuine.status() == 204, genuine.text());
    assertEquals("PAID", status(orderNo));
  }

  private static JsonObject transaction(String orderNo, JsonObject merchant) {
    long totalFen = 1_509_000;
    return new JsonObject().put("appid", merchant.getString("appid")).put("mchid", merchant.getString("mchid"))
        .put("out_trade_no", OutTradeNumbers.of(Channel.WECHAT, orderNo))
        .put("transaction_id", "42000009" + System.nanoTime()).put("trade_type", "JSAPI")
        .put("trade_state", "SUCCESS").put("trade_state_desc", "支付成功").put("bank_type", "OTHERS")
        .put("success_time", java.time.OffsetDateTime.now(java.time.ZoneOffset.ofHours(8))
            .withNano(0).toString())
        .put("payer", new JsonObject().put("openid", "o-attacker"))
        .put("amount", new JsonObject().put("total", totalFen).put("payer_total", totalFen)
            .put("currency", "CNY").put("payer_currency", "CNY"));
  }

  private static ApiCaller.Answer deliver(WechatNotificationSigner platform, JsonObject resource, String path) {
    WechatNotificationSigner.SignedNotification signed =
        platform.sign(platform.transactionEnvelope("EV-" + System.nanoTime(), resource));
    Map<String, String> headers = new HashMap<>(signed.headers());
    headers.put("Content-Type", "application/json");
    return new ApiCaller(engine.baseUrl(), null).raw("POST", path, signed.body(), headers);
  }
}
