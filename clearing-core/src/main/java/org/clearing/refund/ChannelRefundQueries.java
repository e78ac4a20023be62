package org.clearing.refund;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.SplitLeg;
import org.clearing.lease.LeasedJob;
import org.clearing.payment.Backoff;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes channel refunds whose answer was lost (UNKNOWN) or that the channel accepted and never
 * confirmed (ACCEPTED, its notification lost): a leased job asks the channel what became of each
 * and books what it says — SUCCEEDED with its journal entry, FAILED (the lines refundable again)
 * when the channel refused it. A refund whose answer was lost and that the channel has no record
 * of is sent again under the same number, as the channels ask: each takes a refund number once,
 * so the request is carried out at most once however many times it is sent, and a first request
 * still on its way cannot be overtaken by a FAILED that it then contradicts. Otherwise the job asks
 * again with backoff, at most {@link #QUERIES} attempts; a refund still open after that is logged
 * for a person ({@code event=refund.unresolved}) and left alone, never guessed.
 */
public final class ChannelRefundQueries implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelRefundQueries.class);
  public static final String JOB = "refund.channel-queries";
  /** How often the job looks for refunds due a question; each refund's own backoff decides when it is. */
  public static final long INTERVAL_MS = 2_000;
  static final int BATCH_SIZE_MAX = 20;
  /**
   * 5 s after the lost answer (the channel has decided by then), then 30 s, 1 m, 5 m, 10 m,
   * 30 m, then hourly: a day of hourly questions, since some channels take a day to refund.
   */
  public static final Backoff QUERIES =
      new Backoff(List.of(5_000L, 30_000L, 60_000L, 300_000L, 600_000L, 1_800_000L, 3_600_000L), 30);

  private static final String DUE = """
      SELECT r.refund_id, r.order_no, r.channel, r.amount_fen, r.status, r.query_attempts, r.reason,
             o.paid_transaction_id, o.total_fen,
             (SELECT c.merchant_id FROM channel_order c WHERE c.order_no = r.order_no AND c.channel = r.channel)
               AS merchant_id
      FROM refund r JOIN orders o ON o.order_no = r.order_no
      WHERE r.mode = 'CHANNEL' AND r.status IN ('UNKNOWN', 'ACCEPTED') AND r.query_attempts < $2
        AND greatest(r.next_query_at, r.updated_at + make_interval(secs => $3::float8)) <= now()
      ORDER BY r.next_query_at LIMIT $1
      """;
  private static final String LEGS =
      "SELECT leg_no, payee_account_id, amount_fen FROM refund_leg WHERE refund_id = $1 ORDER BY leg_no";
  private static final String ASKED = """
      UPDATE refund SET query_attempts = query_attempts + 1,
             next_query_at = now() + make_interval(secs => $2::float8)
      WHERE refund_id = $1 RETURNING query_attempts
      """;

  private final Pool pool;
  private final ChannelSet channels;
  private final String notifyBaseUrl;
  private final RefundRepository refunds;

  public ChannelRefundQueries(Pool pool, ChannelSet channels, String notifyBaseUrl, RefundRepository refunds) {
    this.pool = pool;
    this.channels = channels;
    this.notifyBaseUrl = notifyBaseUrl;
    this.refunds = refunds;
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return INTERVAL_MS;
  }

  /** Asks about the due refunds; the number asked. */
  @Override
  public Future<Integer> runOnce() {
    return pool.preparedQuery(DUE).execute(Tuple.of(BATCH_SIZE_MAX, QUERIES.attemptsMax(),
            QUERIES.delayMsAfter(1) / 1_000.0))
        .compose(rows -> {
          List<Future<Void>> asked = new ArrayList<>();
          rows.forEach(row -> asked.add(ask(row)));
          return Future.join(asked).map(rows.size());
        });
  }

  private Future<Void> ask(Row row) {
    String refundId = row.getString("refund_id");
    Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
    // The merchant the order was paid through: only it knows the refund.
    ChannelAdapter adapter = channels.adapter(channel, row.getString("merchant_id")).orElse(null);
    if (adapter == null || row.getString("paid_transaction_id") == null) {
      return Future.succeededFuture();
    }
    RefundStatus status = RefundStatus.valueOf(row.getString("status"));
    return request(row, channel).compose(request -> adapter.queryRefund(request)
        .recover(error -> Future.succeededFuture(new RefundResult.Unknown(String.valueOf(error.getMessage()))))
        .compose(result -> {
          LOG.info("event=refund.queried refund_id={} order_no={} channel={} status={} result={}", refundId,
              row.getString("order_no"), channel.code(), status, result.getClass().getSimpleName());
          if (result instanceof RefundResult.NotFound && status == RefundStatus.UNKNOWN) {
            // The lost answer was the request's: the channel never took it. Sent again, same number.
            return sentAgain(adapter, request, row, channel, status);
          }
          return booked(result, row, channel, status);
        }));
  }

  /** The refund sent again under its own number; what the channel answers is booked as a query's. */
  private Future<Void> sentAgain(ChannelAdapter adapter, RefundRequest request, Row row, Channel channel,
      RefundStatus status) {
    return adapter.refund(request)
        .recover(error -> Future.succeededFuture(new RefundResult.Unknown(String.valueOf(error.getMessage()))))
        .compose(result -> {
          LOG.warn("event=refund.sent_again refund_id={} order_no={} channel={} result=\"{}\"",
              row.getString("refund_id"), row.getString("order_no"), channel.code(), result);
          return booked(result, row, channel, status);
        });
  }

  private Future<Void> booked(RefundResult result, Row row, Channel channel, RefundStatus status) {
    String refundId = row.getString("refund_id");
    if (result instanceof RefundResult.Succeeded ok) {
      return refunds.succeeded(refundId, ok.refundId()).mapEmpty();
    }
    if (result instanceof RefundResult.Refused) {
      // Refused: nothing was refunded, and the lines are refundable again.
      LOG.warn("event=refund.failed refund_id={} order_no={} channel={} was={} result=\"{}\"", refundId,
          row.getString("order_no"), channel.code(), status, result);
      return refunds.moveTo(refundId, RefundStatus.FAILED, null).mapEmpty();
    }
    Future<?> accepted = result instanceof RefundResult.Accepted a && status == RefundStatus.UNKNOWN
        ? refunds.moveTo(refundId, RefundStatus.ACCEPTED, a.refundId()) : Future.succeededFuture();
    return accepted.compose(v -> askedAgainLater(row, refundId));
  }

  private Future<Void> askedAgainLater(Row row, String refundId) {
    int attempts = row.getInteger("query_attempts") + 1;
    return pool.preparedQuery(ASKED).execute(Tuple.of(refundId, QUERIES.delayMsAfter(attempts) / 1_000.0))
        .map(rows -> {
          if (attempts >= QUERIES.attemptsMax()) {
            LOG.warn("event=refund.unresolved refund_id={} order_no={} attempts={} needs=person", refundId,
                row.getString("order_no"), attempts);
          }
          return null;
        });
  }

  /** The refund as it was sent, so that the channel is asked about (or sent) the same legs. */
  private Future<RefundRequest> request(Row row, Channel channel) {
    return pool.preparedQuery(LEGS).execute(Tuple.of(row.getString("refund_id"))).map(rows -> {
      List<SplitLeg> legs = new ArrayList<>();
      rows.forEach(leg -> legs.add(new SplitLeg(leg.getInteger("leg_no"), leg.getString("payee_account_id"),
          channels.channelAccount(channel, leg.getString("payee_account_id")).orElse(leg.getString("payee_account_id")),
          Money.ofFen(leg.getLong("amount_fen")))));
      return new RefundRequest(OutTradeNumbers.of(channel, row.getString("order_no")),
          row.getString("paid_transaction_id"), row.getString("refund_id"), Money.ofFen(row.getLong("amount_fen")),
          Money.ofFen(row.getLong("total_fen")), legs, channels.notifyUrl(notifyBaseUrl, channel, row.getString("merchant_id")),
          row.getString("reason"));
    });
  }
}
