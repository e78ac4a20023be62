package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.QueryResult;
import org.clearing.lease.LeasedJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active query: a channel order whose callback has not come after a while
 * is asked for at its channel, with bounded, backed-off retries. A payment found takes exactly a
 * callback's path through {@link PaymentIntake}. A channel order is also asked for while its
 * order was paid through another channel and it is not yet closed, because a payment there is a
 * second payment that must be booked and given back. A channel that does not answer is asked
 * again later; its silence is never taken for "not paid".
 */
public final class PendingPaymentQueries implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(PendingPaymentQueries.class);
  public static final String JOB = "payment.pending-queries";

  /**
   * @param intervalMs how often the job looks for due channel orders
   * @param delayMs how long after opening a channel order is first asked for (its callback
   *     usually comes within seconds)
   * @param backoff the waits between attempts and their maximum
   * @param graceMs how long after the order's expiry its channel orders are still asked for
   *     (a payment begun just before expiry is reported late)
   * @param batchSizeMax channel orders looked at per run
   * @param queriesInFlightMax channel queries open at once
   */
  public record Settings(long intervalMs, long delayMs, Backoff backoff, long graceMs,
      int batchSizeMax, int queriesInFlightMax) {

    public static final Settings DEFAULT =
        new Settings(1_000, 60_000, Backoff.DEFAULT, 3_600_000, 200, 16);

    public Settings {
      if (intervalMs < 1 || delayMs < 0 || graceMs < 0 || batchSizeMax < 1 || queriesInFlightMax < 1) {
        throw new IllegalArgumentException("query job settings must be positive");
      }
    }

    public Settings withDelayMs(long ms) {
      return new Settings(intervalMs, ms, backoff, graceMs, batchSizeMax, queriesInFlightMax);
    }
  }

  /**
   * Open channel orders (or ones stuck opening, whose channel call may or may not have arrived)
   * that are due. Oldest first, bounded.
   */
  private static final String DUE = """
      SELECT c.order_no, c.channel, c.out_trade_no, c.merchant_id, c.query_attempts, o.status AS order_status,
             o.expires_at < now() AS expired
      FROM channel_order c JOIN orders o ON o.order_no = c.order_no
      WHERE (c.status = 'OPEN' OR (c.status = 'OPENING' AND c.opened_at < now() - interval '1 minute'))
        AND c.opened_at < now() - make_interval(secs => $1::int8 / 1000.0)
        AND (c.next_query_at IS NULL OR c.next_query_at <= now())
        AND c.query_attempts < $2
        AND now() < o.expires_at + make_interval(secs => $3::int8 / 1000.0)
      ORDER BY COALESCE(c.next_query_at, c.opened_at)
      LIMIT $4
      """;
  private static final String RETRY_LATER = """
      UPDATE channel_order SET query_attempts = query_attempts + 1,
             next_query_at = now() + make_interval(secs => $3::int8 / 1000.0), updated_at = now()
      WHERE order_no = $1 AND channel = $2
      """;

  private final Pool pool;
  private final ChannelSet channels;
  private final ChannelOrderFindings findings;
  private final Settings settings;

  public PendingPaymentQueries(Pool pool, ChannelSet channels, PaymentIntake intake,
      ChannelOrders channelOrders, Settings settings) {
    this.pool = pool;
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

  /** One run: asks for every due channel order of one batch. Callers hold the lease. */
  @Override
  public Future<JobRun> runOnce() {
    return pool.preparedQuery(DUE)
        .execute(Tuple.of(settings.delayMs(), settings.backoff().attemptsMax(), settings.graceMs(),
            settings.batchSizeMax()))
        .compose(rows -> {
          List<Row> due = new ArrayList<>();
          rows.forEach(due::add);
          return ChannelOrderFindings.inChunks(due, settings.queriesInFlightMax(), this::ask);
        })
        .map(JobRun::of)
        .onSuccess(run -> {
          if (run.channelOrders() > 0) {
            LOG.info("event=payment_queries.run channel_orders={} paid={} closed={} retried={}",
                run.channelOrders(), run.paid(), run.closed(), run.retried());
          }
        });
  }

  private Future<ChannelOrderFindings.Finding> ask(Row row) {
    String orderNo = row.getString("order_no");
    Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
    int attempts = row.getInteger("query_attempts") + 1;
    // The merchant the channel order was opened with: another merchant does not know it.
    ChannelAdapter adapter = channels.adapter(channel, row.getString("merchant_id")).orElse(null);
    if (adapter == null) {
      return retryLater(orderNo, channel, attempts);
    }
    boolean orderStillPayable = row.getString("order_status").equals("OPEN") && !row.getBoolean("expired");
    return adapter.query(row.getString("out_trade_no"))
        .otherwise(e -> new QueryResult.Unknown(e.toString()))
        .compose(result -> answer(orderNo, channel, attempts, orderStillPayable, result))
        .recover(e -> {
          LOG.warn("event=payment_query.failed order_no={} channel={} error={}",
              orderNo, channel.code(), e.toString());
          return retryLater(orderNo, channel, attempts);
        });
  }

  private Future<ChannelOrderFindings.Finding> answer(String orderNo, Channel channel, int attempts,
      boolean orderStillPayable, QueryResult result) {
    if (result instanceof QueryResult.Paid paid) {
      return findings.paid(orderNo, paid.payment());
    }
    if (result instanceof QueryResult.NotPaid notPaid && notPaid.closed()) {
      return findings.closed(orderNo, channel);
    }
    // Not found while the order can still be paid: the open call may not have arrived yet, and the
    // cashier may open it again. Once the order cannot be paid, nobody can pay it there any more.
    if (result instanceof QueryResult.NotFound && !orderStillPayable) {
      return findings.closed(orderNo, channel);
    }
    if (result instanceof QueryResult.Unknown unknown) {
      LOG.info("event=payment_query.unknown order_no={} channel={} attempt={} reason=\"{}\"",
          orderNo, channel.code(), attempts, unknown.reason());
    }
    return retryLater(orderNo, channel, attempts);
  }

  private Future<ChannelOrderFindings.Finding> retryLater(String orderNo, Channel channel, int attempts) {
    return pool.preparedQuery(RETRY_LATER)
        .execute(Tuple.of(orderNo, channel.code(), settings.backoff().delayMsAfter(attempts)))
        .map(ChannelOrderFindings.Finding.RETRY);
  }
}
