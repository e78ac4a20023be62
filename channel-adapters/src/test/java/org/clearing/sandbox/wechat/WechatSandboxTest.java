package org.clearing.sandbox.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.BillFile;
import org.clearing.channel.CloseResult;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.OpenOrderRequest.Flow;
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
import org.clearing.channel.wechat.WechatPlatformKeys;
import org.clearing.channel.wechat.WechatRequestSigner;
import org.clearing.crypto.Crypto;
import org.clearing.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves the WeChat adapter and sandbox work together over real HTTP on 127.0.0.1 with real keys:
// plain and combined orders, payer pages, OAuth, signed callbacks with retries and every fault
// switch, query, close, per-leg refunds, bills, and Unknown for timeouts, 5xx and tampered answers.
class WechatSandboxTest {

  static final Set<String> RECEIVERS = Set.of("1900000101", "1900000102", "1900000103", "1900000104");
  static final AtomicLong SEQUENCE = new AtomicLong(System.nanoTime() % 1_000_000_000L);

  static Vertx vertx;
  static WebClient client;
  static WechatDemo demo;
  static WechatAdapter adapter;
  static HttpServer receiver;
  static final List<Notification> received = new CopyOnWriteArrayList<>();
  /** Per order number, how many deliveries of its payment the receiver still refuses. */
  static final Map<String, AtomicInteger> refuseFirst = new java.util.concurrent.ConcurrentHashMap<>();
  @TempDir static Path directory;

  @BeforeAll
  static void start() throws Exception {
    // A low budget makes any blocking on an event loop show up as a blocked-thread warning.
    vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false));
    demo = await(WechatDemo.start(vertx, directory.resolve("demo"), 0, 1000, RECEIVERS));
    adapter = new WechatAdapter(vertx, client, demo.adapterConfig(directory.resolve("bills")));
    receiver = await(vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> {
          Map<String, String> headers = new HashMap<>();
          request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
          return vertx.executeBlocking(() -> adapter.verify(new IncomingNotification(headers, body.getBytes())));
        })
        .onSuccess(notification -> {
          received.add(notification);
          var ack = notification instanceof Rejection rejection ? adapter.rejected(rejection)
              : notification instanceof PaymentNotification p && refuseFirst.containsKey(p.outTradeNo())
                  && refuseFirst.get(p.outTradeNo()).getAndDecrement() > 0 ? adapter.retryLater("not yet")
              : adapter.accepted();
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

  @BeforeEach
  void calm() {
    demo.sandbox().faults().set(SandboxFaults.NONE);
  }

  // ---------------------------------------------------------------- helpers

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static String notifyUrl() {
    return "http://127.0.0.1:" + receiver.actualPort() + "/callbacks/wechat";
  }

  static String newOutTradeNo() {
    return "WTF20261127" + String.format("%09d", SEQUENCE.incrementAndGet() % 1_000_000_000L);
  }

  static List<SplitLeg> legs(long... amountsFen) {
    List<SplitLeg> legs = new ArrayList<>();
    for (int i = 0; i < amountsFen.length; i++) {
      legs.add(new SplitLeg(i + 1, "payee-" + (i + 1), "190000010" + (1 + i % 4), Money.ofFen(amountsFen[i])));
    }
    return legs;
  }

  static OpenOrderRequest order(String outTradeNo, Flow flow, String openid, List<SplitLeg> legs) {
    Money total = legs.stream().map(SplitLeg::amount).reduce(Money.ZERO, Money::plus);
    return new OpenOrderRequest(outTradeNo.substring(1), outTradeNo, total, "不动产登记税费 <LA-1>",
        Instant.now().plusSeconds(900), legs, notifyUrl(), "", flow, openid);
  }

  static JsonObject pay(String outTradeNo, int expectedStatus) throws Exception {
    HttpResponse<Buffer> response = await(client.postAbs(demo.sandbox().baseUrl() + "/sandbox/pay")
        .timeout(5000).sendJsonObject(new JsonObject().put("out_trade_no", outTradeNo).put("payer", "alice")));
    assertEquals(expectedStatus, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  static <T> T eventually(Supplier<T> probe) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("condition not met within 10 s");
  }

  static List<PaymentNotification> paymentsOf(String outTradeNo) {
    return received.stream().filter(n -> n instanceof PaymentNotification p && p.outTradeNo().equals(outTradeNo))
        .map(PaymentNotification.class::cast).toList();
  }

  static PaymentNotification firstPayment(String outTradeNo) throws InterruptedException {
    return eventually(() -> paymentsOf(outTradeNo).isEmpty() ? null : paymentsOf(outTradeNo).get(0));
  }

  static HttpResponse<Buffer> get(String url) throws Exception {
    return await(client.getAbs(url).timeout(5000).send());
  }

  static String hiddenOutTradeNo(String html) {
    Matcher m = Pattern.compile("name=\"out_trade_no\" value=\"([^\"]+)\"").matcher(html);
    assertTrue(m.find(), html);
    return m.group(1);
  }

  // ---------------------------------------------------------------- orders and payer pages

  @Test
  void aTwoLegNativeOrderIsACombinedPaymentWhosePageShowsEachLegAndWhoseOneFormPays() throws Exception {
    String no = newOutTradeNo();
    var order = await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", legs(100000, 8000))));
    assertTrue(order.channelReference().startsWith("weixin://wxpay/bizpayurl?pr="), order.channelReference());
    assertTrue(order.payerUrl().startsWith(demo.sandbox().baseUrl() + "/sandbox/native/"), order.payerUrl());

    String html = get(order.payerUrl()).bodyAsString();
    assertTrue(html.contains("1080.00"), html);
    assertTrue(html.contains("1900000101") && html.contains("1000.00") && html.contains(no + "L1"), html);
    assertTrue(html.contains("1900000102") && html.contains("80.00") && html.contains(no + "L2"), html);
    assertTrue(html.contains("&lt;LA-1&gt;") && !html.contains("<LA-1>"), "escaped: " + html);
    assertEquals(1, html.split("<form", -1).length - 1);
    assertTrue(html.contains("<form method=\"post\""));

    HttpResponse<Buffer> paid = await(client.postAbs(demo.sandbox().baseUrl() + "/sandbox/cashier/pay")
        .timeout(5000).sendForm(MultiMap.caseInsensitiveMultiMap()
            .add("out_trade_no", hiddenOutTradeNo(html)).add("payer", "bob")));
    assertEquals(200, paid.statusCode());
    assertTrue(paid.bodyAsString().contains("paid"));

    PaymentNotification payment = firstPayment(no);
    assertEquals(Money.ofFen(108000), payment.amount());
    assertTrue(payment.successful());
    assertTrue(payment.transactionId().matches("42000\\d{23}"), payment.transactionId());
    QueryResult.Paid queried = assertInstanceOf(QueryResult.Paid.class, await(adapter.query(no)));
    assertEquals(Money.ofFen(108000), queried.payment().amount());
    assertEquals(payment.transactionId(), queried.payment().transactionId());
    assertEquals("query:" + payment.transactionId(), queried.payment().eventId());

    HttpResponse<Buffer> again = await(client.postAbs(demo.sandbox().baseUrl() + "/sandbox/cashier/pay")
        .timeout(5000).sendForm(MultiMap.caseInsensitiveMultiMap().add("out_trade_no", no)));
    assertEquals(409, again.statusCode());
  }

  @Test
  void theOauthStandInGivesASingleUseCodeForAnOpenidAndTheJsapiCashierChecksPaySign() throws Exception {
    String authorize = adapter.oauthAuthorizeUrl("http://127.0.0.1:1/q/abc?x=1", "st&1");
    HttpResponse<Buffer> redirect = get(authorize);
    assertEquals(302, redirect.statusCode());
    String location = redirect.getHeader("Location");
    assertTrue(location.startsWith("http://127.0.0.1:1/q/abc?x=1&code="), location);
    assertTrue(location.endsWith("&state=st%261"), location);
    String code = location.replaceAll(".*code=([^&]+).*", "$1");
    String openid = await(adapter.openIdForCode(code));
    assertTrue(openid.startsWith("o"), openid);
    Exception reused = assertThrows(Exception.class, () -> await(adapter.openIdForCode(code)));
    assertTrue(reused.getMessage().contains("40029"), reused.getMessage());
    assertThrows(Exception.class, () -> await(adapter.openIdForCode("made-up")));
    assertEquals(400, get(authorize.replace("snsapi_base", "snsapi_userinfo")).statusCode());
    assertEquals(400, get(authorize.replace("redirect_uri=http", "redirect_uri=ftp")).statusCode());

    String no = newOutTradeNo();
    var order = await(adapter.openOrder(order(no, Flow.IN_APP, openid, legs(50000, 3000, 2000))));
    assertTrue(order.channelReference().startsWith("wx"), order.channelReference());
    HttpResponse<Buffer> cashier = get(order.payerUrl());
    assertEquals(200, cashier.statusCode(), cashier.bodyAsString());
    assertTrue(cashier.bodyAsString().contains("550.00") && cashier.bodyAsString().contains(no + "L3"));
    int at = order.payerUrl().indexOf("paySign=") + "paySign=".length();
    char first = order.payerUrl().charAt(at);
    String forged = order.payerUrl().substring(0, at) + (first == 'A' ? 'B' : 'A')
        + order.payerUrl().substring(at + 1);
    assertNotEquals(order.payerUrl(), forged);
    assertEquals(400, get(forged).statusCode());
    assertEquals(400, get(order.payerUrl().replace("timeStamp=", "timeStamp=1")).statusCode());

    JsonObject paid = pay(no, 200);
    assertEquals(3, paid.getJsonArray("transaction_ids").size());
    assertEquals(openid, paid.getString("openid"));
    assertEquals(openid, firstPayment(no).payerRef());
    pay(no, 409);
    pay("WTF00000000000000000", 404);
  }

  @Test
  void aSingleLegOrderIsAPlainOrderThatCanBeQueriedUnpaidClosedAndNoLongerPaid() throws Exception {
    String no = newOutTradeNo();
    var order = await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", legs(1234))));
    // Opening the same number again gives the same code_url, not a second order.
    assertEquals(order.channelReference(),
        await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", legs(1234)))).channelReference());
    assertThrows(IllegalStateException.class,
        () -> await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", legs(1235)))));
    QueryResult.NotPaid unpaid = assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(no)));
    assertEquals("NOTPAY", unpaid.state());
    assertFalse(unpaid.closed());
    assertInstanceOf(CloseResult.Closed.class, await(adapter.close(no)));
    QueryResult.NotPaid closed = assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(no)));
    assertTrue(closed.closed());
    pay(no, 409);
    assertInstanceOf(QueryResult.NotFound.class, await(adapter.query("WTF99999999999999999")));
    assertInstanceOf(CloseResult.Closed.class, await(adapter.close("WTF99999999999999999")));
  }

  @Test
  void anExpiredOrderCannotBePaid() throws Exception {
    String no = newOutTradeNo();
    Money total = Money.ofFen(300);
    await(adapter.openOrder(new OpenOrderRequest(no.substring(1), no, total, "契税",
        Instant.now().plusMillis(1_100), legs(100, 200), notifyUrl(), "", Flow.CHANNEL_QR, "")));
    Thread.sleep(1_300);
    assertEquals("EXPIRED", pay(no, 409).getString("code"));
    assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(no)));
  }

  @Test
  void aCombinedOrderIsClosedWithItsSubOrdersAndAPaidOneReportsAlreadyPaid() throws Exception {
    String open = newOutTradeNo();
    await(adapter.openOrder(order(open, Flow.CHANNEL_QR, "", legs(100, 200))));
    assertInstanceOf(CloseResult.Closed.class, await(adapter.close(open)));
    pay(open, 409);
    String paid = newOutTradeNo();
    await(adapter.openOrder(order(paid, Flow.CHANNEL_QR, "", legs(100, 200))));
    pay(paid, 200);
    assertInstanceOf(CloseResult.AlreadyPaid.class, await(adapter.close(paid)));
    String single = newOutTradeNo();
    await(adapter.openOrder(order(single, Flow.CHANNEL_QR, "", legs(300))));
    pay(single, 200);
    assertInstanceOf(CloseResult.AlreadyPaid.class, await(adapter.close(single)));
  }

  @Test
  void theLimitsOfCombinedPaymentAndReceiversAreRefused() throws Exception {
    long[] eleven = new long[11];
    java.util.Arrays.fill(eleven, 100);
    assertThrows(IllegalArgumentException.class,
        () -> await(adapter.openOrder(order(newOutTradeNo(), Flow.CHANNEL_QR, "", legs(eleven)))));
    List<SplitLeg> stranger = List.of(new SplitLeg(1, "p1", "1900000101", Money.ofFen(100)),
        new SplitLeg(2, "p2", "1900000999", Money.ofFen(100)));
    Exception refused = assertThrows(IllegalStateException.class,
        () -> await(adapter.openOrder(order(newOutTradeNo(), Flow.CHANNEL_QR, "", stranger))));
    assertTrue(refused.getMessage().contains("PARAM_ERROR"), refused.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> await(adapter.openOrder(order(newOutTradeNo(), Flow.IN_APP, "", legs(100, 200)))));

    // The sandbox itself enforces 2-10 sub-orders, whatever a client sends.
    JsonArray subs = new JsonArray();
    String no = newOutTradeNo();
    for (int i = 1; i <= 11; i++) {
      subs.add(new JsonObject().put("mchid", "1900000101").put("out_trade_no", no + "L" + i)
          .put("attach", "a").put("description", "d")
          .put("amount", new JsonObject().put("total_amount", 100).put("currency", "CNY")));
    }
    JsonObject body = new JsonObject().put("combine_appid", WechatDemo.APPID)
        .put("combine_mchid", WechatDemo.MCHID).put("combine_out_trade_no", no).put("sub_orders", subs)
        .put("notify_url", notifyUrl());
    HttpResponse<Buffer> response = signedPost("/v3/combine-transactions/native", body, signer());
    assertEquals(400, response.statusCode());
    assertEquals("PARAM_ERROR", response.bodyAsJsonObject().getString("code"));
  }

  static WechatRequestSigner signer() {
    var config = demo.adapterConfig(directory);
    return new WechatRequestSigner(config.mchid(), config.merchantSerial(), config.merchantPrivateKey(),
        Clock.systemUTC());
  }

  static HttpResponse<Buffer> signedPost(String path, JsonObject body, WechatRequestSigner signer)
      throws Exception {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    return await(client.postAbs(demo.sandbox().baseUrl() + path).timeout(5000)
        .putHeader("Authorization", signer.authorization("POST", path, bytes))
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(bytes)));
  }

  @Test
  void theSandboxRefusesUnsignedAndWronglySignedRequestsWith401SignError() throws Exception {
    JsonObject body = new JsonObject().put("mchid", WechatDemo.MCHID);
    HttpResponse<Buffer> unsigned = await(client.postAbs(demo.sandbox().baseUrl()
        + "/v3/pay/transactions/native").timeout(5000).sendJsonObject(body));
    assertEquals(401, unsigned.statusCode());
    assertEquals("SIGN_ERROR", unsigned.bodyAsJsonObject().getString("code"));
    var config = demo.adapterConfig(directory);
    WechatRequestSigner impostor = new WechatRequestSigner(config.mchid(), config.merchantSerial(),
        Crypto.generateRsa(2048).getPrivate(), Clock.systemUTC());
    HttpResponse<Buffer> wrong = signedPost("/v3/pay/transactions/native", body, impostor);
    assertEquals(401, wrong.statusCode());
    assertEquals("SIGN_ERROR", wrong.bodyAsJsonObject().getString("code"));
    // Signed for another path: the signature covers the path.
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    HttpResponse<Buffer> otherPath = await(client.postAbs(demo.sandbox().baseUrl()
        + "/v3/pay/transactions/jsapi").timeout(5000)
        .putHeader("Authorization", signer().authorization("POST", "/v3/pay/transactions/native", bytes))
        .sendBuffer(Buffer.buffer(bytes)));
    assertEquals(401, otherPath.statusCode());
  }

  // ---------------------------------------------------------------- callbacks and faults

  String paidOrder(SandboxFaults faults) throws Exception {
    return paidOrder(faults, 0);
  }

  String paidOrder(SandboxFaults faults, int refusals) throws Exception {
    String no = newOutTradeNo();
    refuseFirst.put(no, new AtomicInteger(refusals));
    await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", legs(700, 300))));
    demo.sandbox().faults().set(faults);
    pay(no, 200);
    return no;
  }

  @Test
  void aRefusedCallbackIsResentOnTheScheduleUntilAcknowledged() throws Exception {
    String no = paidOrder(SandboxFaults.NONE, 2);
    eventually(() -> paymentsOf(no).size() == 3 ? true : null);
    var attempts = eventually(() -> {
      var log = demo.sandbox().dispatcher().attempts(no);
      return log.size() == 3 ? log : null;
    });
    assertEquals(List.of("refused", "refused", "acknowledged"), attempts.stream().map(a -> a.outcome()).toList());
    assertEquals(List.of(500, 500, 204), attempts.stream().map(a -> a.status()).toList());
    assertEquals(1, paymentsOf(no).stream().map(PaymentNotification::eventId).distinct().count());
  }

  @Test
  void withDeliveriesThreeTheSameEventArrivesThreeTimes() throws Exception {
    String no = paidOrder(SandboxFaults.NONE.withDeliveries(3));
    eventually(() -> paymentsOf(no).size() == 3 ? true : null);
    assertEquals(1, paymentsOf(no).stream().map(PaymentNotification::eventId).distinct().count());
  }

  @Test
  void aDroppedCallbackNeverArrivesAndTheQueryStillFindsThePayment() throws Exception {
    String no = paidOrder(SandboxFaults.NONE.withDropPercent(100));
    Thread.sleep(300);
    assertTrue(paymentsOf(no).isEmpty());
    assertEquals("dropped", demo.sandbox().dispatcher().attempts(no).get(0).outcome());
    assertInstanceOf(QueryResult.Paid.class, await(adapter.query(no)));
  }

  @Test
  void aDelayedOrOutOfOrderCallbackStillArrives() throws Exception {
    String late = paidOrder(SandboxFaults.NONE.withDelayMs(60_000));
    String shuffled = paidOrder(SandboxFaults.NONE.withOutOfOrderPercent(100));
    assertEquals(Money.ofFen(1000), firstPayment(late).amount());
    assertEquals(Money.ofFen(1000), firstPayment(shuffled).amount());
  }

  /**
   * The first rejection for this reason since {@code index}. Rejections carry no order number, and
   * earlier tests' refused callbacks may still be resent, so the test waits for its own reason.
   */
  static Rejection rejectionSince(int index, Rejection.Reason reason) throws InterruptedException {
    return eventually(() -> received.subList(index, received.size()).stream()
        .filter(n -> n instanceof Rejection r && r.reason() == reason).map(Rejection.class::cast)
        .findFirst().orElse(null));
  }

  @Test
  void aSkewedCallbackIsRejectedAsStale() throws Exception {
    int before = received.size();
    String no = paidOrder(SandboxFaults.NONE.withSkewSeconds(-600));
    rejectionSince(before, Rejection.Reason.STALE);
    assertTrue(paymentsOf(no).isEmpty());
    assertEquals(401, eventually(() -> demo.sandbox().dispatcher().attempts(no).isEmpty() ? null
        : demo.sandbox().dispatcher().attempts(no).get(0)).status());
  }

  @Test
  void aForgedCopyIsRejectedAsBadSignatureAndTheGenuineOneIsAccepted() throws Exception {
    int before = received.size();
    String no = paidOrder(SandboxFaults.NONE.withForgePercent(100));
    firstPayment(no);
    rejectionSince(before, Rejection.Reason.BAD_SIGNATURE);
    var log = eventually(() -> demo.sandbox().dispatcher().attempts(no).size() >= 2
        ? demo.sandbox().dispatcher().attempts(no) : null);
    assertTrue(log.stream().anyMatch(a -> a.outcome().equals("forged") && a.status() == 401), log.toString());
  }

  @Test
  void aSignatureProbeIsRefusedAndNotRetriedWhileTheRealCallbackIsAccepted() throws Exception {
    int before = received.size();
    String no = paidOrder(SandboxFaults.NONE.withProbe(true));
    firstPayment(no);
    rejectionSince(before, Rejection.Reason.PROBE);
    var log = eventually(() -> demo.sandbox().dispatcher().attempts(no).size() >= 2
        ? demo.sandbox().dispatcher().attempts(no) : null);
    assertEquals(1, log.stream().filter(a -> a.outcome().equals("probe")).count(), log.toString());
    assertTrue(log.stream().anyMatch(a -> a.outcome().equals("probe") && a.status() == 401));
  }

  @Test
  void theFaultSwitchesAreSetOverHttp() throws Exception {
    HttpResponse<Buffer> set = await(client.putAbs(demo.sandbox().baseUrl() + "/sandbox/faults")
        .timeout(5000).sendJsonObject(new JsonObject().put("deliveries", 2).put("probe", true)));
    assertEquals(200, set.statusCode());
    assertEquals(2, demo.sandbox().faults().get().deliveries());
    assertTrue(demo.sandbox().faults().get().probe());
  }

  // ---------------------------------------------------------------- query failures

  @Test
  void aSlowChannelBeyondTheTimeoutIsUnknown() throws Exception {
    var config = demo.adapterConfig(directory);
    WechatAdapter impatient = new WechatAdapter(vertx, client, new WechatAdapter.Config(
        config.apiBaseUrl(), config.oauthBaseUrl(), config.snsBaseUrl(), config.jsapiCashierUrl(),
        config.nativeCashierUrl(), config.mchid(), config.appid(), config.appSecret(),
        config.merchantSerial(), config.merchantPrivateKey(), config.apiV3Key(),
        config.platformKeys(), 300, config.billDirectory()));
    demo.sandbox().faults().set(SandboxFaults.NONE.withResponseDelayMs(1_500));
    assertInstanceOf(QueryResult.Unknown.class, await(impatient.query(newOutTradeNo())));
    assertInstanceOf(CloseResult.Unknown.class, await(impatient.close(newOutTradeNo())));
  }

  @Test
  void aFailingChannelIsUnknown() throws Exception {
    demo.sandbox().faults().set(SandboxFaults.NONE.withFailRequestsPercent(100));
    QueryResult.Unknown unknown = assertInstanceOf(QueryResult.Unknown.class, await(adapter.query(newOutTradeNo())));
    assertTrue(unknown.reason().contains("503"), unknown.reason());
  }

  @Test
  void anAnswerSignedByAnUntrustedKeyIsUnknown() throws Exception {
    var config = demo.adapterConfig(directory);
    WechatAdapter distrustful = new WechatAdapter(vertx, client, new WechatAdapter.Config(
        config.apiBaseUrl(), config.oauthBaseUrl(), config.snsBaseUrl(), config.jsapiCashierUrl(),
        config.nativeCashierUrl(), config.mchid(), config.appid(), config.appSecret(),
        config.merchantSerial(), config.merchantPrivateKey(), config.apiV3Key(),
        WechatPlatformKeys.empty().with("PUB_KEY_ID_0000", Crypto.generateRsa(2048).getPublic()),
        5000, config.billDirectory()));
    assertInstanceOf(QueryResult.Unknown.class, await(distrustful.query(newOutTradeNo())));
  }

  @Test
  void aTamperedAnswerIsUnknown() throws Exception {
    String no = paidOrder(SandboxFaults.NONE);
    // A proxy between adapter and sandbox changes one byte of every answer body.
    HttpServer proxy = await(vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> client.request(request.method(), demo.sandbox().port(), "127.0.0.1", request.uri())
            .putHeaders(request.headers()).timeout(5000).sendBuffer(body))
        .onSuccess(answer -> {
          byte[] bytes = answer.bodyAsBuffer() == null ? new byte[0] : answer.bodyAsBuffer().getBytes();
          String text = new String(bytes, StandardCharsets.UTF_8).replace("\"SUCCESS\"", "\"SUCCESs\"");
          answer.headers().forEach(h -> {
            if (!h.getKey().equalsIgnoreCase("content-length")) {
              request.response().putHeader(h.getKey(), h.getValue());
            }
          });
          request.response().setStatusCode(answer.statusCode()).end(text);
        })).listen(0, "127.0.0.1"));
    try {
      var config = demo.adapterConfig(directory);
      WechatAdapter proxied = new WechatAdapter(vertx, client, new WechatAdapter.Config(
          "http://127.0.0.1:" + proxy.actualPort(), config.oauthBaseUrl(), config.snsBaseUrl(),
          config.jsapiCashierUrl(), config.nativeCashierUrl(), config.mchid(), config.appid(),
          config.appSecret(), config.merchantSerial(), config.merchantPrivateKey(), config.apiV3Key(),
          config.platformKeys(), 5000, config.billDirectory()));
      QueryResult.Unknown unknown = assertInstanceOf(QueryResult.Unknown.class, await(proxied.query(no)));
      assertTrue(unknown.reason().contains("does not verify"), unknown.reason());
    } finally {
      await(proxy.close());
    }
  }

  // ---------------------------------------------------------------- refunds and bills

  static List<RefundNotification> refundsOf(String outRefundNoPrefix) {
    return received.stream().filter(n -> n instanceof RefundNotification r
            && r.outRefundNo().startsWith(outRefundNoPrefix))
        .map(RefundNotification.class::cast).toList();
  }

  @Test
  void aCombinedPaymentIsRefundedPerLegAndEachLegsRefundIsNotified() throws Exception {
    String no = paidOrder(SandboxFaults.NONE);
    String transactionId = firstPayment(no).transactionId();
    String refundNo = "R" + no.substring(1);
    List<SplitLeg> whole = legs(700, 300);
    RefundResult whole1 = await(adapter.refund(new RefundRequest(no, transactionId, refundNo,
        Money.ofFen(1000), Money.ofFen(1000), whole, notifyUrl(), "撤销")));
    RefundResult.Accepted accepted = assertInstanceOf(RefundResult.Accepted.class, whole1);
    assertEquals(2, accepted.refundId().split(",").length);
    List<RefundNotification> notified = eventually(() -> refundsOf(refundNo).size() >= 2 ? refundsOf(refundNo) : null);
    assertEquals(Set.of(refundNo + "L1", refundNo + "L2"),
        Set.copyOf(notified.stream().map(RefundNotification::outRefundNo).toList()));
    assertTrue(notified.stream().allMatch(r -> r.status() == RefundNotification.Status.SUCCEEDED));
    assertEquals(Set.of(no + "L1", no + "L2"),
        Set.copyOf(notified.stream().map(RefundNotification::outTradeNo).toList()));
    // Nothing is left: another refund is refused; the same refund number again is idempotent.
    RefundResult.Refused over = assertInstanceOf(RefundResult.Refused.class, await(adapter.refund(
        new RefundRequest(no, transactionId, refundNo + "X", Money.ofFen(1), Money.ofFen(1000),
            List.of(new SplitLeg(1, "payee-1", "1900000101", Money.ofFen(1))), notifyUrl(), ""))));
    assertTrue(over.message().contains("leg 1"), over.message());
    assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(new RefundRequest(no,
        transactionId, refundNo, Money.ofFen(1000), Money.ofFen(1000), whole, notifyUrl(), "撤销"))));
    assertInstanceOf(RefundResult.Refused.class, await(adapter.refund(new RefundRequest(no,
        transactionId, refundNo + "Y", Money.ofFen(5), Money.ofFen(1000), List.of(), notifyUrl(), ""))));

    JsonObject splits = get(demo.sandbox().baseUrl() + "/sandbox/splits/" + no).bodyAsJsonObject();
    assertEquals("1900000101", splits.getJsonArray("receivers").getJsonObject(0).getString("mchid"));
    assertEquals(700, splits.getJsonArray("receivers").getJsonObject(0).getLong("refunded_fen"));
    assertEquals(0, splits.getJsonArray("receivers").getJsonObject(1).getLong("net_fen"));
  }

  @Test
  void aRefundIsAskedAboutLegByLegAndOneNeverMadeIsNotFound() throws Exception {
    String no = paidOrder(SandboxFaults.NONE);
    String transactionId = firstPayment(no).transactionId();
    String refundNo = "Q" + no.substring(1);
    RefundRequest whole = new RefundRequest(no, transactionId, refundNo, Money.ofFen(1000), Money.ofFen(1000),
        legs(700, 300), notifyUrl(), "撤销");
    assertInstanceOf(RefundResult.NotFound.class, await(adapter.queryRefund(whole)));

    assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(whole)));

    RefundResult.Succeeded done = assertInstanceOf(RefundResult.Succeeded.class, await(adapter.queryRefund(whole)));
    assertEquals(2, done.refundId().split(",").length, "one refund per leg");
  }

  @Test
  void theSplitResultsShowWhatEachReceiverGot() throws Exception {
    String no = paidOrder(SandboxFaults.NONE);
    JsonObject splits = get(demo.sandbox().baseUrl() + "/sandbox/splits/" + no).bodyAsJsonObject();
    assertEquals("SUCCESS", splits.getString("state"));
    assertEquals(List.of(700L, 300L), splits.getJsonArray("receivers").stream()
        .map(r -> ((JsonObject) r).getLong("net_fen")).toList());
    assertEquals(404, get(demo.sandbox().baseUrl() + "/sandbox/splits/WTF00000000000000000").statusCode());
  }

  @Test
  void verifyNeverThrowsOnGarbage() {
    Notification empty = adapter.verify(new IncomingNotification(Map.of(), new byte[0]));
    assertEquals(Rejection.Reason.MALFORMED, assertInstanceOf(Rejection.class, empty).reason());
    Notification junk = adapter.verify(new IncomingNotification(Map.of("wechatpay-serial", "x",
        "wechatpay-signature", "y", "wechatpay-timestamp", "99999999999999999", "wechatpay-nonce", "n"),
        new byte[] {(byte) 0xff, '{'}));
    assertInstanceOf(Rejection.class, junk);
  }

  @Test
  void partOfOneLegOfACombinedPaymentIsRefundedAgainstThatSubOrderOnly() throws Exception {
    String no = paidOrder(SandboxFaults.NONE);
    String transactionId = firstPayment(no).transactionId();
    String refundNo = "R" + no.substring(1);
    List<SplitLeg> partOfLeg2 = List.of(new SplitLeg(2, "payee-2", "1900000102", Money.ofFen(100)));
    RefundResult.Accepted accepted = assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(
        new RefundRequest(no, transactionId, refundNo, Money.ofFen(100), Money.ofFen(1000), partOfLeg2,
            notifyUrl(), ""))));
    assertEquals(1, accepted.refundId().split(",").length);
    RefundNotification notified = eventually(() -> refundsOf(refundNo).isEmpty() ? null : refundsOf(refundNo).get(0));
    assertEquals(refundNo + "L2", notified.outRefundNo());
    assertEquals(no + "L2", notified.outTradeNo());
    assertEquals(Money.ofFen(100), notified.amount());
    JsonArray receivers = get(demo.sandbox().baseUrl() + "/sandbox/splits/" + no).bodyAsJsonObject()
        .getJsonArray("receivers");
    assertEquals(List.of(700L, 200L), receivers.stream().map(r -> ((JsonObject) r).getLong("net_fen")).toList());
    // Legs that do not add up to the refund are the engine's bug, refused before any call.
    assertThrows(IllegalArgumentException.class, () -> await(adapter.refund(new RefundRequest(no,
        transactionId, refundNo + "Z", Money.ofFen(150), Money.ofFen(1000), partOfLeg2, notifyUrl(), ""))));
  }

  @Test
  void aPlainPaymentIsRefundedInPartsAndOverRefundIsRefused() throws Exception {
    String no = newOutTradeNo();
    await(adapter.openOrder(order(no, Flow.CHANNEL_QR, "", legs(1000))));
    pay(no, 200);
    String transactionId = firstPayment(no).transactionId();
    String refundNo = "R" + no.substring(1);
    assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(new RefundRequest(no,
        transactionId, refundNo + "A", Money.ofFen(400), Money.ofFen(1000), List.of(), notifyUrl(), ""))));
    RefundNotification notified = eventually(() -> refundsOf(refundNo + "A").isEmpty() ? null : refundsOf(refundNo + "A").get(0));
    assertEquals(Money.ofFen(400), notified.amount());
    assertEquals(no, notified.outTradeNo());
    assertInstanceOf(RefundResult.Refused.class, await(adapter.refund(new RefundRequest(no,
        transactionId, refundNo + "B", Money.ofFen(601), Money.ofFen(1000), List.of(), notifyUrl(), ""))));
    assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(new RefundRequest(no,
        transactionId, refundNo + "C", Money.ofFen(600), Money.ofFen(1000), List.of(), notifyUrl(), ""))));
    assertInstanceOf(QueryResult.Paid.class, await(adapter.query(no)));
  }

  @Test
  void todaysBillHoldsEveryPaymentAndRefundWithTheSandboxsTotals() throws Exception {
    String combined = paidOrder(SandboxFaults.NONE);
    String single = newOutTradeNo();
    await(adapter.openOrder(order(single, Flow.CHANNEL_QR, "", legs(2500))));
    pay(single, 200);
    String transactionId = firstPayment(single).transactionId();
    await(adapter.refund(new RefundRequest(single, transactionId, "R" + single.substring(1),
        Money.ofFen(500), Money.ofFen(2500), List.of(), notifyUrl(), "")));

    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));
    BillFile bill = await(adapter.downloadBill(today));
    byte[] saved = Files.readAllBytes(bill.path());
    assertEquals(0x1f, saved[0] & 0xff); // the exact gzip bytes served
    List<StatementLine> lines = new ArrayList<>();
    try (StatementReader reader = adapter.readBill(bill)) {
      reader.forEachRemaining(lines::add);
    }
    var sandboxRows = demo.sandbox().billRows(today);
    assertEquals(sandboxRows.size(), lines.size());
    long sandboxNet = sandboxRows.stream()
        .mapToLong(r -> r.settlementAmount().fen() - r.refundAmount().fen()).sum();
    assertEquals(sandboxNet, lines.stream().mapToLong(l -> l.amount().fen()).sum());
    assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(combined + "L1") && l.amount().fen() == 700));
    assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(combined + "L2") && l.amount().fen() == 300));
    assertTrue(lines.stream().anyMatch(l -> l.kind() == StatementLine.Kind.REFUND
        && l.outTradeNo().equals(single) && l.amount().fen() == -500));
    assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(single)
        && l.kind() == StatementLine.Kind.PAYMENT && l.fee().fen() == 15));

    assertThrows(Exception.class, () -> await(adapter.downloadBill(today.plusDays(2))));

    // The download itself needs the merchant's signature, like every /v3 call.
    String path = "/v3/bill/tradebill?bill_date=" + today + "&bill_type=ALL";
    HttpResponse<Buffer> applied = await(client.getAbs(demo.sandbox().baseUrl() + path).timeout(5000)
        .putHeader("Authorization", signer().authorization("GET", path, new byte[0])).send());
    assertEquals(200, applied.statusCode());
    String url = applied.bodyAsJsonObject().getString("download_url");
    assertEquals(401, get(url).statusCode());
    String downloadPath = url.substring(demo.sandbox().baseUrl().length());
    HttpResponse<Buffer> file = await(client.getAbs(url).timeout(5000)
        .putHeader("Authorization", signer().authorization("GET", downloadPath, new byte[0])).send());
    assertEquals(200, file.statusCode());
    assertEquals(applied.bodyAsJsonObject().getString("hash_value"),
        WechatSandbox.sha1Hex(file.bodyAsBuffer().getBytes()));
    assertTrue(file.bodyAsString().startsWith("\uFEFF交易时间,"), "plain CSV with a BOM");
  }
}
