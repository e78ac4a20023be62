package org.clearing.cashier;

import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.order.Order;
import org.clearing.order.OrderRepository;
import org.clearing.order.OrderStatus;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.clearing.qr.ApplicantPage;
import org.clearing.routing.LiveRouting;
import org.clearing.split.Leg;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cashier behind the QR code, {@code /q/<token>}: it reads which wallet opened it and sends the
 * payer, through plain HTTP redirects, to that channel's payment — WeChat through its OAuth step
 * (the payer's openid) and a JSAPI order, Alipay through wap pay, UnionPay through its QR order.
 * Any other browser gets the breakdown and a choice of the three. The channel order is opened on
 * demand, carrying the split plan.
 */
public final class CashierRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(CashierRoutes.class);
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{22}");
  private static final Pattern OAUTH_CODE = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private final OrderRepository orders;
  private final LiveRouting routing;
  private final ChannelSet channels;
  private final ChannelOrders channelOrders;
  private final String publicBaseUrl;

  public CashierRoutes(OrderRepository orders, LiveRouting routing, ChannelSet channels,
      ChannelOrders channelOrders, String publicBaseUrl) {
    this.orders = orders;
    this.routing = routing;
    this.channels = channels;
    this.channelOrders = channelOrders;
    this.publicBaseUrl = publicBaseUrl;
  }

  public void mount(Router router) {
    router.get("/q/:token").handler(this::page);
    router.get("/q/:token/pay/:channel").handler(this::payWith);
    router.get("/q/:token/wechat/oauth").handler(this::wechatOauthReturn);
  }

  private void page(RoutingContext ctx) {
    withOpenOrder(ctx, order -> {
      Wallet wallet = Wallet.of(ctx.request().getHeader("User-Agent"));
      if (wallet == Wallet.OTHER || !offered(order).contains(wallet.channel())) {
        html(ctx, 200, ApplicantPage.render(order, routing.current(), options(order), ""));
      } else {
        start(ctx, order, wallet.channel());
      }
    });
  }

  private void payWith(RoutingContext ctx) {
    Channel channel = Channel.fromCode(ctx.pathParam("channel")).orElse(null);
    if (channel == null || !channels.offers(channel)) {
      html(ctx, 404, ApplicantPage.notFound());
      return;
    }
    withOpenOrder(ctx, order -> {
      if (!offered(order).contains(channel)) {
        html(ctx, 404, ApplicantPage.render(order, routing.current(), options(order),
            "此订单不支持该支付方式，请选择其他方式。 This payment method is not offered for this order; please choose another."));
        return;
      }
      start(ctx, order, channel);
    });
  }

  private void start(RoutingContext ctx, Order order, Channel channel) {
    if (channel == Channel.WECHAT) {
      ChannelSet.PayerIdentification payers = channels.wechatPayers(order.region()).orElse(null);
      if (payers == null) {
        unavailable(ctx, order, channel, "WeChat payer identification is not configured");
        return;
      }
      String redirectUri = cashierUrl(order) + "/wechat/oauth";
      redirect(ctx, payers.authorizeUrl(redirectUri, order.qrToken()));
      return;
    }
    open(ctx, order, channel, "");
  }

  /** WeChat's OAuth step returns here with a code for the payer's openid. */
  private void wechatOauthReturn(RoutingContext ctx) {
    String code = ctx.request().getParam("code");
    String state = ctx.request().getParam("state");
    if (code == null || !OAUTH_CODE.matcher(code).matches() || !ctx.pathParam("token").equals(state)) {
      html(ctx, 400, ApplicantPage.notFound());
      return;
    }
    withOpenOrder(ctx, order -> {
      ChannelSet.PayerIdentification payers = channels.wechatPayers(order.region()).orElse(null);
      if (payers == null) {
        unavailable(ctx, order, Channel.WECHAT, "WeChat payer identification is not configured");
        return;
      }
      payers.payerIdForCode(code)
          .onSuccess(openId -> open(ctx, order, Channel.WECHAT, openId))
          .onFailure(e -> unavailable(ctx, order, Channel.WECHAT, e.getMessage()));
    });
  }

  private void open(RoutingContext ctx, Order order, Channel channel, String payerId) {
    Future<ChannelOrder> opened = channelOrders.open(order, channel, OpenOrderRequest.Flow.IN_APP,
        payerId, cashierUrl(order));
    opened.onSuccess(channelOrder -> redirect(ctx, channelOrder.payerUrl()))
        .onFailure(e -> unavailable(ctx, order, channel, e.getMessage()));
  }

  private void unavailable(RoutingContext ctx, Order order, Channel channel, String why) {
    LOG.warn("event=cashier.channel_unavailable order_no={} channel={} reason=\"{}\"",
        order.orderNo(), channel.code(), why);
    html(ctx, 502, ApplicantPage.render(order, routing.current(), options(order),
        "暂时无法使用该支付方式，请选择其他方式。 This payment method is unavailable right now; please choose another."));
  }

  private List<ApplicantPage.PayOption> options(Order order) {
    List<ApplicantPage.PayOption> options = new ArrayList<>();
    String base = cashierUrl(order) + "/pay/";
    Set<Channel> offered = offered(order);
    if (offered.contains(Channel.WECHAT)) {
      options.add(new ApplicantPage.PayOption("微信支付 WeChat Pay", base + "wechat"));
    }
    if (offered.contains(Channel.ALIPAY)) {
      options.add(new ApplicantPage.PayOption("支付宝 Alipay", base + "alipay"));
    }
    if (offered.contains(Channel.UNIONPAY)) {
      options.add(new ApplicantPage.PayOption("云闪付 UnionPay", base + "unionpay"));
    }
    return options;
  }

  /**
   * The channels this order can be paid through: configured here, offered for its region (each of
   * the region's accounts has a receiver there) and able to name a receiver for each of its legs.
   */
  private Set<Channel> offered(Order order) {
    Set<Channel> offered = routing.current().offeredChannels(order.region(),
        order.legs().stream().map(Leg::payeeAccountId).toList());
    offered.removeIf(channel -> channels.merchantFor(order.region(), channel).isEmpty());
    return offered;
  }

  private String cashierUrl(Order order) {
    return publicBaseUrl + "/q/" + order.qrToken();
  }

  private void withOpenOrder(RoutingContext ctx, java.util.function.Consumer<Order> action) {
    String token = ctx.pathParam("token");
    if (!TOKEN.matcher(token).matches()) {
      html(ctx, 404, ApplicantPage.notFound());
      return;
    }
    orders.findByQrToken(token).onSuccess(found -> {
      if (found.isEmpty()) {
        html(ctx, 404, ApplicantPage.notFound());
        return;
      }
      Order order = found.get().order();
      if (order.status() != OrderStatus.OPEN || channels.isEmpty()) {
        html(ctx, 200, ApplicantPage.render(order, routing.current()));
        return;
      }
      action.accept(order);
    }).onFailure(ctx::fail);
  }

  private static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(302).putHeader("Location", location)
        .putHeader("Cache-Control", "no-store").end();
  }

  private static void html(RoutingContext ctx, int status, String page) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(page);
  }
}
