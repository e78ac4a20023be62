package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.CloseResult;
import org.clearing.channel.QueryResult;
import org.clearing.lease.LeasedJob;
import org.clearing.order.OrderRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires orders past their expiry (through the transition table) and closes every channel order
 * of an expired or cancelled order at its channel, so that nobody can pay it there any more.
 * A channel that says it was already paid is asked for the payment, which is
 * recorded through {@link PaymentIntake} as a late payment to be given back. UnionPay has no close
 * (UnionPay's documentation): its order lapses at payTimeout, the order's expiry, after which one last query
 * decides. A close without a usable answer is tried again with backoff.
 */
public final class ExpiredOrderCloser implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(ExpiredOrderCloser.class);
  public static final String JOB = "payment.expired-order-closer";

  /**
   * @param intervalMs how often the job runs
   * @param expiriesPerRunMax orders expired per run
   * @param backoff waits between close attempts that got no usable answer, and their maximum
   * @param lapseGraceMs how long after expiry a channel that cannot close (UnionPay) is taken to
   *     have lapsed the order: covers clock skew between us and the channel
   * @param batchSizeMax channel orders looked at per run
   * @param callsInFlightMax channel calls open at once
   */
  public record Settings(long intervalMs, int expiriesPerRunMax, Backoff backoff, long lapseGraceMs,
      int batchSizeMax, int callsInFlightMax) {

    public static final Settings DEFAULT = new Settings(2_000, 500, Backoff.DEFAULT, 300_000, 200, 16);

    public Settings {
      if (intervalMs < 1 || expiriesPerRunMax < 1 || lapseGraceMs < 0 || batchSizeMax < 1
          || callsInFlightMax < 1) {
        throw new IllegalArgumentException("closer settings must be positive");
      }
    }
  }

  private static final String DUE = """
      SELECT c.order_no, c.channel, c.out_trade_no, c.merchant_id, c.close_attempts,
             o.expires_at + make_interval(secs => $3::int8 / 1000.0) AS lapses_at,
             o.expires_at + make_interval(secs => $3::int8 / 1000.0) <= now() AS lapsed
      FROM channel_order c JOIN orders o ON o.order_no = c.order_no
      WHERE o.status IN ('EXPIRED', 'CANCELLED') AND c.status IN ('OPENING', 'OPEN')
        AND (c.next_close_at IS NULL OR c.next_close_at <= now())
        AND c.close_attempts < $1
      ORDER BY COALESCE(c.next_close_at, o.expires_at)
      LIMIT $2
      """;
  private static final String RETRY_LATER = """
      UPDATE channel_order SET close_attempts = close_attempts + 1,
             next_close_at = now() + make_interval(secs => $3::int8 / 1000.0), updated_at = now()
      WHERE order_no = $1 AND channel = $2
      """;
  private static final String WAIT_UNTIL =
      "UPDATE channel_order SET next_close_at = $3, updated_at = now() WHERE order_no = $1 AND channel = $2";

  private final Pool pool;
  private final OrderRepository orders;
  private final ChannelSet channels;
  private final ChannelOrderFindings findings;
  private final Settings settings;

  public ExpiredOrderCloser(Pool pool, OrderRepository orders, ChannelSet channels,
      PaymentIntake intake, ChannelOrders channelOrders, Settings settings) {
    this.pool = pool;
    this.orders = orders;
    this.channels = channels;
    this.findings = new ChannelOrderFindings(pool, intake, channelOrders);
    this.settings = settings;
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return settings.intervalMs();
  }

  /** One run: expire due orders, then close one batch of their channel orders. */
  @Override
  public Future<JobRun> runOnce() {
    return orders.expireDue(settings.expiriesPerRunMax())
        .onSuccess(count -> {
          if (count > 0) {
            LOG.info("event=orders.expired count={}", count);
          }
        })
        .compose(expired -> pool.preparedQuery(DUE).execute(Tuple.of(
            settings.backoff().attemptsMax(), settings.batchSizeMax(), settings.lapseGraceMs())))
        .compose(rows -> {
          List<Row> due = new ArrayList<>();
          rows.forEach(due::add);
          return ChannelOrderFindings.inChunks(due, settings.callsInFlightMax(), this::close);
        })
        .map(JobRun::of)
        .onSuccess(run -> {
          if (run.channelOrders() > 0) {
            LOG.info("event=channel_orders.close_run channel_orders={} paid={} closed={} retried={} waiting={}",
                run.channelOrders(), run.paid(), run.closed(), run.retried(), run.waiting());
          }
        });
  }

  private Future<ChannelOrderFindings.Finding> close(Row row) {
    String orderNo = row.getString("order_no");
    Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
    String outTradeNo = row.getString("out_trade_no");
    int attempts = row.getInteger("close_attempts") + 1;
    // The merchant the channel order was opened with: another merchant does not know it.
    ChannelAdapter adapter = channels.adapter(channel, row.getString("merchant_id")).orElse(null);
    if (adapter == null) {
      return retryLater(orderNo, channel, attempts);
    }
    return adapter.close(outTradeNo)
        .otherwise(e -> new CloseResult.Unknown(e.toString()))
        .compose(result -> {
          if (result instanceof CloseResult.Closed) {
            return findings.closed(orderNo, channel);
          }
          if (result instanceof CloseResult.AlreadyPaid) {
            return finalQuery(adapter, orderNo, channel, outTradeNo, attempts, true);
          }
          if (result instanceof CloseResult.NotSupported) {
            return row.getBoolean("lapsed")
                ? finalQuery(adapter, orderNo, channel, outTradeNo, attempts, false)
                : waitUntil(orderNo, channel, row.getOffsetDateTime("lapses_at"));
          }
          LOG.info("event=channel_order.close_unknown order_no={} channel={} attempt={} reason=\"{}\"",
              orderNo, channel.code(), attempts, ((CloseResult.Unknown) result).reason());
          return retryLater(orderNo, channel, attempts);
        })
        .recover(e -> {
          LOG.warn("event=channel_order.close_failed order_no={} channel={} error={}",
              orderNo, channel.code(), e.toString());
          return retryLater(orderNo, channel, attempts);
        });
  }

  /**
   * Asks for the order once the channel will not take payment for it any more: a payment found is
   * recorded (a late one, given back); "not paid" or "not found" means it is closed for good,
   * unless the channel has just said it was paid: then the answers disagree and we ask again.
   */
  private Future<ChannelOrderFindings.Finding> finalQuery(ChannelAdapter adapter, String orderNo,
      Channel channel, String outTradeNo, int attempts, boolean saidPaid) {
    return adapter.query(outTradeNo)
        .otherwise(e -> new QueryResult.Unknown(e.toString()))
        .compose(result -> {
          if (result instanceof QueryResult.Paid paid) {
            return findings.paid(orderNo, paid.payment());
          }
          if (!saidPaid && (result instanceof QueryResult.NotPaid || result instanceof QueryResult.NotFound)) {
            return findings.closed(orderNo, channel);
          }
          return retryLater(orderNo, channel, attempts);
        });
  }

  private Future<ChannelOrderFindings.Finding> waitUntil(String orderNo, Channel channel,
      OffsetDateTime lapsesAt) {
    return pool.preparedQuery(WAIT_UNTIL).execute(Tuple.of(orderNo, channel.code(), lapsesAt))
        .map(ChannelOrderFindings.Finding.WAIT);
  }

  private Future<ChannelOrderFindings.Finding> retryLater(String orderNo, Channel channel, int attempts) {
    return pool.preparedQuery(RETRY_LATER)
        .execute(Tuple.of(orderNo, channel.code(), settings.backoff().delayMsAfter(attempts)))
        .map(ChannelOrderFindings.Finding.RETRY);
  }
}
