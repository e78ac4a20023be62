package org.clearing.split;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one door for leg statuses: the only {@code UPDATE leg SET status}. Each move is guarded by
 * the statuses {@link LegStatus} allows it from, and every leg asked for must have moved: one
 * that was already in the target status is a repeat and changes nothing, one in any other status
 * is an illegal transition, a bug, and fails the caller's transaction.
 */
public final class Legs {

  /** A leg to move; {@code settlementRef} is the channel's reference when it moves to SETTLED. */
  public record Move(String orderNo, int legNo, String settlementRef) {
    public static Move of(String orderNo, int legNo) {
      return new Move(orderNo, legNo, null);
    }
  }

  /** An illegal leg transition: a bug in the caller, never an expected outcome. */
  public static final class IllegalTransition extends IllegalStateException {
    public IllegalTransition(String message) {
      super(message);
    }
  }

  private static final String TRANSITION = """
      UPDATE leg g SET status = $4::text,
             settled_at = CASE WHEN $4::text = 'SETTLED' THEN now() ELSE g.settled_at END,
             settlement_ref = COALESCE(x.ref, g.settlement_ref)
      FROM unnest($1::text[], $2::int4[], $3::text[]) AS x(order_no, leg_no, ref)
      WHERE g.order_no = x.order_no AND g.leg_no = x.leg_no AND g.status = ANY($5::text[])
      RETURNING g.order_no, g.leg_no
      """;
  private static final String CURRENT = """
      SELECT g.order_no, g.leg_no, g.status FROM leg g
      JOIN unnest($1::text[], $2::int4[]) AS x(order_no, leg_no)
        ON g.order_no = x.order_no AND g.leg_no = x.leg_no
      """;

  private Legs() {}

  /**
   * Moves the legs to {@code to} in one statement, in the caller's transaction.
   *
   * @return the legs that moved now (a repeat is not among them)
   * @throws IllegalTransition (as a failed future) when a leg is in a status {@code to} cannot be
   *     reached from, or does not exist
   */
  public static Future<List<Move>> transition(SqlConnection conn, LegStatus to, List<Move> moves) {
    if (moves.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return conn.preparedQuery(TRANSITION).execute(Tuple.tuple()
            .addArrayOfString(moves.stream().map(Move::orderNo).toArray(String[]::new))
            .addArrayOfInteger(moves.stream().map(Move::legNo).toArray(Integer[]::new))
            .addArrayOfString(moves.stream().map(Move::settlementRef).toArray(String[]::new))
            .addString(to.name())
            .addArrayOfString(LegStatus.from(to).stream().map(Enum::name).toArray(String[]::new)))
        .compose(rows -> {
          Map<String, Move> asked = new HashMap<>();
          moves.forEach(m -> asked.put(m.orderNo() + "/" + m.legNo(), m));
          List<Move> moved = new ArrayList<>();
          for (Row row : rows) {
            moved.add(asked.get(row.getString("order_no") + "/" + row.getInteger("leg_no")));
          }
          return moved.size() == moves.size() ? Future.succeededFuture(moved)
              : checkRepeats(conn, to, moves, moved);
        });
  }

  /** Only the rare short count pays for this look: each leg not moved must already be at {@code to}. */
  private static Future<List<Move>> checkRepeats(SqlConnection conn, LegStatus to, List<Move> moves,
      List<Move> moved) {
    return conn.preparedQuery(CURRENT).execute(Tuple.tuple()
            .addArrayOfString(moves.stream().map(Move::orderNo).toArray(String[]::new))
            .addArrayOfInteger(moves.stream().map(Move::legNo).toArray(Integer[]::new)))
        .compose(rows -> {
          Map<String, String> current = new HashMap<>();
          rows.forEach(r -> current.put(r.getString("order_no") + "/" + r.getInteger("leg_no"),
              r.getString("status")));
          for (Move move : moves) {
            String status = current.get(move.orderNo() + "/" + move.legNo());
            if (!moved.contains(move) && !to.name().equals(status)) {
              return Future.failedFuture(new IllegalTransition("leg " + move.orderNo() + "/"
                  + move.legNo() + " cannot move " + (status == null ? "(no such leg)" : status)
                  + " -> " + to));
            }
          }
          return Future.succeededFuture(moved);
        });
  }
}
