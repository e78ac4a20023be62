package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.SplitLeg;
import org.clearing.order.Order;
import org.clearing.split.Leg;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an order at a channel, carrying its split plan, and closes it at the channels that did
 * not win. The channel order is recorded before the channel is called, so every callback can be
 * traced to the order that asked for it, together with the payee the request names (merchant, app,
 * receivers): only a notification naming that payee is booked.
 */
public final class ChannelOrders {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelOrders.class);

  private static final String INSERT =
      "INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status, payee)"
          + " VALUES ($1, $2, $3, $4, 'OPENING', $5::jsonb) ON CONFLICT (order_no, channel) DO NOTHING";
  // A re-open sends the request again, so the payee it names is the one to expect from now on.
  private static final String MARK_OPEN =
      "UPDATE channel_order SET status = 'OPEN', channel_reference = $3, flow = $4, payee = $5::jsonb,"
          + " updated_at = now() WHERE order_no = $1 AND channel = $2 AND status IN ('OPENING', 'OPEN')";
  private static final String SELECT_OTHERS =
      "SELECT channel, out_trade_no FROM channel_order WHERE order_no = $1 AND channel <> $2"
          + " AND status IN ('OPENING', 'OPEN')";
  private static final String MARK_CLOSED =
      "UPDATE channel_order SET status = 'CLOSED', updated_at = now()"
          + " WHERE order_no = $1 AND channel = $2 AND status IN ('OPENING', 'OPEN')";

  private final Pool pool;
  private final ChannelSet channels;
  private final String notifyBaseUrl;

  public ChannelOrders(Pool pool, ChannelSet channels, String notifyBaseUrl) {
    this.pool = pool;
    this.channels = channels;
    this.notifyBaseUrl = notifyBaseUrl;
  }

  public static String notifyUrl(String baseUrl, Channel channel) {
    return baseUrl + "/callbacks/" + channel.code();
  }

  /** Opens (or re-opens, idempotently) the order at a channel. */
  public Future<ChannelOrder> open(Order order, Channel channel, OpenOrderRequest.Flow flow,
      String payerId, String returnUrl) {
    ChannelAdapter adapter = channels.adapter(channel).orElse(null);
    if (adapter == null) {
      return Future.failedFuture(new IllegalStateException(channel.code() + " is not configured"));
    }
    List<SplitLeg> legs = new ArrayList<>();
    for (Leg leg : order.legs()) {
      String account = channels.channelAccount(channel, leg.payeeAccountId()).orElse(null);
      if (account == null) {
        return Future.failedFuture(new IllegalStateException("payee account "
            + leg.payeeAccountId() + " has no account at " + channel.code()));
      }
      legs.add(new SplitLeg(leg.legNo(), leg.payeeAccountId(), account, leg.amount()));
    }
    String outTradeNo = OutTradeNumbers.of(channel, order.orderNo());
    OpenOrderRequest request = new OpenOrderRequest(order.orderNo(), outTradeNo, order.total(),
        "不动产登记税费 " + order.caseNo(), order.expiresAt(), legs,
        notifyUrl(notifyBaseUrl, channel), returnUrl, flow, payerId);
    // Bound as a JSON object: a Java string bound to jsonb would be stored as one JSON string.
    JsonObject payee = new JsonObject(adapter.payee(legs).toJson());
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(order.orderNo(), channel.code(), outTradeNo, flow.name(), payee))
        .compose(v -> adapter.openOrder(request))
        .compose(opened -> pool.preparedQuery(MARK_OPEN)
            .execute(Tuple.of(order.orderNo(), channel.code(), opened.channelReference(), flow.name(),
                payee))
            .map(opened))
        .onSuccess(opened -> LOG.info("event=channel_order.opened order_no={} channel={} flow={}",
            order.orderNo(), channel.code(), flow));
  }

  /**
   * Closes the order at every channel where it is still open, other than the one that was paid.
   * A close that fails or comes too late is logged; the order stays open there for the expiry
   * and query jobs, and a payment that still arrives is booked and given back.
   */
  public Future<Void> closeOthers(String orderNo, Channel paidChannel) {
    return pool.preparedQuery(SELECT_OTHERS).execute(Tuple.of(orderNo, paidChannel.code()))
        .compose(rows -> {
          List<Future<Void>> closes = new ArrayList<>();
          for (Row row : rows) {
            Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
            closes.add(close(orderNo, channel, row.getString("out_trade_no")));
          }
          return Future.join(closes).mapEmpty();
        });
  }

  private Future<Void> close(String orderNo, Channel channel, String outTradeNo) {
    ChannelAdapter adapter = channels.adapter(channel).orElse(null);
    if (adapter == null) {
      return Future.succeededFuture();
    }
    return adapter.close(outTradeNo).compose(result -> {
      LOG.info("event=channel_order.close order_no={} channel={} result={}",
          orderNo, channel.code(), result.getClass().getSimpleName());
      // UnionPay cannot close: its order lapses at payTimeout and stays OPEN here until then.
      if (result instanceof CloseResult.Closed) {
        return pool.preparedQuery(MARK_CLOSED).execute(Tuple.of(orderNo, channel.code())).mapEmpty();
      }
      return Future.<Void>succeededFuture();
    });
  }
}
