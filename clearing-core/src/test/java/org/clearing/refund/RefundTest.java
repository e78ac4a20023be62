package org.clearing.refund;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Refunds before settlement go back through the channel and reverse exactly the refunded legs in
 * the journal; they are idempotent per refund key, and no line is ever refunded twice, however
 * many requests race. After settlement a refund is the owning authority's to make.
 */
class RefundTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  private static String paidOrder(Channel channel) throws Exception {
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("REFUND-" + (++cases)).encode(),
        "refund-order-" + cases).json();
    Browser wallet = new Browser(switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    });
    wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
    String orderNo = order.getString("order_no");
    awaitOrder(orderNo, "PAID");
    return orderNo;
  }

  private static void awaitOrder(String orderNo, String status) {
    Await.value("order " + orderNo + " is " + status,
        () -> registration.get("/api/v1/orders/" + orderNo).json().getString("status"), status::equals);
  }

  private static JsonObject awaitRefund(String orderNo, String refundId, String status) {
    return Await.value("refund " + refundId + " is " + status,
        () -> registration.get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json(),
        refund -> status.equals(refund.getString("status")));
  }

  private static ApiCaller.Answer refund(String orderNo, String key, JsonArray lines) {
    JsonObject body = new JsonObject().put("refund_key", key).put("reason", "registration withdrawn");
    if (lines != null) {
      body.put("lines", lines);
    }
    return registration.post("/api/v1/orders/" + orderNo + "/refunds", body.encode(), null);
  }

  private static long balance(String orderNo, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account = '" + account + "'");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aWholeRefundBeforeSettlementGoesBackThroughTheChannelAndReversesTheJournal(Channel channel) throws Exception {
    String orderNo = paidOrder(channel);

    ApiCaller.Answer answer = refund(orderNo, "whole-" + orderNo, null);

    assertEquals(201, answer.status(), answer.text());
    JsonObject refund = answer.json();
    assertEquals("CHANNEL", refund.getString("mode"));
    assertEquals(1_509_000L, refund.getLong("amount_fen"));
    awaitRefund(orderNo, refund.getString("refund_id"), "SUCCEEDED");
    awaitOrder(orderNo, "REFUNDED");
    assertEquals(0, balance(orderNo, "clearing:" + channel.code()), "the channel holds nothing for the order");
    assertEquals(0, balance(orderNo, "payee:TRE-341500"));
    assertEquals(0, balance(orderNo, "payee:NTX-341500"));
    assertEquals(0, engine.count("SELECT count(*) FROM (SELECT entry_id FROM journal_posting GROUP BY entry_id"
        + " HAVING sum(debit_fen) <> sum(credit_fen)) x"));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.refunded' AND order_no = '"
        + orderNo + "'"));
    // Every refund notification is recorded under the order it refunds, a WeChat leg's as well.
    assertEquals(0, engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'REFUND' AND out_trade_no LIKE '%"
        + orderNo + "%' AND order_no IS DISTINCT FROM '" + orderNo + "'"));
  }

  @Test
  void aRefundByLinesReversesExactlyThoseLegsAndALineIsRefundedOnce() throws Exception {
    String orderNo = paidOrder(Channel.ALIPAY);

    ApiCaller.Answer first = refund(orderNo, "fee-" + orderNo, new JsonArray().add(2));
    ApiCaller.Answer again = refund(orderNo, "fee-again-" + orderNo, new JsonArray().add(2).add(3));

    assertEquals(201, first.status(), first.text());
    assertEquals(8_000L, first.json().getLong("amount_fen"));
    awaitRefund(orderNo, first.json().getString("refund_id"), "SUCCEEDED");
    assertEquals(409, again.status(), again.text());
    assertEquals("PAID", registration.get("/api/v1/orders/" + orderNo).json().getString("status"));
    assertEquals(-1_500_000, balance(orderNo, "payee:TRE-341500"), "the deed tax is still owed to the treasury");
    assertEquals(-1_000, balance(orderNo, "payee:NTX-341500"), "only the certificate fee is left");
  }

  @Test
  void theSameRefundKeyReturnsTheSameRefundAndAnotherBodyConflicts() throws Exception {
    String orderNo = paidOrder(Channel.ALIPAY);
    ApiCaller.Answer first = refund(orderNo, "key-" + orderNo, new JsonArray().add(3));
    ApiCaller.Answer replay = refund(orderNo, "key-" + orderNo, new JsonArray().add(3));
    ApiCaller.Answer other = refund(orderNo, "key-" + orderNo, new JsonArray().add(2));

    assertEquals(201, first.status());
    assertEquals(200, replay.status(), replay.text());
    assertEquals(first.json().getString("refund_id"), replay.json().getString("refund_id"));
    assertEquals(409, other.status());
    assertEquals(1, engine.count("SELECT count(*) FROM refund WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void concurrentRefundsOfOneLineRefundItOnce() throws Exception {
    String orderNo = paidOrder(Channel.UNIONPAY);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Future<ApiCaller.Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      int n = i;
      answers.add(threads.submit(() -> refund(orderNo, "race-" + n + "-" + orderNo, new JsonArray().add(1))));
    }
    int created = 0;
    for (Future<ApiCaller.Answer> answer : answers) {
      int status = answer.get().status();
      assertTrue(status == 201 || status == 409, answer.get().text());
      created += status == 201 ? 1 : 0;
    }
    threads.shutdown();
    assertEquals(1, created);
    assertEquals(1_500_000, engine.count("SELECT coalesce(sum(amount_fen), 0) FROM refund_line WHERE order_no = '"
        + orderNo + "'"));
  }

  @Test
  void afterSettlementTheOwningAuthoritiesConfirmAndPayBackEachLeg() throws Exception {
    String orderNo = paidOrder(Channel.WECHAT);
    engine.engine().settlement().run(java.time.LocalDate.now(java.time.ZoneOffset.ofHours(8)))
        .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    awaitOrder(orderNo, "SETTLED");

    ApiCaller.Answer answer = refund(orderNo, "settled-" + orderNo, null);

    assertEquals(201, answer.status(), answer.text());
    assertEquals("AUTHORITY", answer.json().getString("mode"));
    assertEquals("REQUESTED", answer.json().getString("status"));
    assertEquals(2, answer.json().getJsonArray("legs").size());
    String refundId = answer.json().getString("refund_id");
    ApiCaller tax = engine.as(Role.TAX);
    ApiCaller finance = engine.as(Role.FINANCE);
    assertTrue(tax.get("/api/v1/tax/refunds?status=requested").text().contains(refundId));
    String taxLeg = "/api/v1/tax/refunds/" + refundId + "/legs/1";
    String feeLeg = "/api/v1/finance/refunds/" + refundId + "/legs/2";

    assertEquals(409, tax.post(taxLeg + "/paid-back", "{}", null).status(), "paid back before confirmed");
    assertEquals(404, finance.post("/api/v1/finance/refunds/" + refundId + "/legs/1/confirm",
        "{\"voucher_no\":\"X\"}", null).status(), "the treasury leg is not the finance bureau's");
    assertEquals(200, tax.post(taxLeg + "/confirm", "{\"voucher_no\":\"TK2026001\"}", null).status());
    assertEquals(200, tax.post(taxLeg + "/confirm", "{\"voucher_no\":\"TK2026001\"}", null).status());
    assertEquals(409, tax.post(taxLeg + "/confirm", "{\"voucher_no\":\"TK2026002\"}", null).status());
    assertEquals(422, finance.post(feeLeg + "/confirm", "{}", null).status());
    assertEquals(200, finance.post(feeLeg + "/confirm", "{\"voucher_no\":\"TF2026001\"}", null).status());
    assertEquals(200, tax.post(taxLeg + "/paid-back", "{}", null).status());
    ApiCaller.Answer last = finance.post(feeLeg + "/paid-back", "{}", null);

    assertEquals(200, last.status(), last.text());
    assertEquals("PAID_BACK", last.json().getString("status"));
    awaitOrder(orderNo, "REFUNDED");
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.refunded' AND order_no = '"
        + orderNo + "'"));
  }

  @Test
  void badRefundRequestsAreRefusedAndChangeNothing() throws Exception {
    String orderNo = paidOrder(Channel.ALIPAY);
    String unpaid = registration.post("/api/v1/orders", OrderBodies.typical("REFUND-UNPAID").encode(),
        "refund-unpaid").json().getString("order_no");

    assertEquals(422, registration.post("/api/v1/orders/" + orderNo + "/refunds", "{\"reason\":\"x\"}", null).status());
    assertEquals(422, refund(orderNo, "bad lines", new JsonArray().add(1)).status());
    assertEquals(422, refund(orderNo, "k1-" + orderNo, new JsonArray().add("one")).status());
    assertEquals(422, refund(orderNo, "k2-" + orderNo, new JsonArray().add(1).add(1)).status());
    assertEquals(422, refund(orderNo, "k3-" + orderNo, new JsonArray().add(9)).status());
    assertEquals(404, refund("TF209912310000000001", "k4", null).status());
    assertEquals(409, refund(unpaid, "k5-" + unpaid, null).status());
    assertEquals(0, engine.count("SELECT count(*) FROM refund WHERE order_no IN ('" + orderNo + "', '" + unpaid + "')"));
  }

  @Test
  void aResentRefundNotificationFinishesARefundWhoseFirstDeliveryWasRecordedButNotApplied() throws Exception {
    String orderNo = paidOrder(Channel.UNIONPAY);
    // Callbacks are time-compressed 1000-fold, so this holds the notification back 4 s.
    ApiCaller sandbox = new ApiCaller(engine.sandboxUrl(Channel.UNIONPAY), null);
    sandbox.raw("PUT", "/sandbox/faults", new JsonObject().put("delay_ms", 4_000_000).encode()
        .getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of("Content-Type", "application/json"));
    try {
      ApiCaller.Answer answer = refund(orderNo, "resent-" + orderNo, new JsonArray().add(3));
      assertEquals(201, answer.status(), answer.text());
      String refundId = answer.json().getString("refund_id");
      assertEquals("ACCEPTED", answer.json().getString("status"));
      // As if the first delivery had been recorded in the inbox and then failed before applying.
      engine.engine().intake().recordRefund(new org.clearing.channel.RefundNotification(Channel.UNIONPAY, "EV-early",
              org.clearing.channel.OutTradeNumbers.of(Channel.UNIONPAY, orderNo), "", refundId, "",
              org.clearing.channel.Money.ofFen(1_000), org.clearing.channel.RefundNotification.Status.SUCCEEDED,
              java.time.Instant.now(), org.clearing.channel.PayeeIdentity.of("test-merchant", "", "")), org.clearing.payment.PaymentIntake.Source.CALLBACK)
          .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);

      awaitRefund(orderNo, refundId, "SUCCEEDED");
      assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE entry_key = 'REFUND:" + refundId + "'"));
    } finally {
      sandbox.raw("PUT", "/sandbox/faults", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          java.util.Map.of("Content-Type", "application/json"));
    }
  }

  /**
   * WeChat gives a combined payment back sub-order by sub-order, one notification per leg; the
   * refund succeeds when the last leg has. Two last legs' notifications handled at the same moment
   * must still finish it: each must see the other's leg once it has it.
   */
  @Test
  void twoLegNotificationsOfOneRefundHandledTogetherStillFinishIt() throws Exception {
    ApiCaller sandbox = new ApiCaller(engine.sandboxUrl(Channel.WECHAT), null);
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool()
        .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(4))
        .connectingTo(engine.engine().database().connectOptions()).using(engine.engine().vertx()).build();
    RefundRepository refunds = new RefundRepository(pool);
    try {
      for (int round = 0; round < 5; round++) {
        String orderNo = paidOrder(Channel.WECHAT);
        // Callbacks are time-compressed 1000-fold: this holds the sandbox's own notifications back 60 s.
        sandbox.raw("PUT", "/sandbox/faults", new JsonObject().put("delay_ms", 60_000_000).encode()
            .getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of("Content-Type", "application/json"));
        ApiCaller.Answer answer = refund(orderNo, "legs-together-" + orderNo, null);
        assertEquals(201, answer.status(), answer.text());
        String refundId = answer.json().getString("refund_id");
        assertEquals("ACCEPTED", answer.json().getString("status"));

        var first = refunds.legSucceeded(refundId, 1);
        var second = refunds.legSucceeded(refundId, 2);
        io.vertx.core.Future.all(first, second).toCompletionStage().toCompletableFuture()
            .get(20, java.util.concurrent.TimeUnit.SECONDS);

        assertTrue(first.result() || second.result(), "one of the two saw both legs succeeded (round " + round + ")");
        // Finish the refund as the notification handler does once every leg has succeeded, so it
        // is not left ACCEPTED for the refund-query job to finish after the legs were settled.
        refunds.succeeded(refundId, "").toCompletionStage().toCompletableFuture()
            .get(20, java.util.concurrent.TimeUnit.SECONDS);
        sandbox.raw("PUT", "/sandbox/faults", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            java.util.Map.of("Content-Type", "application/json"));
      }
    } finally {
      sandbox.raw("PUT", "/sandbox/faults", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          java.util.Map.of("Content-Type", "application/json"));
      pool.close().toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
