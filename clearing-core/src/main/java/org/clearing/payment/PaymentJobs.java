package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.clearing.lease.JobLease;
import org.clearing.order.OrderRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment side's background jobs, each run through its PostgreSQL lease so that several
 * engine instances on one database never run the same job at once: the active query of channel
 * orders whose callback has not come, and the expiry and closing of orders at the channels.
 */
public final class PaymentJobs {

  private static final Logger LOG = LoggerFactory.getLogger(PaymentJobs.class);

  private final Vertx vertx;
  private final JobLease lease;
  private final PendingPaymentQueries queries;
  private final ExpiredOrderCloser closer;
  private long[] timers = new long[0];

  public PaymentJobs(Vertx vertx, JobLease lease, PendingPaymentQueries queries, ExpiredOrderCloser closer) {
    this.vertx = vertx;
    this.lease = lease;
    this.queries = queries;
    this.closer = closer;
  }

  /**
   * The jobs with their default settings, on one engine's pool and channels; a channel order is
   * first asked for {@code queryDelayMs} after it opened.
   */
  public static PaymentJobs create(Vertx vertx, Pool pool, OrderRepository orders, ChannelSet channels,
      PaymentIntake intake, ChannelOrders channelOrders, long queryDelayMs) {
    return new PaymentJobs(vertx, new JobLease(vertx, pool),
        new PendingPaymentQueries(pool, channels, intake, channelOrders,
            PendingPaymentQueries.Settings.DEFAULT.withDelayMs(queryDelayMs)),
        new ExpiredOrderCloser(pool, orders, channels, intake, channelOrders, ExpiredOrderCloser.Settings.DEFAULT));
  }

  /** Starts both jobs' timers; each run first takes or renews its lease. */
  public synchronized void start() {
    if (timers.length == 0) {
      timers = new long[] {queries.schedule(lease), closer.schedule(lease)};
    }
  }

  /**
   * Stops the timers without giving the leases back, as a crashed instance would: another
   * instance takes the jobs over only when the leases expire.
   */
  public synchronized void pause() {
    for (long timer : timers) {
      vertx.cancelTimer(timer);
    }
    timers = new long[0];
  }

  /**
   * Stops the timers and gives the leases back, so another instance takes over at once. Giving
   * back is a courtesy: if the database is already going (a SIGTERM reaches it too), the leases
   * simply expire, so a failure here never fails the shutdown.
   */
  public Future<Void> stop() {
    pause();
    return Future.join(lease.release(PendingPaymentQueries.JOB), lease.release(ExpiredOrderCloser.JOB))
        .<Void>mapEmpty()
        .otherwise(e -> {
          LOG.info("event=job_lease.not_released holder={} error={}", lease.holder(), e.toString());
          return null;
        });
  }

  public String holder() {
    return lease.holder();
  }

  public PendingPaymentQueries queries() {
    return queries;
  }

  public ExpiredOrderCloser closer() {
    return closer;
  }
}
