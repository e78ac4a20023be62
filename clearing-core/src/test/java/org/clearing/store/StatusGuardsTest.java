package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.channel.RefundNotification;
import org.clearing.client.Role;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.Orders;
import org.clearing.payment.ChannelOrderStatus;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.PaymentDecision;
import org.clearing.refund.DuplicatePaymentRefunds;
import org.clearing.refund.DuplicateRefundStatus;
import org.clearing.refund.RefundLegStatus;
import org.clearing.refund.RefundLegs;
import org.clearing.split.LegStatus;
import org.clearing.split.Legs;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Statuses change only through their guarded doors: an illegal order, leg, channel order, refund leg
 * or duplicate refund transition
 * fails loudly and undoes its whole transaction, a repeat changes nothing, and the database itself
 * refuses a status (or a channel inbox outcome) no enum knows, written as the engine's role.
 */
class StatusGuardsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Pool asEngine;

  @BeforeAll
  static void start() {
    asEngine = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
        .connectingTo(engine.engine().database().connectOptions()).using(engine.engine().vertx()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    await(asEngine.close());
    engine.skipInvariantCheck();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String newOrder(String caseNo) {
    return engine.as(Role.REGISTRATION).post("/api/v1/orders", OrderBodies.typical(caseNo).encode(), caseNo)
        .json().getString("order_no");
  }

  private static String legStatus(String orderNo, int legNo) {
    return TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM leg WHERE order_no = '" + orderNo + "' AND leg_no = " + legNo);
  }

  @Test
  void aLegThatWouldSkipPaymentFailsLoudlyAndUndoesItsTransaction() {
    String orderNo = newOrder("GUARD-LEG-1");

    ExecutionException failure = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        Legs.transition(conn, LegStatus.PAID, List.of(Legs.Move.of(orderNo, 2)))
            .compose(v -> Legs.transition(conn, LegStatus.SETTLED, List.of(new Legs.Move(orderNo, 1, "REF")))))));

    Legs.IllegalTransition illegal = assertInstanceOf(Legs.IllegalTransition.class, failure.getCause());
    assertTrue(illegal.getMessage().contains("PLANNED -> SETTLED"), illegal.getMessage());
    assertEquals("PLANNED", legStatus(orderNo, 1));
    assertEquals("PLANNED", legStatus(orderNo, 2), "the legal move in the same transaction was undone");
  }

  @Test
  void aRepeatedLegMoveChangesNothingAndAMissingLegIsIllegal() throws Exception {
    String orderNo = newOrder("GUARD-LEG-2");

    assertEquals(2, await(asEngine.withTransaction(conn -> Legs.transition(conn, LegStatus.PAID,
        List.of(Legs.Move.of(orderNo, 1), Legs.Move.of(orderNo, 2))))).size());
    assertEquals(0, await(asEngine.withTransaction(conn -> Legs.transition(conn, LegStatus.PAID,
        List.of(Legs.Move.of(orderNo, 1))))).size());
    ExecutionException missing = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        Legs.transition(conn, LegStatus.SETTLED, List.of(new Legs.Move(orderNo, 9, "REF"))))));
    assertInstanceOf(Legs.IllegalTransition.class, missing.getCause());
    assertEquals("PAID", legStatus(orderNo, 1));
  }

  @Test
  void aPaidChannelOrderIsNeverClosedAndAClosedOneCanStillBePaid() throws Exception {
    String orderNo = newOrder("GUARD-CO-1");
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status)"
        + " VALUES ('" + orderNo + "', 'wechat', 'GUARDW" + orderNo + "', 'NATIVE', 'CLOSED')");
    List<ChannelOrders.Key> key = List.of(new ChannelOrders.Key(orderNo, Channel.WECHAT));

    assertEquals(key, await(ChannelOrders.transition(asEngine, ChannelOrderStatus.PAID, key, null)));
    ExecutionException failure = assertThrows(ExecutionException.class,
        () -> await(ChannelOrders.transition(asEngine, ChannelOrderStatus.CLOSED, key, null)));

    ChannelOrders.IllegalTransition illegal = assertInstanceOf(ChannelOrders.IllegalTransition.class, failure.getCause());
    assertTrue(illegal.getMessage().contains("PAID -> CLOSED"), illegal.getMessage());
    assertEquals("PAID", TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM channel_order WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void anOrderMoveTheTableForbidsOrThatFindsTheOrderElsewhereFailsLoudlyUnderItsLock() throws Exception {
    String orderNo = newOrder("GUARD-ORDER-1");

    assertThrows(Orders.IllegalTransition.class, () -> new Orders.Move(orderNo, OrderStatus.OPEN, OrderStatus.SETTLED, null));
    ExecutionException failure = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        Orders.transition(conn, Orders.Guard.LOCKED,
            List.of(Orders.Move.of(orderNo, OrderStatus.PAID, OrderEvent.ALL_LEGS_SETTLED))))));
    assertInstanceOf(Orders.IllegalTransition.class, failure.getCause());
    assertEquals(List.of(), await(Orders.transition(asEngine, Orders.Guard.RACING,
        List.of(Orders.Move.of(orderNo, OrderStatus.PAID, OrderEvent.ALL_LEGS_SETTLED)))),
        "without the lock, an order found elsewhere is a race lost, not a failure");
    assertEquals("OPEN", TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));

    assertEquals(List.of(orderNo), await(Orders.transition(asEngine, Orders.Guard.LOCKED,
        List.of(Orders.Move.of(orderNo, OrderStatus.OPEN, OrderEvent.CANCEL)))));
    assertEquals("CANCELLED", TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void theDatabaseRefusesAStatusNoEnumKnows() throws Exception {
    String orderNo = newOrder("GUARD-DB-1");
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status)"
        + " VALUES ('" + orderNo + "', 'alipay', 'GUARDA" + orderNo + "', 'NATIVE', 'OPEN')");
    String refund = "INSERT INTO refund (refund_id, order_no, client_id, refund_key, request_hash, mode, status,"
        + " amount_fen, reason, whole_order) VALUES ('RF-GUARD', '" + orderNo + "', 'c', 'k', '\\x00', 'CHANNEL', '%s',"
        + " 100, 'r', false)";

    for (String attack : List.of(
        "UPDATE orders SET status = 'BOGUS' WHERE order_no = '" + orderNo + "'",
        "UPDATE orders SET status = 'paid' WHERE order_no = '" + orderNo + "'",
        "UPDATE leg SET status = 'BOOKED' WHERE order_no = '" + orderNo + "'",
        "UPDATE leg SET status = 'RECONCILED' WHERE order_no = '" + orderNo + "'",
        "UPDATE channel_order SET status = 'BOGUS' WHERE order_no = '" + orderNo + "'",
        refund.formatted("BOGUS"),
        refund.formatted("REQUESTED") + "; INSERT INTO refund_leg (refund_id, leg_no, payee_account_id, side,"
            + " amount_fen, status) VALUES ('RF-GUARD', 1, 'TRE-341500', 'TREASURY', 100, 'BOGUS')",
        "INSERT INTO duplicate_refund (channel, transaction_id, out_trade_no, amount_fen, out_refund_no, status)"
            + " VALUES ('wechat', 'T-GUARD', 'W1', 100, 'DR-GUARD', 'BOGUS')",
        "INSERT INTO channel_inbox (channel, kind, event_key, out_trade_no, transaction_id, amount_fen, outcome,"
            + " source, event_id, occurred_at) VALUES ('wechat', 'PAYMENT', 'T-GUARD', 'W1', 'T-GUARD', 100,"
            + " 'PROCESSING', 'CALLBACK', 'e', now())")) {
      ExecutionException failure = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn -> {
        Future<?> chain = Future.succeededFuture();
        for (String sql : attack.split("; ")) {
          chain = chain.compose(v -> conn.query(sql).execute());
        }
        return chain;
      })), attack);
      assertEquals("23514", assertInstanceOf(PgException.class, failure.getCause()).getSqlState(), attack);
    }
    assertEquals("OPEN", TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
  }

  private static String refundLegStatus(String refundId, int legNo) {
    return TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM refund_leg WHERE refund_id = '" + refundId + "' AND leg_no = " + legNo);
  }

  @Test
  void aRefundLegPaidBackUnconfirmedFailsLoudlyAndUndoesItsTransaction() throws Exception {
    String orderNo = newOrder("GUARD-RLEG-1");
    String refundId = "RF-GUARD-LEG";
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO refund (refund_id, order_no, client_id, refund_key,"
        + " request_hash, mode, status, amount_fen, reason, whole_order) VALUES ('" + refundId + "', '" + orderNo
        + "', 'c', 'k-leg', '\\x00', 'AUTHORITY', 'REQUESTED', 200, 'r', false)");
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO refund_leg (refund_id, leg_no, payee_account_id, side,"
        + " amount_fen, status) SELECT '" + refundId + "', leg_no, payee_account_id, 'TREASURY', 100, 'REQUESTED'"
        + " FROM leg WHERE order_no = '" + orderNo + "' AND leg_no IN (1, 2)");

    ExecutionException failure = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        RefundLegs.transition(conn, RefundLegStatus.CONFIRMED, refundId, 1, "V-1", "authority")
            .compose(v -> RefundLegs.transition(conn, RefundLegStatus.PAID_BACK, refundId, 2, null, null)))));

    RefundLegs.IllegalTransition illegal = assertInstanceOf(RefundLegs.IllegalTransition.class, failure.getCause());
    assertTrue(illegal.getMessage().contains("REQUESTED -> PAID_BACK"), illegal.getMessage());
    assertEquals("REQUESTED", refundLegStatus(refundId, 1), "the legal move in the same transaction was undone");
    assertEquals("REQUESTED", refundLegStatus(refundId, 2));

    assertEquals(List.of(1), await(asEngine.withTransaction(conn ->
        RefundLegs.transition(conn, RefundLegStatus.CONFIRMED, refundId, 1, "V-1", "authority"))));
    assertEquals(List.of(), await(asEngine.withTransaction(conn ->
        RefundLegs.transition(conn, RefundLegStatus.CONFIRMED, refundId, 1, "V-1", "authority"))), "a repeat");
    ExecutionException wholeRefund = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(
        conn -> RefundLegs.transition(conn, RefundLegStatus.SUCCEEDED, refundId, null, null, null))));
    assertTrue(assertInstanceOf(RefundLegs.IllegalTransition.class, wholeRefund.getCause()).getMessage()
        .contains("CONFIRMED -> SUCCEEDED"), wholeRefund.getCause().getMessage());
    assertEquals("REQUESTED", refundLegStatus(refundId, 2), "no leg of the refund moved");
    ExecutionException missing = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        RefundLegs.transition(conn, RefundLegStatus.CONFIRMED, refundId, 9, "V-9", "authority"))));
    assertInstanceOf(RefundLegs.IllegalTransition.class, missing.getCause());
  }

  private static String duplicateRefund(String outRefundNo, String status) {
    return "INSERT INTO duplicate_refund (channel, transaction_id, out_trade_no, amount_fen, out_refund_no, status)"
        + " VALUES ('wechat', 'T-" + outRefundNo + "', 'W-" + outRefundNo + "', 100, '" + outRefundNo + "', '"
        + status + "')";
  }

  private static String duplicateRefundStatus(String outRefundNo) {
    return TestDatabase.queryString(engine.pgUrl(),
        "SELECT status || '/' || attempts FROM duplicate_refund WHERE out_refund_no = '" + outRefundNo + "'");
  }

  @Test
  void anAcceptedDuplicateRefundThatWouldBecomeUnknownFailsLoudlyAndUndoesItsTransaction() throws Exception {
    TestDatabase.execute(engine.pgUrl(), duplicateRefund("DR-GUARD-REQ", "REQUESTED"));
    TestDatabase.execute(engine.pgUrl(), duplicateRefund("DR-GUARD-ACC", "ACCEPTED"));
    TestDatabase.execute(engine.pgUrl(), duplicateRefund("DR-GUARD-OK", "SUCCEEDED"));

    ExecutionException failure = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        DuplicatePaymentRefunds.transition(conn, DuplicateRefundStatus.UNKNOWN, "DR-GUARD-REQ", 1.0)
            .compose(v -> DuplicatePaymentRefunds.transition(conn, DuplicateRefundStatus.UNKNOWN, "DR-GUARD-ACC", 1.0)))));

    DuplicatePaymentRefunds.IllegalTransition illegal =
        assertInstanceOf(DuplicatePaymentRefunds.IllegalTransition.class, failure.getCause());
    assertTrue(illegal.getMessage().contains("ACCEPTED -> UNKNOWN"), illegal.getMessage());
    assertEquals("REQUESTED/0", duplicateRefundStatus("DR-GUARD-REQ"), "the legal move in the same transaction was undone");
    assertEquals("ACCEPTED/0", duplicateRefundStatus("DR-GUARD-ACC"));

    assertEquals(Optional.empty(), await(asEngine.withTransaction(conn ->
        DuplicatePaymentRefunds.transition(conn, DuplicateRefundStatus.FAILED, "DR-GUARD-OK", 1.0))),
        "an answer that lost the race to the channel's confirmation is a value, not a failure");
    assertEquals("SUCCEEDED/0", duplicateRefundStatus("DR-GUARD-OK"));
    ExecutionException missing = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn ->
        DuplicatePaymentRefunds.transition(conn, DuplicateRefundStatus.SUCCEEDED, "DR-GUARD-NONE", null))));
    assertInstanceOf(DuplicatePaymentRefunds.IllegalTransition.class, missing.getCause());
  }

  @Test
  void theDatabaseKnowsExactlyTheRefundLegAndDuplicateRefundStatusesTheEnumsKnow() {
    for (RefundLegStatus status : RefundLegStatus.values()) {
      assertTrue(constraint("refund_leg_status_known").contains("'" + status.name() + "'"), status.toString());
    }
    for (DuplicateRefundStatus status : DuplicateRefundStatus.values()) {
      assertTrue(constraint("duplicate_refund_status_known").contains("'" + status.name() + "'"), status.toString());
    }
    assertEquals(RefundLegStatus.values().length, constraint("refund_leg_status_known").split("'").length / 2);
    assertEquals(DuplicateRefundStatus.values().length,
        constraint("duplicate_refund_status_known").split("'").length / 2);
  }

  @Test
  void theDatabaseKnowsExactlyTheInboxOutcomesTheEnumsKnow() {
    String known = constraint("channel_inbox_outcome_known");
    for (PaymentDecision.Outcome outcome : PaymentDecision.Outcome.values()) {
      assertTrue(known.contains("'" + outcome.name() + "'"), outcome.toString());
    }
    for (RefundNotification.Status status : RefundNotification.Status.values()) {
      assertTrue(known.contains("'" + status.name() + "'"), status.toString());
    }
    // The two kinds, and each outcome once.
    assertEquals(2 + PaymentDecision.Outcome.values().length + RefundNotification.Status.values().length,
        known.split("'").length / 2);
  }

  private static String constraint(String name) {
    return TestDatabase.queryString(engine.pgUrl(),
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '" + name + "'");
  }
}
