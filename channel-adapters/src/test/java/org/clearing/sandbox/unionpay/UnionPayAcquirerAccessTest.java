package org.clearing.sandbox.unionpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.channel.BillFile;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
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
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder;
import org.clearing.channel.unionpay.UnionPayNotifications;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves a UnionPay merchant connected through an acquirer (收单机构接入) pays, is notified, queried,
// refunded and billed with accessType=1 and its acqInsCode in every request, against a sandbox that
// refuses a request without it or with another acquirer's; and, by attack, that a genuinely signed
// notification naming another acquirer is not ours.
class UnionPayAcquirerAccessTest {

  static final String ACQ_INS_CODE = "48020000";
  static final String OTHER_ACQ_INS_CODE = "48029999";
  static final String R1 = "898340100000101";
  static final String R2 = "898340100000102";
  static final AtomicInteger ORDER_NO = new AtomicInteger();

  @TempDir static Path directory;

  static Vertx vertx;
  static WebClient client;
  static UnionPayDemo demo;
  static UnionPayAdapter adapter;
  static HttpServer receiver;
  static final BlockingQueue<Notification> received = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    client = WebClient.create(vertx);
    demo = await(UnionPayDemo.start(vertx, directory.resolve("demo"), "127.0.0.1", 0, 1000, Set.of(R1, R2),
        Clock.systemUTC(), ACQ_INS_CODE));
    adapter = claiming(ACQ_INS_CODE);
    receiver = await(vertx.createHttpServer().requestHandler(request -> {
      Map<String, String> headers = new HashMap<>();
      request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      request.body().compose(body -> vertx.executeBlocking(
              () -> adapter.verify(new IncomingNotification(headers, body.getBytes()))))
          .onSuccess(notification -> {
            received.add(notification);
            var ack = notification instanceof Rejection r ? adapter.rejected(r) : adapter.accepted();
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

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static String nextOrderNo() {
    return String.format("UAQ2026120600%08d", ORDER_NO.incrementAndGet());
  }

  static String notifyUrl() {
    return "http://127.0.0.1:" + receiver.actualPort() + "/notify";
  }

  static OpenOrderRequest request(String outTradeNo) {
    return new OpenOrderRequest(outTradeNo, outTradeNo, Money.ofFen(1300), "契税",
        Instant.now().plus(Duration.ofMinutes(15)),
        List.of(new SplitLeg(1, "treasury", R1, Money.ofFen(1230)), new SplitLeg(2, "non-tax", R2, Money.ofFen(70))),
        notifyUrl(), "", OpenOrderRequest.Flow.CHANNEL_QR, "");
  }

  static <T extends Notification> T next(Class<T> type) throws InterruptedException {
    Notification notification = received.poll(10, TimeUnit.SECONDS);
    assertTrue(notification != null, "a notification");
    return assertInstanceOf(type, notification);
  }

  static final long CALL_TIMEOUT_MS = 30_000;

  /** An adapter for the demo merchant claiming the access {@code acqInsCode} ("" = direct). */
  static UnionPayAdapter claiming(String acqInsCode) {
    UnionPayAdapter.Config ours = demo.adapterConfig(directory.resolve("bills-" + acqInsCode));
    // A generous call timeout: this machine is shared with other builds.
    return new UnionPayAdapter(vertx, client, new UnionPayAdapter.Config(ours.endpoints(), ours.merId(),
        ours.merchantKey(), ours.merchantCertificate(), ours.rootCertificate(), ours.intermediateCertificate(),
        ours.strictOwner(), CALL_TIMEOUT_MS, ours.billDirectory(), acqInsCode));
  }

  @Test
  void anAcquirersMerchantPaysIsQueriedRefundedAndBilledNamingItsAcquirerInEveryRequest() throws Exception {
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo)));
    assertEquals(200, await(client.postAbs(demo.sandbox().baseUrl() + "/sandbox/pay").timeout(5000)
        .sendJsonObject(new JsonObject().put("out_trade_no", outTradeNo).put("payer", "p1"))).statusCode());
    PaymentNotification payment = next(PaymentNotification.class);
    // The sandbox's notification names the merchant and its acquirer, not the split.
    assertEquals(PayeeIdentity.of(UnionPayDemo.MER_ID, "1/" + ACQ_INS_CODE, ""), payment.payee());
    assertTrue(adapter.payee(request(outTradeNo).legs()).admits(payment.payee()), "the engine admits what it sent");
    assertInstanceOf(QueryResult.Paid.class, await(adapter.query(outTradeNo)));

    String refundNo = "RF" + outTradeNo.substring(3);
    RefundRequest refund = new RefundRequest(outTradeNo, payment.transactionId(), refundNo, Money.ofFen(70),
        payment.amount(), List.of(), notifyUrl(), "test");
    assertInstanceOf(RefundResult.Accepted.class, await(adapter.refund(refund)));
    assertEquals(payment.payee().app(), next(RefundNotification.class).payee().app());
    assertInstanceOf(RefundResult.Succeeded.class, await(adapter.queryRefund(refund)));

    BillFile bill = await(adapter.downloadBill(LocalDate.now(ZoneOffset.ofHours(8))));
    List<StatementLine> lines = new ArrayList<>();
    try (StatementReader reader = adapter.readBill(bill)) {
      reader.forEachRemaining(lines::add);
    }
    assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(outTradeNo) && l.kind() == StatementLine.Kind.PAYMENT),
        lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.kind() == StatementLine.Kind.REFUND && l.amount().fen() == -70),
        lines.toString());
  }

  @Test
  void theSandboxRefusesEveryRequestWithoutTheAcquirersCodeOrWithAnotherOne() throws Exception {
    for (String claimed : List.of("", OTHER_ACQ_INS_CODE)) {
      UnionPayAdapter wrong = claiming(claimed);
      Exception refused = assertThrows(IllegalStateException.class,
          () -> await(wrong.openOrder(request(nextOrderNo()))));
      assertTrue(refused.getMessage().contains("10") && refused.getMessage().contains("acqInsCode")
          || refused.getMessage().contains("accessType"), refused.getMessage());
      assertInstanceOf(QueryResult.Unknown.class, await(wrong.query(nextOrderNo())), "the query is refused too");
      assertThrows(Exception.class, () -> await(wrong.downloadBill(LocalDate.now(ZoneOffset.ofHours(8)))),
          "and the file transfer");
    }
  }

  @Test
  void aGenuinelySignedNotificationNamingAnotherAcquirerIsRefusedAsForeign() throws Exception {
    String outTradeNo = nextOrderNo();
    await(adapter.openOrder(request(outTradeNo)));
    UnionPayNotificationBuilder unionPay = new UnionPayNotificationBuilder(
        UnionPayPkiStore.loadOrCreate(directory.resolve("demo/sandbox/pki"), Clock.systemUTC()), Clock.systemUTC());
    UnionPayNotificationBuilder.Consume paid = new UnionPayNotificationBuilder.Consume(UnionPayDemo.MER_ID,
        outTradeNo, "20261206100000", 1300, "000000", "07", "", "");
    for (String acquirer : List.of(OTHER_ACQ_INS_CODE, "")) {
      Map<String, String> form = unionPay.acquiredBy(acquirer)
          .consume(paid, UnionPayNotificationBuilder.newQueryId(Clock.systemUTC()), UnionPayNotificationBuilder.Fault.NONE);
      Rejection rejection = assertInstanceOf(Rejection.class, adapter.verify(new IncomingNotification(
          Map.of("content-type", "application/x-www-form-urlencoded"), UnionPayNotifications.encodeForm(form).getBytes())));
      assertEquals(Rejection.Reason.FOREIGN, rejection.reason(), rejection.detail());
    }
    Map<String, String> ours = unionPay.acquiredBy(ACQ_INS_CODE)
        .consume(paid, UnionPayNotificationBuilder.newQueryId(Clock.systemUTC()), UnionPayNotificationBuilder.Fault.NONE);
    assertInstanceOf(PaymentNotification.class, adapter.verify(new IncomingNotification(
        Map.of("content-type", "application/x-www-form-urlencoded"), UnionPayNotifications.encodeForm(ours).getBytes())));
  }
}
