package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;
import org.clearing.split.LegStatus;

/**
 * Records verified notifications. A payment is recorded in the inbox under its channel
 * transaction id and, in the same transaction, moves its order to PAID (or to EXCEPTION when the
 * amount is wrong); only after the commit may the channel be acknowledged. A transaction id seen
 * before changes nothing.
 */
public final class PaymentIntake {

  /** Where a notification came from; a query result takes exactly the callback's path. */
  public enum Source {
    CALLBACK,
    QUERY,
    BILL
  }

  /** What recording did. */
  public record Recorded(boolean duplicate, String orderNo, PaymentDecision.Outcome outcome) {}

  private static final String SELECT_CHANNEL_ORDER =
      "SELECT order_no FROM channel_order WHERE channel = $1 AND out_trade_no = $2";
  private static final String LOCK_ORDER =
      "SELECT status, total_fen FROM orders WHERE order_no = $1 FOR UPDATE";
  private static final String INSERT_INBOX =
      "INSERT INTO channel_inbox (channel, kind, event_key, order_no, out_trade_no, transaction_id,"
          + " amount_fen, outcome, source, event_id, occurred_at)"
          + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
          + " ON CONFLICT (channel, kind, event_key) DO NOTHING RETURNING order_no";
  private static final String SELECT_INBOX =
      "SELECT order_no, outcome FROM channel_inbox WHERE channel = $1 AND kind = $2 AND event_key = $3";
  private static final String MARK_PAID =
      "UPDATE orders SET status = $2, paid_channel = $3, paid_transaction_id = $4, paid_at = $5,"
          + " updated_at = now() WHERE order_no = $1 AND status = $6";
  private static final String MARK_EXCEPTION =
      "UPDATE orders SET status = $2, updated_at = now() WHERE order_no = $1 AND status = $3";
  private static final String MARK_LEGS_PAID =
      "UPDATE leg SET status = $2 WHERE order_no = $1 AND status = $3";
  private static final String MARK_CHANNEL_ORDER_PAID =
      "UPDATE channel_order SET status = 'PAID', updated_at = now()"
          + " WHERE channel = $1 AND out_trade_no = $2";

  private final Pool pool;

  public PaymentIntake(Pool pool) {
    this.pool = pool;
  }

  public Future<Recorded> recordPayment(PaymentNotification payment, Source source) {
    if (!payment.successful()) {
      // Not money: nothing to record. Keeping it out of the inbox matters, because the same
      // transaction id may yet succeed (Alipay notifies WAIT_BUYER_PAY, then TRADE_SUCCESS).
      return Future.succeededFuture(new Recorded(false, null, PaymentDecision.Outcome.NOT_SUCCESSFUL));
    }
    return pool.withTransaction(conn -> resolveOrder(conn, payment.channel(), payment.outTradeNo())
        .compose(orderNo -> lockOrder(conn, orderNo).compose(head -> {
          PaymentDecision.Outcome outcome = PaymentDecision.decide(
              head.map(OrderHead::status).orElse(null),
              head.map(OrderHead::totalFen).orElse(0L), payment);
          String knownOrderNo = head.isPresent() ? orderNo.orElse(null) : null;
          return conn.preparedQuery(INSERT_INBOX).execute(Tuple.tuple()
                  .addString(payment.channel().code())
                  .addString("PAYMENT")
                  .addString(payment.transactionId())
                  .addString(knownOrderNo)
                  .addString(payment.outTradeNo())
                  .addString(payment.transactionId())
                  .addLong(payment.amount().fen())
                  .addString(outcome.name())
                  .addString(source.name())
                  .addString(payment.eventId())
                  .addOffsetDateTime(payment.paidAt().atOffset(ZoneOffset.UTC)))
              .compose(inserted -> inserted.rowCount() == 0
                  ? duplicate(conn, payment.channel(), "PAYMENT", payment.transactionId())
                  : apply(conn, knownOrderNo, head.orElse(null), outcome, payment)
                      .map(new Recorded(false, knownOrderNo, outcome)));
        })));
  }

  /**
   * Records a refund notification once per refund and outcome; the money side of refunds lives
   * with the refund flow, which reads the inbox.
   */
  public Future<Recorded> recordRefund(RefundNotification refund, Source source) {
    String key = refund.outRefundNo() + ":" + refund.status().name();
    return pool.withTransaction(conn -> resolveOrder(conn, refund.channel(), refund.outTradeNo())
        .compose(orderNo -> conn.preparedQuery(INSERT_INBOX).execute(Tuple.tuple()
                .addString(refund.channel().code())
                .addString("REFUND")
                .addString(key)
                .addString(orderNo.orElse(null))
                .addString(refund.outTradeNo())
                .addString(refund.transactionId())
                .addLong(refund.amount().fen())
                .addString(refund.status().name())
                .addString(source.name())
                .addString(refund.eventId())
                .addOffsetDateTime(refund.occurredAt().atOffset(ZoneOffset.UTC)))
            .map(rows -> new Recorded(rows.rowCount() == 0, orderNo.orElse(null), null))));
  }

  private Future<Recorded> duplicate(SqlConnection conn, Channel channel, String kind, String key) {
    return conn.preparedQuery(SELECT_INBOX).execute(Tuple.of(channel.code(), kind, key)).map(rows -> {
      Row row = rows.iterator().next();
      return new Recorded(true, row.getString("order_no"),
          PaymentDecision.Outcome.valueOf(row.getString("outcome")));
    });
  }

  private Future<Void> apply(SqlConnection conn, String orderNo, OrderHead head,
      PaymentDecision.Outcome outcome, PaymentNotification payment) {
    return switch (outcome) {
      case APPLIED -> {
        OrderStatus paid = OrderTransitions.next(head.status(), OrderEvent.PAY).orElseThrow();
        yield conn.preparedQuery(MARK_PAID).execute(Tuple.of(orderNo, paid.name(),
                payment.channel().code(), payment.transactionId(),
                payment.paidAt().atOffset(ZoneOffset.UTC), head.status().name()))
            .compose(rows -> expectOne(rows.rowCount(), orderNo))
            .compose(v -> conn.preparedQuery(MARK_LEGS_PAID)
                .execute(Tuple.of(orderNo, LegStatus.PAID.name(), LegStatus.PLANNED.name())))
            .compose(v -> conn.preparedQuery(MARK_CHANNEL_ORDER_PAID)
                .execute(Tuple.of(payment.channel().code(), payment.outTradeNo())))
            .mapEmpty();
      }
      case AMOUNT_MISMATCH -> {
        OrderStatus exception = OrderTransitions.next(head.status(), OrderEvent.FAULT).orElseThrow();
        yield conn.preparedQuery(MARK_EXCEPTION)
            .execute(Tuple.of(orderNo, exception.name(), head.status().name()))
            .compose(rows -> expectOne(rows.rowCount(), orderNo));
      }
      case UNKNOWN_ORDER, NOT_PAYABLE -> Future.succeededFuture();
      case NOT_SUCCESSFUL -> Future.failedFuture(new IllegalStateException("an unsuccessful payment reached apply"));
    };
  }

  private static Future<Void> expectOne(int rowCount, String orderNo) {
    // The order row is locked FOR UPDATE in this transaction, so its status cannot have moved.
    return rowCount == 1 ? Future.succeededFuture()
        : Future.failedFuture(new IllegalStateException("order " + orderNo + " changed under its lock"));
  }

  /** The order a notification is for: from its channel order, else from the number's form. */
  private static Future<Optional<String>> resolveOrder(SqlConnection conn, Channel channel, String outTradeNo) {
    return conn.preparedQuery(SELECT_CHANNEL_ORDER).execute(Tuple.of(channel.code(), outTradeNo))
        .map(rows -> rows.size() > 0
            ? Optional.of(rows.iterator().next().getString("order_no"))
            : OutTradeNumbers.orderNo(channel, outTradeNo));
  }

  private record OrderHead(OrderStatus status, long totalFen) {}

  private static Future<Optional<OrderHead>> lockOrder(SqlConnection conn, Optional<String> orderNo) {
    if (orderNo.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    return conn.preparedQuery(LOCK_ORDER).execute(Tuple.of(orderNo.get())).map(rows -> rows.size() == 0
        ? Optional.empty()
        : Optional.of(new OrderHead(OrderStatus.valueOf(rows.iterator().next().getString("status")),
            rows.iterator().next().getLong("total_fen"))));
  }
}
