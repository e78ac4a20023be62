package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.OutTradeNumbers;
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
      "INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status, payee, merchant_id)"
          + " VALUES ($1, $2, $3, $4, 'OPENING', $5::jsonb, $6) ON CONFLICT (order_no, channel) DO NOTHING";
  /**
   * The merchant a re-open goes to: the one the channel order was first opened with, so an order
   * keeps its merchant when an administrator changes the region's configuration meanwhile.
   */
  private static final String MERCHANT_OF_ORDER =
      "SELECT merchant_id FROM channel_order WHERE order_no = $1 AND channel = $2";
  private static final String MERCHANT_OF_TRADE =
      "SELECT merchant_id FROM channel_order WHERE channel = $1 AND out_trade_no = $2";
  private static final String SELECT_OTHERS =
      "SELECT channel, out_trade_no, merchant_id FROM channel_order WHERE order_no = $1 AND channel <> $2"
          + " AND status IN ('OPENING', 'OPEN')";
  /**
   * The only {@code UPDATE channel_order SET status}. A move to OPEN also records what the
   * channel answered: a re-open sends the request again, so the payee it names is the one to
   * expect from now on.
   */
  private static final String TRANSITION = """
      UPDATE channel_order c SET status = $3::text, updated_at = now(),
             channel_reference = COALESCE($5, c.channel_reference), flow = COALESCE($6, c.flow),
             payee = COALESCE($7::jsonb, c.payee)
      FROM unnest($1::text[], $2::text[]) AS x(order_no, channel)
      WHERE c.order_no = x.order_no AND c.channel = x.channel AND c.status = ANY($4::text[])
      RETURNING c.order_no, c.channel
      """;
  private static final String CURRENT = """
      SELECT c.order_no, c.channel, c.status FROM channel_order c
      JOIN unnest($1::text[], $2::text[]) AS x(order_no, channel)
        ON c.order_no = x.order_no AND c.channel = x.channel
      """;

  /** A channel order: the order and the channel it was opened at. */
  public record Key(String orderNo, Channel channel) {}

  /** A channel order still open at another channel than the one that was paid. */
  public record Other(Channel channel, String outTradeNo, String merchantId) {}

  /** What the channel answered to an open, recorded with the move to OPEN. */
  public record Opened(String channelReference, String flow, JsonObject payee) {}

  /** An illegal channel order transition: a bug in the caller, never an expected outcome. */
  public static final class IllegalTransition extends IllegalStateException {
    public IllegalTransition(String message) {
      super(message);
    }
  }

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

  /**
   * Opens (or re-opens, idempotently) the order at a channel, through the merchant of the order's
   * region — or, on a re-open, the merchant it was first opened with.
   */
  public Future<ChannelOrder> open(Order order, Channel channel, OpenOrderRequest.Flow flow,
      String payerId, String returnUrl) {
    return pool.preparedQuery(MERCHANT_OF_ORDER).execute(Tuple.of(order.orderNo(), channel.code()))
        .compose(rows -> {
          ChannelSet.Merchant merchant = rows.size() == 0
              ? channels.merchantFor(order.region(), channel).orElse(null)
              : channels.merchant(channel, rows.iterator().next().getString("merchant_id")).orElse(null);
          if (merchant == null) {
            return Future.failedFuture(new IllegalStateException(channel.code()
                + " is not configured for region " + order.region()));
          }
          return open(order, channel, merchant, flow, payerId, returnUrl);
        });
  }

  private Future<ChannelOrder> open(Order order, Channel channel, ChannelSet.Merchant merchant,
      OpenOrderRequest.Flow flow, String payerId, String returnUrl) {
    ChannelAdapter adapter = merchant.adapter();
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
        channels.notifyUrl(notifyBaseUrl, channel, merchant), returnUrl, flow, payerId);
    // Bound as a JSON object: a Java string bound to jsonb would be stored as one JSON string.
    JsonObject payee = new JsonObject(adapter.payee(legs).toJson());
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(order.orderNo(), channel.code(), outTradeNo, flow.name(), payee, merchant.id()))
        .compose(v -> adapter.openOrder(request))
        .compose(opened -> transition(pool, ChannelOrderStatus.OPEN,
                List.of(new Key(order.orderNo(), channel)),
                new Opened(opened.channelReference(), flow.name(), payee))
            .map(opened))
        .onSuccess(opened -> LOG.info("event=channel_order.opened order_no={} channel={} merchant={} flow={}",
            order.orderNo(), channel.code(), merchant.id(), flow));
  }

  /**
   * Whether a notification verified with {@code merchant}'s keys may concern the channel order
   * {@code outTradeNo}: only if that order was opened with that merchant. A channel order opened
   * before merchants were recorded belongs to the channel's default merchant; a trade number with
   * no channel order is left to the intake, which books nothing it did not ask for.
   */
  public Future<Boolean> openedWith(Channel channel, String outTradeNo, ChannelSet.Merchant merchant) {
    return pool.preparedQuery(MERCHANT_OF_TRADE).execute(Tuple.of(channel.code(), outTradeNo)).map(rows -> {
      if (rows.size() == 0) {
        return true;
      }
      return channels.merchant(channel, rows.iterator().next().getString("merchant_id"))
          .map(recorded -> recorded == merchant || (recorded.id() != null && recorded.id().equals(merchant.id())))
          .orElse(false);
    });
  }

  /** The adapter of the merchant a channel order was opened with (null: the default). */
  public java.util.Optional<ChannelAdapter> adapterOf(Channel channel, String merchantId) {
    return channels.adapter(channel, merchantId);
  }

  /**
   * Closes the order at every channel where it is still open, other than the one that was paid.
   * A close that fails or comes too late is logged; the order stays open there for the expiry
   * and query jobs, and a payment that still arrives is booked and given back.
   */
  public Future<Void> closeOthers(String orderNo, Channel paidChannel) {
    return pool.preparedQuery(SELECT_OTHERS).execute(Tuple.of(orderNo, paidChannel.code()))
        .compose(rows -> {
          List<Other> others = new ArrayList<>();
          for (Row row : rows) {
            others.add(new Other(Channel.fromCode(row.getString("channel")).orElseThrow(),
                row.getString("out_trade_no"), row.getString("merchant_id")));
          }
          return close(orderNo, others);
        });
  }

  /**
   * Closes the order at these other channels (as {@link #closeOthers}, for a caller that read them
   * already: the payment intake reads them in the payment's own transaction).
   */
  public Future<Void> close(String orderNo, List<Other> others) {
    if (others.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> closes = new ArrayList<>();
    for (Other other : others) {
      closes.add(close(orderNo, other.channel(), other.outTradeNo(), other.merchantId()));
    }
    return Future.join(closes).mapEmpty();
  }

  private Future<Void> close(String orderNo, Channel channel, String outTradeNo, String merchantId) {
    ChannelAdapter adapter = channels.adapter(channel, merchantId).orElse(null);
    if (adapter == null) {
      return Future.succeededFuture();
    }
    return adapter.close(outTradeNo).compose(result -> {
      LOG.info("event=channel_order.close order_no={} channel={} result={}",
          orderNo, channel.code(), result.getClass().getSimpleName());
      // UnionPay cannot close: its order lapses at payTimeout and stays OPEN here until then.
      if (result instanceof CloseResult.Closed) {
        return transition(pool, ChannelOrderStatus.CLOSED, List.of(new Key(orderNo, channel)), null)
            .mapEmpty();
      }
      return Future.<Void>succeededFuture();
    });
  }

  /**
   * Moves channel orders to {@code to} in one statement; the one door for their status. Each move
   * is guarded by the statuses {@link ChannelOrderStatus} allows it from. A channel order already
   * in {@code to} is a repeat (a query confirming what a callback booked) and changes nothing; one
   * in any other status is an illegal transition and fails loudly. A payment for an order never
   * opened at that channel (a test's or a healed bill's) has no row here and is not an error.
   *
   * @param client a pool, or the caller's transaction
   * @param opened what the channel answered, for a move to OPEN; null otherwise
   * @return the channel orders that moved now
   */
  public static Future<List<Key>> transition(SqlClient client, ChannelOrderStatus to, List<Key> keys,
      Opened opened) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] orderNos = keys.stream().map(Key::orderNo).toArray(String[]::new);
    String[] channels = keys.stream().map(k -> k.channel().code()).toArray(String[]::new);
    return client.preparedQuery(TRANSITION).execute(Tuple.tuple()
            .addArrayOfString(orderNos).addArrayOfString(channels).addString(to.name())
            .addArrayOfString(ChannelOrderStatus.from(to).stream().map(Enum::name).toArray(String[]::new))
            .addString(opened == null ? null : opened.channelReference())
            .addString(opened == null ? null : opened.flow())
            .addValue(opened == null ? null : opened.payee()))
        .compose(rows -> {
          List<Key> moved = new ArrayList<>();
          rows.forEach(r -> moved.add(new Key(r.getString("order_no"),
              Channel.fromCode(r.getString("channel")).orElseThrow())));
          return moved.size() == keys.size() ? Future.succeededFuture(moved)
              : client.preparedQuery(CURRENT).execute(Tuple.tuple().addArrayOfString(orderNos).addArrayOfString(channels))
                  .compose(current -> refuseIllegal(current, to, moved));
        });
  }

  private static Future<List<Key>> refuseIllegal(RowSet<Row> current, ChannelOrderStatus to, List<Key> moved) {
    for (Row row : current) {
      Key key = new Key(row.getString("order_no"), Channel.fromCode(row.getString("channel")).orElseThrow());
      String status = row.getString("status");
      if (!moved.contains(key) && !to.name().equals(status)) {
        return Future.failedFuture(new IllegalTransition("channel order " + key.orderNo() + "/"
            + key.channel().code() + " cannot move " + status + " -> " + to));
      }
    }
    return Future.succeededFuture(moved);
  }
}
