package org.clearing.sandbox.unionpay;

// Proves the UnionPay adapter and sandbox work together over real HTTP with real keys: orders with
// split legs, the payer page, callbacks and every fault switch, query, refunds, bills and failures.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayCertificates;
import org.clearing.channel.unionpay.UnionPayFileContent;
import org.clearing.channel.unionpay.UnionPayNotifications;
import org.clearing.channel.unionpay.UnionPayRequests;
import org.clearing.channel.unionpay.UnionPayRsaProfile;
import org.clearing.channel.unionpay.UnionPayVerifier;
import org.clearing.crypto.Crypto;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnionPaySandboxTest {

  static final String R1 = "898340100000101";
  static final String R2 = "898340100000102";
  static final Set<String> RECEIVERS = Set.of(R1, R2, "898340100000103", "898340100000104");
  static final AtomicInteger ORDER_NO = new AtomicInteger();

  @TempDir static Path directory;

  static Vertx vertx;
  static WebClient client;
  static UnionPayDemo demo;
  static UnionPaySandbox sandbox;
  static UnionPayAdapter adapter;
  static HttpServer receiver;
  static final Map<String, BlockingQueue<Notification>> received = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  static final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>
      appender = new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    // Any event-loop stall over 200 ms (e.g. RSA work off the worker pool) fails the test.
    appender.start();
    for (String name : List.of("io.vertx.core.impl.BlockedThreadChecker",
        "io.vertx.core.internal.threadchecker.BlockedThreadChecker")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name))
          .addAppender(appender);
    }
    vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS).setBlockedThreadCheckInterval(50)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    client = WebClient.create(vertx);
    demo = await(UnionPayDemo.start(vertx, directory.resolve("demo"), 0, 1000, RECEIVERS));
    sandbox = demo.sandbox();
    adapter = new UnionPayAdapter(vertx, client, demo.adapterConfig(directory.resolve("bills")));
    // The merchant's notification endpoint: verify, record, and answer as the engine would; keys
    // starting with "refuse2-" refuse the first two deliveries.
    receiver = await(vertx.createHttpServer().requestHandler(request -> {
      String key = request.path().substring("/notify/".length());
      Map<String, String> headers = new HashMap<>();
      request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      request.body().compose(body -> vertx.executeBlocking(
          () -> adapter.verify(new IncomingNotification(headers, body.getBytes()))))
          .onSuccess(notification -> {
            int count = deliveries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (key.startsWith("refuse2-") && count <= 2) {
              request.response().setStatusCode(503).end("not yet");
              return;
            }
            queue(key).add(notification);
            var ack = notification instanceof Rejection rejection ? adapter.rejected(rejection)
                : adapter.accepted();
            request.response().setStatusCode(ack.status()).end(Buffer.buffer(ack.body()));
          });
    }).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() throws Exception {
    await(receiver.close());
    await(demo.stop());
    await(vertx.close());
  }

  @AfterEach
  void resetFaultsAndCheckNoEventLoopWasBlocked() {
    sandbox.faults().set(SandboxFaults.NONE);
    List<ch.qos.logback.classic.spi.ILoggingEvent> blocked = List.copyOf(appender.list);
    appender.list.clear();
    assertTrue(blocked.isEmpty(), () -> "an event loop was blocked: "
        + blocked.get(0).getFormattedMessage());
  }

  // ---- orders, payer page, payment ------------------------------------------------------------

  @Test
  void aSplitQrOrderGivesAPayerPageShowingEachLegWhoseFormPaysAndNotifies() throws Exception {
    String key = "page";
    String outTradeNo = nextOrderNo();
    ChannelOrder order = await(adapter.openOrder(request(outTradeNo, key,
        OpenOrderRequest.Flow.CHANNEL_QR, Duration.ofMinutes(15), 1230, 70)));
    assertTrue(order.payerUrl().startsWith(sandbox.baseUrl() + "/sandbox/qr/"), order.payerUrl());
    assertEquals(order.payerUrl(), order.channelReference());

    String page = await(client.getAbs(order.payerUrl()).timeout(5000).send()).bodyAsString();
    assertTrue(page.contains("13.00"), page);
    assertTrue(page.contains(R1 + " 12.30") && page.contains(R2 + " 0.70"), page);
    assertEquals(1, page.split("<form", -1).length - 1, "exactly one form");
    assertTrue(page.contains("method=\"post\""));
    String action = page.replaceAll("(?s).*action=\"([^\"]+)\".*", "$1");

    HttpResponse<Buffer> paid =
        await(client.postAbs(sandbox.baseUrl() + action).timeout(5000).send());
    assertEquals(200, paid.statusCode());
    assertTrue(paid.bodyAsString().contains("paid"));

    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, next(key));
    assertEquals(Channel.UNIONPAY, payment.channel());
    assertEquals(outTradeNo, payment.outTradeNo());
    assertEquals(Money.ofFen(1300), payment.amount());
    assertEquals("CNY", payment.currency());
    assertTrue(payment.successful());
    assertEquals(Map.of(R1, 1230L, R2, 70L), sandbox.splitResult(outTradeNo));

    QueryResult.Paid queried = assertInstanceOf(QueryResult.Paid.class,
        await(adapter.query(outTradeNo)));
    assertEquals(payment.transactionId(), queried.payment().transactionId());
    assertEquals(Money.ofFen(1300), queried.payment().amount());

    HttpResponse<Buffer> again =
        await(client.postAbs(sandbox.baseUrl() + action).timeout(5000).send());
    assertEquals(409, again.statusCode(), "a paid order cannot be paid twice");
  }

  @Test
  void theInAppFlowAlsoUsesTheQrApplyAndReopeningGivesTheSameOrder() throws Exception {
    String outTradeNo = nextOrderNo();
    OpenOrderRequest request = request(outTradeNo, "inapp", OpenOrderRequest.Flow.IN_APP,
        Duration.ofMinutes(15), 500);
    ChannelOrder first = await(adapter.openOrder(request));
    ChannelOrder second = await(adapter.openOrder(request));
    assertTrue(first.payerUrl().startsWith(sandbox.baseUrl() + "/sandbox/qr/"));
    assertEquals(first.payerUrl(), second.payerUrl(), "no second payable order");
  }

  @Test
  void theWalletEndpointPaysOnceThenRefusesAndDoesNotKnowStrangers() throws Exception {
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo, "wallet", OpenOrderRequest.Flow.CHANNEL_QR,
        Duration.ofMinutes(15), 800)));
    HttpResponse<Buffer> paid = pay(outTradeNo);
    assertEquals(200, paid.statusCode());
    assertEquals(21, paid.bodyAsJsonObject().getString("transaction_id").length());
    assertEquals(409, pay(outTradeNo).statusCode());
    assertEquals(404, pay("UNKNOWN0000000000000").statusCode());
    assertInstanceOf(PaymentNotification.class, next("wallet"));
  }

  @Test
  void anUnpaidOrderQueriesAsNotPaidAndAnUnknownOneAsNotFound() throws Exception {
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo, "unpaid", OpenOrderRequest.Flow.CHANNEL_QR,
        Duration.ofMinutes(15), 100)));
    QueryResult.NotPaid notPaid =
        assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(outTradeNo)));
    assertEquals(false, notPaid.closed());
    assertInstanceOf(QueryResult.NotFound.class, await(adapter.query("UNEVEROPENED00000001")));
  }

  @Test
  void closeIsNotSupportedAndTheOrderLapsesAtItsPayTimeout() throws Exception {
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo, "lapse", OpenOrderRequest.Flow.CHANNEL_QR,
        Duration.ofSeconds(1), 100)));
    assertInstanceOf(CloseResult.NotSupported.class, await(adapter.close(outTradeNo)));
    Thread.sleep(2500);
    assertEquals(409, pay(outTradeNo).statusCode(), "refused after payTimeout");
    QueryResult.NotPaid lapsed =
        assertInstanceOf(QueryResult.NotPaid.class, await(adapter.query(outTradeNo)));
    assertTrue(lapsed.closed(), lapsed.toString());
  }

  @Test
  void theFrontConsumeAnswersTheSamePayerPageAndItsFormPays() throws Exception {
    UnionPayRequests requests = new UnionPayRequests(UnionPayRsaProfile.forMerchant(
        demo.merchant().keyPair().getPrivate(), demo.merchant().certificate()),
        UnionPayDemo.MER_ID, Clock.systemUTC());
    String outTradeNo = nextOrderNo();
    Map<String, String> fields = requests.frontConsume(new UnionPayRequests.Consume(outTradeNo,
        1500, notifyUrl("front"), "https://example.invalid/back", Instant.now().plusSeconds(900),
        List.of(new UnionPayRequests.SplitLeg(R1, 1000), new UnionPayRequests.SplitLeg(R2, 500)),
        null));
    HttpResponse<Buffer> page = await(client.postAbs(sandbox.baseUrl()
        + "/gateway/api/frontTransReq.do").timeout(5000)
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer(UnionPayNotifications.encodeForm(fields))));
    assertEquals(200, page.statusCode());
    String html = page.bodyAsString();
    assertTrue(html.contains("15.00") && html.contains(R1 + " 10.00")
        && html.contains(R2 + " 5.00"), html);
    String action = html.replaceAll("(?s).*action=\"([^\"]+)\".*", "$1");
    assertEquals(200,
        await(client.postAbs(sandbox.baseUrl() + action).timeout(5000).send()).statusCode());
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, next("front"));
    assertEquals(Money.ofFen(1500), payment.amount());

    Map<String, String> tampered = new TreeMap<>(fields);
    tampered.put("txnAmt", "1");
    assertEquals(400, await(client.postAbs(sandbox.baseUrl() + "/gateway/api/frontTransReq.do")
        .timeout(5000).putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer(UnionPayNotifications.encodeForm(tampered)))).statusCode(),
        "a tampered front consume is refused");
  }

  // ---- split limits and request signatures ------------------------------------------------

  @Test
  void splitDataBeyondTheLimitsIsRefusedWithTheGatewaysCodes() throws Exception {
    String six = "{\"accSplitType\":\"1\",\"accSplitMchts\":[" + String.join(",",
        java.util.Collections.nCopies(6, "{\"accSplitMerId\":\"X\",\"accSplitAmt\":\"1\"}"))
        + "]}";
    List<String> sixDistinct = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sixDistinct.add("{\"accSplitMerId\":\"89834010000010" + i + "\",\"accSplitAmt\":\"1\"}");
    }
    assertEquals("10", rawQrApply(6, "{\"accSplitType\":\"1\",\"accSplitMchts\":["
        + String.join(",", sixDistinct) + "]}").get("respCode"), "six receivers");
    assertEquals("10", rawQrApply(6, six).get("respCode"));
    assertEquals("10", rawQrApply(5, "{\"accSplitType\":\"1\",\"accSplitMchts\":["
        + "{\"accSplitMerId\":\"" + R1 + "\",\"accSplitAmt\":\"4\"}]}").get("respCode"),
        "legs not summing to txnAmt");
    assertEquals("10", rawQrApply(5, "not json").get("respCode"));
    assertEquals("32", rawQrApply(5, "{\"accSplitType\":\"1\",\"accSplitMchts\":["
        + "{\"accSplitMerId\":\"898340100000999\",\"accSplitAmt\":\"5\"}]}").get("respCode"),
        "unregistered receiver");

    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> await(adapter.openOrder(new OpenOrderRequest("TF1", nextOrderNo(),
            Money.ofFen(5), "", Instant.now().plusSeconds(600),
            List.of(new SplitLeg(1, "p1", "898340100000999", Money.ofFen(5))),
            notifyUrl("never"), "", OpenOrderRequest.Flow.CHANNEL_QR, ""))));
    assertTrue(refused.getCause().getMessage().contains("32"), refused.getMessage());
    assertThrows(ExecutionException.class, () -> await(adapter.openOrder(request(nextOrderNo(),
        "never", OpenOrderRequest.Flow.CHANNEL_QR, Duration.ofMinutes(5), 1, 1, 1, 1, 1, 1))),
        "the protocol layer refuses six legs before sending");
  }

  @Test
  void theSandboxRefusesUnsignedAndWronglySignedRequests() throws Exception {
    UnionPayRequests honest = new UnionPayRequests(UnionPayRsaProfile.forMerchant(
        demo.merchant().keyPair().getPrivate(), demo.merchant().certificate()),
        UnionPayDemo.MER_ID, Clock.systemUTC());
    Map<String, String> unsigned = new TreeMap<>(honest.fileTransfer(LocalDate.now()));
    unsigned.remove("signature");
    assertEquals("11", post("/gateway/api/fileTransfer.do", unsigned).get("respCode"));
    HttpResponse<Buffer> garbage = await(client.postAbs(sandbox.baseUrl()
        + "/gateway/api/backTransReq.do").timeout(5000).sendBuffer(Buffer.buffer("a=%zz&a=1")));
    assertEquals("10", UnionPayNotifications.decodeForm(garbage.body().getBytes())
        .get("respCode"), "an unreadable form is a format error");

    KeyPair stranger = Crypto.generateRsa(2048);
    UnionPayRequests forger = new UnionPayRequests(UnionPayRsaProfile.forMerchant(
        stranger.getPrivate(), demo.merchant().certificate()), UnionPayDemo.MER_ID,
        Clock.systemUTC());
    Map<String, String> answer =
        post("/gateway/api/fileTransfer.do", forger.fileTransfer(LocalDate.now()));
    assertEquals("11", answer.get("respCode"));
    assertEquals("验证签名失败", answer.get("respMsg"));
    assertNull(answer.get("fileContent"));
    assertEquals("00", post("/gateway/api/fileTransfer.do",
        honest.fileTransfer(LocalDate.now())).get("respCode"), "the honest request passes");
  }

  // ---- callbacks and faults -----------------------------------------------------------------

  @Test
  void aCallbackIsResentOnUnionPaysScheduleUntilAcknowledged() throws Exception {
    String key = "refuse2-retry";
    String outTradeNo = paidOrder(key, 300);
    assertInstanceOf(PaymentNotification.class, next(key));
    assertEquals(3, deliveries.get(key).get());
    // The sandbox logs an attempt once the answer is back, just after our receiver queued it.
    List<CallbackDispatcher.Attempt> attempts = sandbox.dispatcher().attempts(outTradeNo);
    for (int i = 0; i < 100 && attempts.size() < 3; i++) {
      Thread.sleep(20);
      attempts = sandbox.dispatcher().attempts(outTradeNo);
    }
    assertEquals(List.of("refused", "refused", "acknowledged"),
        attempts.stream().map(CallbackDispatcher.Attempt::outcome).toList());
    assertEquals(503, attempts.get(0).status());
  }

  @Test
  void theDeliveriesSwitchSendsEachCallbackThatManyTimes() throws Exception {
    sandbox.faults().set(SandboxFaults.NONE.withDeliveries(3));
    String key = "copies";
    paidOrder(key, 400);
    PaymentNotification a = assertInstanceOf(PaymentNotification.class, next(key));
    PaymentNotification b = assertInstanceOf(PaymentNotification.class, next(key));
    PaymentNotification c = assertInstanceOf(PaymentNotification.class, next(key));
    assertEquals(a.eventId(), b.eventId());
    assertEquals(a.eventId(), c.eventId());
  }

  @Test
  void faultSwitchesSetOverHttpApplyAndTheAttemptLogIsReadable() throws Exception {
    HttpResponse<Buffer> set = await(client.putAbs(sandbox.baseUrl() + "/sandbox/faults")
        .timeout(5000).sendJsonObject(new JsonObject().put("deliveries", 2)));
    assertEquals(200, set.statusCode());
    assertEquals(2, sandbox.faults().get().deliveries());
    String key = "http-faults";
    String outTradeNo = paidOrder(key, 450);
    next(key);
    next(key);
    JsonObject log = null;
    for (int i = 0; i < 100; i++) {
      log = await(client.getAbs(sandbox.baseUrl() + "/sandbox/callbacks/" + outTradeNo)
          .timeout(5000).send()).bodyAsJsonObject();
      if (log.getJsonArray("attempts").size() == 2) {
        break;
      }
      Thread.sleep(20);
    }
    assertEquals(2, log.getJsonArray("attempts").size(), log.encode());
    assertEquals("acknowledged",
        log.getJsonArray("attempts").getJsonObject(0).getString("outcome"));
    assertEquals(400, await(client.putAbs(sandbox.baseUrl() + "/sandbox/faults").timeout(5000)
        .sendJsonObject(new JsonObject().put("deliveries", 0))).statusCode());
  }

  @Test
  void theDropSwitchSendsNothingButTheQueryStillSeesThePayment() throws Exception {
    sandbox.faults().set(SandboxFaults.NONE.withDropPercent(100));
    String key = "dropped";
    String outTradeNo = paidOrder(key, 500);
    assertNull(queue(key).poll(1, TimeUnit.SECONDS));
    assertEquals("dropped", sandbox.dispatcher().attempts(outTradeNo).get(0).outcome());
    assertInstanceOf(QueryResult.Paid.class, await(adapter.query(outTradeNo)));
  }

  @Test
  void theDelaySwitchHoldsTheCallbackBack() throws Exception {
    // 2 000 s compressed 1000 times: two seconds.
    sandbox.faults().set(SandboxFaults.NONE.withDelayMs(2_000_000));
    String key = "late";
    paidOrder(key, 600);
    assertNull(queue(key).poll(1, TimeUnit.SECONDS), "not before the delay");
    assertInstanceOf(PaymentNotification.class, next(key));
  }

  @Test
  void skewHasNoEffectBecauseUnionPaySignsNoTimestamp() throws Exception {
    sandbox.faults().set(SandboxFaults.NONE.withSkewSeconds(3600));
    String key = "skewed";
    paidOrder(key, 700);
    assertInstanceOf(PaymentNotification.class, next(key));
  }

  @Test
  void aForgedCopyIsRejectedAsABadSignatureAndTheGenuineOneAccepted() throws Exception {
    sandbox.faults().set(SandboxFaults.NONE.withForgePercent(100));
    String key = "forged";
    paidOrder(key, 900);
    List<Notification> got = List.of(next(key), next(key));
    assertEquals(1, got.stream().filter(n -> n instanceof Rejection r
        && r.reason() == Rejection.Reason.BAD_SIGNATURE).count(), got.toString());
    assertEquals(1, got.stream().filter(n -> n instanceof PaymentNotification).count());
  }

  @Test
  void aTamperedNotificationBodyIsRejected() {
    Notification n = adapter.verify(new IncomingNotification(Map.of(),
        "txnType=01&orderId=X&signature=abc".getBytes()));
    assertInstanceOf(Rejection.class, n);
    assertInstanceOf(Rejection.class,
        adapter.verify(new IncomingNotification(Map.of(), new byte[] {'%', 'z'})));
  }

  // ---- refunds and bills ------------------------------------------------------------------

  @Test
  void partialAndWholeRefundsAreAcceptedAndNotifiedAndOverRefundsRefused() throws Exception {
    String key = "refunds";
    String outTradeNo = paidOrder(key, 1000);
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, next(key));

    RefundResult first = await(adapter.refund(refund(payment, "R" + outTradeNo + "A", 300, key)));
    assertInstanceOf(RefundResult.Accepted.class, first);
    RefundNotification refunded = assertInstanceOf(RefundNotification.class, next(key));
    assertEquals(RefundNotification.Status.SUCCEEDED, refunded.status());
    assertEquals(Money.ofFen(300), refunded.amount());
    assertEquals(payment.transactionId(), refunded.transactionId());
    assertEquals("R" + outTradeNo + "A", refunded.outRefundNo());
    RefundResult.Accepted replay = assertInstanceOf(RefundResult.Accepted.class,
        await(adapter.refund(refund(payment, "R" + outTradeNo + "A", 300, key))));
    assertEquals(((RefundResult.Accepted) first).refundId(), replay.refundId(),
        "the same refund number replays the stored outcome and refunds nothing more");

    assertInstanceOf(RefundResult.Accepted.class,
        await(adapter.refund(refund(payment, "R" + outTradeNo + "B", 700, key))));
    assertInstanceOf(RefundNotification.class, next(key));
    RefundResult.Refused over = assertInstanceOf(RefundResult.Refused.class,
        await(adapter.refund(refund(payment, "R" + outTradeNo + "C", 1, key))));
    assertEquals("33", over.code());

    PaymentNotification stranger = new PaymentNotification(Channel.UNIONPAY, "x", outTradeNo,
        "123456789012345678901", Money.ofFen(1000), "CNY", true, Instant.now(), "",
        adapter.payee(List.of()));
    RefundResult.Refused unknown = assertInstanceOf(RefundResult.Refused.class,
        await(adapter.refund(refund(stranger, "R" + outTradeNo + "D", 1, key))));
    assertEquals("35", unknown.code());
  }

  @Test
  void todaysBillListsPaymentsRefundsAndSplitsWithTheSandboxesTotals() throws Exception {
    String key = "bill";
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo, key, OpenOrderRequest.Flow.CHANNEL_QR,
        Duration.ofMinutes(15), 2000, 500)));
    assertEquals(200, pay(outTradeNo).statusCode());
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, next(key));
    assertInstanceOf(RefundResult.Accepted.class,
        await(adapter.refund(refund(payment, "R" + outTradeNo, 250, key))));

    LocalDate today = LocalDate.now(UnionPaySandbox.BEIJING);
    BillFile bill = await(adapter.downloadBill(today));
    byte[] bytes = Files.readAllBytes(bill.path());
    assertEquals('P', bytes[0]);
    assertEquals('K', bytes[1]);
    long netFen = 0;
    List<StatementLine> lines = new ArrayList<>();
    try (StatementReader reader = adapter.readBill(bill)) {
      while (reader.hasNext()) {
        lines.add(reader.next());
      }
    }
    for (StatementLine line : lines) {
      if (line.kind() != StatementLine.Kind.SPLIT_SETTLEMENT) {
        netFen += line.amount().fen();
      }
      assertEquals(today, line.businessDate());
    }
    assertEquals(sandbox.netFenOn(today), netFen);
    assertTrue(lines.stream().anyMatch(l -> l.kind() == StatementLine.Kind.SPLIT_SETTLEMENT
        && l.subAccount().equals(R2) && l.amount().fen() == 500
        && l.outTradeNo().equals(outTradeNo)), lines.toString());
    StatementLine refundLine = lines.stream().filter(l -> l.kind() == StatementLine.Kind.REFUND
        && l.outRefundNo().equals("R" + outTradeNo)).findFirst().orElseThrow();
    assertEquals(-250, refundLine.amount().fen());
    assertEquals(payment.transactionId(), refundLine.transactionId());
    assertEquals(outTradeNo, refundLine.outTradeNo());
  }

  @Test
  void aBusyDaysBillFarLargerThanANotificationIsDownloadedWhole() throws Exception {
    // The file-transfer answer carries the day's bill deflated and in base64; past a few hundred
    // payments it outgrows the 64 KiB a notification may have.
    int payments = 4_000;
    for (int batch = 0; batch < payments; batch += 50) {
      List<String> numbers = new ArrayList<>();
      List<io.vertx.core.Future<?>> opened = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String outTradeNo = nextOrderNo();
        numbers.add(outTradeNo);
        opened.add(adapter.openOrder(request(outTradeNo, "busy", OpenOrderRequest.Flow.CHANNEL_QR,
            Duration.ofMinutes(15), 1000 + batch + i, 500)));
      }
      await(io.vertx.core.Future.all(opened));
      for (String outTradeNo : numbers) {
        assertEquals(200, pay(outTradeNo).statusCode());
      }
    }
    LocalDate today = LocalDate.now(UnionPaySandbox.BEIJING);

    BillFile bill = await(adapter.downloadBill(today));

    String fileContent = UnionPayFileContent.pack(zipEntries(bill.path()));
    assertTrue(fileContent.length() > UnionPayNotifications.FORM_BYTES_MAX,
        "the bill's fileContent is bigger than a notification may be: " + fileContent.length());
    long paymentLines = 0;
    try (StatementReader reader = adapter.readBill(bill)) {
      while (reader.hasNext()) {
        if (reader.next().kind() == StatementLine.Kind.PAYMENT) {
          paymentLines++;
        }
      }
    }
    assertTrue(paymentLines >= payments, "payment lines: " + paymentLines);
  }

  /** The entries of a saved bill zip, to pack them again as the sandbox did. */
  private static Map<String, byte[]> zipEntries(java.nio.file.Path zip) throws Exception {
    Map<String, byte[]> entries = new TreeMap<>();
    try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
      for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        entries.put(entry.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  // ---- failures -----------------------------------------------------------------------------

  @Test
  void aSlowGatewayGivesUnknownAfterTheAdaptersTimeout() throws Exception {
    UnionPayAdapter.Config base = demo.adapterConfig(directory.resolve("bills"));
    UnionPayAdapter impatient = new UnionPayAdapter(vertx, client, new UnionPayAdapter.Config(
        base.endpoints(), base.merId(), base.merchantKey(), base.merchantCertificate(),
        base.rootCertificate(), base.intermediateCertificate(), true, 300, base.billDirectory()));
    sandbox.faults().set(SandboxFaults.NONE.withResponseDelayMs(1500));
    assertInstanceOf(QueryResult.Unknown.class, await(impatient.query(nextOrderNo())));
  }

  @Test
  void aFailingGatewayGivesUnknownNeverAGuess() throws Exception {
    sandbox.faults().set(SandboxFaults.NONE.withFailRequestsPercent(100));
    assertInstanceOf(QueryResult.Unknown.class, await(adapter.query(nextOrderNo())));
    PaymentNotification somePayment = new PaymentNotification(Channel.UNIONPAY, "x",
        nextOrderNo(), "123456789012345678901", Money.ofFen(100), "CNY", true, Instant.now(), "",
        adapter.payee(List.of()));
    assertInstanceOf(RefundResult.Unknown.class,
        await(adapter.refund(refund(somePayment, "RFAIL0000001", 100, "never"))));
    assertThrows(ExecutionException.class, () -> await(adapter.downloadBill(LocalDate.now())));
  }

  @Test
  void aTamperedAnswerIsUnknown() throws Exception {
    String outTradeNo = paidOrder("tamper", 1000);
    assertInstanceOf(PaymentNotification.class, next("tamper"));
    // A man in the middle that lowers the amount in every answer.
    HttpServer proxy = await(vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> client.postAbs(sandbox.baseUrl() + request.path()).timeout(5000)
            .putHeader("Content-Type", request.getHeader("Content-Type")).sendBuffer(body))
        .onSuccess(answer -> request.response().setStatusCode(answer.statusCode())
            .end(answer.bodyAsString().replace("txnAmt=1000", "txnAmt=1"))))
        .listen(0, "127.0.0.1"));
    try {
      UnionPayAdapter.Config base = demo.adapterConfig(directory.resolve("bills"));
      UnionPayAdapter fooled = new UnionPayAdapter(vertx, client, new UnionPayAdapter.Config(
          "http://127.0.0.1:" + proxy.actualPort(), base.merId(), base.merchantKey(),
          base.merchantCertificate(), base.rootCertificate(), base.intermediateCertificate(),
          5000, base.billDirectory()));
      QueryResult.Unknown unknown =
          assertInstanceOf(QueryResult.Unknown.class, await(fooled.query(outTradeNo)));
      assertTrue(unknown.reason().contains("BAD_SIGNATURE"), unknown.reason());
      assertInstanceOf(QueryResult.Paid.class, await(adapter.query(outTradeNo)),
          "the untampered answer still verifies");
    } finally {
      await(proxy.close());
    }
  }

  @Test
  void anAnswerFromAnUntrustedChainIsUnknown() throws Exception {
    var otherPki = UnionPayCertificates.Pki.generate(Clock.systemUTC(),
        UnionPayCertificates.STRICT_OWNER_SIGNING_CN, UnionPayDemo.MER_ID);
    UnionPayAdapter.Config base = demo.adapterConfig(directory.resolve("bills"));
    UnionPayAdapter wrongTrust = new UnionPayAdapter(vertx, client, new UnionPayAdapter.Config(
        base.endpoints(), base.merId(), base.merchantKey(), base.merchantCertificate(),
        otherPki.root().certificate(), otherPki.intermediate().certificate(), true, 5000,
        base.billDirectory()));
    QueryResult.Unknown unknown =
        assertInstanceOf(QueryResult.Unknown.class, await(wrongTrust.query(nextOrderNo())));
    assertTrue(unknown.reason().contains("UNKNOWN_KEY"), unknown.reason());
  }

  @Test
  void theSandboxSignsWithTheStrictOwnerSoProductionsCheckPasses() {
    assertEquals(UnionPayCertificates.UNIONPAY_OWNER,
        UnionPayCertificates.owner(sandbox.signingCertificate()));
    assertTrue(demo.adapterConfig(directory).strictOwner());
    assertEquals(UnionPayVerifier.VERSION, "5.1.0");
  }

  // ---- helpers ------------------------------------------------------------------------------

  static String nextOrderNo() {
    return String.format("UTF2026112700%08d", ORDER_NO.incrementAndGet());
  }

  static String notifyUrl(String key) {
    return "http://127.0.0.1:" + receiver.actualPort() + "/notify/" + key;
  }

  static OpenOrderRequest request(String outTradeNo, String key, OpenOrderRequest.Flow flow,
      Duration validity, long... legFen) {
    List<SplitLeg> legs = new ArrayList<>();
    long totalFen = 0;
    for (int i = 0; i < legFen.length; i++) {
      legs.add(new SplitLeg(i + 1, "payee" + (i + 1), "89834010000010" + (i + 1),
          Money.ofFen(legFen[i])));
      totalFen += legFen[i];
    }
    return new OpenOrderRequest(outTradeNo.substring(1), outTradeNo, Money.ofFen(totalFen),
        "不动产登记税费 <test>", Instant.now().plus(validity), legs, notifyUrl(key), "",
        flow, "");
  }

  static RefundRequest refund(PaymentNotification payment, String outRefundNo, long amountFen,
      String key) {
    return new RefundRequest(payment.outTradeNo(), payment.transactionId(), outRefundNo,
        Money.ofFen(amountFen), payment.amount(), List.of(), notifyUrl(key), "test");
  }

  /** Opens a one-leg order notifying {@code key} and pays it through the wallet endpoint. */
  static String paidOrder(String key, long amountFen) throws Exception {
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo, key, OpenOrderRequest.Flow.CHANNEL_QR,
        Duration.ofMinutes(15), amountFen)));
    assertEquals(200, pay(outTradeNo).statusCode());
    return outTradeNo;
  }

  static HttpResponse<Buffer> pay(String outTradeNo) throws Exception {
    return await(client.postAbs(sandbox.baseUrl() + "/sandbox/pay").timeout(5000)
        .sendJsonObject(new JsonObject().put("out_trade_no", outTradeNo).put("payer", "p1")));
  }

  /** A QR apply signed by the merchant with a hand-made accSplitData. */
  static Map<String, String> rawQrApply(long txnAmtFen, String accSplitData) throws Exception {
    Map<String, String> fields = new TreeMap<>();
    fields.put("version", "5.1.0");
    fields.put("encoding", "UTF-8");
    fields.put("txnType", "01");
    fields.put("txnSubType", "07");
    fields.put("bizType", "000000");
    fields.put("channelType", "08");
    fields.put("accessType", "0");
    fields.put("merId", UnionPayDemo.MER_ID);
    fields.put("orderId", nextOrderNo());
    fields.put("txnTime", java.time.LocalDateTime.now(UnionPaySandbox.BEIJING)
        .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")));
    fields.put("txnAmt", Long.toString(txnAmtFen));
    fields.put("currencyCode", "156");
    fields.put("backUrl", notifyUrl("never"));
    fields.put("accSplitData", accSplitData);
    Map<String, String> signed = UnionPayRsaProfile.forMerchant(
        demo.merchant().keyPair().getPrivate(), demo.merchant().certificate()).sign(fields);
    return post("/gateway/api/backTransReq.do", signed);
  }

  static Map<String, String> post(String path, Map<String, String> fields) throws Exception {
    HttpResponse<Buffer> response = await(client.postAbs(sandbox.baseUrl() + path).timeout(5000)
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer(UnionPayNotifications.encodeForm(fields))));
    assertEquals(200, response.statusCode());
    Map<String, String> answer = UnionPayNotifications.decodeForm(response.body().getBytes());
    assertTrue(answer.containsKey("signPubKeyCert"), "every answer is signed");
    return answer;
  }

  static BlockingQueue<Notification> queue(String key) {
    return received.computeIfAbsent(key, k -> new LinkedBlockingQueue<>());
  }

  static Notification next(String key) throws InterruptedException {
    Notification notification = queue(key).poll(10, TimeUnit.SECONDS);
    assertTrue(notification != null, "a notification for " + key);
    return notification;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
