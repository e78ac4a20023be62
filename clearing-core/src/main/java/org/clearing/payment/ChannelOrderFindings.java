package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.clearing.channel.Channel;
import org.clearing.channel.PaymentNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the background jobs do with what a channel told them about one channel order: a payment
 * found is recorded through the intake exactly as a callback would be, a channel order the channel
 * no longer takes payment for is marked closed, and anything unclear waits for the next attempt.
 */
final class ChannelOrderFindings {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelOrderFindings.class);

  /** What became of one channel order in one run; counted in the jobs' summaries. */
  enum Finding {
    PAID,
    CLOSED,
    RETRY,
    WAIT
  }

  private final Pool pool;
  private final PaymentIntake intake;
  private final ChannelOrders channelOrders;

  ChannelOrderFindings(Pool pool, PaymentIntake intake, ChannelOrders channelOrders) {
    this.pool = pool;
    this.intake = intake;
    this.channelOrders = channelOrders;
  }

  /**
   * Records a payment the channel reported on a query. The intake decides what it is (the
   * order's payment, or a second or late one to be refunded); either way this channel order took
   * money and is no longer open. The other channels are then closed, as after a callback.
   */
  Future<Finding> paid(String orderNo, PaymentNotification payment) {
    return intake.recordPayment(payment, PaymentIntake.Source.QUERY)
        .compose(recorded -> {
          if (recorded.outcome() == PaymentDecision.Outcome.NOT_SUCCESSFUL) {
            // A channel's query said "paid" of a payment that did not succeed: a broken promise of
            // the channel. Nothing is booked and the channel order stays open for the next attempt.
            return Future.failedFuture(new IllegalStateException(
                "query reported an unsuccessful payment as paid: order " + orderNo));
          }
          if (recorded.outcome() == PaymentDecision.Outcome.FOREIGN) {
            // Somebody else's payment: nothing booked, and the channel order stays open for the
            // next attempt (and for a person, once the attempts run out).
            return Future.failedFuture(new IllegalStateException("query answer for order " + orderNo
                + " pays " + payment.payee() + ", not the payee the channel order was opened with"));
          }
          LOG.info("event=payment.found_by_query order_no={} channel={} outcome={} duplicate={}",
              orderNo, payment.channel().code(), recorded.outcome(), recorded.duplicate());
          return mark(orderNo, payment.channel(), ChannelOrderStatus.PAID);
        })
        .compose(v -> channelOrders.closeOthers(orderNo, payment.channel())
            .otherwise(e -> {
              // The others stay open for the expiry job; a payment there is still booked.
              LOG.warn("event=channel_order.close_others_failed order_no={} error={}", orderNo, e.toString());
              return null;
            }))
        .map(Finding.PAID);
  }

  Future<Finding> closed(String orderNo, Channel channel) {
    LOG.info("event=channel_order.closed order_no={} channel={}", orderNo, channel.code());
    return mark(orderNo, channel, ChannelOrderStatus.CLOSED).map(Finding.CLOSED);
  }

  private Future<Void> mark(String orderNo, Channel channel, ChannelOrderStatus status) {
    return ChannelOrders.transition(pool, status, List.of(new ChannelOrders.Key(orderNo, channel)), null)
        .mapEmpty();
  }

  /**
   * Runs {@code each} over {@code items}, at most {@code inFlightMax} at a time, so a batch never
   * opens more channel calls than the channels (and our HTTP client) are meant to carry.
   */
  static <T> Future<List<Finding>> inChunks(List<T> items, int inFlightMax,
      Function<T, Future<Finding>> each) {
    Future<List<Finding>> done = Future.succeededFuture(new ArrayList<>());
    for (int from = 0; from < items.size(); from += inFlightMax) {
      List<T> chunk = items.subList(from, Math.min(items.size(), from + inFlightMax));
      done = done.compose(findings -> Future.all(chunk.stream().map(each).toList())
          .map(all -> {
            for (int i = 0; i < all.size(); i++) {
              findings.add(all.resultAt(i));
            }
            return findings;
          }));
    }
    return done;
  }
}
