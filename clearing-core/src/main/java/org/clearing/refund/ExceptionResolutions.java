package org.clearing.refund;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.journal.Journal;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.Orders;
import org.clearing.outbox.Outbox;
import org.clearing.payment.ChannelOrderStatus;
import org.clearing.payment.ChannelOrders;
import org.clearing.split.LegStatus;
import org.clearing.split.Legs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way out of an order in EXCEPTION: its payment of the wrong amount is held in suspense until
 * a person (finance or admin) decides, once, with a reason.
 *
 * <ul>
 *   <li>REFUND: the whole payment goes back through its channel. Suspense is debited and the
 *       channel's refund side credited; the duplicate-refund job then asks the channel and, when
 *       it has refunded, clears the refund side. The order is REFUNDING, then REFUNDED.
 *   <li>ACCEPT: allowed only when the payment covers the order total. Paying less cannot be
 *       accepted: the split fixes every leg's amount (the treasury and each non-tax account must
 *       receive exactly what the lines say), so a short payment would leave some leg short with no
 *       rule to say which — it is refused (409) and can only be given back. A payment of more is
 *       booked like a normal payment (each leg its planned amount) and the excess goes to the
 *       refund side and back to the payer. The order is PAID, its legs paid.
 * </ul>
 *
 * Every resolution keeps who (API client), when and why, in the same transaction as its journal
 * entry, its outbox event and the order's move; a replay of the same action returns the stored
 * resolution, a different action afterwards is refused.
 *
 * <p>A REFUND the channel refuses is not the end: {@link #refused} books the payment back into
 * suspense, records the refusal beside the attempt and returns the order to EXCEPTION, where a
 * person may act again (refund again, or accept). Each action is a new attempt, appended; the
 * refused ones stay as they were.
 */
public final class ExceptionResolutions {

  private static final Logger LOG = LoggerFactory.getLogger(ExceptionResolutions.class);
  public static final int REASON_LENGTH_MAX = 1_000;

  /** What a person decides. */
  public enum Action { ACCEPT, REFUND }

  /** The outcome: the resolution as stored, or a refusal with its HTTP status and reason. */
  public record Resolution(JsonObject resolution, int refusalStatus, String refusalType, String refusal) {
    static Resolution done(JsonObject resolution) {
      return new Resolution(resolution, 0, null, null);
    }

    static Resolution refused(int status, String type, String detail) {
      return new Resolution(null, status, type, detail);
    }
  }

  private static final String LOCK_ORDER =
      "SELECT status, total_fen FROM orders WHERE order_no = $1 FOR UPDATE";
  private static final String COLUMNS = "r.order_no, r.attempt, r.action, r.channel, r.transaction_id, r.amount_fen,"
      + " r.returned_fen, r.resolved_by, r.reason, r.resolved_at, r.journal_entry_key, r.out_refund_no";
  /** The order's latest attempt, and whether the channel refused it (then it no longer stands). */
  private static final String LATEST = "SELECT " + COLUMNS + ", f.attempt IS NOT NULL AS refused"
      + " FROM exception_resolution r LEFT JOIN exception_refund_refusal f USING (order_no, attempt)"
      + " WHERE r.order_no = $1 ORDER BY r.attempt DESC LIMIT 1";
  private static final String ATTEMPT =
      "SELECT " + COLUMNS + " FROM exception_resolution r WHERE r.order_no = $1 AND r.attempt = $2";
  /** The payment the order could not take because of its amount: at most one (later ones are NOT_PAYABLE). */
  private static final String SUSPENSE_PAYMENT =
      "SELECT channel, transaction_id, out_trade_no, amount_fen, occurred_at FROM channel_inbox"
          + " WHERE order_no = $1 AND kind = 'PAYMENT' AND outcome = 'AMOUNT_MISMATCH'"
          + " ORDER BY occurred_at LIMIT 1";
  private static final String LEGS =
      "SELECT leg_no, payee_account_id, amount_fen FROM leg WHERE order_no = $1 ORDER BY leg_no";
  private static final String INSERT_RESOLUTION = """
      INSERT INTO exception_resolution (order_no, attempt, action, channel, transaction_id, amount_fen,
                                        returned_fen, resolved_by, reason, journal_entry_key, out_refund_no)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
      """;
  /**
   * The money to give back, for the duplicate-refund job (which asks the channel, with retries).
   * Each attempt asks under a refund number of its own.
   */
  private static final String REQUEST_CHANNEL_REFUND = """
      INSERT INTO duplicate_refund (channel, transaction_id, order_no, out_trade_no, amount_fen,
                                    out_refund_no, status)
      VALUES ($1, $2, $3, $4, $5, 'DR' || lpad(nextval('refund_seq')::text, 12, '0'), 'REQUESTED')
      RETURNING out_refund_no
      """;
  /** The standing REFUND attempt that asked the channel under this refund number, its order locked. */
  private static final String REFUND_ATTEMPT = """
      SELECT r.order_no, r.attempt, r.channel, r.transaction_id, r.amount_fen, o.status
      FROM exception_resolution r JOIN orders o ON o.order_no = r.order_no
      WHERE r.out_refund_no = $1 AND r.action = 'REFUND'
        AND NOT EXISTS (SELECT 1 FROM exception_refund_refusal f WHERE f.order_no = r.order_no AND f.attempt = r.attempt)
      FOR UPDATE OF o
      """;
  private static final String INSERT_REFUSAL = """
      INSERT INTO exception_refund_refusal (order_no, attempt, out_refund_no, channel_reason, journal_entry_key)
      VALUES ($1, $2, $3, $4, $5)
      """;
  private static final String LOCK_REFUND = """
      SELECT d.channel, d.transaction_id, d.order_no, d.out_trade_no, d.amount_fen, d.status,
             EXISTS (SELECT 1 FROM exception_refund_refusal f WHERE f.out_refund_no = d.out_refund_no) AS exception_refund,
             EXISTS (SELECT 1 FROM duplicate_refund s WHERE s.channel = d.channel
                     AND s.transaction_id = d.transaction_id AND s.status <> 'FAILED') AS standing
      FROM duplicate_refund d WHERE d.out_refund_no = $1 FOR UPDATE OF d
      """;
  private static final String RETRY = """
      SELECT t.out_refund_no, t.retried_out_refund_no, t.retried_by, t.reason, t.retried_at, d.amount_fen, d.order_no
      FROM duplicate_refund_retry t JOIN duplicate_refund d ON d.out_refund_no = t.out_refund_no
      WHERE t.retried_out_refund_no = $1
      """;
  private static final String INSERT_RETRY = """
      INSERT INTO duplicate_refund_retry (out_refund_no, retried_out_refund_no, retried_by, reason)
      VALUES ($1, $2, $3, $4)
      """;
  /** The most of a channel's refusal reason kept (its code and message are short in practice). */
  static final int CHANNEL_REASON_LENGTH_MAX = 1_000;

  /** The most rows of each kind the attention list shows; the oldest first. */
  public static final int ATTENTION_ROWS_MAX = 500;
  /** Orders in EXCEPTION with the payment each holds in suspense (if any), for a person to resolve. */
  private static final String OPEN_EXCEPTIONS = """
      SELECT o.order_no, o.total_fen, o.updated_at, i.channel, i.transaction_id, i.amount_fen
      FROM orders o LEFT JOIN channel_inbox i ON i.order_no = o.order_no AND i.kind = 'PAYMENT'
        AND i.outcome = 'AMOUNT_MISMATCH'
      WHERE o.status = 'EXCEPTION' ORDER BY o.updated_at LIMIT $1
      """;
  /** Channel refunds the jobs stopped asking about: their outcome is for a person to find out. */
  private static final String UNRESOLVED_REFUNDS = """
      SELECT 'refund' AS kind, refund_id AS id, order_no, channel, status, query_attempts AS attempts, amount_fen
      FROM refund WHERE mode = 'CHANNEL' AND status IN ('UNKNOWN', 'ACCEPTED') AND query_attempts >= $2
      UNION ALL
      SELECT 'duplicate_refund', out_refund_no, order_no, channel, status, attempts, amount_fen
      FROM duplicate_refund d WHERE status IN ('UNKNOWN', 'ACCEPTED', 'FAILED') AND (attempts >= $2 OR status = 'FAILED')
        -- A refused exception refund puts its order back on the list of exceptions instead, and
        -- a refused refund a person asked again is done with.
        AND NOT EXISTS (SELECT 1 FROM exception_refund_refusal f WHERE f.out_refund_no = d.out_refund_no)
        AND NOT EXISTS (SELECT 1 FROM duplicate_refund_retry t WHERE t.retried_out_refund_no = d.out_refund_no)
      ORDER BY 1, 2 LIMIT $1
      """;

  private final Pool pool;

  public ExceptionResolutions(Pool pool) {
    this.pool = pool;
  }

  /**
   * What needs a person: orders in EXCEPTION, and refunds whose outcome the jobs could not learn
   * (or that the channel refused), each list bounded by {@link #ATTENTION_ROWS_MAX}.
   */
  public Future<JsonObject> attention() {
    return pool.preparedQuery(OPEN_EXCEPTIONS).execute(Tuple.of(ATTENTION_ROWS_MAX)).compose(exceptions ->
        pool.preparedQuery(UNRESOLVED_REFUNDS).execute(Tuple.of(ATTENTION_ROWS_MAX,
            ChannelRefundQueries.QUERIES.attemptsMax())).map(refunds -> {
              JsonArray orders = new JsonArray();
              exceptions.forEach(r -> orders.add(new JsonObject().put("order_no", r.getString("order_no"))
                  .put("total_fen", r.getLong("total_fen")).put("channel", r.getString("channel"))
                  .put("transaction_id", r.getString("transaction_id")).put("suspense_fen", r.getLong("amount_fen"))
                  .put("since", r.getOffsetDateTime("updated_at").toInstant().toString())));
              JsonArray open = new JsonArray();
              refunds.forEach(r -> open.add(new JsonObject().put("kind", r.getString("kind"))
                  .put("refund_no", r.getString("id")).put("order_no", r.getString("order_no"))
                  .put("channel", r.getString("channel")).put("status", r.getString("status"))
                  .put("attempts", r.getInteger("attempts")).put("amount_fen", r.getLong("amount_fen"))));
              return new JsonObject().put("exceptions", orders).put("refunds", open);
            }));
  }

  /** Resolves the order's exception; expected refusals are values, never failures. */
  public Future<Resolution> resolve(String orderNo, Action action, String reason, String clientId) {
    return resolve(orderNo, action, reason, clientId, conn -> Future.succeededFuture());
  }

  /**
   * As above, with {@code record} (a person's audit of the resolution) run in the resolution's
   * transaction when it is made or replayed, so the two commit together or not at all.
   */
  public Future<Resolution> resolve(String orderNo, Action action, String reason, String clientId,
      java.util.function.Function<SqlConnection, Future<Void>> record) {
    return pool.withTransaction(conn -> resolve(conn, orderNo, action, reason, clientId)
        .compose(resolution -> resolution.refusal() != null ? Future.succeededFuture(resolution)
            : record.apply(conn).map(resolution)));
  }

  private Future<Resolution> resolve(SqlConnection conn, String orderNo, Action action, String reason,
      String clientId) {
    return conn.preparedQuery(LOCK_ORDER).execute(Tuple.of(orderNo))
        .compose(orders -> {
          if (orders.size() == 0) {
            return Future.succeededFuture(Resolution.refused(404, "not-found", "no order " + orderNo));
          }
          Row order = orders.iterator().next();
          return conn.preparedQuery(LATEST).execute(Tuple.of(orderNo)).compose(latest -> {
            Row earlier = latest.size() == 0 ? null : latest.iterator().next();
            if (earlier != null && !earlier.getBoolean("refused")) {
              return Future.succeededFuture(earlier.getString("action").equals(action.name())
                  ? Resolution.done(json(earlier))
                  : Resolution.refused(409, "already-resolved", "the exception of order " + orderNo
                      + " was resolved by " + earlier.getString("action") + " already"));
            }
            int attempt = earlier == null ? 1 : earlier.getInteger("attempt") + 1;
            OrderStatus status = OrderStatus.valueOf(order.getString("status"));
            if (status != OrderStatus.EXCEPTION) {
              return Future.succeededFuture(Resolution.refused(409, "not-an-exception",
                  "order " + orderNo + " is " + status + "; only an order in EXCEPTION is resolved so"));
            }
            return conn.preparedQuery(SUSPENSE_PAYMENT).execute(Tuple.of(orderNo)).compose(payments -> {
              if (payments.size() == 0) {
                return Future.succeededFuture(Resolution.refused(409, "nothing-in-suspense",
                    "no payment of order " + orderNo + " is held in suspense"));
              }
              Row payment = payments.iterator().next();
              long totalFen = order.getLong("total_fen");
              Attempt by = new Attempt(orderNo, attempt, payment, reason, clientId);
              return action == Action.REFUND ? giveBack(conn, by) : accept(conn, by, totalFen);
            });
          });
        });
  }

  /**
   * Asks the channel again for a refund it refused (a payment an order could not take, or the
   * excess of an accepted one), once a person has fixed the cause: a new request under a new
   * number, with who and why. A replay returns the stored retry. A refund that is not FAILED, or
   * that was a person's REFUND of an order's exception (resolve the order again instead), is
   * refused; expected refusals are values, never failures.
   */
  public Future<Resolution> retryRefund(String outRefundNo, String reason, String clientId) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_REFUND).execute(Tuple.of(outRefundNo))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(Resolution.refused(404, "not-found", "no refund " + outRefundNo));
          }
          Row refund = rows.iterator().next();
          return conn.preparedQuery(RETRY).execute(Tuple.of(outRefundNo)).compose(earlier -> {
            if (earlier.size() > 0) {
              return Future.succeededFuture(Resolution.done(retryJson(earlier.iterator().next())));
            }
            if (!DuplicateRefundStatus.FAILED.name().equals(refund.getString("status"))) {
              return Future.succeededFuture(Resolution.refused(409, "not-refused", "refund " + outRefundNo
                  + " is " + refund.getString("status") + "; only a refund the channel refused is asked again"));
            }
            if (refund.getBoolean("exception_refund")) {
              return Future.succeededFuture(Resolution.refused(409, "resolve-the-order", "refund " + outRefundNo
                  + " gave back order " + refund.getString("order_no") + "'s payment held in EXCEPTION;"
                  + " resolve the order's exception again instead"));
            }
            if (refund.getBoolean("standing")) {
              return Future.succeededFuture(Resolution.refused(409, "already-asked", "the payment of refund "
                  + outRefundNo + " is being given back under another refund already"));
            }
            return requestChannelRefund(conn, refund.getString("order_no"), refund, refund.getLong("amount_fen"))
                .compose(newRefundNo -> conn.preparedQuery(INSERT_RETRY)
                    .execute(Tuple.of(newRefundNo, outRefundNo, clientId, reason)))
                .compose(v -> conn.preparedQuery(RETRY).execute(Tuple.of(outRefundNo)))
                .map(stored -> Resolution.done(retryJson(stored.iterator().next())));
          });
        }));
  }

  private static JsonObject retryJson(Row row) {
    return new JsonObject().put("refund_no", row.getString("out_refund_no"))
        .put("retried_refund_no", row.getString("retried_out_refund_no")).put("order_no", row.getString("order_no"))
        .put("amount_fen", row.getLong("amount_fen")).put("retried_by", row.getString("retried_by"))
        .put("reason", row.getString("reason"))
        .put("retried_at", row.getOffsetDateTime("retried_at").toInstant().toString());
  }

  /** One person's action on one order: which attempt it is, on which payment, by whom and why. */
  private record Attempt(String orderNo, int number, Row payment, String reason, String clientId) {
    Channel channel() {
      return Channel.fromCode(payment.getString("channel")).orElseThrow();
    }

    /** The attempt's journal entry key: the first keeps the plain key, later ones are numbered. */
    String entryKey(String kind) {
      String key = kind + ":" + channel().code() + ":" + payment.getString("transaction_id");
      return number == 1 ? key : key + ":" + number;
    }
  }

  private Future<Resolution> giveBack(SqlConnection conn, Attempt attempt) {
    Channel channel = attempt.channel();
    String orderNo = attempt.orderNo();
    long amountFen = attempt.payment().getLong("amount_fen");
    JournalEntry entry = new JournalEntry(attempt.entryKey("EXCEPTION_REFUND"), "EXCEPTION_REFUND",
        orderNo, channel.code(), List.of(JournalEntry.Posting.debit(JournalAccount.SUSPENSE, amountFen),
            JournalEntry.Posting.credit(JournalAccount.refund(channel), amountFen)));
    return Journal.post(conn, entry)
        .compose(v -> moveOrder(conn, orderNo, OrderEvent.RETURN_PAYMENT, null))
        .compose(v -> requestChannelRefund(conn, orderNo, attempt.payment(), amountFen))
        .compose(outRefundNo -> record(conn, attempt, Action.REFUND, amountFen, entry, outRefundNo))
        .compose(resolution -> Outbox.append(conn, new Outbox.Event("order.refunding", orderNo,
            event("order.refunding", orderNo, resolution))).map(Resolution.done(resolution)));
  }

  private Future<Resolution> accept(SqlConnection conn, Attempt attempt, long totalFen) {
    Row payment = attempt.payment();
    String orderNo = attempt.orderNo();
    long amountFen = payment.getLong("amount_fen");
    if (amountFen < totalFen) {
      return Future.succeededFuture(Resolution.refused(409, "payment-short",
          "the payment of " + amountFen + " fen does not cover the order total of " + totalFen
              + " fen; a short payment cannot be split over the legs, so it can only be refunded"));
    }
    Channel channel = attempt.channel();
    long excessFen = amountFen - totalFen;
    return conn.preparedQuery(LEGS).execute(Tuple.of(orderNo)).compose(legs -> {
      List<JournalEntry.Posting> postings = new ArrayList<>();
      postings.add(JournalEntry.Posting.debit(JournalAccount.SUSPENSE, amountFen));
      legs.forEach(leg -> postings.add(JournalEntry.Posting.credit(
          JournalAccount.payee(leg.getString("payee_account_id")), leg.getLong("amount_fen"))));
      if (excessFen > 0) {
        postings.add(JournalEntry.Posting.credit(JournalAccount.refund(channel), excessFen));
      }
      JournalEntry entry = new JournalEntry(attempt.entryKey("EXCEPTION_ACCEPT"), "EXCEPTION_ACCEPT",
          orderNo, channel.code(), postings);
      List<Integer> legNos = new ArrayList<>();
      legs.forEach(leg -> legNos.add(leg.getInteger("leg_no")));
      return Journal.post(conn, entry)
          .compose(v -> moveOrder(conn, orderNo, OrderEvent.ACCEPT_PAYMENT, payment))
          .compose(v -> markLegsPaid(conn, orderNo, legNos))
          .compose(v -> markChannelOrderPaid(conn, orderNo, channel))
          .compose(v -> excessFen > 0 ? requestChannelRefund(conn, orderNo, payment, excessFen)
              : Future.<String>succeededFuture(null))
          .compose(outRefundNo -> record(conn, attempt, Action.ACCEPT, excessFen, entry, outRefundNo))
          .compose(resolution -> Outbox.append(conn, new Outbox.Event("order.paid", orderNo,
              event("order.paid", orderNo, resolution))).map(Resolution.done(resolution)));
    });
  }

  /**
   * The channel refused the refund {@code outRefundNo}. When it was asked for by a person's REFUND
   * that still stands, that is not the end of the order: in the caller's transaction the payment
   * goes back into suspense (debit the refund side, credit suspense), the refusal is recorded
   * beside the attempt, the order returns from REFUNDING to EXCEPTION and the registration system
   * is told, so a person can act again. Any other refused refund is left to the caller.
   *
   * @return whether the refusal belonged to a person's REFUND (and was handled here)
   */
  public static Future<Boolean> refused(SqlConnection conn, String outRefundNo, String channelReason) {
    return conn.preparedQuery(REFUND_ATTEMPT).execute(Tuple.of(outRefundNo)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(false);
      }
      Row attempt = rows.iterator().next();
      String orderNo = attempt.getString("order_no");
      OrderStatus status = OrderStatus.valueOf(attempt.getString("status"));
      if (status != OrderStatus.REFUNDING && status != OrderStatus.EXCEPTION) {
        // The REFUND moved the order to REFUNDING and only this refund's outcome (or a fault, to
        // EXCEPTION) moves it on; anywhere else the refusal is for a person, on the attention list.
        LOG.warn("event=exception_refund.refused_out_of_turn order_no={} status={} out_refund_no={} needs=person",
            orderNo, status, outRefundNo);
        return Future.succeededFuture(false);
      }
      Channel channel = Channel.fromCode(attempt.getString("channel")).orElseThrow();
      long amountFen = attempt.getLong("amount_fen");
      JournalEntry entry = new JournalEntry("EXCEPTION_REFUND_REFUSED:" + channel.code() + ":" + outRefundNo,
          "EXCEPTION_REFUND_REFUSED", orderNo, channel.code(), List.of(
              JournalEntry.Posting.debit(JournalAccount.refund(channel), amountFen),
              JournalEntry.Posting.credit(JournalAccount.SUSPENSE, amountFen)));
      String reason = channelReason.length() > CHANNEL_REASON_LENGTH_MAX
          ? channelReason.substring(0, CHANNEL_REASON_LENGTH_MAX) : channelReason;
      return Journal.post(conn, entry)
          .compose(v -> status == OrderStatus.EXCEPTION ? Future.succeededFuture() : Orders.transition(conn,
              Orders.Guard.LOCKED, List.of(Orders.Move.of(orderNo, OrderStatus.REFUNDING, OrderEvent.FAULT))))
          .compose(v -> conn.preparedQuery(INSERT_REFUSAL).execute(Tuple.of(orderNo, attempt.getInteger("attempt"),
              outRefundNo, reason, entry.entryKey())))
          .compose(v -> Outbox.append(conn, new Outbox.Event("order.exception", orderNo, new JsonObject()
              .put("type", "order.exception").put("order_no", orderNo).put("channel", channel.code())
              .put("transaction_id", attempt.getString("transaction_id")).put("amount_fen", amountFen)
              .put("refund_refused", new JsonObject().put("attempt", attempt.getInteger("attempt"))
                  .put("out_refund_no", outRefundNo).put("channel_reason", reason)))))
          .map(true);
    });
  }

  /**
   * The order's one move, from EXCEPTION, through the orders' door; an accepted payment becomes
   * the order's. The order is locked (LOCK_ORDER), so a move that does not happen is a bug.
   */
  private static Future<Void> moveOrder(SqlConnection conn, String orderNo, OrderEvent event, Row paidBy) {
    Orders.Move move = Orders.Move.of(orderNo, OrderStatus.EXCEPTION, event);
    Orders.Paid paid = paidBy == null ? null : new Orders.Paid(paidBy.getString("channel"),
        paidBy.getString("transaction_id"), paidBy.getOffsetDateTime("occurred_at").withOffsetSameInstant(ZoneOffset.UTC));
    return Orders.transition(conn, Orders.Guard.LOCKED,
        List.of(new Orders.Move(orderNo, move.from(), move.to(), paid))).mapEmpty();
  }

  /** The accepted order's legs move as a paid order's do: PLANNED to PAID, through the legs' door. */
  private static Future<Void> markLegsPaid(SqlConnection conn, String orderNo, List<Integer> legNos) {
    return Legs.transition(conn, LegStatus.PAID, legNos.stream().map(n -> Legs.Move.of(orderNo, n)).toList())
        .mapEmpty();
  }

  /** The order's channel order at the accepted payment's channel is PAID, as the intake marks it. */
  private static Future<Void> markChannelOrderPaid(SqlConnection conn, String orderNo, Channel channel) {
    return ChannelOrders.transition(conn, ChannelOrderStatus.PAID,
        List.of(new ChannelOrders.Key(orderNo, channel)), null).mapEmpty();
  }

  /** Asks the duplicate-refund job to give {@code amountFen} back; the refund number it will use. */
  private static Future<String> requestChannelRefund(SqlConnection conn, String orderNo, Row payment, long amountFen) {
    return conn.preparedQuery(REQUEST_CHANNEL_REFUND).execute(Tuple.of(payment.getString("channel"),
            payment.getString("transaction_id"), orderNo, payment.getString("out_trade_no"), amountFen))
        .map(rows -> rows.iterator().next().getString("out_refund_no"));
  }

  private static Future<JsonObject> record(SqlConnection conn, Attempt attempt, Action action, long returnedFen,
      JournalEntry entry, String outRefundNo) {
    Row payment = attempt.payment();
    return conn.preparedQuery(INSERT_RESOLUTION).execute(Tuple.tuple().addString(attempt.orderNo())
            .addInteger(attempt.number()).addString(action.name())
            .addString(payment.getString("channel")).addString(payment.getString("transaction_id"))
            .addLong(payment.getLong("amount_fen")).addLong(returnedFen).addString(attempt.clientId())
            .addString(attempt.reason()).addString(entry.entryKey()).addString(outRefundNo))
        .compose(v -> conn.preparedQuery(ATTEMPT).execute(Tuple.of(attempt.orderNo(), attempt.number())))
        .map(rows -> json(rows.iterator().next()));
  }

  private static JsonObject event(String type, String orderNo, JsonObject resolution) {
    return new JsonObject().put("type", type).put("order_no", orderNo)
        .put("exception_resolution", resolution);
  }

  private static JsonObject json(Row row) {
    return new JsonObject().put("order_no", row.getString("order_no")).put("attempt", row.getInteger("attempt"))
        .put("action", row.getString("action"))
        .put("channel", row.getString("channel")).put("transaction_id", row.getString("transaction_id"))
        .put("amount_fen", row.getLong("amount_fen")).put("returned_fen", row.getLong("returned_fen"))
        .put("resolved_by", row.getString("resolved_by")).put("reason", row.getString("reason"))
        .put("resolved_at", row.getOffsetDateTime("resolved_at").toInstant().toString())
        .put("journal_entry_key", row.getString("journal_entry_key"))
        .put("out_refund_no", row.getString("out_refund_no"));
  }
}
