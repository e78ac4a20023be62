package org.clearing.sandbox.alipay;

import static org.clearing.sandbox.alipay.AlipayTestWorld.await;
import static org.clearing.sandbox.alipay.AlipayTestWorld.eventually;
import static org.clearing.sandbox.alipay.AlipayTestWorld.failure;
import static org.clearing.sandbox.alipay.AlipayTestWorld.formAction;
import static org.clearing.sandbox.alipay.AlipayTestWorld.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.Money;
import org.clearing.channel.OpenOrderRequest.Flow;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.alipay.AlipayGatewayException;
import org.clearing.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Alipay adapter against the Alipay sandbox over real HTTP on 127.0.0.1 with real RSA keys:
 * orders with their split, the payer page and the wallet endpoint, signed notifications with
 * Alipay's retries and every fault switch, query, close, refund with its notification, and the
 * gateway's refusal of requests it cannot authenticate. Time is compressed 1000 times.
 */
class AlipayAdapterSandboxTest {

  @TempDir static Path directory;
  static AlipayTestWorld world;

  @BeforeAll
  static void start() {
    world = new AlipayTestWorld(directory, Clock.systemUTC(), false, 1000);
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  @AfterEach
  void noFaults() {
    world.sandbox().faults().set(SandboxFaults.NONE);
  }

  private String paidOrder(long... legFen) {
    String no = world.outTradeNo();
    await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, legFen)));
    HttpResponse<Buffer> paid = world.postJson(world.sandbox().baseUrl() + "/sandbox/pay",
        new JsonObject().put("out_trade_no", no).put("payer", "2088000000007777"));
    assertEquals(200, paid.statusCode(), text(paid));
    return no;
  }

  private PaymentNotification payment(String no) {
    List<AlipayTestWorld.Received> got = world.waitFor(no, l -> l.stream()
        .anyMatch(r -> r.notification() instanceof PaymentNotification));
    return got.stream().map(AlipayTestWorld.Received::notification)
        .filter(PaymentNotification.class::isInstance).map(PaymentNotification.class::cast)
        .findFirst().orElseThrow(() -> new AssertionError("no payment notification: " + got));
  }

  @Test
  void aQrOrderShowsTheAmountAndEachLegOnItsPayerPageAndItsOneFormPaysAndCallsBack() {
    String no = world.outTradeNo();
    ChannelOrder order = await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR,
        1_000_000, 23_45, 50)));
    assertTrue(order.payerUrl().startsWith(world.sandbox().baseUrl() + "/sandbox/qr/"));
    assertEquals(order.payerUrl(), order.channelReference());

    String page = text(world.get(order.payerUrl()));
    assertTrue(page.contains("10023.95"), page);
    assertTrue(page.contains("2088000000000101</td><td class=\"amount\">10000.00"), page);
    assertTrue(page.contains("2088000000000102</td><td class=\"amount\">23.45"), page);
    assertTrue(page.contains("2088000000000103</td><td class=\"amount\">0.50"), page);
    assertTrue(page.contains("&lt;LA-2026-1&gt;") && !page.contains("<LA-2026-1>"), page);
    assertEquals(1, page.split("<form method=\"post\"", -1).length - 1);

    HttpResponse<Buffer> paid = world.postForm(world.sandbox().baseUrl() + formAction(page),
        MultiMap.caseInsensitiveMultiMap().add("payer", "2088000000005555"));
    assertEquals(200, paid.statusCode());
    assertTrue(text(paid).contains("<h1>paid</h1>"));

    PaymentNotification payment = payment(no);
    assertEquals(no, payment.outTradeNo());
    assertEquals(Money.ofFen(1_002_395), payment.amount());
    assertTrue(payment.successful());
    assertEquals("2088000000005555", payment.payerRef());
    assertTrue(text(paid).contains(payment.transactionId()));
    JsonObject split = world.get(world.sandbox().baseUrl() + "/sandbox/trades/" + no)
        .bodyAsJsonObject();
    assertEquals("10000.00", split.getJsonArray("split").getJsonObject(0).getString("amount"));
    assertEquals("0.50", split.getJsonArray("split").getJsonObject(2).getString("amount"));
    assertEquals("TRADE_SUCCESS", split.getString("trade_status"));
  }

  @Test
  void anInAppOrderIsASignedWapPayUrlThatOpensThePayerPageAndPays() {
    String no = world.outTradeNo();
    ChannelOrder order = await(world.adapter.openOrder(world.order(no, Flow.IN_APP, 300, 200)));
    assertTrue(order.payerUrl().startsWith(world.sandbox().gatewayUrl() + "?"));
    assertTrue(order.payerUrl().contains("method=alipay.trade.wap.pay"));
    assertInstanceOf(QueryResult.NotFound.class, await(world.adapter.query(no)),
        "the trade exists only once the payer opens the URL");

    String page = text(world.get(order.payerUrl()));
    assertTrue(page.contains("5.00") && page.contains("2088000000000102"), page);
    assertEquals(page, text(world.get(order.payerUrl())), "opening twice is the same trade");
    HttpResponse<Buffer> paid = world.postForm(world.sandbox().baseUrl() + formAction(page),
        MultiMap.caseInsensitiveMultiMap());
    assertTrue(text(paid).contains("href=\"http://127.0.0.1/return?o=" + no + "\""), text(paid));
    assertEquals(Money.ofFen(500), payment(no).amount());
  }

  @Test
  void aWapPayUrlWithOneChangedAmountIsRefusedAsAnInvalidSignature() {
    String no = world.outTradeNo();
    ChannelOrder order = await(world.adapter.openOrder(world.order(no, Flow.IN_APP, 300)));
    String tampered = order.payerUrl().replace("%223.00%22", "%220.03%22");
    assertFalse(tampered.equals(order.payerUrl()));
    HttpResponse<Buffer> refused = world.get(tampered);
    assertEquals(400, refused.statusCode());
    assertTrue(text(refused).contains("isv.invalid-signature"), text(refused));
    assertInstanceOf(QueryResult.NotFound.class, await(world.adapter.query(no)));
  }

  @Test
  void theWalletEndpointPaysOnceAndAnswers409ThenAndFor404AnUnknownTrade() {
    String no = paidOrder(100);
    String pay = world.sandbox().baseUrl() + "/sandbox/pay";
    assertEquals(409, world.postJson(pay, new JsonObject().put("out_trade_no", no)).statusCode());
    assertEquals(404, world.postJson(pay, new JsonObject().put("out_trade_no", "ANOPE")).statusCode());
    assertEquals(400, world.postJson(pay, new JsonObject()).statusCode());
    assertEquals(1, world.waitFor(no, l -> !l.isEmpty()).size(), "one payment, one notification");
  }

  @Test
  void aSplitToAReceiverThatIsNotBoundIsRefusedByAlipayAndNothingIsCreated() {
    String no = world.outTradeNo();
    var request = world.order(no, Flow.CHANNEL_QR, 100);
    var bad = new org.clearing.channel.OpenOrderRequest(request.orderNo(), no, request.total(),
        "x", request.expiresAt(), List.of(new org.clearing.channel.SplitLeg(1, "p",
            "2088000000000999", request.total())), request.notifyUrl(), "", Flow.CHANNEL_QR, "");
    Throwable refused = failure(world.adapter.openOrder(bad));
    AlipayGatewayException e = assertInstanceOf(AlipayGatewayException.class, refused);
    assertEquals("ACQ.INVALID_PARAMETER", e.subCode());
    assertFalse(e.outcomeUnknown());
    assertInstanceOf(QueryResult.NotFound.class, await(world.adapter.query(no)));
  }

  @Test
  void openingTheSameOrderTwiceGivesTheSameQrAndAChangedRepeatIsRefused() {
    String no = world.outTradeNo();
    ChannelOrder first = await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, 100)));
    ChannelOrder again = await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, 100)));
    assertEquals(first.payerUrl(), again.payerUrl());
    AlipayGatewayException changed = assertInstanceOf(AlipayGatewayException.class,
        failure(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, 101))));
    assertEquals("ACQ.CONTEXT_INCONSISTENT", changed.subCode());
  }

  @Test
  void aNotificationTheMerchantRefusesTwiceIsResentOnAlipaysScheduleWithTheSameNotifyId() {
    String no = world.outTradeNo();
    world.refusals.put(no, new java.util.concurrent.atomic.AtomicInteger(2));
    await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, 100)));
    world.postJson(world.sandbox().baseUrl() + "/sandbox/pay", new JsonObject().put("out_trade_no", no));
    assertTrue(eventually(10_000, () -> world.sandbox().dispatcher().attempts(no).stream()
        .anyMatch(a -> a.outcome().equals("acknowledged"))));
    List<String> outcomes = world.sandbox().dispatcher().attempts(no).stream()
        .map(a -> a.outcome()).toList();
    assertEquals(List.of("refused", "refused", "acknowledged"), outcomes);
    List<AlipayTestWorld.Received> got = world.receivedFor(no);
    assertEquals(3, got.size());
    assertEquals(1, got.stream().map(r -> r.fields().get("notify_id")).distinct().count());
    // 4 min then 10 min, compressed 1000 times: 240 ms and 600 ms at least.
    assertTrue(java.time.Duration.between(got.get(0).at(), got.get(2).at()).toMillis() >= 800);
    JsonObject log = world.get(world.sandbox().baseUrl() + "/sandbox/callbacks/" + no)
        .bodyAsJsonObject();
    assertEquals(3, log.getJsonArray("attempts").size());
  }

  @Test
  void withThreeDeliveriesTheMerchantGetsThreeCopiesOfOneEvent() {
    world.sandbox().faults().set(SandboxFaults.NONE.withDeliveries(3));
    String no = paidOrder(100);
    List<AlipayTestWorld.Received> got = world.waitFor(no, l -> l.size() >= 3);
    assertEquals(3, got.size());
    Set<String> eventIds = got.stream().map(r -> ((PaymentNotification) r.notification()).eventId())
        .collect(Collectors.toSet());
    assertEquals(1, eventIds.size());
  }

  @Test
  void aDroppedNotificationNeverArrivesButAQueryStillFindsThePayment() {
    world.sandbox().faults().set(SandboxFaults.NONE.withDropPercent(100));
    String no = paidOrder(100);
    assertFalse(eventually(1_000, () -> !world.receivedFor(no).isEmpty()));
    assertEquals("dropped", world.sandbox().dispatcher().attempts(no).get(0).outcome());
    QueryResult.Paid paid = assertInstanceOf(QueryResult.Paid.class, await(world.adapter.query(no)));
    assertEquals(no, paid.payment().outTradeNo());
    assertEquals("query:" + paid.payment().transactionId(), paid.payment().eventId());
    assertEquals(Money.ofFen(100), paid.payment().amount());
  }

  @Test
  void aDelayedNotificationArrivesOnlyAfterTheCompressedDelay() {
    world.sandbox().faults().set(SandboxFaults.NONE.withDelayMs(1_500_000));
    long start = System.nanoTime();
    String no = paidOrder(100);
    payment(no);
    assertTrue((System.nanoTime() - start) / 1_000_000 >= 1_400);
  }

  @Test
  void aNotifyTimeSkewedBeyondTheVerifiersBoundIsStaleAndOneWithinItIsAccepted() {
    world.sandbox().faults().set(SandboxFaults.NONE.withSkewSeconds(3 * 24 * 3600));
    String stale = paidOrder(100);
    List<AlipayTestWorld.Received> got = world.waitFor(stale, l -> !l.isEmpty());
    Rejection rejection = assertInstanceOf(Rejection.class, got.get(0).notification());
    assertEquals(Rejection.Reason.STALE, rejection.reason());

    world.sandbox().faults().set(SandboxFaults.NONE.withSkewSeconds(3600));
    String fresh = paidOrder(100);
    assertEquals(fresh, payment(fresh).outTradeNo());
  }

  @Test
  void aForgedCopyIsRejectedAsABadSignatureAndTheGenuineOneStillArrives() {
    world.sandbox().faults().set(SandboxFaults.NONE.withForgePercent(100));
    String no = paidOrder(100);
    List<AlipayTestWorld.Received> got = world.waitFor(no, l -> l.size() >= 2);
    assertTrue(got.stream().anyMatch(r -> r.notification() instanceof Rejection j
        && j.reason() == Rejection.Reason.BAD_SIGNATURE), got.toString());
    assertEquals(no, payment(no).outTradeNo());
  }

  @Test
  void queryTellsWaitingFromPaidFromUnknownOrders() {
    String waiting = world.outTradeNo();
    await(world.adapter.openOrder(world.order(waiting, Flow.CHANNEL_QR, 100)));
    QueryResult.NotPaid notPaid = assertInstanceOf(QueryResult.NotPaid.class,
        await(world.adapter.query(waiting)));
    assertEquals("WAIT_BUYER_PAY", notPaid.state());
    assertFalse(notPaid.closed());
    assertInstanceOf(QueryResult.Paid.class, await(world.adapter.query(paidOrder(100))));
    assertInstanceOf(QueryResult.NotFound.class, await(world.adapter.query("ANEVEROPENED")));
  }

  @Test
  void closeStopsPaymentOfAnOpenTradeAndReportsAPaidOneAsAlreadyPaid() {
    String open = world.outTradeNo();
    await(world.adapter.openOrder(world.order(open, Flow.CHANNEL_QR, 100)));
    assertInstanceOf(CloseResult.Closed.class, await(world.adapter.close(open)));
    assertEquals(409, world.postJson(world.sandbox().baseUrl() + "/sandbox/pay",
        new JsonObject().put("out_trade_no", open)).statusCode());
    assertInstanceOf(CloseResult.Closed.class, await(world.adapter.close(open)), "closing again");
    assertInstanceOf(CloseResult.AlreadyPaid.class, await(world.adapter.close(paidOrder(100))));
    assertInstanceOf(CloseResult.Closed.class, await(world.adapter.close("ANEVEROPENED")));
  }

  @Test
  void partialThenFullRefundsSucceedAtOnceAndEachIsNotifiedWithTheCumulativeRefundFee() {
    String no = paidOrder(700, 300);
    PaymentNotification payment = payment(no);
    RefundResult first = await(world.adapter.refund(new RefundRequest(no, payment.transactionId(),
        no + "R1", Money.ofFen(250), Money.ofFen(1000), List.of(), world.notifyUrl(), "test")));
    assertEquals(new RefundResult.Succeeded(payment.transactionId() + "#" + no + "R1"), first);
    assertInstanceOf(RefundResult.Succeeded.class, await(world.adapter.refund(new RefundRequest(no,
        payment.transactionId(), no + "R1", Money.ofFen(250), Money.ofFen(1000), List.of(),
        world.notifyUrl(), "repeat"))), "a repeat of one out_request_no is the same refund");
    RefundResult tooMuch = await(world.adapter.refund(new RefundRequest(no, payment.transactionId(),
        no + "R9", Money.ofFen(751), Money.ofFen(1000), List.of(), world.notifyUrl(), "")));
    assertEquals("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", ((RefundResult.Refused) tooMuch).code());
    assertInstanceOf(RefundResult.Succeeded.class, await(world.adapter.refund(new RefundRequest(no,
        payment.transactionId(), no + "R2", Money.ofFen(750), Money.ofFen(1000), List.of(),
        world.notifyUrl(), ""))));

    List<RefundNotification> refunds = world.waitFor(no, l -> l.stream()
        .filter(r -> r.notification() instanceof RefundNotification).count() >= 2).stream()
        .map(AlipayTestWorld.Received::notification).filter(RefundNotification.class::isInstance)
        .map(RefundNotification.class::cast)
        .sorted(java.util.Comparator.comparing(RefundNotification::outRefundNo)).toList();
    assertEquals(2, refunds.size());
    assertEquals(Money.ofFen(250), refunds.get(0).amount());
    assertEquals(Money.ofFen(1000), refunds.get(1).amount());
    assertEquals(payment.transactionId(), refunds.get(1).transactionId());
    assertEquals(List.of("TRADE_SUCCESS", "TRADE_CLOSED"), world.receivedFor(no).stream()
        .filter(r -> r.notification() instanceof RefundNotification)
        .sorted(java.util.Comparator.comparing(r -> r.fields().get("out_biz_no")))
        .map(r -> r.fields().get("trade_status")).toList());
    QueryResult.NotPaid closed = assertInstanceOf(QueryResult.NotPaid.class,
        await(world.adapter.query(no)));
    assertTrue(closed.closed());
    RefundResult afterClose = await(world.adapter.refund(new RefundRequest(no,
        payment.transactionId(), no + "R3", Money.ofFen(1), Money.ofFen(1000), List.of(),
        world.notifyUrl(), "")));
    assertEquals("ACQ.TRADE_STATUS_ERROR", ((RefundResult.Refused) afterClose).code());
  }

  @Test
  void aRefundRefusedForTheMerchantsBalanceRefundsNothingAndMayBeAskedAgainUnderItsNumber() {
    String no = paidOrder(700, 300);
    PaymentNotification payment = payment(no);
    RefundRequest request = new RefundRequest(no, payment.transactionId(), no + "R1", Money.ofFen(1000),
        Money.ofFen(1000), List.of(), world.notifyUrl(), "test");
    world.sandbox().faults().set(SandboxFaults.NONE.withRefuseRefundsPercent(100));

    RefundResult refused = await(world.adapter.refund(request));

    assertEquals("ACQ.SELLER_BALANCE_NOT_ENOUGH", assertInstanceOf(RefundResult.Refused.class, refused).code());
    assertInstanceOf(RefundResult.NotFound.class, await(world.adapter.queryRefund(request)),
        "nothing was refunded");
    world.sandbox().faults().set(SandboxFaults.NONE);
    assertInstanceOf(RefundResult.Succeeded.class, await(world.adapter.refund(request)));
  }

  @Test
  void refundingAnUnpaidOrUnknownTradeIsRefused() {
    String open = world.outTradeNo();
    await(world.adapter.openOrder(world.order(open, Flow.CHANNEL_QR, 100)));
    RefundResult unpaid = await(world.adapter.refund(new RefundRequest(open, "", open + "R1",
        Money.ofFen(100), Money.ofFen(100), List.of(), world.notifyUrl(), "")));
    assertEquals("ACQ.TRADE_STATUS_ERROR", ((RefundResult.Refused) unpaid).code());
    RefundResult unknown = await(world.adapter.refund(new RefundRequest("ANOPE", "", "ANOPER1",
        Money.ofFen(100), Money.ofFen(100), List.of(), world.notifyUrl(), "")));
    assertEquals("ACQ.TRADE_NOT_EXIST", ((RefundResult.Refused) unknown).code());
  }

  @Test
  void todaysBillIsRefusedAsNotYetExistingBecauseAlipayBillsAreTPlusOne() {
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));
    AlipayGatewayException notYet = assertInstanceOf(AlipayGatewayException.class,
        failure(world.adapter.downloadBill(today)));
    assertEquals("isp.bill_not_exist", notYet.subCode());
    assertFalse(notYet.outcomeUnknown());
    assertEquals("isp.bill_not_exist", ((AlipayGatewayException)
        failure(world.adapter.downloadBill(today.plusDays(3)))).subCode());
  }

  @Test
  void anExpiredOrUnknownBillTokenIsNotServed() {
    HttpResponse<Buffer> response = world.get(world.sandbox().baseUrl() + "/sandbox/bill/nope");
    assertEquals(404, response.statusCode());
  }
}
