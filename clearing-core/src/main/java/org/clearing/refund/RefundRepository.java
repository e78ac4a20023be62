package org.clearing.refund;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.clearing.crypto.Crypto;
import org.clearing.channel.Channel;
import org.clearing.journal.Journal;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.Orders;
import org.clearing.outbox.Outbox;
import org.clearing.split.LegStatus;
import org.clearing.split.Legs;

/**
 * Stores refunds and moves them, their lines and legs, their orders and the journal together.
 * Over-refund is impossible by construction: each order line can appear in {@code refund_line}
 * once, and the order row is locked while a refund is planned.
 */
public final class RefundRepository {

  /** A refund as the API shows it. */
  public record Refund(String refundId, String orderNo, String mode, RefundStatus status, long amountFen,
      String channel, boolean wholeOrder, String reason, List<Integer> lineNos, List<RefundLeg> legs) {}

  /** One leg's part of a refund. */
  public record RefundLeg(int legNo, String payeeAccountId, String side, long amountFen, String status,
      String voucherNo) {}

  /** What planning a refund came to. */
  public sealed interface Planned {}

  public record Created(Refund refund, String paidTransactionId, long orderTotalFen) implements Planned {}

  public record Replayed(Refund refund) implements Planned {}

  public record Refused(int status, String type, String reason) implements Planned {}

  private static final String LOCK_ORDER =
      "SELECT client_id, status, total_fen, paid_channel, paid_transaction_id FROM orders"
          + " WHERE order_no = $1 FOR UPDATE";
  private static final String BY_KEY =
      "SELECT refund_id, request_hash FROM refund WHERE client_id = $1 AND refund_key = $2";
  private static final String LINES =
      "SELECT l.line_no, l.amount_fen, l.payee_account_id, r.refund_id FROM order_line l"
          + " LEFT JOIN refund_line r ON r.order_no = l.order_no AND r.line_no = l.line_no"
          + " WHERE l.order_no = $1 ORDER BY l.line_no";
  private static final String LEGS =
      "SELECT g.leg_no, g.payee_account_id, g.status, p.side FROM leg g"
          + " JOIN payee_account p ON p.account_id = g.payee_account_id WHERE g.order_no = $1";
  private static final String INSERT_REFUND = """
      WITH n AS (SELECT 'RF' || lpad(nextval('refund_seq')::text, 12, '0') AS id)
      INSERT INTO refund (refund_id, order_no, client_id, refund_key, request_hash, mode, status,
                          amount_fen, channel, out_refund_no, reason, whole_order)
      SELECT n.id, $1, $2, $3, $4, $5::text, 'REQUESTED', $6, $7,
             CASE WHEN $5::text = 'CHANNEL' THEN n.id END, $8, $9
      FROM n
      RETURNING refund_id
      """;
  private static final String INSERT_LINES =
      "INSERT INTO refund_line (order_no, line_no, refund_id, amount_fen)"
          + " SELECT $1, x.line_no, $2, x.amount_fen FROM unnest($3::int4[], $4::int8[]) AS x(line_no, amount_fen)";
  private static final String INSERT_LEGS =
      "INSERT INTO refund_leg (refund_id, leg_no, payee_account_id, side, amount_fen, status)"
          + " SELECT $1, x.leg_no, x.payee, x.side, x.amount_fen, 'REQUESTED'"
          + " FROM unnest($2::int4[], $3::text[], $4::text[], $5::int8[]) AS x(leg_no, payee, side, amount_fen)";
  private static final String SELECT_REFUND =
      "SELECT refund_id, order_no, mode, status, amount_fen, channel, whole_order, reason FROM refund"
          + " WHERE refund_id = $1";
  private static final String SELECT_REFUND_LINES =
      "SELECT line_no FROM refund_line WHERE refund_id = $1 ORDER BY line_no";
  private static final String SELECT_REFUND_LEGS =
      "SELECT leg_no, payee_account_id, side, amount_fen, status, voucher_no FROM refund_leg"
          + " WHERE refund_id = $1 ORDER BY leg_no";
  /**
   * The only {@code UPDATE refund SET status}, guarded by the statuses {@link RefundStatus} allows
   * the move from. A channel's answers can arrive out of order (an "accepted" after the success
   * notification), so a refund that is not in one of those statuses is left alone, a value the
   * caller reads from the row count.
   */
  private static final String MOVE_REFUND =
      "UPDATE refund SET status = $2, channel_refund_id = COALESCE($4, channel_refund_id),"
          + " updated_at = now() WHERE refund_id = $1 AND status = ANY($3::text[])";
  private static final String RELEASE_LINES = "DELETE FROM refund_line WHERE refund_id = $1";

  /**
   * Moves one refund to {@code to}, from the statuses {@link RefundStatus} allows: the one door for
   * a refund's status. Not moving is a value (an answer that arrived out of order), never a failure.
   *
   * @param channelRefundId the channel's own refund id when it gave one; null keeps the one recorded
   * @return whether the refund moved
   */
  static Future<Boolean> transition(SqlConnection conn, String refundId, RefundStatus to, String channelRefundId) {
    return conn.preparedQuery(MOVE_REFUND).execute(Tuple.tuple().addString(refundId).addString(to.name())
            .addArrayOfString(RefundStatus.from(to)).addString(channelRefundId))
        .map(rows -> rows.rowCount() == 1);
  }
  /** A leg whose whole amount the channel gave back is REFUNDED: nothing of it will settle. */
  private static final String LEGS_WHOLLY_REFUNDED = """
      SELECT g.leg_no FROM leg g
      WHERE g.order_no = $1 AND g.status = 'PAID'
        AND g.amount_fen = (SELECT coalesce(sum(rg.amount_fen), 0) FROM refund_leg rg JOIN refund r
                            ON r.refund_id = rg.refund_id WHERE r.order_no = g.order_no AND rg.leg_no = g.leg_no
                            AND r.mode = 'CHANNEL' AND r.status = 'SUCCEEDED')
      FOR UPDATE OF g
      """;

  private final Pool pool;
  private static final String MERCHANT_OF_ORDER =
      "SELECT merchant_id FROM channel_order WHERE order_no = $1 AND channel = $2";

  /** The merchant the order's channel order was opened with (null: the channel's default). */
  public Future<String> merchantOf(String orderNo, String channel) {
    return pool.preparedQuery(MERCHANT_OF_ORDER).execute(Tuple.of(orderNo, channel))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("merchant_id"));
  }

  public RefundRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Plans a refund of {@code lineNos} (all lines not yet refunded when empty) in one transaction.
   * Before settlement it is a channel refund; once the legs are settled, an authority refund.
   */
  public Future<Planned> plan(String clientId, String refundKey, String orderNo, List<Integer> lineNos,
      String reason) {
    return plan(clientId, refundKey, orderNo, lineNos, reason, conn -> Future.succeededFuture());
  }

  /**
   * As above, with {@code record} (a person's audit of the request) run in the plan's transaction
   * when the refund is planned or replayed, so the two commit together: a plan the database refuses
   * at the last moment (a line refunded concurrently) leaves no record claiming it.
   */
  public Future<Planned> plan(String clientId, String refundKey, String orderNo, List<Integer> lineNos,
      String reason, java.util.function.Function<SqlConnection, Future<Void>> record) {
    byte[] hash = Crypto.sm3((orderNo + "|" + lineNos + "|" + reason).getBytes(StandardCharsets.UTF_8));
    return pool.withTransaction(conn -> plan(conn, clientId, refundKey, hash, orderNo, lineNos, reason)
            .compose(planned -> planned instanceof Refused ? Future.succeededFuture(planned)
                : record.apply(conn).map(planned)))
        .recover(error -> error instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.succeededFuture(new Refused(409, "already-refunded",
                "a line of this request was refunded by a concurrent request"))
            : Future.failedFuture(error));
  }

  private Future<Planned> plan(SqlConnection conn, String clientId, String refundKey, byte[] hash, String orderNo,
      List<Integer> lineNos, String reason) {
    return conn.preparedQuery(LOCK_ORDER).execute(Tuple.of(orderNo))
        .compose(orders -> {
          if (orders.size() == 0 || !orders.iterator().next().getString("client_id").equals(clientId)) {
            return Future.succeededFuture((Planned) new Refused(404, "not-found", "no order " + orderNo));
          }
          Row order = orders.iterator().next();
          return conn.preparedQuery(BY_KEY).execute(Tuple.of(clientId, refundKey)).compose(existing -> {
            if (existing.size() > 0) {
              Row row = existing.iterator().next();
              return Arrays.equals(row.getBuffer("request_hash").getBytes(), hash)
                  ? load(conn, row.getString("refund_id")).map(r -> (Planned) new Replayed(r))
                  : Future.succeededFuture((Planned) new Refused(409, "idempotency-conflict",
                      "refund key " + refundKey + " was used for another refund"));
            }
            return planNew(conn, clientId, refundKey, hash, orderNo, order, lineNos, reason);
          });
        });
  }

  private Future<Planned> planNew(SqlConnection conn, String clientId, String refundKey, byte[] hash,
      String orderNo, Row order, List<Integer> lineNos, String reason) {
    OrderStatus status = OrderStatus.valueOf(order.getString("status"));
    if (status != OrderStatus.PAID && status != OrderStatus.SETTLED) {
      return Future.succeededFuture(new Refused(409, "not-refundable",
          "order " + orderNo + " is " + status + "; only PAID or SETTLED orders are refunded"));
    }
    Future<RowSet<Row>> lineRows = conn.preparedQuery(LINES).execute(Tuple.of(orderNo));
    Future<RowSet<Row>> legRows = conn.preparedQuery(LEGS).execute(Tuple.of(orderNo));
    return Future.all(lineRows, legRows).compose(both -> {
      Map<Integer, long[]> lines = new LinkedHashMap<>();
      Map<Integer, String> linePayee = new LinkedHashMap<>();
      Set<Integer> refunded = new TreeSet<>();
      for (Row row : lineRows.result()) {
        lines.put(row.getInteger("line_no"), new long[] {row.getLong("amount_fen")});
        linePayee.put(row.getInteger("line_no"), row.getString("payee_account_id"));
        if (row.getString("refund_id") != null) {
          refunded.add(row.getInteger("line_no"));
        }
      }
      List<Integer> chosen = lineNos.isEmpty()
          ? lines.keySet().stream().filter(n -> !refunded.contains(n)).toList() : lineNos;
      for (Integer lineNo : chosen) {
        if (!lines.containsKey(lineNo)) {
          return Future.succeededFuture(new Refused(422, "invalid-request", "order has no line " + lineNo));
        }
        if (refunded.contains(lineNo)) {
          return Future.succeededFuture(new Refused(409, "already-refunded", "line " + lineNo + " is already refunded"));
        }
      }
      if (chosen.isEmpty()) {
        return Future.succeededFuture(new Refused(409, "already-refunded", "every line is already refunded"));
      }
      Map<String, Object[]> legs = new LinkedHashMap<>();
      for (Row row : legRows.result()) {
        legs.put(row.getString("payee_account_id"), new Object[] {row.getInteger("leg_no"),
            row.getString("status"), row.getString("side"), 0L});
      }
      long amountFen = 0;
      for (Integer lineNo : chosen) {
        Object[] leg = legs.get(linePayee.get(lineNo));
        leg[3] = (Long) leg[3] + lines.get(lineNo)[0];
        amountFen = Math.addExact(amountFen, lines.get(lineNo)[0]);
      }
      List<Object[]> affected = legs.values().stream().filter(l -> (Long) l[3] > 0).toList();
      boolean settled = affected.stream().allMatch(l -> !l[1].equals("PAID"));
      boolean unsettled = affected.stream().allMatch(l -> l[1].equals("PAID"));
      if (!settled && !unsettled) {
        return Future.succeededFuture(new Refused(409, "mixed-settlement",
            "some of these lines' legs are settled and some are not; refund them in two requests"));
      }
      String mode = unsettled ? "CHANNEL" : "AUTHORITY";
      boolean whole = chosen.size() + refunded.size() == lines.size();
      long total = amountFen;
      return conn.preparedQuery(INSERT_REFUND).execute(Tuple.tuple()
              .addString(orderNo).addString(clientId).addString(refundKey)
              .addBuffer(Buffer.buffer(hash)).addString(mode).addLong(amountFen)
              .addString(order.getString("paid_channel")).addString(reason).addBoolean(whole))
          .compose(inserted -> {
            String refundId = inserted.iterator().next().getString("refund_id");
            Future<?> lineInsert = conn.preparedQuery(INSERT_LINES).execute(Tuple.tuple()
                .addString(orderNo).addString(refundId)
                .addArrayOfInteger(chosen.toArray(Integer[]::new))
                .addArrayOfLong(chosen.stream().map(n -> lines.get(n)[0]).toArray(Long[]::new)));
            Future<?> legInsert = conn.preparedQuery(INSERT_LEGS).execute(Tuple.tuple()
                .addString(refundId)
                .addArrayOfInteger(affected.stream().map(l -> (Integer) l[0]).toArray(Integer[]::new))
                .addArrayOfString(legs.entrySet().stream().filter(e -> (Long) e.getValue()[3] > 0)
                    .map(Map.Entry::getKey).toArray(String[]::new))
                .addArrayOfString(affected.stream().map(l -> (String) l[2]).toArray(String[]::new))
                .addArrayOfLong(affected.stream().map(l -> (Long) l[3]).toArray(Long[]::new)));
            Future<?> move = whole
                ? Orders.transition(conn, Orders.Guard.LOCKED, List.of(Orders.Move.of(orderNo, status, OrderEvent.REFUND)))
                : Future.succeededFuture();
            return Future.all(lineInsert, legInsert, move).compose(v -> load(conn, refundId))
                .map(refund -> (Planned) new Created(refund, order.getString("paid_transaction_id"),
                    order.getLong("total_fen")));
          });
    });
  }

  public Future<Refund> find(String refundId) {
    return pool.withConnection(conn -> load(conn, refundId));
  }

  /**
   * The refund as its registration client may read it: of that order, and the order that
   * client's. Refund ids are sequential, so a check of the order alone would let any client read
   * every other client's refunds by counting.
   */
  public Future<Refund> findOwned(String clientId, String orderNo, String refundId) {
    return pool.withConnection(conn -> conn.preparedQuery(SELECT_OWNED_REFUND)
        .execute(Tuple.of(refundId, orderNo, clientId))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture((Refund) null) : load(conn, refundId)));
  }

  private static final String SELECT_OWNED_REFUND =
      "SELECT 1 FROM refund r JOIN orders o ON o.order_no = r.order_no"
          + " WHERE r.refund_id = $1 AND r.order_no = $2 AND o.client_id = $3";

  private static Future<Refund> load(SqlConnection conn, String refundId) {
    Future<RowSet<Row>> head = conn.preparedQuery(SELECT_REFUND).execute(Tuple.of(refundId));
    Future<RowSet<Row>> lines = conn.preparedQuery(SELECT_REFUND_LINES).execute(Tuple.of(refundId));
    Future<RowSet<Row>> legs = conn.preparedQuery(SELECT_REFUND_LEGS).execute(Tuple.of(refundId));
    return Future.all(head, lines, legs).map(all -> {
      if (head.result().size() == 0) {
        return null;
      }
      Row row = head.result().iterator().next();
      List<Integer> lineNos = new ArrayList<>();
      lines.result().forEach(r -> lineNos.add(r.getInteger("line_no")));
      List<RefundLeg> legList = new ArrayList<>();
      legs.result().forEach(r -> legList.add(new RefundLeg(r.getInteger("leg_no"),
          r.getString("payee_account_id"), r.getString("side"), r.getLong("amount_fen"),
          r.getString("status"), r.getString("voucher_no"))));
      return new Refund(row.getString("refund_id"), row.getString("order_no"), row.getString("mode"),
          RefundStatus.valueOf(row.getString("status")), row.getLong("amount_fen"),
          row.getString("channel"), row.getBoolean("whole_order"), row.getString("reason"),
          lineNos, legList);
    });
  }

  /**
   * Taken first, so that two legs' notifications of one refund take turns: each then counts the
   * legs after the other has committed, and the last one to count sees every leg succeeded. Without
   * it, both count while the other's leg is still uncommitted, and neither finishes the refund.
   */
  private static final String LOCK_REFUND = "SELECT refund_id FROM refund WHERE refund_id = $1 FOR UPDATE";
  private static final String LEGS_OPEN =
      "SELECT count(*) AS open FROM refund_leg WHERE refund_id = $1 AND status <> $2";

  /** One leg's part succeeded (WeChat refunds combined payments leg by leg); true when all have. */
  public Future<Boolean> legSucceeded(String refundId, int legNo) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_REFUND).execute(Tuple.of(refundId))
        .compose(v -> RefundLegs.transition(conn, RefundLegStatus.SUCCEEDED, refundId, legNo, null, null))
        .compose(v -> conn.preparedQuery(LEGS_OPEN).execute(Tuple.of(refundId, RefundLegStatus.SUCCEEDED.name())))
        .map(rows -> rows.iterator().next().getLong("open") == 0));
  }

  private static final String LOCK_AUTHORITY_LEG = """
      SELECT r.status AS refund_status, r.order_no, r.whole_order, g.side, g.status, g.voucher_no, o.region
      FROM refund r JOIN refund_leg g ON g.refund_id = r.refund_id JOIN orders o ON o.order_no = r.order_no
      WHERE r.refund_id = $1 AND g.leg_no = $2 AND r.mode = 'AUTHORITY' FOR UPDATE OF r, g
      """;
  private static final String AUTHORITY_LEGS_OPEN =
      "SELECT count(*) FILTER (WHERE status <> $2 AND status <> $3) AS unconfirmed,"
          + " count(*) FILTER (WHERE status <> $3) AS unpaid FROM refund_leg WHERE refund_id = $1";
  private static final String LIST_AUTHORITY = """
      SELECT r.refund_id, r.order_no, r.reason, g.leg_no, g.payee_account_id, g.amount_fen,
             g.status, g.voucher_no, o.region, o.case_no
      FROM refund r JOIN refund_leg g ON g.refund_id = r.refund_id JOIN orders o ON o.order_no = r.order_no
      WHERE r.mode = 'AUTHORITY' AND g.side = $1 AND ($2 = 'ALL' OR g.status = $2)
        AND ($3::text[] IS NULL OR o.region = ANY($3::text[]))
      ORDER BY r.refund_id, g.leg_no LIMIT 1000
      """;

  /** One step of an authority refund: the authority confirmed it, or paid the money back. */
  public enum AuthorityStep { CONFIRM, PAY_BACK }

  /** An authority refund leg as the authority lists it. */
  public record AuthorityLeg(String refundId, String orderNo, String reason, int legNo, String payeeAccountId,
      long amountFen, String status, String voucherNo, String region, String caseNo) {}

  public Future<List<AuthorityLeg>> authorityLegs(String side, String status) {
    return authorityLegs(side, status, null);
  }

  /** As above, only the legs of orders of {@code regions} when not null (a person in a console). */
  public Future<List<AuthorityLeg>> authorityLegs(String side, String status, Set<String> regions) {
    return pool.preparedQuery(LIST_AUTHORITY).execute(Tuple.of(side, status,
        regions == null ? null : regions.toArray(String[]::new))).map(rows -> {
      List<AuthorityLeg> legs = new ArrayList<>();
      rows.forEach(r -> legs.add(new AuthorityLeg(r.getString("refund_id"), r.getString("order_no"),
          r.getString("reason"), r.getInteger("leg_no"), r.getString("payee_account_id"),
          r.getLong("amount_fen"), r.getString("status"), r.getString("voucher_no"),
          r.getString("region"), r.getString("case_no"))));
      return legs;
    });
  }

  /**
   * Moves one leg of an authority refund: REQUESTED → CONFIRMED (with the authority's refund
   * voucher, 退库/退付) → PAID_BACK. Repeating a step with the same voucher is a no-op; when every
   * leg is paid back the refund is PAID_BACK and a wholly refunded order REFUNDED. No journal
   * entry: after settlement the money goes back from the treasury or the non-tax account, not
   * through the engine's clearing accounts.
   */
  public Future<Planned> authorityStep(String side, String refundId, int legNo, AuthorityStep step,
      String voucherNo, String by) {
    return authorityStep(side, refundId, legNo, step, voucherNo, by, null, conn -> Future.succeededFuture());
  }

  /**
   * As above, for a person acting for {@code regions} only (null: all): a leg of an order of
   * another region is refused (403, type {@code out-of-scope}) and changes nothing. {@code record}
   * runs in the step's transaction when the step is made or replayed (the audit of the action), so
   * the two commit together.
   */
  public Future<Planned> authorityStep(String side, String refundId, int legNo, AuthorityStep step,
      String voucherNo, String by, Set<String> regions,
      java.util.function.Function<SqlConnection, Future<Void>> record) {
    return pool.withTransaction(conn -> authorityStep(conn, side, refundId, legNo, step, voucherNo, by, regions)
        .compose(planned -> planned instanceof Refused ? Future.succeededFuture(planned)
            : record.apply(conn).map(planned)));
  }

  private Future<Planned> authorityStep(SqlConnection conn, String side, String refundId, int legNo,
      AuthorityStep step, String voucherNo, String by, Set<String> regions) {
    return conn.preparedQuery(LOCK_AUTHORITY_LEG).execute(Tuple.of(refundId, legNo))
        .compose(rows -> {
          if (rows.size() == 0 || !rows.iterator().next().getString("side").equals(side)) {
            return Future.succeededFuture((Planned) new Refused(404, "not-found", "no refund leg " + refundId + "/" + legNo));
          }
          Row row = rows.iterator().next();
          if (regions != null && !regions.contains(row.getString("region"))) {
            return Future.succeededFuture((Planned) new Refused(403, "out-of-scope",
                "refund leg " + refundId + "/" + legNo + " is of region " + row.getString("region")));
          }
          RefundLegStatus current = RefundLegStatus.valueOf(row.getString("status"));
          RefundLegStatus target = step == AuthorityStep.CONFIRM ? RefundLegStatus.CONFIRMED : RefundLegStatus.PAID_BACK;
          if (step == AuthorityStep.CONFIRM && row.getString("voucher_no") != null
              && !row.getString("voucher_no").equals(voucherNo)) {
            return Future.succeededFuture((Planned) new Refused(409, "confirmation-conflict",
                "leg is confirmed with voucher " + row.getString("voucher_no")));
          }
          if (current == target || (step == AuthorityStep.CONFIRM && current == RefundLegStatus.PAID_BACK)) {
            return load(conn, refundId).map(r -> (Planned) new Replayed(r));
          }
          // A step the leg is not ready for is the caller's mistake, answered as a value; the guarded
          // door below would refuse it as a bug.
          if (!current.canMoveTo(target)) {
            return Future.succeededFuture((Planned) new Refused(409, "invalid-transition", "leg is " + current + "; "
                + (step == AuthorityStep.CONFIRM ? "only a requested leg is confirmed" : "only a confirmed leg is paid back")));
          }
          return RefundLegs.transition(conn, target, refundId, legNo, voucherNo, by)
              .compose(v -> conn.preparedQuery(AUTHORITY_LEGS_OPEN).execute(Tuple.of(refundId,
                  RefundLegStatus.CONFIRMED.name(), RefundLegStatus.PAID_BACK.name())))
              .compose(open -> afterAuthorityStep(conn, refundId, row.getString("refund_status"), open.iterator().next()))
              .compose(v -> load(conn, refundId)).map(r -> (Planned) new Created(r, null, 0));
        });
  }

  private static Future<Void> afterAuthorityStep(SqlConnection conn, String refundId, String refundStatus, Row counts) {
    String next = counts.getLong("unpaid") == 0 ? "PAID_BACK" : counts.getLong("unconfirmed") == 0 ? "CONFIRMED" : null;
    if (next == null || next.equals(refundStatus)) {
      return Future.succeededFuture();
    }
    // The refund row is locked (LOCK_AUTHORITY_LEG): the move must happen.
    RefundStatus to = RefundStatus.valueOf(next);
    Future<?> moved = transition(conn, refundId, to, null)
        .compose(done -> done ? Future.succeededFuture()
            : Future.failedFuture(new IllegalStateException("refund " + refundId + " cannot move "
                + refundStatus + " -> " + to)));
    if (!next.equals("PAID_BACK")) {
      return moved.mapEmpty();
    }
    return moved.compose(v -> load(conn, refundId)).compose(refund -> {
      Future<?> order = refund.wholeOrder()
          ? refundingOrder(conn, refund.orderNo(), OrderEvent.REFUND_COMPLETED)
          : Future.succeededFuture();
      return order.compose(v -> Outbox.append(conn, new Outbox.Event("order.refunded", refund.orderNo(),
          new JsonObject().put("type", "order.refunded").put("order_no", refund.orderNo())
              .put("refund_id", refund.refundId()).put("amount_fen", refund.amountFen())
              .put("whole_order", refund.wholeOrder()).put("by_authority", true))));
    });
  }

  /** Records the channel's answer: accepted, unknown, or refused (the lines become refundable again). */
  public Future<Refund> moveTo(String refundId, RefundStatus next, String channelRefundId) {
    return pool.withTransaction(conn -> transition(conn, refundId, next, channelRefundId)
        .compose(moved -> {
          if (!moved || next != RefundStatus.FAILED) {
            return load(conn, refundId);
          }
          return load(conn, refundId).compose(refund -> conn.preparedQuery(RELEASE_LINES).execute(Tuple.of(refundId))
              .compose(v -> RefundLegs.transition(conn, RefundLegStatus.FAILED, refundId, null, null, null))
              .compose(v -> refund.wholeOrder()
                  ? refundingOrder(conn, refund.orderNo(), OrderEvent.REFUND_FAILED)
                  : Future.succeededFuture())
              .compose(v -> load(conn, refundId)));
        }));
  }

  /**
   * The channel gave the money back: the refund SUCCEEDED, its legs' parts are reversed in the
   * journal (debit each payee account, credit the channel's clearing account), a wholly refunded
   * order is REFUNDED, and the registration system hears of it. Idempotent.
   */
  public Future<Refund> succeeded(String refundId, String channelRefundId) {
    return pool.withTransaction(conn -> transition(conn, refundId, RefundStatus.SUCCEEDED, channelRefundId)
        .compose(moved -> load(conn, refundId).compose(refund -> !moved
            ? Future.succeededFuture(refund)
            : book(conn, refund).compose(v -> load(conn, refundId)))));
  }

  private static Future<Void> book(SqlConnection conn, Refund refund) {
    List<JournalEntry.Posting> postings = new ArrayList<>();
    for (RefundLeg leg : refund.legs()) {
      postings.add(JournalEntry.Posting.debit(JournalAccount.payee(leg.payeeAccountId()), leg.amountFen()));
    }
    Channel channel = Channel.fromCode(refund.channel()).orElseThrow(
        () -> new IllegalStateException("channel refund " + refund.refundId() + " names no known channel"));
    postings.add(JournalEntry.Posting.credit(JournalAccount.clearing(channel), refund.amountFen()));
    Future<?> journal = Journal.post(conn, new JournalEntry("REFUND:" + refund.refundId(), "REFUND",
        refund.orderNo(), refund.channel(), postings));
    Future<?> legs = RefundLegs.transition(conn, RefundLegStatus.SUCCEEDED, refund.refundId(), null, null, null);
    Future<?> order = refund.wholeOrder()
        ? refundingOrder(conn, refund.orderNo(), OrderEvent.REFUND_COMPLETED)
        : Future.succeededFuture();
    Future<?> event = Outbox.append(conn, new Outbox.Event("order.refunded", refund.orderNo(), new JsonObject()
        .put("type", "order.refunded").put("order_no", refund.orderNo()).put("refund_id", refund.refundId())
        .put("amount_fen", refund.amountFen()).put("whole_order", refund.wholeOrder())
        .put("lines", refund.lineNos())));
    return Future.all(journal, legs, order, event)
        .compose(v -> conn.preparedQuery(LEGS_WHOLLY_REFUNDED).execute(Tuple.of(refund.orderNo())))
        .compose(rows -> {
          List<Legs.Move> refunded = new ArrayList<>();
          rows.forEach(row -> refunded.add(Legs.Move.of(refund.orderNo(), row.getInteger("leg_no"))));
          return Legs.transition(conn, LegStatus.REFUNDED, refunded);
        })
        .mapEmpty();
  }

  /**
   * Ends a whole-order refund's REFUNDING. The refund's row is locked, not the order's, but only
   * the refund moves a REFUNDING order, so the order must be REFUNDING: anything else fails loudly.
   */
  private static Future<List<String>> refundingOrder(SqlConnection conn, String orderNo, OrderEvent event) {
    return Orders.transition(conn, Orders.Guard.LOCKED, List.of(Orders.Move.of(orderNo, OrderStatus.REFUNDING, event)));
  }
}
