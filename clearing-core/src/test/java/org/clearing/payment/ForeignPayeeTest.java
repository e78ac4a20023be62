package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.alipay.AlipayNotificationSigner;
import org.clearing.channel.alipay.AlipayTradeNotice;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayCertificates.Issued;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder;
import org.clearing.channel.unionpay.UnionPayNotifications;
import org.clearing.channel.wechat.WechatNotificationSigner;
import org.clearing.channel.wechat.WechatPlatformCredential;
import org.clearing.client.Role;
import org.clearing.crypto.Pem;
import org.clearing.sandbox.alipay.AlipayDemo;
import org.clearing.sandbox.unionpay.UnionPayDemo;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves by attack that a payment is ours only if it pays the payee the engine named when it
 * opened the channel order. Each notification below is genuinely signed with the channel's own
 * sandbox key (read from the engine's data directory, as another merchant of the same channel
 * would receive it from the channel) for our open order and our amount, but pays another merchant,
 * app, acquirer or split receiver: each is refused in the channel's failure form, books nothing
 * and is counted as {@code outcome="foreign"}; so is a foreign refund notification, and a foreign
 * answer found by the active query is not booked.
 */
class ForeignPayeeTest {

  private static final String OTHER_MER_ID = "898340100000999";
  private static final String OTHER_MCHID = "1900000999";
  private static final String OTHER_SELLER_ID = "2088000000000999";

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;
  private static Pki unionPayPki;
  private static UnionPayNotificationBuilder unionPay;
  private static WechatNotificationSigner wechat;
  private static JsonObject wechatMerchant;
  private static AlipayNotificationSigner alipay;

  @BeforeAll
  static void start() throws Exception {
    registration = engine.as(Role.REGISTRATION);
    // The tests drive the active query themselves, against a gateway of their own.
    Await.result(engine.engine().jobs().stop(PendingPaymentQueries.JOB, ExpiredOrderCloser.JOB));
    Path channels = engine.dataDir().resolve("channels");
    Path unionPayKeys = channels.resolve("unionpay/sandbox/pki");
    unionPayPki = new Pki(issued(unionPayKeys, "root"), issued(unionPayKeys, "intermediate"),
        issued(unionPayKeys, "unionpay-signing"), issued(unionPayKeys, "spare"));
    unionPay = new UnionPayNotificationBuilder(unionPayPki, Clock.systemUTC());
    wechatMerchant = new JsonObject(Files.readString(channels.resolve("wechat/merchant/merchant.json")));
    Path wechatKeys = channels.resolve("wechat/sandbox/keys");
    WechatPlatformCredential platform = new WechatPlatformCredential(
        Files.readString(wechatKeys.resolve("platform-public-key.serial")).trim(),
        new KeyPair(Pem.readPublicKey(Files.readString(wechatKeys.resolve("platform-public-key.pem"))),
            Pem.readPrivateKey(Files.readString(wechatKeys.resolve("platform-public-key-key.pem")))),
        Optional.empty());
    wechat = new WechatNotificationSigner(platform, wechatMerchant.getString("api_v3_key"), Clock.systemUTC());
    alipay = new AlipayNotificationSigner(Pem.readPrivateKey(
        Files.readString(channels.resolve("alipay/sandbox/alipay_private_key.pem"))), Clock.systemUTC());
  }

  private static Issued issued(Path directory, String name) throws Exception {
    X509Certificate certificate = Pem.readCertificate(Files.readString(directory.resolve(name + ".pem")));
    return new Issued(new KeyPair(certificate.getPublicKey(),
        Pem.readPrivateKey(Files.readString(directory.resolve(name + ".key")))), certificate);
  }

  // ---- UnionPay ------------------------------------------------------------------------------

  @Test
  void aUnionPayConsumeForAnotherMerIdLeavesOurOrderUnpaid() {
    String orderNo = openedAt(Channel.UNIONPAY);
    Map<String, String> form = unionPay.consume(consume(OTHER_MER_ID, orderNo),
        UnionPayNotificationBuilder.newQueryId(Clock.systemUTC()), UnionPayNotificationBuilder.Fault.NONE);

    assertRefusedAndNothingBooked(Channel.UNIONPAY, orderNo, () -> deliverUnionPay(form));
  }

  @Test
  void aUnionPayConsumeThroughAnAcquirerForOurMerIdIsNotOurs() {
    String orderNo = openedAt(Channel.UNIONPAY);
    Map<String, String> form = resigned(unionPay.consume(consume(UnionPayDemo.MER_ID, orderNo),
        UnionPayNotificationBuilder.newQueryId(Clock.systemUTC()), UnionPayNotificationBuilder.Fault.NONE),
        fields -> {
          fields.put("accessType", "1");
          fields.put("acqInsCode", "48021000");
          return fields;
        });

    assertRefusedAndNothingBooked(Channel.UNIONPAY, orderNo, () -> deliverUnionPay(form));
  }

  @Test
  void aUnionPayConsumeSplitToAnotherReceiverIsNotOurs() {
    String orderNo = openedAt(Channel.UNIONPAY);
    List<String> receivers = storedReceivers(orderNo, Channel.UNIONPAY);
    assertTrue(receivers.size() >= 2, "the order is split: " + receivers);
    List<String> swapped = new ArrayList<>(receivers);
    swapped.set(0, OTHER_MER_ID);
    Map<String, String> form = resigned(unionPay.consume(consume(UnionPayDemo.MER_ID, orderNo),
        UnionPayNotificationBuilder.newQueryId(Clock.systemUTC()), UnionPayNotificationBuilder.Fault.NONE),
        fields -> {
          fields.put("accSplitData", accSplitData(orderNo, swapped));
          return fields;
        });

    assertRefusedAndNothingBooked(Channel.UNIONPAY, orderNo, () -> deliverUnionPay(form));
  }

  @Test
  void aUnionPayRefundNotificationForAnotherMerIdIsNotApplied() throws Exception {
    String orderNo = paidThroughUnionPay();
    String paymentQueryId = text("SELECT paid_transaction_id FROM orders WHERE order_no = '" + orderNo + "'");
    long refundRowsBefore = engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'REFUND'");
    long entriesBefore = journalEntries(orderNo);
    double foreignBefore = foreign(Channel.UNIONPAY);
    Map<String, String> form = unionPay.refund(new UnionPayNotificationBuilder.Refund(OTHER_MER_ID,
            "RF" + orderNo.replaceAll("[^0-9A-Za-z]", ""), paymentQueryId,
            txnTime(), 1_509_000, "000000", "00", null),
        UnionPayNotificationBuilder.newQueryId(Clock.systemUTC()), UnionPayNotificationBuilder.Fault.NONE);

    ApiCaller.Answer answer = deliverUnionPay(form);

    assertEquals(400, answer.status(), answer.text());
    assertEquals(refundRowsBefore, engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'REFUND'"));
    assertEquals(entriesBefore, journalEntries(orderNo), "no refund booked");
    assertEquals("PAID", status(orderNo));
    assertEquals(foreignBefore + 1, foreign(Channel.UNIONPAY));
  }

  // ---- WeChat Pay ------------------------------------------------------------------------------

  @Test
  void aWechatPaymentToAnotherMchidLeavesOurOrderUnpaid() {
    String orderNo = openedAt(Channel.WECHAT);
    JsonObject transaction = wechatTransaction(orderNo).put("mchid", OTHER_MCHID);

    assertRefusedAndNothingBooked(Channel.WECHAT, orderNo, () -> deliverWechat(transaction));
  }

  @Test
  void aWechatPaymentToAnotherAppOrSubMerchantIsNotOurs() {
    String orderNo = openedAt(Channel.WECHAT);
    assertRefusedAndNothingBooked(Channel.WECHAT, orderNo,
        () -> deliverWechat(wechatTransaction(orderNo).put("appid", "wx00000000000000ff")));
    assertRefusedAndNothingBooked(Channel.WECHAT, orderNo,
        () -> deliverWechat(wechatTransaction(orderNo).put("sp_mchid", wechatMerchant.getString("mchid"))
            .put("sub_mchid", OTHER_MCHID)));
  }

  @Test
  void aWechatCombinedPaymentWithASubOrderPaidToAnotherReceiverIsNotOurs() {
    String orderNo = openedAt(Channel.WECHAT);
    String outTradeNo = OutTradeNumbers.of(Channel.WECHAT, orderNo);
    List<String> receivers = storedReceivers(orderNo, Channel.WECHAT);
    assertTrue(receivers.size() >= 2, "the order is a combined payment: " + receivers);
    JsonArray subs = new JsonArray();
    List<Long> legs = legAmounts(orderNo);
    for (int i = 0; i < legs.size(); i++) {
      subs.add(new JsonObject().put("mchid", i == 0 ? OTHER_MCHID : receivers.get(i))
          .put("trade_state", "SUCCESS").put("trade_type", "NATIVE")
          .put("transaction_id", "42000009" + System.nanoTime() + i)
          .put("out_trade_no", outTradeNo + "L" + (i + 1))
          .put("amount", new JsonObject().put("total_amount", legs.get(i)).put("payer_amount", legs.get(i))
              .put("currency", "CNY"))
          .put("success_time", "2026-11-27T10:00:01+08:00"));
    }
    JsonObject combined = new JsonObject().put("combine_appid", wechatMerchant.getString("appid"))
        .put("combine_mchid", wechatMerchant.getString("mchid")).put("combine_out_trade_no", outTradeNo)
        .put("combine_payer_info", new JsonObject().put("openid", "o-attacker")).put("sub_orders", subs);

    assertRefusedAndNothingBooked(Channel.WECHAT, orderNo, () -> deliverWechat(combined));
  }

  // ---- Alipay ----------------------------------------------------------------------------------

  @Test
  void anAlipayPaymentToAnotherSellerOrAppLeavesOurOrderUnpaid() {
    String orderNo = openedAt(Channel.ALIPAY);
    assertRefusedAndNothingBooked(Channel.ALIPAY, orderNo,
        () -> deliverAlipay(alipayNotice(orderNo, AlipayDemo.APP_ID, OTHER_SELLER_ID)));
    assertRefusedAndNothingBooked(Channel.ALIPAY, orderNo,
        () -> deliverAlipay(alipayNotice(orderNo, "2021000000000999", AlipayDemo.SELLER_ID)));
  }

  // ---- the active query ------------------------------------------------------------------------

  @Test
  void aForeignAnswerFoundByTheActiveQueryIsNotBooked() throws Exception {
    String orderNo = openedAt(Channel.UNIONPAY);
    List<String> receivers = storedReceivers(orderNo, Channel.UNIONPAY);
    List<String> swapped = new ArrayList<>(receivers);
    swapped.set(0, OTHER_MER_ID);
    AtomicReference<UnaryOperator<Map<String, String>>> answerAs = new AtomicReference<>(fields -> {
      fields.put("merId", OTHER_MER_ID);
      return fields;
    });
    Vertx vertx = engine.engine().vertx();
    HttpServer gateway = Await.result(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      Map<String, String> asked = UnionPayNotifications.decodeForm(body.getBytes());
      Map<String, String> paid = paidAnswer(asked, orderNo);
      request.response().putHeader("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
          .end(Buffer.buffer(UnionPayNotifications.encodeForm(unionPay.sign(answerAs.get().apply(paid))),
              "UTF-8"));
    })).listen(0, "127.0.0.1"));
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2).setMaxWaitQueueSize(16))
        .connectingTo(engine.engine().database().connectOptions()).using(vertx).build();
    try {
      var accounts = Await.result(new ChannelAccountRepository(pool).load());
      ChannelSet channels = new ChannelSet(Map.of(Channel.UNIONPAY, unionPayAdapter(vertx,
          "http://127.0.0.1:" + gateway.actualPort())), accounts, null);
      PendingPaymentQueries queries = new PendingPaymentQueries(pool, channels, new PaymentIntake(vertx, pool),
          new ChannelOrders(pool, channels, engine.engine().publicBaseUrl()),
          new PendingPaymentQueries.Settings(1_000, 0, new Backoff(List.of(1L), 10), 3_600_000, 500, 4));

      Await.result(queries.runOnce());
      assertNothingBooked(orderNo, "an answer naming another merId");
      dueNow(orderNo);

      answerAs.set(fields -> {
        fields.put("accSplitData", accSplitData(orderNo, swapped));
        return fields;
      });
      Await.result(queries.runOnce());
      assertNothingBooked(orderNo, "an answer splitting to another receiver");
      dueNow(orderNo);

      // The same gateway answering for our merchant and receivers books the order: the refusals
      // above were about the payee, not the answer's form.
      answerAs.set(fields -> {
        fields.put("accSplitData", accSplitData(orderNo, receivers));
        return fields;
      });
      Await.result(queries.runOnce());
      assertEquals("PAID", status(orderNo));
    } finally {
      Await.result(pool.close());
      Await.result(gateway.close());
    }
  }

  private static Map<String, String> paidAnswer(Map<String, String> asked, String orderNo) {
    Map<String, String> answer = new TreeMap<>();
    answer.put("version", "5.1.0");
    answer.put("encoding", "UTF-8");
    answer.put("accessType", "0");
    answer.put("merId", UnionPayDemo.MER_ID);
    answer.put("txnType", "00");
    answer.put("txnSubType", "00");
    answer.put("bizType", "000000");
    answer.put("orderId", asked.get("orderId"));
    answer.put("txnTime", asked.get("txnTime"));
    answer.put("respCode", "00");
    answer.put("respMsg", "成功[0000000]");
    answer.put("origRespCode", "00");
    answer.put("origRespMsg", "成功[0000000]");
    answer.put("queryId", "Q" + Math.abs(asked.get("orderId").hashCode()) + System.nanoTime() % 1_000_000);
    answer.put("txnAmt", Long.toString(total(orderNo)));
    answer.put("currencyCode", "156");
    return answer;
  }

  private static UnionPayAdapter unionPayAdapter(Vertx vertx, String gatewayUrl) throws Exception {
    Issued merchant = issued(engine.dataDir().resolve("channels/unionpay/merchant"), "merchant-signing");
    return new UnionPayAdapter(vertx, WebClient.create(vertx), new UnionPayAdapter.Config(gatewayUrl,
        UnionPayDemo.MER_ID, merchant.keyPair().getPrivate(), merchant.certificate(),
        unionPayPki.root().certificate(), unionPayPki.intermediate().certificate(), true, 5_000,
        Files.createTempDirectory("foreign-bills-")));
  }

  private static void dueNow(String orderNo) {
    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_query_at = NULL WHERE order_no = '"
        + orderNo + "'");
  }

  private static void assertNothingBooked(String orderNo, String what) {
    assertEquals("OPEN", status(orderNo), what);
    assertEquals(0, journalEntries(orderNo), what);
    assertEquals(0, engine.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"), what);
  }

  // ---- the attack's outcome --------------------------------------------------------------------

  private interface Delivery {
    ApiCaller.Answer deliver();
  }

  /**
   * Delivers the attack and checks the refusal: the channel's failure form (WeChat a non-2xx FAIL,
   * Alipay {@code fail}, UnionPay a non-200), the order still unpaid, nothing in the inbox or the
   * journal, and one more {@code clearing_callbacks_total{outcome="foreign"}}.
   */
  private static void assertRefusedAndNothingBooked(Channel channel, String orderNo, Delivery attack) {
    double foreignBefore = foreign(channel);

    ApiCaller.Answer answer = attack.deliver();

    switch (channel) {
      case WECHAT -> {
        assertEquals(400, answer.status(), answer.text());
        assertEquals("FAIL", answer.json().getString("code"));
      }
      case ALIPAY -> {
        assertEquals(200, answer.status(), answer.text());
        assertEquals("fail", answer.text());
      }
      case UNIONPAY -> assertEquals(400, answer.status(), answer.text());
    }
    assertEquals("OPEN", status(orderNo), "the order is not paid by somebody else's payment");
    assertEquals(0, journalEntries(orderNo), "nothing booked, not even to suspense");
    assertEquals(0, engine.count("SELECT count(*) FROM channel_inbox WHERE out_trade_no = '"
        + OutTradeNumbers.of(channel, orderNo) + "'"));
    assertEquals(foreignBefore + 1, foreign(channel), "counted as foreign");
  }

  private static double foreign(Channel channel) {
    String metrics = new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text();
    String prefix = "clearing_callbacks_total{channel=\"" + channel.code() + "\",outcome=\"foreign\"} ";
    for (String line : metrics.split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(prefix.length()));
      }
    }
    return 0;
  }

  // ---- orders --------------------------------------------------------------------------------

  /** Creates an order and opens it at {@code channel} as a desktop cashier would; its number. */
  private static String openedAt(Channel channel) {
    cases++;
    JsonObject order = registration.post("/api/v1/orders",
        OrderBodies.typical("FOREIGN-" + cases).encode(), "foreign-" + cases).json();
    String orderNo = order.getString("order_no");
    Browser.Page page = new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url")
        + "/pay/" + channel.code());
    assertEquals(200, page.status(), page.html());
    assertEquals(1, engine.count("SELECT count(*) FROM channel_order WHERE order_no = '" + orderNo
        + "' AND channel = '" + channel.code() + "' AND payee IS NOT NULL"), "the payee was recorded");
    return orderNo;
  }

  private static String paidThroughUnionPay() throws Exception {
    cases++;
    JsonObject order = registration.post("/api/v1/orders",
        OrderBodies.typical("FOREIGN-" + cases).encode(), "foreign-" + cases).json();
    String orderNo = order.getString("order_no");
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/unionpay"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!status(orderNo).equals("PAID")) {
      assertTrue(System.nanoTime() < deadline, "paid through UnionPay in time");
      Thread.sleep(100);
    }
    return orderNo;
  }

  private static String status(String orderNo) {
    return text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'");
  }

  private static long journalEntries(String orderNo) {
    return engine.count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'");
  }

  private static long total(String orderNo) {
    return engine.count("SELECT total_fen FROM orders WHERE order_no = '" + orderNo + "'");
  }

  private static List<Long> legAmounts(String orderNo) {
    List<Long> amounts = new ArrayList<>();
    for (String fen : text("SELECT string_agg(amount_fen::text, ',' ORDER BY leg_no) FROM leg WHERE order_no = '"
        + orderNo + "'").split(",")) {
      amounts.add(Long.parseLong(fen));
    }
    return amounts;
  }

  /** The receivers recorded for the channel order, in leg order. */
  private static List<String> storedReceivers(String orderNo, Channel channel) {
    String accounts = text("SELECT string_agg(a.channel_account, ',' ORDER BY l.leg_no) FROM leg l"
        + " JOIN payee_channel_account a ON a.payee_account_id = l.payee_account_id AND a.channel = '"
        + channel.code() + "' WHERE l.order_no = '" + orderNo + "'");
    PayeeIdentity stored = PayeeIdentity.fromJson(text("SELECT payee::text FROM channel_order WHERE order_no = '"
        + orderNo + "' AND channel = '" + channel.code() + "'"));
    List<String> receivers = List.of(accounts.split(","));
    assertEquals(stored.receivers(), receivers.stream().sorted().toList(), "the stored receivers are the legs'");
    return receivers;
  }

  private static String accSplitData(String orderNo, List<String> receivers) {
    List<Long> legs = legAmounts(orderNo);
    JsonArray mchts = new JsonArray();
    for (int i = 0; i < legs.size(); i++) {
      mchts.add(new JsonObject().put("accSplitMerId", receivers.get(i)).put("accSplitAmt", legs.get(i).toString()));
    }
    return new JsonObject().put("accSplitType", "1").put("accSplitMchts", mchts).encode();
  }

  private static String text(String sql) {
    return TestDatabase.queryString(engine.pgUrl(), sql);
  }

  // ---- deliveries, exactly as the channels post them ---------------------------------------------

  /** UnionPay's txnTime: Beijing time, yyyyMMddHHmmss. */
  private static String txnTime() {
    return DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.ofHours(8)).format(Instant.now());
  }

  private static UnionPayNotificationBuilder.Consume consume(String merId, String orderNo) {
    return new UnionPayNotificationBuilder.Consume(merId, OutTradeNumbers.of(Channel.UNIONPAY, orderNo),
        txnTime(), total(orderNo), "000000", "07", "6221550000000000", null);
  }

  /** Changes a signed form and signs it again with UnionPay's key, as UnionPay would have sent it. */
  private static Map<String, String> resigned(Map<String, String> form,
      UnaryOperator<Map<String, String>> change) {
    return unionPay.sign(change.apply(new HashMap<>(form)));
  }

  private static ApiCaller.Answer deliverUnionPay(Map<String, String> form) {
    return post(Channel.UNIONPAY, UnionPayNotifications.encodeForm(form).getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"));
  }

  private static JsonObject wechatTransaction(String orderNo) {
    long totalFen = total(orderNo);
    return new JsonObject().put("appid", wechatMerchant.getString("appid"))
        .put("mchid", wechatMerchant.getString("mchid"))
        .put("out_trade_no", OutTradeNumbers.of(Channel.WECHAT, orderNo))
        .put("transaction_id", "42000009" + System.nanoTime()).put("trade_type", "NATIVE")
        .put("trade_state", "SUCCESS").put("trade_state_desc", "支付成功").put("bank_type", "OTHERS")
        .put("success_time", "2026-11-27T10:00:01+08:00")
        .put("payer", new JsonObject().put("openid", "o-attacker"))
        .put("amount", new JsonObject().put("total", totalFen).put("payer_total", totalFen)
            .put("currency", "CNY").put("payer_currency", "CNY"));
  }

  private static ApiCaller.Answer deliverWechat(JsonObject resource) {
    WechatNotificationSigner.SignedNotification signed =
        wechat.sign(wechat.transactionEnvelope("EV-" + System.nanoTime(), resource));
    Map<String, String> headers = new HashMap<>(signed.headers());
    headers.put("Content-Type", "application/json");
    return post(Channel.WECHAT, signed.body(), headers);
  }

  private static AlipayTradeNotice alipayNotice(String orderNo, String appId, String sellerId) {
    Money total = Money.ofFen(total(orderNo));
    Instant now = Instant.now();
    return new AlipayTradeNotice(appId, "notify-" + System.nanoTime(), "2026" + System.nanoTime(),
        OutTradeNumbers.of(Channel.ALIPAY, orderNo), "2088102177846880", sellerId, total, total, total,
        "TRADE_SUCCESS", now.minusSeconds(30), now, "不动产登记税费", null);
  }

  private static ApiCaller.Answer deliverAlipay(AlipayTradeNotice notice) {
    return post(Channel.ALIPAY, AlipayNotificationSigner.formBody(alipay.sign(notice)).getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/x-www-form-urlencoded;charset=utf-8"));
  }

  private static ApiCaller.Answer post(Channel channel, byte[] body, Map<String, String> headers) {
    return new ApiCaller(engine.baseUrl(), null).raw("POST", "/callbacks/" + channel.code(), body, headers);
  }

}
