package org.clearing.order;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one door for order statuses: the only {@code UPDATE orders SET status}. A move names the
 * status it starts from and is checked against {@link OrderTransitions} before any SQL runs; the
 * update is guarded by that status, so an order that moved on meanwhile is not touched. Whether
 * that may happen is the caller's to say: under the order's row lock it cannot, and a short count
 * is a bug that fails the transaction; without the lock it is a race the caller lost, a value.
 */
public final class Orders {

  /** What the caller holds, and so what a move that did not happen means. */
  public enum Guard {
    /** The caller locked the orders: every move must happen, or the transaction fails. */
    LOCKED,
    /** The caller did not lock them: an order that moved on meanwhile is left alone and reported. */
    RACING
  }

  /** The payment that paid an order, recorded with its move to PAID. */
  public record Paid(String channel, String transactionId, OffsetDateTime paidAt) {}

  /** One order's move; {@code paid} is set only with the move that books its payment. */
  public record Move(String orderNo, OrderStatus from, OrderStatus to, Paid paid) {
    public Move {
      Objects.requireNonNull(orderNo, "orderNo");
      if (!OrderTransitions.allows(from, to)) {
        throw new IllegalTransition("the transition table forbids order " + orderNo + " " + from + " -> " + to);
      }
    }

    public static Move of(String orderNo, OrderStatus from, OrderEvent event) {
      OrderStatus to = OrderTransitions.next(from, event).orElseThrow(() -> new IllegalTransition(
          "the transition table forbids " + event + " of order " + orderNo + " from " + from));
      return new Move(orderNo, from, to, null);
    }
  }

  /** An illegal order transition: a bug in the caller, never an expected outcome. */
  public static final class IllegalTransition extends IllegalStateException {
    public IllegalTransition(String message) {
      super(message);
    }
  }

  /** One statement for any number of moves, so the payment intake's group moves all its orders at once. */
  private static final String TRANSITION = """
      UPDATE orders o SET status = x.to_status,
             paid_channel = COALESCE(x.channel, o.paid_channel),
             paid_transaction_id = COALESCE(x.transaction_id, o.paid_transaction_id),
             paid_at = COALESCE(x.paid_at, o.paid_at),
             updated_at = now()
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
        AS x(order_no, from_status, to_status, channel, transaction_id, paid_at)
      WHERE o.order_no = x.order_no AND o.status = x.from_status
      RETURNING o.order_no
      """;

  private Orders() {}

  /**
   * Moves the orders in one statement.
   *
   * @param client a pool, or the caller's transaction
   * @return the orders that moved (all of them under {@link Guard#LOCKED})
   */
  public static Future<List<String>> transition(SqlClient client, Guard guard, List<Move> moves) {
    if (moves.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return client.preparedQuery(TRANSITION).execute(tuple(moves)).compose(rows -> {
      List<String> moved = new ArrayList<>();
      for (Row row : rows) {
        moved.add(row.getString("order_no"));
      }
      if (guard == Guard.LOCKED && moved.size() != moves.size()) {
        List<String> stuck = moves.stream().filter(m -> !moved.contains(m.orderNo()))
            .map(m -> m.orderNo() + " " + m.from() + " -> " + m.to()).toList();
        return Future.failedFuture(new IllegalTransition(
            "orders changed under their lock or were not in the status the move starts from: " + stuck));
      }
      return Future.succeededFuture(moved);
    });
  }

  private static Tuple tuple(List<Move> moves) {
    return Tuple.tuple()
        .addArrayOfString(moves.stream().map(Move::orderNo).toArray(String[]::new))
        .addArrayOfString(moves.stream().map(m -> m.from().name()).toArray(String[]::new))
        .addArrayOfString(moves.stream().map(m -> m.to().name()).toArray(String[]::new))
        .addArrayOfString(moves.stream().map(m -> m.paid() == null ? null : m.paid().channel()).toArray(String[]::new))
        .addArrayOfString(moves.stream().map(m -> m.paid() == null ? null : m.paid().transactionId())
            .toArray(String[]::new))
        .addArrayOfOffsetDateTime(moves.stream().map(m -> m.paid() == null ? null : m.paid().paidAt())
            .toArray(OffsetDateTime[]::new));
  }
}
