package org.clearing.refund;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
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
import org.clearing.outbox.Outbox;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back payments that an order could not take (booked to {@code refund:{channel}} when they
 * arrived): a leased job finds them in the inbox, records one refund per channel transaction, and
 * asks the channel to refund it, with bounded, backed-off retries when the answer is unknown. When
 * the channel has refunded, the refund side is cleared: debit {@code refund:{channel}}, credit
 * {@code clearing:{channel}}. A refusal is held for a person (status FAILED).
 */
public final class DuplicatePaymentRefunds implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(DuplicatePaymentRefunds.class);
  public static final String JOB = "duplicate-payment-refunds";
  /** How often the job looks for payments to give back and for refunds due again. */
  public static final long INTERVAL_MS = 2_000;
  static final int BATCH_SIZE_MAX = 20;
  static final int ATTEMPTS_MAX = 12;

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
             d.attempts, o.total_fen
      FROM duplicate_refund d LEFT JOIN orders o ON o.order_no = d.order_no
      WHERE d.status IN ('REQUESTED', 'UNKNOWN') AND d.next_attempt_at <= now()
      ORDER BY d.next_attempt_at LIMIT $1
      """;
  private static final String LEGS =
      "SELECT leg_no, payee_account_id, amount_fen FROM leg WHERE order_no = $1 ORDER BY leg_no";
  private static final String MOVE =
      "UPDATE duplicate_refund SET status = $3, attempts = attempts + 1, updated_at = now(),"
          + " next_attempt_at = now() + make_interval(secs => $4::int8)"
          + " WHERE channel = $1 AND transaction_id = $2 AND status NOT IN ('SUCCEEDED', 'FAILED')";
  private static final String SUCCEED =
      "UPDATE duplicate_refund SET status = 'SUCCEEDED', updated_at = now()"
          + " WHERE out_refund_no = $1 AND status <> 'SUCCEEDED'"
          + " RETURNING channel, transaction_id, order_no, amount_fen";
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
        .compose(v -> pool.preparedQuery(DUE).execute(Tuple.of(BATCH_SIZE_MAX)))
        .compose(rows -> {
          List<Future<Void>> refunds = new ArrayList<>();
          rows.forEach(row -> refunds.add(refund(row)));
          return Future.join(refunds).map(rows.size());
        });
  }

  private Future<Void> refund(Row row) {
    Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
    ChannelAdapter adapter = channels.adapter(channel).orElse(null);
    if (adapter == null) {
      return Future.succeededFuture();
    }
    String transactionId = row.getString("transaction_id");
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
    String outRefundNo = row.getString("out_refund_no");
    int attempts = row.getInteger("attempts");
    return legs.compose(split -> adapter.refund(new RefundRequest(row.getString("out_trade_no"), transactionId,
            outRefundNo, Money.ofFen(amountFen), Money.ofFen(amountFen), split,
            ChannelOrders.notifyUrl(notifyBaseUrl, channel), "重复支付退款 duplicate payment")))
        .recover(error -> Future.succeededFuture(new RefundResult.Unknown(String.valueOf(error.getMessage()))))
        .compose(result -> {
          LOG.info("event=duplicate_refund.answer channel={} transaction_id={} order_no={} result={}",
              channel.code(), transactionId, row.getString("order_no"), result.getClass().getSimpleName());
          if (result instanceof RefundResult.Succeeded) {
            return succeeded(outRefundNo);
          }
          String status = result instanceof RefundResult.Accepted ? "ACCEPTED"
              : result instanceof RefundResult.Refused ? "FAILED"
              : attempts + 1 >= ATTEMPTS_MAX ? "FAILED" : "UNKNOWN";
          long backoffS = Math.min(3_600, 30L << Math.min(attempts, 7));
          return pool.preparedQuery(MOVE).execute(Tuple.of(channel.code(), transactionId, status, backoffS))
              .<Void>mapEmpty();
        });
  }

  /** The channel refunded: clear the refund side, once, and tell the registration system. */
  public Future<Void> succeeded(String outRefundNo) {
    return pool.withTransaction(conn -> conn.preparedQuery(SUCCEED).execute(Tuple.of(outRefundNo))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.<Void>succeededFuture();
          }
          Row row = rows.iterator().next();
          Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
          String orderNo = row.getString("order_no");
          long amountFen = row.getLong("amount_fen");
          JournalEntry entry = new JournalEntry(
              "DUPLICATE_REFUND:" + channel.code() + ":" + row.getString("transaction_id"), "DUPLICATE_REFUND",
              orderNo, channel.code(), List.of(
                  JournalEntry.Posting.debit(JournalAccount.refund(channel), amountFen),
                  JournalEntry.Posting.credit(JournalAccount.clearing(channel), amountFen)));
          return Journal.post(conn, entry)
              .compose(v -> Outbox.append(conn, new Outbox.Event("payment.refunded", orderNo,
                  new JsonObject().put("type", "payment.refunded").put("order_no", orderNo)
                      .put("channel", channel.code()).put("transaction_id", row.getString("transaction_id"))
                      .put("amount_fen", amountFen))))
              .mapEmpty();
        }));
  }
}
