package org.clearing.refund;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.Money;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.SplitLeg;
import org.clearing.journal.Journal;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.lease.LeasedJob;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.Orders;
import org.clearing.outbox.Outbox;
import org.clearing.payment.Backoff;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back payments that an order could not take (booked to {@code refund:{channel}} when they
 * arrived): a leased job finds them in the inbox, records one refund per channel transaction, and
 * asks the channel to refund it, with bounded, backed-off retries when the answer is unknown. When
 * the channel has refunded, the refund side is cleared: debit {@code refund:{channel}}, credit
 * {@code clearing:{channel}}. A refusal is held for a person (status FAILED), who may ask again
 * under a new number ({@link ExceptionResolutions#retryRefund}); at most one request per payment
 * is not FAILED, so the money goes back at most once. A refund whose answer was lost (UNKNOWN)
 * or that the channel accepted and never confirmed (ACCEPTED) is asked about at the channel before
 * anything is sent again.
 */
public final class DuplicatePaymentRefunds implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(DuplicatePaymentRefunds.class);
  public static final String JOB = "duplicate-payment-refunds";
  /** How often the job looks for payments to give back and for refunds due again. */
  public static final long INTERVAL_MS = 2_000;
  static final int BATCH_SIZE_MAX = 20;
  /**
   * After a lost or pending answer the channel is asked what became of the refund (and the refund
   * sent again only if the channel has none): as often, and as bounded, as channel refunds are.
   */
  static final Backoff ATTEMPTS = ChannelRefundQueries.QUERIES;

  private static final String DISCOVER = """
      INSERT INTO duplicate_refund (channel, transaction_id, order_no, out_trade_no, amount_fen,
                                    out_refund_no, status)
      SELECT i.channel, i.transaction_id, i.order_no, i.out_trade_no, i.amount_fen,
             'DR' || lpad(nextval('refund_seq')::text, 12, '0'), 'REQUESTED'
      FROM channel_inbox i
      WHERE i.kind = 'PAYMENT' AND i.outcome = 'NOT_PAYABLE'
        AND NOT EXISTS (SELECT 1 FROM duplicate_refund d
                        WHERE d.channel = i.channel AND d.transaction_id = i.transaction_id)
      LIMIT 100
      ON CONFLICT DO NOTHING
      """;
  private static final String DUE = """
      SELECT d.channel, d.transaction_id, d.order_no, d.out_trade_no, d.amount_fen, d.out_refund_no,
             d.attempts, d.status, o.total_fen,
             (SELECT c.merchant_id FROM channel_order c WHERE c.channel = d.channel AND c.out_trade_no = d.out_trade_no)
               AS merchant_id
      FROM duplicate_refund d LEFT JOIN orders o ON o.order_no = d.order_no
      WHERE d.status = ANY($3::text[]) AND d.next_attempt_at <= now() AND d.attempts < $2
      ORDER BY d.next_attempt_at LIMIT $1
      """;
  private static final String LEGS =
      "SELECT leg_no, payee_account_id, amount_fen FROM leg WHERE order_no = $1 ORDER BY leg_no";
  /**
   * The only {@code UPDATE duplicate_refund SET status}. A backoff ({@code $3}) counts the attempt
   * and sets when the job asks next; none (the channel's confirmation) leaves both alone.
   */
  private static final String TRANSITION = """
      UPDATE duplicate_refund SET status = $2::text, updated_at = now(),
             attempts = CASE WHEN $3::float8 IS NULL THEN attempts ELSE attempts + 1 END,
             next_attempt_at = CASE WHEN $3::float8 IS NULL THEN next_attempt_at
                                    ELSE now() + make_interval(secs => $3::float8) END
      WHERE out_refund_no = $1 AND status = ANY($4::text[])
      RETURNING channel, transaction_id, order_no, amount_fen
      """;
  private static final String CURRENT = "SELECT status FROM duplicate_refund WHERE out_refund_no = $1";

  /** An illegal duplicate refund transition: a bug in the caller, never an expected outcome. */
  public static final class IllegalTransition extends IllegalStateException {
    public IllegalTransition(String message) {
      super(message);
    }
  }

  /**
   * A payment a person decided to give back (an order's EXCEPTION resolved by REFUND) finishes
   * the order with its refund: REFUNDING to REFUNDED when the channel refunded; when it refused,
   * {@link ExceptionResolutions#refused} returns the order to EXCEPTION for a person. Other
   * duplicate refunds leave their orders alone. The order is locked here, so its move through
   * {@link Orders#transition} cannot race.
   */
  private static final String RETURNED_ORDER = """
      SELECT o.order_no, o.status FROM orders o
      WHERE EXISTS (SELECT 1 FROM exception_resolution r WHERE r.order_no = o.order_no AND r.action = 'REFUND'
                    AND r.out_refund_no = $1)
      FOR UPDATE OF o
      """;

  private final Pool pool;
  private final ChannelSet channels;
  private final String notifyBaseUrl;

  public DuplicatePaymentRefunds(Pool pool, ChannelSet channels, String notifyBaseUrl) {
    this.pool = pool;
    this.channels = channels;
    this.notifyBaseUrl = notifyBaseUrl;
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return INTERVAL_MS;
  }

  /** Finds new payments to give back and works through the due ones. */
  @Override
  public Future<Integer> runOnce() {
    return pool.query(DISCOVER).execute()
        .compose(v -> pool.preparedQuery(DUE).execute(Tuple.of(BATCH_SIZE_MAX, ATTEMPTS.attemptsMax(),
            DuplicateRefundStatus.DUE.stream().map(Enum::name).toArray(String[]::new))))
        .compose(rows -> {
          List<Future<Void>> refunds = new ArrayList<>();
          rows.forEach(row -> refunds.add(refund(row)));
          return Future.join(refunds).map(rows.size());
        });
  }

  private Future<Void> refund(Row row) {
    Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
    // The merchant the payment was made to: only it can give it back.
    ChannelAdapter adapter = channels.adapter(channel, row.getString("merchant_id")).orElse(null);
    if (adapter == null) {
      return Future.succeededFuture();
    }
    DuplicateRefundStatus status = DuplicateRefundStatus.valueOf(row.getString("status"));
    // A lost answer or an unconfirmed acceptance is asked about first; a refund is sent (again,
    // under the same number, which the channel treats as the same refund) only when there is none.
    return request(row, channel).compose(request -> (status == DuplicateRefundStatus.REQUESTED
            ? Future.<RefundResult>succeededFuture(new RefundResult.NotFound()) : adapter.queryRefund(request))
        .recover(error -> Future.succeededFuture(new RefundResult.Unknown(String.valueOf(error.getMessage()))))
        .compose(known -> known instanceof RefundResult.NotFound && status != DuplicateRefundStatus.ACCEPTED
            ? adapter.refund(request)
                .recover(error -> Future.succeededFuture(new RefundResult.Unknown(String.valueOf(error.getMessage()))))
            : Future.succeededFuture(known))
        .compose(result -> answered(row, channel, status, result)));
  }

  /** The refund as the channel is asked for it. */
  private Future<RefundRequest> request(Row row, Channel channel) {
    long amountFen = row.getLong("amount_fen");
    Long orderTotal = row.getLong("total_fen");
    // A payment of the order's whole amount is refunded leg by leg where the channel split it
    // (WeChat refunds each combined-payment sub-order); anything else as one amount.
    Future<List<SplitLeg>> legs = orderTotal != null && orderTotal == amountFen
        ? pool.preparedQuery(LEGS).execute(Tuple.of(row.getString("order_no"))).map(rows -> {
            List<SplitLeg> list = new ArrayList<>();
            rows.forEach(leg -> list.add(new SplitLeg(leg.getInteger("leg_no"), leg.getString("payee_account_id"),
                channels.channelAccount(channel, leg.getString("payee_account_id")).orElse(leg.getString("payee_account_id")),
                Money.ofFen(leg.getLong("amount_fen")))));
            return list;
          })
        : Future.succeededFuture(List.of());
    return legs.map(split -> new RefundRequest(row.getString("out_trade_no"), row.getString("transaction_id"),
        row.getString("out_refund_no"), Money.ofFen(amountFen), Money.ofFen(amountFen), split,
        channels.notifyUrl(notifyBaseUrl, channel, row.getString("merchant_id")), "重复支付退款 duplicate payment"));
  }

  private Future<Void> answered(Row row, Channel channel, DuplicateRefundStatus status, RefundResult result) {
    String transactionId = row.getString("transaction_id");
    LOG.info("event=duplicate_refund.answer channel={} transaction_id={} order_no={} was={} result={}",
        channel.code(), transactionId, row.getString("order_no"), status, result.getClass().getSimpleName());
    if (result instanceof RefundResult.Succeeded) {
      return succeeded(row.getString("out_refund_no"));
    }
    int attempts = row.getInteger("attempts") + 1;
    // Never guessed: an outcome still unknown after the last question stays UNKNOWN (or
    // ACCEPTED), is no longer asked about, and is logged for a person.
    DuplicateRefundStatus next = result instanceof RefundResult.Refused ? DuplicateRefundStatus.FAILED
        : result instanceof RefundResult.Accepted ? DuplicateRefundStatus.ACCEPTED
        : status == DuplicateRefundStatus.ACCEPTED ? DuplicateRefundStatus.ACCEPTED : DuplicateRefundStatus.UNKNOWN;
    if (next != DuplicateRefundStatus.FAILED && attempts >= ATTEMPTS.attemptsMax()) {
      LOG.warn("event=duplicate_refund.unresolved channel={} transaction_id={} order_no={} attempts={} needs=person",
          channel.code(), transactionId, row.getString("order_no"), attempts);
    }
    double backoffS = ATTEMPTS.delayMsAfter(attempts) / 1_000.0;
    String outRefundNo = row.getString("out_refund_no");
    return pool.withTransaction(conn -> transition(conn, next, outRefundNo, backoffS)
        .compose(moved -> moved.isPresent() && result instanceof RefundResult.Refused refused
            ? ExceptionResolutions.refused(conn, outRefundNo, refused.code() + ": " + refused.message()).<Void>mapEmpty()
            : Future.<Void>succeededFuture()));
  }

  /** A person's REFUND that the channel carried out: its order, REFUNDING, is REFUNDED. */
  private static Future<Void> moveReturnedOrder(SqlConnection conn, String outRefundNo) {
    return conn.preparedQuery(RETURNED_ORDER).execute(Tuple.of(outRefundNo))
        .compose(rows -> rows.size() == 1
                && OrderStatus.REFUNDING.name().equals(rows.iterator().next().getString("status"))
            ? Orders.transition(conn, Orders.Guard.LOCKED, List.of(Orders.Move.of(
                rows.iterator().next().getString("order_no"), OrderStatus.REFUNDING, OrderEvent.REFUND_COMPLETED)))
                .<Void>mapEmpty()
            : Future.<Void>succeededFuture());
  }

  /** The channel refunded: clear the refund side, once, and tell the registration system. */
  public Future<Void> succeeded(String outRefundNo) {
    return pool.withTransaction(conn -> transition(conn, DuplicateRefundStatus.SUCCEEDED, outRefundNo, null)
        .compose(done -> {
          if (done.isEmpty()) {
            return Future.<Void>succeededFuture();
          }
          Row row = done.get();
          Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
          String orderNo = row.getString("order_no");
          long amountFen = row.getLong("amount_fen");
          JournalEntry entry = new JournalEntry(
              "DUPLICATE_REFUND:" + channel.code() + ":" + row.getString("transaction_id"), "DUPLICATE_REFUND",
              orderNo, channel.code(), List.of(
                  JournalEntry.Posting.debit(JournalAccount.refund(channel), amountFen),
                  JournalEntry.Posting.credit(JournalAccount.clearing(channel), amountFen)));
          return moveReturnedOrder(conn, outRefundNo)
              .compose(moved -> Journal.post(conn, entry))
              .compose(v -> Outbox.append(conn, new Outbox.Event("payment.refunded", orderNo,
                  new JsonObject().put("type", "payment.refunded").put("order_no", orderNo)
                      .put("channel", channel.code()).put("transaction_id", row.getString("transaction_id"))
                      .put("amount_fen", amountFen))))
              .mapEmpty();
        }));
  }

  /**
   * Moves one duplicate refund to {@code to}, guarded by the statuses {@link DuplicateRefundStatus}
   * allows it from; the one door for its status. Not moving is a value in two cases: a repeat (it
   * is already at {@code to}), and the job's answer losing the race to the channel's confirmation
   * (it is already SUCCEEDED, which the job read before the notification committed). Anything else
   * is an illegal transition, a bug, and fails the caller's transaction.
   *
   * @param backoffS seconds until the job asks again, counting an attempt; null for none
   * @return the moved row (channel, transaction_id, order_no, amount_fen), empty when it did not move
   */
  public static Future<Optional<Row>> transition(SqlConnection conn, DuplicateRefundStatus to, String outRefundNo,
      Double backoffS) {
    return conn.preparedQuery(TRANSITION).execute(Tuple.tuple().addString(outRefundNo).addString(to.name())
            .addDouble(backoffS)
            .addArrayOfString(DuplicateRefundStatus.from(to).stream().map(Enum::name).toArray(String[]::new)))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture(Optional.of(rows.iterator().next()))
            : conn.preparedQuery(CURRENT).execute(Tuple.of(outRefundNo)).compose(current -> {
              String status = current.size() == 0 ? null : current.iterator().next().getString("status");
              return to.name().equals(status) || DuplicateRefundStatus.SUCCEEDED.name().equals(status)
                  ? Future.succeededFuture(Optional.<Row>empty())
                  : Future.failedFuture(new IllegalTransition("duplicate refund " + outRefundNo + " cannot move "
                      + (status == null ? "(no such refund)" : status) + " -> " + to));
            }));
  }
}
