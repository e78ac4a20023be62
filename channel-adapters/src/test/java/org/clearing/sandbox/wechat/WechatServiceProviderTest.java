package org.clearing.sandbox.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.clearing.channel.BillFile;
import org.clearing.channel.CloseResult;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.OpenOrderRequest.Flow;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.channel.wechat.WechatNotificationSigner;
import org.clearing.channel.wechat.WechatPlatformCredential;
import org.clearing.crypto.Pem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves the WeChat adapter speaks WeChat's partner API as a service provider (服务商) against the
// sandbox over real HTTP: combined and single-leg orders for its sub-merchants paid, notified,
// queried, closed, refunded and billed; the sandbox refuses a sub-merchant not bound to the service
// provider and a direct-mode request; and, by attack, a genuinely signed notification for a
// sub-merchant that is not ours is refused.
class WechatServiceProviderTest {

  static final String SUB_A = "1900000101";
  static final String SUB_B = "1900000102";
  /** A sub-merchant of another service provider: real, signed by WeChat, not ours. */
  static final String FOREIGN_SUB = "1900000999";
  static final AtomicLong SEQUENCE = new AtomicLong(System.nanoTime() % 1_000_000_000L);

  static Vertx vertx;
  static WebClient client;
  static WechatDemo demo;
  static WechatAdapter adapter;
  static HttpServer receiver;
  static final List<Notification> received = new CopyOnWriteArrayList<>();
  @TempDir static Path directory;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    client = WebClient.create(vertx);
    demo = await(WechatDemo.start(vertx, directory.resolve("demo"), "127.0.0.1", 0, 1000,
        Set.of(SUB_A, SUB_B), WechatDemo.SP_MCHID, true));
    adapter = new WechatAdapter(vertx, client, demo.adapterConfig(directory.resolve("bills")));
    receiver = await(vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> vertx.executeBlocking(() -> adapter.verify(incoming(request.headers(), body))))
        .onSuccess(notification -> {
          received.add(notification);
          var ack = notification instanceof Rejection r ? adapter.rejected(r) : adapter.accepted();
          request.response().setStatusCode(ack.status()).end(Buffer.buffer(ack.body()));
        })
        .onFailure(e -> request.response().setStatusCode(500).end()))
        .listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() throws Exception {
    await(demo.stop());
    await(vertx.close());
  }

  // ---------------------------------------------------------------- helpers

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static IncomingNotification incoming(io.vertx.core.MultiMap headers, Buffer body) {
    Map<String, String> lower = new HashMap<>();
    headers.forEach(h -> lower.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
    return new IncomingNotification(lower, body.getBytes());
  }

  static String newOutTradeNo() {
    return "WSP20261206" + String.format("%09d", SEQUENCE.incrementAndGet() % 1_000_000_000L);
  }

  static OpenOrderRequest order(String outTradeNo, Flow flow, String openid, List<SplitLeg> legs) {
    Money total = legs.stream().map(SplitLeg::amount).reduce(Money.ZERO, Money::plus);
    return new OpenOrderRequest(outTradeNo.substring(1), outTradeNo, total, "不动产登记税费",
        Instant.now().plusSeconds(900), legs, "http://127.0.0.1:" + receiver.actualPort() + "/callbacks/wechat",
        "", flow, openid);
  }

  static List<SplitLeg> twoLegs() {
    return List.of(new SplitLeg(1, "treasury", SUB_A, Money.ofFen(700)),
        new SplitLeg(2, "non-tax", SUB_B, Money.ofFen(300)));
  }

  static JsonObject pay(String outTradeNo) throws Exception {
    HttpResponse<Buffer> response = await(client.postAbs(demo.sandbox().baseUrl() + "/sandbox/pay")
        .timeout(5000).sendJsonObject(new JsonObject().put("out_trade_no", outTradeNo).put("payer", "alice")));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  static <T extends Notification> T notified(Class<T> type, java.util.function.Predicate<T> which)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      Optional<T> found = received.stream().filter(type::isInstance).map(type::cast).filter(which).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no " + type.getSimpleName() + " within 10 s; received " + received);
  }

  /** WeChat's signer as it signs every merchant's notifications: the sandbox's platform key. */
  static WechatNotificationSigner platform() throws Exception {
    Path keys = directory.resolve("demo/sandbox/keys");
    WechatPlatformCredential credential = new WechatPlatformCredential(
        Files.readString(keys.resolve("platform-public-key.serial")).trim(),
        new KeyPair(Pem.readPublicKey(Files.readString(keys.resolve("platform-public-key.pem"))),
            Pem.readPrivateKey(Files.readString(keys.resolve("platform-public-key-key.pem")))),
        Optional.empty());
    String apiV3Key = new JsonObject(Files.readString(directory.resolve("demo/merchant/merchant.json")))
        .getString("api_v3_key");
    return new WechatNotificationSigner(credential, apiV3Key, Clock.systemUTC());
  }

  static Notification genuinelySigned(JsonObject transaction) throws Exception {
    WechatNotificationSigner signer = platform();
    var signed = signer.sign(signer.transactionEnvelope("EV-" + SEQUENCE.incrementAndGet(), transaction));
    return adapter.verify(new IncomingNotification(signed.headersLowercased(), signed.body()));
  }

  // ---------------------------------------------------------------- paying through sub-merchants

  @Test
  void aCombinedPaymentPaysEachSubMerchantUnderTheServiceProviderAndIsRefundedAndBilledPerLeg() throws Exception {
    String no = newOutTradeNo();
    await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", twoLegs())));
    JsonArray splits = await(client.getAbs(demo.sandbox().baseUrl() + "/sandbox/splits/" + no).send())
        .bodyAsJsonObject().getJsonArray("receivers");
    assertEquals(WechatDemo.SP_MCHID, splits.getJsonObject(0).getString("mchid"), "sub-orders are the service provider's");
    assertEquals(SUB_A, splits.getJsonObject(0).getString("sub_mchid"));
    assertEquals(SUB_B, splits.getJsonObject(1).getString("sub_mchid"));

    String transactionId = pay(no).getString("transaction_id");
    PaymentNotification paid = notified(PaymentNotification.class, p -> p.outTradeNo().equals(no));
    assertTrue(paid.successful());
    assertEquals(Money.ofFen(1000), paid.amount());
    assertEquals(new PayeeIdentity(WechatDemo.SP_MCHID, WechatDemo.APPID, "", List.of(SUB_A, SUB_B)), paid.payee());
    assertTrue(adapter.payee(twoLegs()).admits(paid.payee()), "the engine admits what it sent");
    QueryResult.Paid queried = assertInstanceOf(QueryResult.Paid.class, await(adapter.query(no)));
    assertEquals(paid.payee(), queried.payment().payee());

    String refundNo = "R" + no.substring(1);
    List<SplitLeg> leg2 = List.of(new SplitLeg(2, "non-tax", SUB_B, Money.ofFen(300)));
    assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(new RefundRequest(no, transactionId,
        refundNo, Money.ofFen(300), Money.ofFen(1000), leg2, order(no, Flow.CHANNEL_QR, "", leg2).notifyUrl(), ""))));
    RefundNotification refunded = notified(RefundNotification.class, r -> r.outRefundNo().startsWith(refundNo));
    assertEquals(PayeeIdentity.of(WechatDemo.SP_MCHID, "", SUB_B), refunded.payee());
    assertInstanceOf(RefundResult.Succeeded.class, await(adapter.queryRefund(new RefundRequest(no, transactionId,
        refundNo, Money.ofFen(300), Money.ofFen(1000), leg2, "", ""))));

    BillFile bill = await(adapter.downloadBill(LocalDate.now(ZoneOffset.ofHours(8))));
    List<StatementLine> lines = new ArrayList<>();
    try (StatementReader reader = adapter.readBill(bill)) {
      reader.forEachRemaining(lines::add);
    }
    assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(no + "L1") && l.amount().fen() == 700), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(no + "L2") && l.amount().fen() == 300), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.kind() == StatementLine.Kind.REFUND
        && l.outTradeNo().equals(no + "L2") && l.amount().fen() == -300), lines.toString());
    assertTrue(demo.sandbox().billRows(LocalDate.now(ZoneOffset.ofHours(8))).stream()
        .anyMatch(r -> r.outTradeNo().equals(no + "L1") && r.subMchid().equals(SUB_A)), "特约商户号 is the sub-merchant");
  }

  @Test
  void aSingleLegIsAPartnerOrderOfItsSubMerchantQueriedClosedPaidAndRefundedUnderIt() throws Exception {
    List<SplitLeg> one = List.of(new SplitLeg(1, "treasury", SUB_A, Money.ofFen(500)));
    String open = newOutTradeNo();
    await(adapter.openOrder(order(open, Flow.CHANNEL_QR, "", one)));
    assertEquals("NOTPAY", assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(open))).state());
    assertInstanceOf(CloseResult.Closed.class, await(adapter.close(open)));
    assertTrue(assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(open))).closed());

    String no = newOutTradeNo();
    await(adapter.openOrder(order(no, Flow.IN_APP, "o-payer-sp", one)));
    String transactionId = pay(no).getString("transaction_id");
    PaymentNotification paid = notified(PaymentNotification.class, p -> p.outTradeNo().equals(no));
    assertEquals(PayeeIdentity.of(WechatDemo.SP_MCHID, WechatDemo.APPID, SUB_A), paid.payee());
    assertEquals("o-payer-sp", paid.payerRef());
    assertTrue(adapter.payee(one).admits(paid.payee()));
    assertInstanceOf(QueryResult.Paid.class, await(adapter.query(no)));
    // A fresh adapter remembers nothing: it finds the order under each sub-merchant in turn.
    WechatAdapter restarted = new WechatAdapter(vertx, client, demo.adapterConfig(directory.resolve("bills-2")));
    assertInstanceOf(QueryResult.Paid.class, await(restarted.query(no)));
    assertInstanceOf(CloseResult.AlreadyPaid.class, await(restarted.close(no)));

    String refundNo = "R" + no.substring(1);
    assertInstanceOf(RefundResult.Accepted.class, await(restarted.refund(new RefundRequest(no, transactionId,
        refundNo, Money.ofFen(500), Money.ofFen(500), List.of(), order(no, Flow.IN_APP, "", one).notifyUrl(), ""))));
    assertInstanceOf(RefundResult.Succeeded.class, await(restarted.queryRefund(new RefundRequest(no, transactionId,
        refundNo, Money.ofFen(500), Money.ofFen(500), List.of(), "", ""))));
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void aPayeeAccountWithoutASubMchidOrWithOneNotConfiguredIsRefusedBeforeAnythingIsSent() {
    List<SplitLeg> missing = List.of(new SplitLeg(1, "treasury", SUB_A, Money.ofFen(100)),
        new SplitLeg(2, "non-tax", " ", Money.ofFen(100)));
    Exception none = assertThrows(IllegalArgumentException.class,
        () -> await(adapter.openOrder(order(newOutTradeNo(), Flow.CHANNEL_QR, "", missing))));
    assertTrue(none.getMessage().contains("sub_mchid") && none.getMessage().contains("non-tax"), none.getMessage());
    String no = newOutTradeNo();
    Exception stranger = assertThrows(IllegalArgumentException.class, () -> await(adapter.openOrder(order(no,
        Flow.CHANNEL_QR, "", List.of(new SplitLeg(1, "treasury", FOREIGN_SUB, Money.ofFen(100)))))));
    assertTrue(stranger.getMessage().contains(FOREIGN_SUB), stranger.getMessage());
    assertEquals(404, awaitStatus(client.getAbs(demo.sandbox().baseUrl() + "/sandbox/splits/" + no).send()),
        "nothing reached the channel");
  }

  static int awaitStatus(Future<HttpResponse<Buffer>> response) {
    try {
      return await(response).statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theSandboxRefusesASubMerchantNotBoundToTheServiceProvider() throws Exception {
    // An adapter configured with a sub-merchant the service provider was never given.
    WechatAdapter.Config ours = demo.adapterConfig(directory.resolve("bills-3"));
    WechatAdapter misconfigured = new WechatAdapter(vertx, client, new WechatAdapter.Config(ours.apiBaseUrl(),
        ours.oauthBaseUrl(), ours.snsBaseUrl(), ours.jsapiCashierUrl(), ours.nativeCashierUrl(), ours.mchid(),
        ours.appid(), ours.appSecret(), ours.merchantSerial(), ours.merchantPrivateKey(), ours.apiV3Key(),
        ours.platformKeys(), ours.callTimeoutMs(), ours.billDirectory(), true, List.of(SUB_A, SUB_B, FOREIGN_SUB)));
    for (List<SplitLeg> legs : List.of(
        List.of(new SplitLeg(1, "treasury", FOREIGN_SUB, Money.ofFen(100))),
        List.of(new SplitLeg(1, "treasury", SUB_A, Money.ofFen(100)),
            new SplitLeg(2, "non-tax", FOREIGN_SUB, Money.ofFen(100))))) {
      Exception refused = assertThrows(IllegalStateException.class,
          () -> await(misconfigured.openOrder(order(newOutTradeNo(), Flow.CHANNEL_QR, "", legs))));
      assertTrue(refused.getMessage().contains("PARAM_ERROR") && refused.getMessage().contains(FOREIGN_SUB),
          refused.getMessage());
    }
  }

  @Test
  void theSandboxRefusesADirectModeRequestOfTheServiceProvider() throws Exception {
    WechatAdapter.Config ours = demo.adapterConfig(directory.resolve("bills-4"));
    WechatAdapter direct = new WechatAdapter(vertx, client, new WechatAdapter.Config(ours.apiBaseUrl(),
        ours.oauthBaseUrl(), ours.snsBaseUrl(), ours.jsapiCashierUrl(), ours.nativeCashierUrl(), ours.mchid(),
        ours.appid(), ours.appSecret(), ours.merchantSerial(), ours.merchantPrivateKey(), ours.apiV3Key(),
        ours.platformKeys(), ours.callTimeoutMs(), ours.billDirectory()));
    Exception plain = assertThrows(IllegalStateException.class, () -> await(direct.openOrder(order(newOutTradeNo(),
        Flow.CHANNEL_QR, "", List.of(new SplitLeg(1, "treasury", SUB_A, Money.ofFen(100)))))));
    assertTrue(plain.getMessage().contains("403 NO_AUTH"), plain.getMessage());
    Exception combined = assertThrows(IllegalStateException.class,
        () -> await(direct.openOrder(order(newOutTradeNo(), Flow.CHANNEL_QR, "", twoLegs()))));
    assertTrue(combined.getMessage().contains("403 NO_AUTH"), combined.getMessage());
  }

  // ---------------------------------------------------------------- attacks

  @Test
  void aGenuinelySignedNotificationForASubMerchantThatIsNotOursIsRefusedAsForeign() throws Exception {
    String no = newOutTradeNo();
    await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", twoLegs())));
    String success = java.time.OffsetDateTime.now(ZoneOffset.ofHours(8)).withNano(0).toString();
    JsonObject combined = new JsonObject().put("combine_appid", WechatDemo.APPID)
        .put("combine_mchid", WechatDemo.SP_MCHID).put("combine_out_trade_no", no)
        .put("sub_orders", new JsonArray()
            .add(subOrder(SUB_A, no + "L1", 700, success))
            .add(subOrder(FOREIGN_SUB, no + "L2", 300, success)));
    Rejection combinedRefused = assertInstanceOf(Rejection.class, genuinelySigned(combined));
    assertEquals(Rejection.Reason.FOREIGN, combinedRefused.reason(), combinedRefused.detail());

    JsonObject plain = new JsonObject().put("sp_appid", WechatDemo.APPID).put("sp_mchid", WechatDemo.SP_MCHID)
        .put("sub_mchid", FOREIGN_SUB).put("out_trade_no", no).put("transaction_id", "4200000000202612060000000001")
        .put("trade_type", "NATIVE").put("trade_state", "SUCCESS").put("success_time", success)
        .put("amount", new JsonObject().put("total", 1000).put("currency", "CNY"));
    Rejection plainRefused = assertInstanceOf(Rejection.class, genuinelySigned(plain));
    assertEquals(Rejection.Reason.FOREIGN, plainRefused.reason(), plainRefused.detail());

    // The service provider's own id without a sub-merchant is a direct merchant's order, not ours.
    Rejection noSub = assertInstanceOf(Rejection.class, genuinelySigned(plain.copy().put("sub_mchid", null)));
    assertEquals(Rejection.Reason.FOREIGN, noSub.reason(), noSub.detail());

    // Ours, for contrast: the same resource naming our sub-merchant verifies.
    assertInstanceOf(PaymentNotification.class, genuinelySigned(plain.copy().put("sub_mchid", SUB_A)));
  }

  private static JsonObject subOrder(String subMchid, String outTradeNo, long fen, String success) {
    return new JsonObject().put("mchid", WechatDemo.SP_MCHID).put("sub_mchid", subMchid)
        .put("trade_type", "NATIVE").put("trade_state", "SUCCESS").put("transaction_id", "42000000002026120600000000" + fen % 100)
        .put("out_trade_no", outTradeNo).put("success_time", success)
        .put("amount", new JsonObject().put("total_amount", fen).put("currency", "CNY"));
  }
}
