package org.clearing.golive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.wechat.WechatNotificationSigner;
import org.clearing.channel.wechat.WechatPlatformCredential;
import org.clearing.client.Role;
import org.clearing.crypto.Pem;
import org.clearing.sandbox.wechat.WechatDemo;
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
 * Going live as a WeChat service provider (服务商) and as a UnionPay merchant connected through an
 * acquirer: the sandbox process hands both over ({@code --wechat-mode service-provider
 * --unionpay-acq-ins-code}), the engine reads them through {@code --config} alone, and one order
 * through each is paid from the cashier to PAID, a line refunded, and the day reconciled from the
 * bill the engine downloads. By attack: a notification genuinely signed by WeChat for our order
 * but paying a sub-merchant that is not ours books nothing.
 */
class ServiceProviderAndAcquirerGoLiveTest {

  static final String ACQ_INS_CODE = "48020000";

  @RegisterExtension
  @Order(1)
  static final SandboxProcess sandboxes = new SandboxProcess(List.of("--wechat-mode", "service-provider",
      "--unionpay-acq-ins-code", ACQ_INS_CODE));

  @RegisterExtension
  @Order(2)
  static final EngineExtension engine = EngineExtension.with(config -> config
      .withSandboxes(false, 0, 1)
      .withMerchantConfig(sandboxes.merchantConfig())
      .withPublicBaseUrl("http://127.0.0.1:" + config.httpPort()));

  private static ApiCaller registration() {
    return engine.as(Role.REGISTRATION);
  }

  private static String status(String orderNo) {
    return registration().get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static String userAgent(Channel channel) {
    return channel == Channel.WECHAT ? Browser.WECHAT : Browser.UNIONPAY;
  }

  private static PayeeIdentity payeeOf(String orderNo, Channel channel) {
    return PayeeIdentity.fromJson(TestDatabase.queryString(engine.pgUrl(), "SELECT payee::text FROM channel_order"
        + " WHERE order_no = '" + orderNo + "' AND channel = '" + channel.code() + "'"));
  }

  @Test
  void aServiceProvidersAndAnAcquirersMerchantEachPayRefundAndReconcileThroughConfigurationAlone() {
    assertTrue(engine.engine().sandboxes().isEmpty(), "no sandbox runs inside the engine");
    Map<Channel, String> orders = new EnumMap<>(Channel.class);
    for (Channel channel : List.of(Channel.WECHAT, Channel.UNIONPAY)) {
      String caseNo = "SP-ACQ-" + channel.code();
      ApiCaller.Answer created = registration().post("/api/v1/orders", OrderBodies.typical(caseNo).encode(), caseNo);
      assertEquals(201, created.status(), created.text());
      Browser wallet = new Browser(userAgent(channel));
      Browser.Page page = wallet.open(created.json().getJsonObject("qr").getString("url"));
      assertEquals(200, page.status(), page.url() + "\n" + page.html());
      assertTrue(page.url().startsWith(sandboxes.baseUrl(channel)), page.url());
      assertEquals(200, wallet.submitForm(page).status());
      orders.put(channel, created.json().getString("order_no"));
    }
    for (Map.Entry<Channel, String> paid : orders.entrySet()) {
      Await.value(paid.getKey() + " pays", () -> status(paid.getValue()), "PAID"::equals);
    }
    PayeeIdentity wechat = payeeOf(orders.get(Channel.WECHAT), Channel.WECHAT);
    assertEquals(WechatDemo.SP_MCHID, wechat.merchant(), "the service provider collects");
    assertEquals(List.of("1900000101", "1900000102"), wechat.receivers(), "for the region's sub-merchants");
    assertEquals("1/" + ACQ_INS_CODE, payeeOf(orders.get(Channel.UNIONPAY), Channel.UNIONPAY).app(),
        "through the acquirer");

    for (Map.Entry<Channel, String> paid : orders.entrySet()) {
      String orderNo = paid.getValue();
      ApiCaller.Answer refund = registration().post("/api/v1/orders/" + orderNo + "/refunds", new JsonObject()
          .put("refund_key", "line-2-" + orderNo).put("reason", "registration fee withdrawn")
          .put("lines", new JsonArray().add(2)).encode(), null);
      assertEquals(201, refund.status(), refund.text());
      String refundId = refund.json().getString("refund_id");
      Await.value(paid.getKey() + " refunds line 2",
          () -> registration().get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json().getString("status"),
          "SUCCEEDED"::equals);
    }

    ApiCaller finance = engine.as(Role.FINANCE);
    String today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    for (Channel channel : orders.keySet()) {
      ApiCaller.Answer run = finance.post("/api/v1/admin/reconciliation/runs",
          new JsonObject().put("date", today).put("channel", channel.code()).encode(), null);
      assertTrue(run.status() == 200 || run.status() == 201, channel + ": " + run.text());
      assertEquals(1, engine.count("SELECT count(*) FROM recon_run WHERE channel = '" + channel.code()
          + "' AND business_date = '" + today + "' AND status = 'DONE' AND bill_source = 'FETCHED'"),
          channel + "'s bill was downloaded by the engine and reconciled");
      String like = "%" + orders.get(channel) + "%";
      assertTrue(engine.count("SELECT count(*) FROM recon_item i JOIN recon_run r USING (run_id) WHERE r.channel = '"
          + channel.code() + "' AND i.out_trade_no LIKE '" + like + "' AND i.kind = 'REFUND' AND i.class = 'MATCHED'") >= 1,
          channel + "'s refund is on its bill and matches");
      assertEquals(0, engine.count("SELECT count(*) FROM recon_item i JOIN recon_run r USING (run_id) WHERE r.channel = '"
          + channel.code() + "' AND i.out_trade_no LIKE '" + like + "' AND i.class <> 'MATCHED'"),
          channel + ": the paid order and its refund match the bill");
    }
  }

  @Test
  void aGenuinelySignedNotificationPayingASubMerchantThatIsNotOursBooksNothing() throws Exception {
    String caseNo = "SP-FOREIGN-SUB";
    ApiCaller.Answer created = registration().post("/api/v1/orders", OrderBodies.typical(caseNo).encode(), caseNo);
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");
    Browser.Page page = new Browser(Browser.WECHAT).open(created.json().getJsonObject("qr").getString("url"));
    assertEquals(200, page.status(), page.html());
    String outTradeNo = OutTradeNumbers.of(Channel.WECHAT, orderNo);
    long leg1Fen = engine.count("SELECT amount_fen FROM leg WHERE order_no = '" + orderNo + "' AND leg_no = 1");
    long leg2Fen = engine.count("SELECT amount_fen FROM leg WHERE order_no = '" + orderNo + "' AND leg_no = 2");

    // WeChat vouches (its platform key, our API v3 key) for the sub-orders of our order, the second
    // paid to another service provider's sub-merchant: somebody else's money.
    JsonObject foreign = combined(outTradeNo, "1900000101", leg1Fen, "1900000999", leg2Fen);
    ApiCaller.Answer refused = deliver(foreign);
    assertTrue(refused.status() >= 400, refused.status() + " " + refused.text());
    assertEquals("OPEN", status(orderNo), "nothing was booked");
    assertEquals(0, engine.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));

    // The same notification naming our sub-merchants is taken: the refusal was the sub-merchant's.
    ApiCaller.Answer genuine = deliver(combined(outTradeNo, "1900000101", leg1Fen, "1900000102", leg2Fen));
    assertTrue(genuine.status() == 200 || genuine.status() == 204, genuine.text());
    Await.value("the genuine one pays", () -> status(orderNo), "PAID"::equals);
  }

  private static JsonObject combined(String outTradeNo, String subA, long fenA, String subB, long fenB) {
    String success = OffsetDateTime.now(ZoneOffset.ofHours(8)).withNano(0).toString();
    return new JsonObject().put("combine_appid", WechatDemo.APPID).put("combine_mchid", WechatDemo.SP_MCHID)
        .put("combine_out_trade_no", outTradeNo)
        .put("combine_payer_info", new JsonObject().put("openid", "o-attacker"))
        .put("sub_orders", new JsonArray()
            .add(subOrder(subA, outTradeNo + "L1", fenA, success))
            .add(subOrder(subB, outTradeNo + "L2", fenB, success)));
  }

  private static JsonObject subOrder(String subMchid, String outTradeNo, long fen, String success) {
    return new JsonObject().put("mchid", WechatDemo.SP_MCHID).put("sub_mchid", subMchid)
        .put("trade_type", "NATIVE").put("trade_state", "SUCCESS").put("bank_type", "OTHERS")
        .put("transaction_id", "42000009" + System.nanoTime()).put("out_trade_no", outTradeNo)
        .put("success_time", success)
        .put("amount", new JsonObject().put("total_amount", fen).put("currency", "CNY")
            .put("payer_amount", fen).put("payer_currency", "CNY"));
  }

  /** Signs as WeChat signs every merchant's notifications: the sandbox process's platform key. */
  private static ApiCaller.Answer deliver(JsonObject resource) throws Exception {
    Path wechat = sandboxes.dataDir().resolve("channels/wechat");
    Path keys = wechat.resolve("sandbox/keys");
    WechatPlatformCredential platform = new WechatPlatformCredential(
        Files.readString(keys.resolve("platform-public-key.serial")).trim(),
        new KeyPair(Pem.readPublicKey(Files.readString(keys.resolve("platform-public-key.pem"))),
            Pem.readPrivateKey(Files.readString(keys.resolve("platform-public-key-key.pem")))),
        Optional.empty());
    String apiV3Key = new JsonObject(Files.readString(wechat.resolve("merchant/merchant.json"))).getString("api_v3_key");
    WechatNotificationSigner signer = new WechatNotificationSigner(platform, apiV3Key, Clock.systemUTC());
    WechatNotificationSigner.SignedNotification signed =
        signer.sign(signer.transactionEnvelope("EV-" + System.nanoTime(), resource));
    Map<String, String> headers = new HashMap<>(signed.headers());
    headers.put("Content-Type", "application/json");
    return new ApiCaller(engine.baseUrl(), null).raw("POST", "/callbacks/wechat", signed.body(), headers);
  }
}
