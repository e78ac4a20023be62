package org.clearing.refund;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The one door for refund leg statuses: the only {@code UPDATE refund_leg SET status}. Each move
 * is guarded by the statuses {@link RefundLegStatus} allows it from, and every leg asked for must
 * have moved: one already in the target status is a repeat and changes nothing, one in any other
 * status (or no such leg) is an illegal transition, a bug, and fails the caller's transaction.
 */
public final class RefundLegs {

  /** An illegal refund leg transition: a bug in the caller, never an expected outcome. */
  public static final class IllegalTransition extends IllegalStateException {
    public IllegalTransition(String message) {
      super(message);
    }
  }

  /** {@code $2} null moves every leg of the refund; the voucher and who confirmed are the authority's. */
  private static final String TRANSITION = """
      UPDATE refund_leg SET status = $3::text, voucher_no = COALESCE($4, voucher_no),
             confirmed_by = CASE WHEN $3::text = 'CONFIRMED' THEN COALESCE(confirmed_by, $5) ELSE confirmed_by END,
             confirmed_at = CASE WHEN $3::text = 'CONFIRMED' THEN now() ELSE confirmed_at END,
             paid_back_at = CASE WHEN $3::text = 'PAID_BACK' THEN now() ELSE paid_back_at END
      WHERE refund_id = $1 AND ($2::int4 IS NULL OR leg_no = $2::int4) AND status = ANY($6::text[])
      RETURNING leg_no
      """;
  /** After the move every leg asked for is at the target; any other is an illegal transition. */
  private static final String NOT_MOVED = """
      SELECT leg_no, status FROM refund_leg
      WHERE refund_id = $1 AND ($2::int4 IS NULL OR leg_no = $2::int4) AND status <> $3::text
      """;
  private static final String EXISTS =
      "SELECT 1 FROM refund_leg WHERE refund_id = $1 AND ($2::int4 IS NULL OR leg_no = $2::int4) LIMIT 1";

  private RefundLegs() {}

  /**
   * Moves one leg ({@code legNo}), or all legs of the refund ({@code legNo} null), to {@code to}
   * in one statement, in the caller's transaction.
   *
   * @param voucherNo the authority's refund voucher, for a move to CONFIRMED; null otherwise
   * @param by who confirmed, for a move to CONFIRMED; null otherwise
   * @return the leg numbers that moved now (a repeat is not among them)
   * @throws IllegalTransition (as a failed future) when a leg is in a status {@code to} cannot be
   *     reached from, or there is no such leg
   */
  public static Future<List<Integer>> transition(SqlConnection conn, RefundLegStatus to, String refundId,
      Integer legNo, String voucherNo, String by) {
    return conn.preparedQuery(TRANSITION).execute(Tuple.tuple().addString(refundId).addInteger(legNo)
            .addString(to.name()).addString(voucherNo).addString(by)
            .addArrayOfString(RefundLegStatus.from(to).stream().map(Enum::name).toArray(String[]::new)))
        .compose(rows -> {
          List<Integer> moved = new ArrayList<>();
          rows.forEach(r -> moved.add(r.getInteger("leg_no")));
          if (legNo != null && moved.size() == 1) {
            return Future.succeededFuture(moved);
          }
          return conn.preparedQuery(NOT_MOVED).execute(Tuple.of(refundId, legNo, to.name()))
              .compose(stuck -> {
                if (stuck.size() > 0) {
                  Row row = stuck.iterator().next();
                  return Future.failedFuture(new IllegalTransition("refund leg " + refundId + "/"
                      + row.getInteger("leg_no") + " cannot move " + row.getString("status") + " -> " + to));
                }
                return moved.isEmpty()
                    ? conn.preparedQuery(EXISTS).execute(Tuple.of(refundId, legNo)).compose(found -> found.size() > 0
                        ? Future.succeededFuture(moved)
                        : Future.failedFuture(new IllegalTransition("refund leg " + refundId + "/"
                            + (legNo == null ? "*" : legNo) + " cannot move (no such leg) -> " + to)))
                    : Future.succeededFuture(moved);
              });
        });
  }
}
