package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A verified payment is recorded once under its channel transaction id and moves its order in the
 * same transaction: exact amount → PAID, wrong amount → EXCEPTION, anything the order cannot take
 * is recorded and left for a person or the refund job; duplicates change nothing.
 */
class PaymentIntakeTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller registration;
  private static Pool pool;
  private static PaymentIntake intake;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgConnectOptions.fromUri(engine.pgUrl())).using(engine.engine().vertx()).build();
    intake = new PaymentIntake(engine.engine().vertx(), pool);
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(pool.close());
  }

  private static String newOrder() {
    return registration.post("/api/v1/orders", OrderBodies.typical("PAY-" + (++cases)).encode(),
        "pay-" + cases).json().getString("order_no");
  }

  private static PaymentNotification payment(Channel channel, String orderNo, String txn, long fen) {
    return new PaymentNotification(channel, "EV-" + txn, OutTradeNumbers.of(channel, orderNo), txn,
        Money.ofFen(fen), "CNY", true, Instant.parse("2026-11-27T02:00:00Z"), "payer",
        org.clearing.channel.PayeeIdentity.of("test-merchant", "", ""));
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  @Test
  void anExactPaymentMarksTheOrderAndItsLegsPaid() throws Exception {
    String orderNo = newOrder();

    PaymentIntake.Recorded recorded = Await.result(intake.recordPayment(
        payment(Channel.WECHAT, orderNo, "4200000001", 1_509_000), PaymentIntake.Source.CALLBACK));

    assertFalse(recorded.duplicate());
    assertEquals(PaymentDecision.Outcome.APPLIED, recorded.outcome());
    assertEquals(orderNo, recorded.orderNo());
    assertEquals("PAID", status(orderNo));
    assertEquals(2, engine.count("SELECT count(*) FROM leg WHERE status = 'PAID' AND order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE paid_channel = 'wechat'"
        + " AND paid_transaction_id = '4200000001' AND order_no = '" + orderNo + "'"));
    String entry = "(SELECT entry_id FROM journal_entry WHERE entry_key = 'PAYMENT:wechat:4200000001')";
    assertEquals(1_509_000, engine.count("SELECT debit_fen FROM journal_posting WHERE account = 'clearing:wechat'"
        + " AND entry_id = " + entry));
    assertEquals(1_500_000, engine.count("SELECT credit_fen FROM journal_posting WHERE account = 'payee:TRE-341500'"
        + " AND entry_id = " + entry));
    assertEquals(9_000, engine.count("SELECT credit_fen FROM journal_posting WHERE account = 'payee:NTX-341500'"
        + " AND entry_id = " + entry));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.paid' AND order_no = '"
        + orderNo + "'"));
  }

  @Test
  void aPaymentThatPaysItsOrderNamesItsChannelOrdersStillOpenElsewhereAndItsDuplicateNamesNone() throws Exception {
    String orderNo = newOrder();
    // Opened at all three channels; UnionPay's has lapsed already.
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status)"
        + " VALUES ('" + orderNo + "', 'wechat', '" + OutTradeNumbers.of(Channel.WECHAT, orderNo) + "', 'NATIVE', 'OPEN'),"
        + " ('" + orderNo + "', 'alipay', '" + OutTradeNumbers.of(Channel.ALIPAY, orderNo) + "', 'PAGE', 'OPENING'),"
        + " ('" + orderNo + "', 'unionpay', '" + OutTradeNumbers.of(Channel.UNIONPAY, orderNo) + "', 'PAGE', 'CLOSED')");
    PaymentNotification paid = payment(Channel.WECHAT, orderNo, "4200000020", 1_509_000);

    PaymentIntake.Recorded recorded = Await.result(intake.recordPayment(paid, PaymentIntake.Source.CALLBACK));
    PaymentIntake.Recorded again = Await.result(intake.recordPayment(paid, PaymentIntake.Source.CALLBACK));
    PaymentIntake.Recorded second = Await.result(intake.recordPayment(
        payment(Channel.ALIPAY, orderNo, "2026112722020", 1_509_000), PaymentIntake.Source.CALLBACK));

    assertEquals(PaymentDecision.Outcome.APPLIED, recorded.outcome());
    assertEquals(List.of(new ChannelOrders.Other(Channel.ALIPAY, OutTradeNumbers.of(Channel.ALIPAY, orderNo), null)),
        recorded.openElsewhere());
    assertTrue(again.duplicate());
    assertEquals(List.of(), again.openElsewhere());
    assertEquals(PaymentDecision.Outcome.NOT_PAYABLE, second.outcome());
    assertEquals(List.of(), second.openElsewhere(), "only the payment that paid the order closes the others");
  }

  @Test
  void everyJournalEntryBalances() throws Exception {
    String orderNo = newOrder();
    Await.result(intake.recordPayment(payment(Channel.WECHAT, orderNo, "4200000010", 1_509_000), PaymentIntake.Source.CALLBACK));
    Await.result(intake.recordPayment(payment(Channel.ALIPAY, orderNo, "2026112722010", 1_509_000), PaymentIntake.Source.CALLBACK));
    assertEquals(0, engine.count("SELECT count(*) FROM (SELECT entry_id FROM journal_posting GROUP BY entry_id"
        + " HAVING sum(debit_fen) <> sum(credit_fen)) unbalanced"));
    assertEquals(1_509_000, engine.count("SELECT credit_fen FROM journal_posting p JOIN journal_entry e USING (entry_id)"
        + " WHERE e.entry_key = 'PAYMENT:alipay:2026112722010' AND p.account = 'refund:alipay'"));
  }

  @Test
  void theSameTransactionFiveTimesAtOnceIsRecordedOnce() throws Exception {
    String orderNo = newOrder();
    List<Future<PaymentIntake.Recorded>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(intake.recordPayment(payment(Channel.ALIPAY, orderNo, "2026112722001", 1_509_000),
          PaymentIntake.Source.CALLBACK));
    }
    Await.result(Future.join(all));

    assertTrue(all.stream().allMatch(Future::succeeded));
    assertEquals(1, all.stream().filter(f -> !f.result().duplicate()).count());
    assertEquals(4, all.stream().filter(f -> f.result().duplicate()).count());
    assertEquals("PAID", status(orderNo));
    assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE transaction_id = '2026112722001'"));
  }

  @Test
  void aPaymentOneFenShortSendsTheOrderToException() throws Exception {
    String orderNo = newOrder();

    PaymentIntake.Recorded recorded = Await.result(intake.recordPayment(
        payment(Channel.UNIONPAY, orderNo, "951807261002324791001", 1_508_999), PaymentIntake.Source.CALLBACK));

    assertEquals(PaymentDecision.Outcome.AMOUNT_MISMATCH, recorded.outcome());
    assertEquals("EXCEPTION", status(orderNo));
    assertEquals(0, engine.count("SELECT count(*) FROM leg WHERE status = 'PAID' AND order_no = '" + orderNo + "'"));
  }

  @Test
  void aSecondPaymentOfAPaidOrderIsRecordedButDoesNotTouchTheOrder() throws Exception {
    String orderNo = newOrder();
    Await.result(intake.recordPayment(payment(Channel.WECHAT, orderNo, "4200000002", 1_509_000), PaymentIntake.Source.CALLBACK));

    PaymentIntake.Recorded second = Await.result(intake.recordPayment(
        payment(Channel.ALIPAY, orderNo, "2026112722002", 1_509_000), PaymentIntake.Source.CALLBACK));

    assertEquals(PaymentDecision.Outcome.NOT_PAYABLE, second.outcome());
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE paid_transaction_id = '4200000002'"
        + " AND order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE outcome = 'NOT_PAYABLE'"
        + " AND transaction_id = '2026112722002'"));
  }

  @Test
  void aPaymentOfACancelledOrderIsRecordedAsNotPayable() throws Exception {
    String orderNo = newOrder();
    registration.post("/api/v1/orders/" + orderNo + "/cancel", "", null);

    PaymentIntake.Recorded recorded = Await.result(intake.recordPayment(
        payment(Channel.WECHAT, orderNo, "4200000003", 1_509_000), PaymentIntake.Source.QUERY));

    assertEquals(PaymentDecision.Outcome.NOT_PAYABLE, recorded.outcome());
    assertEquals("CANCELLED", status(orderNo));
  }

  @Test
  void aPaymentForAnUnknownOrderIsHeldWithoutAnOrder() throws Exception {
    PaymentIntake.Recorded recorded = Await.result(intake.recordPayment(
        payment(Channel.WECHAT, "TF209912310000000001", "4200000004", 100), PaymentIntake.Source.CALLBACK));

    assertEquals(PaymentDecision.Outcome.UNKNOWN_ORDER, recorded.outcome());
    assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE order_no IS NULL"
        + " AND transaction_id = '4200000004'"));
  }

  @Test
  void anUnsuccessfulPaymentIsNotRecordedSoTheSameTransactionCanStillSucceed() throws Exception {
    String orderNo = newOrder();
    PaymentNotification waiting = new PaymentNotification(Channel.ALIPAY, "n-1",
        OutTradeNumbers.of(Channel.ALIPAY, orderNo), "2026112722003", Money.ofFen(1_509_000), "CNY",
        false, Instant.now(), "", org.clearing.channel.PayeeIdentity.of("test-merchant", "", ""));

    assertEquals(PaymentDecision.Outcome.NOT_SUCCESSFUL,
        Await.result(intake.recordPayment(waiting, PaymentIntake.Source.CALLBACK)).outcome());
    assertEquals(PaymentDecision.Outcome.APPLIED, Await.result(intake.recordPayment(
        payment(Channel.ALIPAY, orderNo, "2026112722003", 1_509_000), PaymentIntake.Source.CALLBACK)).outcome());
    assertTrue(status(orderNo).equals("PAID"));
  }
}
