package org.clearing.channel.wechat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.clearing.channel.Acknowledgement;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SignatureBase;

/**
 * The engine's WeChat Pay v3 adapter, for a direct merchant or a service provider (服务商). An
 * order of 2–10 legs is opened as a
 * combined payment (合单, one sub-order per leg: mchid = the leg's channel account, out_trade_no =
 * {@code <outTradeNo>L<legNo>}); a single leg as a plain order of the merchant's own, the leg's
 * account carried in {@code attach} (WeChat Pay's documentation). Query, close and refund ask the combined
 * path first and fall back to the plain one on 404, so the engine never has to remember which
 * kind it opened.
 *
 * <p>A service provider speaks WeChat's partner API for its sub-merchants, one per payee account
 * (the leg's channel account is its {@code sub_mchid}): a combined payment's sub-orders carry the
 * service provider's own {@code mchid} and the payee's {@code sub_mchid}; a single leg is a
 * partner order ({@code /v3/pay/partner/transactions/…}: {@code sp_appid}, {@code sp_mchid},
 * {@code sub_mchid}) paid to that payee's sub-merchant; refunds name the {@code sub_mchid}; the
 * trade bill is the service provider's, covering all its sub-merchants. A leg whose receiver is
 * not one of the configured sub-merchants is refused before anything is sent, and a notification
 * naming a sub-merchant not ours is {@code FOREIGN}.
 *
 * <p>Every answer is checked against the platform keys (certificate serial and PUB_KEY_ID at once,
 * §1.4) before it is read; a timeout, a transport error, a 5xx or an answer that does not verify
 * is unknown, never a guess.
 */
public final class WechatAdapter implements ChannelAdapter {

  /** WeChat refuses answers 5 minutes off (§1.4); we hold its answers to the same window. */
  static final Duration RESPONSE_WINDOW = Duration.ofMinutes(5);

  /**
   * What the adapter needs.
   *
   * @param apiBaseUrl {@code https://api.mch.weixin.qq.com} or the sandbox's base URL
   * @param oauthBaseUrl {@code https://open.weixin.qq.com} (the payer's browser goes there)
   * @param snsBaseUrl {@code https://api.weixin.qq.com} (code → openid)
   * @param jsapiCashierUrl the page that runs {@code getBrandWCPayRequest} with the signed
   *     parameters in its query (the engine's own page in production, the sandbox's in demo mode)
   * @param nativeCashierUrl prefix of a page showing a Native code_url's token; empty = give the
   *     payer the {@code weixin://} code_url itself
   * @param platformKeys the platform certificate(s) and PUB_KEY_ID key(s) trusted
   * @param callTimeoutMs the timeout of every HTTP call
   * @param billDirectory where downloaded bills are saved
   * @param serviceProvider {@code mchid} and {@code appid} are a service provider's {@code
   *     sp_mchid} and {@code sp_appid}, ordering for the sub-merchants in {@code subMchids}
   * @param subMchids the service provider's sub-merchants the payee accounts are paid to; empty
   *     for a direct merchant
   */
  public record Config(String apiBaseUrl, String oauthBaseUrl, String snsBaseUrl,
      String jsapiCashierUrl, String nativeCashierUrl, String mchid, String appid,
      String appSecret, String merchantSerial, PrivateKey merchantPrivateKey, String apiV3Key,
      WechatPlatformKeys platformKeys, long callTimeoutMs, Path billDirectory,
      boolean serviceProvider, List<String> subMchids) {
    public Config {
      subMchids = List.copyOf(subMchids == null ? List.of() : subMchids);
      if (serviceProvider == subMchids.isEmpty()) {
        throw new IllegalArgumentException(serviceProvider
            ? "a service provider needs the sub_mchids it collects for" : "a direct merchant has no sub_mchids");
      }
      Objects.requireNonNull(apiBaseUrl, "apiBaseUrl");
      Objects.requireNonNull(merchantPrivateKey, "merchantPrivateKey");
      Objects.requireNonNull(platformKeys, "platformKeys");
      Objects.requireNonNull(billDirectory, "billDirectory");
      nativeCashierUrl = nativeCashierUrl == null ? "" : nativeCashierUrl;
      if (callTimeoutMs <= 0) {
        throw new IllegalArgumentException("callTimeoutMs must be positive");
      }
    }

    /** A direct merchant. */
    public Config(String apiBaseUrl, String oauthBaseUrl, String snsBaseUrl,
        String jsapiCashierUrl, String nativeCashierUrl, String mchid, String appid,
        String appSecret, String merchantSerial, PrivateKey merchantPrivateKey, String apiV3Key,
        WechatPlatformKeys platformKeys, long callTimeoutMs, Path billDirectory) {
      this(apiBaseUrl, oauthBaseUrl, snsBaseUrl, jsapiCashierUrl, nativeCashierUrl, mchid, appid, appSecret,
          merchantSerial, merchantPrivateKey, apiV3Key, platformKeys, callTimeoutMs, billDirectory, false, List.of());
    }

    /** The same merchant trusting {@code keys}. */
    public Config withPlatformKeys(WechatPlatformKeys keys) {
      return new Config(apiBaseUrl, oauthBaseUrl, snsBaseUrl, jsapiCashierUrl, nativeCashierUrl, mchid, appid,
          appSecret, merchantSerial, merchantPrivateKey, apiV3Key, keys, callTimeoutMs, billDirectory,
          serviceProvider, subMchids);
    }
  }

  /** A verified answer: status and body (null when empty). */
  private record Answer(int status, JsonObject body) {}

  /** A call whose outcome we cannot know (timeout, transport, 5xx, unverifiable answer). */
  static final class UnknownOutcome extends RuntimeException {
    UnknownOutcome(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final Config config;
  private final WechatRequestSigner signer;
  private final WechatNotificationVerifier verifier;
  /**
   * The platform keys trusted now: the configured ones plus every platform certificate downloaded
   * since start-up, so during a rotation the old and the new certificate both verify.
   */
  private final java.util.concurrent.atomic.AtomicReference<WechatPlatformKeys> trusted =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final Clock clock;
  /**
   * The sub-merchant each plain partner order opened here was for: its query and close must name
   * it. Bounded; an order not found here (opened before a restart) is looked for under each
   * configured sub-merchant in turn.
   */
  private final java.util.Map<String, String> subMchidOfOrder = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, String> eldest) {
          return size() > REMEMBERED_ORDERS_MAX;
        }
      });

  /** Plain partner orders whose sub-merchant is remembered; older ones are looked up. */
  static final int REMEMBERED_ORDERS_MAX = 100_000;

  public WechatAdapter(Vertx vertx, WebClient client, Config config) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.clock = Clock.systemUTC();
    this.signer = new WechatRequestSigner(config.mchid(), config.merchantSerial(),
        config.merchantPrivateKey(), clock);
    this.trusted.set(config.platformKeys());
    this.verifier = new WechatNotificationVerifier(trusted::get, config.apiV3Key(),
        merchant(config), clock, RESPONSE_WINDOW);
  }

  private static WechatNotificationVerifier.Merchant merchant(Config config) {
    return new WechatNotificationVerifier.Merchant(config.mchid(), config.appid(), config.serviceProvider(),
        new java.util.HashSet<>(config.subMchids()));
  }

  @Override
  public Channel channel() {
    return Channel.WECHAT;
  }

  // ---------------------------------------------------------------- orders

  @Override
  public Future<ChannelOrder> openOrder(OpenOrderRequest request) {
    WechatTradeType type = request.flow() == OpenOrderRequest.Flow.IN_APP
        ? WechatTradeType.JSAPI : WechatTradeType.NATIVE;
    String path;
    JsonObject body;
    try {
      if (request.legs().size() == 1) {
        WechatOrderRequest plain = plainOrder(type, request);
        path = plain.path();
        body = plain.body();
      } else {
        WechatCombineOrderRequest combined = combinedOrder(type, request);
        path = combined.path();
        body = combined.body();
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (config.serviceProvider() && request.legs().size() == 1) {
      subMchidOfOrder.put(request.outTradeNo(), request.legs().get(0).channelAccount());
    }
    return call(HttpMethod.POST, path, body).compose(answer -> {
      if (answer.status() != 200 || answer.body() == null) {
        return Future.failedFuture(refusal("order refused", answer));
      }
      return type == WechatTradeType.JSAPI
          ? jsapiOrder(request, answer.body().getString("prepay_id"))
          : Future.succeededFuture(nativeOrder(request, answer.body().getString("code_url")));
    });
  }

  /**
   * {@code mchid} and {@code appid}; with more than one leg the combined payment's sub-order
   * {@code mchid}s are the receivers. A single leg is a plain order paid to our {@code mchid}
   * (the leg's account only labels it in {@code attach}), so it names no receivers. A service
   * provider's are its {@code sp_mchid} and {@code sp_appid}; the receivers are the sub-orders'
   * {@code sub_mchid}s, and a single leg's partner order is the sub-merchant's.
   */
  @Override
  public PayeeIdentity payee(List<SplitLeg> legs) {
    if (config.serviceProvider() && legs.size() == 1) {
      return PayeeIdentity.of(config.mchid(), config.appid(), legs.get(0).channelAccount());
    }
    return new PayeeIdentity(config.mchid(), config.appid(), "",
        legs.size() <= 1 ? List.of() : legs.stream().map(SplitLeg::channelAccount).toList());
  }

  /**
   * A service provider's receiver for a leg: the payee account's sub-merchant, which must be one
   * the service provider collects for — WeChat would refuse another, and a notification for it
   * would not be admitted.
   *
   * @throws IllegalArgumentException naming the payee account
   */
  private String subMchid(SplitLeg leg) {
    String subMchid = leg.channelAccount();
    if (subMchid.isBlank()) {
      throw new IllegalArgumentException("sub_mchid: payee account " + leg.payeeAccountId()
          + " has no WeChat sub-merchant");
    }
    if (!config.subMchids().contains(subMchid)) {
      throw new IllegalArgumentException("sub_mchid: payee account " + leg.payeeAccountId() + "'s sub_mchid "
          + subMchid + " is not one of service provider " + config.mchid() + "'s sub-mchids");
    }
    return subMchid;
  }

  private WechatOrderRequest plainOrder(WechatTradeType type, OpenOrderRequest request) {
    SplitLeg leg = request.legs().get(0);
    return WechatOrderRequest.builder(type).appid(config.appid()).mchid(config.mchid())
        .subMchid(config.serviceProvider() ? subMchid(leg) : null)
        .description(description(request)).outTradeNo(request.outTradeNo())
        .timeExpire(request.expiresAt()).notifyUrl(request.notifyUrl()).amount(request.total())
        .attach(leg.channelAccount())
        .payerOpenid(type == WechatTradeType.JSAPI ? request.payerId() : null).build();
  }

  private WechatCombineOrderRequest combinedOrder(WechatTradeType type, OpenOrderRequest request) {
    WechatCombineOrderRequest.Builder builder = WechatCombineOrderRequest.builder(type)
        .combineAppid(config.appid()).combineMchid(config.mchid())
        .combineOutTradeNo(request.outTradeNo()).timeExpire(request.expiresAt())
        .notifyUrl(request.notifyUrl())
        .payerOpenid(type == WechatTradeType.JSAPI ? request.payerId() : null);
    for (SplitLeg leg : request.legs()) {
      builder.subOrder(config.serviceProvider()
          ? new WechatCombineOrderRequest.SubOrder(config.mchid(), subMchid(leg),
              subOrderNo(request.outTradeNo(), leg.legNo()), leg.amount(), leg.payeeAccountId(), description(request))
          : new WechatCombineOrderRequest.SubOrder(leg.channelAccount(),
              subOrderNo(request.outTradeNo(), leg.legNo()), leg.amount(), leg.payeeAccountId(),
              description(request)));
    }
    return builder.build();
  }

  private static String description(OpenOrderRequest request) {
    return request.description().isBlank() ? request.orderNo() : request.description();
  }

  /** A combined payment's sub-order number for a leg: {@code <outTradeNo>L<legNo>}. */
  public static String subOrderNo(String outTradeNo, int legNo) {
    return OutTradeNumbers.part(Channel.WECHAT, outTradeNo, legNo);
  }

  private Future<ChannelOrder> jsapiOrder(OpenOrderRequest request, String prepayId) {
    if (prepayId == null || prepayId.isBlank()) {
      return Future.failedFuture(new UnknownOutcome("order answer has no prepay_id"));
    }
    return vertx.executeBlocking(() -> signer.jsapiPayParams(config.appid(), prepayId))
        .map(params -> new ChannelOrder(Channel.WECHAT, request.outTradeNo(),
            config.jsapiCashierUrl() + "?appId=" + enc(params.appId())
                + "&timeStamp=" + enc(params.timeStamp()) + "&nonceStr=" + enc(params.nonceStr())
                + "&package=" + enc(params.packageValue()) + "&signType=" + enc(params.signType())
                + "&paySign=" + enc(params.paySign()),
            prepayId));
  }

  private ChannelOrder nativeOrder(OpenOrderRequest request, String codeUrl) {
    if (codeUrl == null || !codeUrl.startsWith("weixin://wxpay/bizpayurl?pr=")) {
      throw new UnknownOutcome("order answer has no code_url");
    }
    String token = codeUrl.substring("weixin://wxpay/bizpayurl?pr=".length());
    String payerUrl = config.nativeCashierUrl().isEmpty() ? codeUrl
        : config.nativeCashierUrl() + "/" + enc(token);
    return new ChannelOrder(Channel.WECHAT, request.outTradeNo(), payerUrl, codeUrl);
  }

  // ---------------------------------------------------------------- OAuth for JSAPI

  /** The URL that sends the payer's browser through WeChat's silent OAuth (snsapi_base, §4). */
  public String oauthAuthorizeUrl(String redirectUri, String state) {
    return config.oauthBaseUrl() + "/connect/oauth2/authorize?appid=" + enc(config.appid())
        + "&redirect_uri=" + enc(redirectUri) + "&response_type=code&scope=snsapi_base&state="
        + enc(state) + "#wechat_redirect";
  }

  /** Exchanges the OAuth code for the payer's openid; a refused or unreadable answer fails. */
  public Future<String> openIdForCode(String code) {
    String uri = config.snsBaseUrl() + "/sns/oauth2/access_token?appid=" + enc(config.appid())
        + "&secret=" + enc(config.appSecret()) + "&code=" + enc(code)
        + "&grant_type=authorization_code";
    return client.getAbs(uri).timeout(config.callTimeoutMs()).send()
        .recover(e -> Future.failedFuture(new UnknownOutcome("OAuth code exchange: " + e.getMessage())))
        .compose(response -> {
          JsonObject body;
          try {
            body = response.bodyAsJsonObject();
          } catch (RuntimeException e) {
            body = null;
          }
          if (response.statusCode() != 200 || body == null) {
            return Future.failedFuture("OAuth code exchange answered HTTP " + response.statusCode());
          }
          String openid = body.getString("openid", "");
          if (body.containsKey("errcode") || openid.isBlank()) {
            return Future.failedFuture("OAuth code refused: " + body.getValue("errcode") + " "
                + body.getString("errmsg", ""));
          }
          return Future.succeededFuture(openid);
        });
  }

  // ---------------------------------------------------------------- notifications

  @Override
  public Notification verify(IncomingNotification incoming) {
    try {
      return verifier.verify(incoming.headersLowercase(), incoming.body());
    } catch (RuntimeException e) {
      return new Rejection(Channel.WECHAT, Rejection.Reason.MALFORMED, String.valueOf(e.getMessage()));
    }
  }

  @Override
  public Acknowledgement accepted() {
    return ack(WechatAck.success());
  }

  @Override
  public Acknowledgement retryLater(String reason) {
    return ack(WechatAck.retryLater(reason));
  }

  @Override
  public Acknowledgement rejected(Rejection rejection) {
    return ack(WechatAck.rejected(rejection));
  }

  private static Acknowledgement ack(WechatAck ack) {
    return new Acknowledgement(ack.status(), ack.body().length == 0 ? "" : "application/json",
        ack.body());
  }

  // ---------------------------------------------------------------- query and close

  @Override
  public Future<QueryResult> query(String outTradeNo) {
    return lookUp(outTradeNo).map(this::queryResult)
        .recover(e -> Future.succeededFuture(new QueryResult.Unknown(reason(e))));
  }

  /** The order as WeChat shows it: the combined form first, the plain one on 404; empty = none. */
  private Future<Optional<JsonObject>> lookUp(String outTradeNo) {
    return call(HttpMethod.GET, "/v3/combine-transactions/out-trade-no/" + enc(outTradeNo), null)
        .compose(combined -> {
          if (combined.status() == 200) {
            return Future.succeededFuture(Optional.of(requireBody(combined)));
          }
          if (combined.status() != 404) {
            return Future.failedFuture(refusal("combined query", combined));
          }
          if (config.serviceProvider()) {
            return lookUpPartner(outTradeNo);
          }
          return call(HttpMethod.GET, "/v3/pay/transactions/out-trade-no/" + enc(outTradeNo)
              + "?mchid=" + enc(config.mchid()), null).compose(plain -> plainFound(plain, "query"));
        });
  }

  private static Future<Optional<JsonObject>> plainFound(Answer plain, String what) {
    return plain.status() == 200 ? Future.succeededFuture(Optional.of(requireBody(plain)))
        : plain.status() == 404 ? Future.succeededFuture(Optional.empty())
        : Future.failedFuture(refusal(what, plain));
  }

  /**
   * A service provider's plain order is asked for under its sub-merchant (the partner query
   * needs {@code sp_mchid} and {@code sub_mchid}): the one remembered when it was opened, else
   * each configured sub-merchant in turn until one has it.
   */
  private Future<Optional<JsonObject>> lookUpPartner(String outTradeNo) {
    String remembered = subMchidOfOrder.get(outTradeNo);
    List<String> candidates = remembered != null ? List.of(remembered) : config.subMchids();
    Future<Optional<JsonObject>> found = Future.succeededFuture(Optional.empty());
    for (String subMchid : candidates) {
      found = found.compose(earlier -> earlier.isPresent() ? Future.succeededFuture(earlier)
          : call(HttpMethod.GET, "/v3/pay/partner/transactions/out-trade-no/" + enc(outTradeNo)
              + "?sp_mchid=" + enc(config.mchid()) + "&sub_mchid=" + enc(subMchid), null)
              .compose(plain -> plainFound(plain, "partner query")));
    }
    return found;
  }

  private QueryResult queryResult(Optional<JsonObject> found) {
    if (found.isEmpty()) {
      return new QueryResult.NotFound();
    }
    JsonObject order = found.get();
    String state = tradeState(order);
    if (state.equals("SUCCESS") || state.equals("REFUND")) {
      // A refunded order was paid all the same; the refund is booked on its own path.
      String transactionId = order.containsKey("sub_orders")
          ? order.getJsonArray("sub_orders").getJsonObject(0).getString("transaction_id", "")
          : order.getString("transaction_id", "");
      try {
        var payment = WechatNotificationVerifier.paymentOf("query:" + transactionId,
            paidForm(order), merchant(config));
        return new QueryResult.Paid(payment);
      } catch (IllegalArgumentException e) {
        return new QueryResult.Unknown("unreadable query answer: " + e.getMessage());
      }
    }
    boolean closed = state.equals("CLOSED") || state.equals("REVOKED") || state.equals("PAYERROR");
    return new QueryResult.NotPaid(state, closed);
  }

  /**
   * The whole order's state: a combined order is only as far as its least advanced sub-order
   * (NOTPAY if any sub-order is unpaid, CLOSED if any is closed).
   */
  private static String tradeState(JsonObject order) {
    if (!order.containsKey("sub_orders")) {
      return order.getString("trade_state", "");
    }
    String state = "SUCCESS";
    for (Object item : order.getJsonArray("sub_orders")) {
      String sub = ((JsonObject) item).getString("trade_state", "");
      if (!sub.equals("SUCCESS") && !sub.equals("REFUND")) {
        return sub;
      }
      if (sub.equals("REFUND")) {
        state = "REFUND";
      }
    }
    return state;
  }

  /** REFUND counts as paid for the mapping, which reads SUCCESS as "the payment succeeded". */
  private static JsonObject paidForm(JsonObject order) {
    JsonObject copy = order.copy();
    if (copy.containsKey("sub_orders")) {
      copy.getJsonArray("sub_orders").forEach(s -> ((JsonObject) s).put("trade_state", "SUCCESS"));
    } else {
      copy.put("trade_state", "SUCCESS");
    }
    return copy;
  }

  @Override
  public Future<CloseResult> close(String outTradeNo) {
    return lookUp(outTradeNo).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture((CloseResult) new CloseResult.Closed());
      }
      JsonObject order = found.get();
      String state = tradeState(order);
      if (state.equals("SUCCESS") || state.equals("REFUND")) {
        return Future.succeededFuture((CloseResult) new CloseResult.AlreadyPaid());
      }
      if (state.equals("CLOSED")) {
        return Future.succeededFuture((CloseResult) new CloseResult.Closed());
      }
      return order.containsKey("sub_orders") ? closeCombined(outTradeNo, order) : closePlain(outTradeNo, order);
    }).recover(e -> Future.succeededFuture(new CloseResult.Unknown(reason(e))));
  }

  private Future<CloseResult> closeCombined(String outTradeNo, JsonObject order) {
    JsonArray subs = new JsonArray();
    order.getJsonArray("sub_orders").forEach(s -> {
      JsonObject sub = new JsonObject().put("mchid", ((JsonObject) s).getString("mchid"));
      if (config.serviceProvider()) {
        sub.put("sub_mchid", ((JsonObject) s).getString("sub_mchid"));
      }
      subs.add(sub.put("out_trade_no", ((JsonObject) s).getString("out_trade_no")));
    });
    JsonObject body = new JsonObject().put("combine_appid", config.appid()).put("sub_orders", subs);
    return call(HttpMethod.POST, "/v3/combine-transactions/out-trade-no/" + enc(outTradeNo) + "/close",
        body).map(this::closeResult);
  }

  private Future<CloseResult> closePlain(String outTradeNo, JsonObject order) {
    if (config.serviceProvider()) {
      return call(HttpMethod.POST, "/v3/pay/partner/transactions/out-trade-no/" + enc(outTradeNo) + "/close",
          new JsonObject().put("sp_mchid", config.mchid()).put("sub_mchid", order.getString("sub_mchid", "")))
          .map(this::closeResult);
    }
    return call(HttpMethod.POST, "/v3/pay/transactions/out-trade-no/" + enc(outTradeNo) + "/close",
        new JsonObject().put("mchid", config.mchid())).map(this::closeResult);
  }

  private CloseResult closeResult(Answer answer) {
    if (answer.status() == 204 || answer.status() == 200) {
      return new CloseResult.Closed();
    }
    String code = answer.body() == null ? "" : answer.body().getString("code", "");
    if (code.equals("ORDERPAID")) {
      return new CloseResult.AlreadyPaid();
    }
    return new CloseResult.Unknown("close answered " + answer.status() + " " + code);
  }

  // ---------------------------------------------------------------- refunds

  /**
   * Refunds a plain payment with one WeChat refund, a combined payment with one refund per leg
   * against its sub-order ({@code out_refund_no = <outRefundNo>L<legNo>}); accepted only when every
   * leg's refund was. Each leg's number is its own idempotency key, so retrying after a partial
   * failure refunds nothing twice.
   */
  @Override
  public Future<RefundResult> refund(RefundRequest request) {
    Money legsFen = request.legs().stream().map(SplitLeg::amount).reduce(Money.ZERO, Money::plus);
    if (!request.legs().isEmpty() && !legsFen.equals(request.amount())) {
      // The engine's refund plan is broken, not the channel's answer: a bug, not an outcome.
      return Future.failedFuture(new IllegalArgumentException(
          "refund legs sum to " + legsFen + ", the refund is " + request.amount()));
    }
    return lookUp(request.outTradeNo()).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture((RefundResult) new RefundResult.Refused("ORDER_NOT_EXIST",
            "no order " + request.outTradeNo()));
      }
      if (!found.get().containsKey("sub_orders")) {
        return refundOne(request.outTradeNo(), request.outRefundNo(), request.amount().fen(),
            request.paymentTotal().fen(), found.get().getString("sub_mchid", ""), request);
      }
      return refundLegs(request, found.get().getJsonArray("sub_orders"));
    }).recover(e -> Future.succeededFuture(new RefundResult.Unknown(reason(e))));
  }

  private Future<RefundResult> refundLegs(RefundRequest request, JsonArray subOrders) {
    if (request.legs().isEmpty()) {
      return Future.succeededFuture(new RefundResult.Refused("PARAM_ERROR",
          "a combined payment is refunded per leg; the request names no legs"));
    }
    List<Future<RefundResult>> parts = new ArrayList<>();
    for (SplitLeg leg : request.legs()) {
      String subNo = subOrderNo(request.outTradeNo(), leg.legNo());
      Optional<JsonObject> sub = subOrders.stream().map(JsonObject.class::cast)
          .filter(s -> subNo.equals(s.getString("out_trade_no"))).findFirst();
      if (sub.isEmpty()) {
        parts.add(Future.succeededFuture(new RefundResult.Refused("PARAM_ERROR", "no sub-order " + subNo)));
        continue;
      }
      long totalFen = sub.get().getJsonObject("amount").getLong("total_amount");
      parts.add(refundOne(subNo, subOrderNo(request.outRefundNo(), leg.legNo()), leg.amount().fen(),
          totalFen, sub.get().getString("sub_mchid", ""), request).recover(e -> Future.succeededFuture(new RefundResult.Unknown(reason(e)))));
    }
    return Future.join(parts).transform(done -> Future.succeededFuture(combine(request, parts)));
  }

  private static RefundResult combine(RefundRequest request, List<Future<RefundResult>> parts) {
    List<String> ids = new ArrayList<>();
    StringBuilder unknown = new StringBuilder();
    StringBuilder refused = new StringBuilder();
    String firstCode = "";
    for (int i = 0; i < parts.size(); i++) {
      RefundResult result = parts.get(i).result();
      int legNo = request.legs().get(i).legNo();
      if (result instanceof RefundResult.Accepted accepted) {
        ids.add(accepted.refundId());
      } else if (result instanceof RefundResult.Refused r) {
        firstCode = firstCode.isEmpty() ? r.code() : firstCode;
        refused.append("leg ").append(legNo).append(": ").append(r.code()).append(' ')
            .append(r.message()).append("; ");
      } else if (result instanceof RefundResult.Unknown u) {
        unknown.append("leg ").append(legNo).append(": ").append(u.reason()).append("; ");
      }
    }
    String accepted = ids.isEmpty() ? "" : "accepted " + String.join(",", ids) + "; ";
    if (unknown.length() > 0) {
      return new RefundResult.Unknown(unknown + refused.toString() + accepted);
    }
    if (refused.length() > 0) {
      return new RefundResult.Refused(firstCode, refused + accepted);
    }
    return new RefundResult.Accepted(String.join(",", ids));
  }

  /** @param subMchid the sub-merchant refunding (a service provider's order); empty for a direct one */
  private Future<RefundResult> refundOne(String outTradeNo, String outRefundNo, long refundFen,
      long totalFen, String subMchid, RefundRequest request) {
    JsonObject body = new JsonObject();
    if (config.serviceProvider()) {
      // A service provider refunds on behalf of the sub-merchant that was paid.
      if (subMchid.isEmpty()) {
        return Future.succeededFuture(new RefundResult.Unknown("the order " + outTradeNo + " names no sub_mchid"));
      }
      body.put("sub_mchid", subMchid);
    }
    body.put("out_trade_no", outTradeNo)
        .put("out_refund_no", outRefundNo).put("notify_url", request.notifyUrl())
        .put("amount", new JsonObject().put("refund", refundFen).put("total", totalFen)
            .put("currency", "CNY"));
    if (!request.reason().isBlank()) {
      body.put("reason", request.reason());
    }
    return call(HttpMethod.POST, "/v3/refund/domestic/refunds", body).map(answer -> {
      if (answer.status() == 200 && answer.body() != null) {
        String status = answer.body().getString("status", "");
        if (status.equals("SUCCESS") || status.equals("PROCESSING")) {
          return new RefundResult.Accepted(answer.body().getString("refund_id", ""));
        }
        return new RefundResult.Refused(status, "refund status " + status);
      }
      if (answer.status() >= 400 && answer.status() < 500 && answer.body() != null) {
        return new RefundResult.Refused(answer.body().getString("code", ""),
            answer.body().getString("message", ""));
      }
      return new RefundResult.Unknown("refund answered HTTP " + answer.status());
    });
  }

  /**
   * GET /v3/refund/domestic/refunds/{out_refund_no} (§1.6); a combined payment's refund is one
   * refund per leg (sub-order), and is done only when every leg's is. SUCCESS done, PROCESSING
   * pending, CLOSED or ABNORMAL failed, 404 RESOURCE_NOT_EXISTS never made.
   */
  @Override
  public Future<RefundResult> queryRefund(RefundRequest request) {
    if (config.serviceProvider() && request.legs().isEmpty()) {
      // A refund named without its legs is asked for under the sub-merchant the order names.
      return lookUp(request.outTradeNo())
          .map(found -> found.map(o -> o.getString("sub_mchid", "")).orElse(""))
          .compose(sub -> queryOneRefund(request.outRefundNo(), sub))
          .recover(e -> Future.succeededFuture(new RefundResult.Unknown(reason(e))));
    }
    List<String> numbers = request.legs().isEmpty() ? List.of(request.outRefundNo())
        : request.legs().stream().map(leg -> subOrderNo(request.outRefundNo(), leg.legNo())).toList();
    List<Future<RefundResult>> parts = new ArrayList<>();
    for (int i = 0; i < numbers.size(); i++) {
      String sub = config.serviceProvider() ? request.legs().get(i).channelAccount() : "";
      parts.add(queryOneRefund(numbers.get(i), sub)
          .recover(e -> Future.succeededFuture(new RefundResult.Unknown(reason(e)))));
    }
    return Future.join(parts).transform(done -> {
      List<RefundResult> results = parts.stream().map(Future::result).toList();
      return Future.succeededFuture(combineQueried(results));
    });
  }

  private static RefundResult combineQueried(List<RefundResult> results) {
    if (results.stream().allMatch(r -> r instanceof RefundResult.NotFound)) {
      return new RefundResult.NotFound();
    }
    for (RefundResult result : results) {
      if (result instanceof RefundResult.Refused) {
        return result;
      }
    }
    if (results.stream().anyMatch(r -> r instanceof RefundResult.Unknown || r instanceof RefundResult.NotFound)) {
      // Some legs answered, others not (or not yet made): nothing can be concluded yet.
      return new RefundResult.Unknown("legs answered " + results);
    }
    if (results.stream().allMatch(r -> r instanceof RefundResult.Succeeded)) {
      return new RefundResult.Succeeded(String.join(",", results.stream()
          .map(r -> ((RefundResult.Succeeded) r).refundId()).toList()));
    }
    return new RefundResult.Accepted("");
  }

  private Future<RefundResult> queryOneRefund(String outRefundNo, String subMchid) {
    String query = config.serviceProvider() ? "?sub_mchid=" + enc(subMchid) : "";
    return call(HttpMethod.GET, "/v3/refund/domestic/refunds/" + enc(outRefundNo) + query, null).map(answer -> {
      if (answer.status() == 404) {
        return new RefundResult.NotFound();
      }
      if (answer.status() != 200 || answer.body() == null) {
        return new RefundResult.Unknown("refund query answered HTTP " + answer.status());
      }
      String status = answer.body().getString("status", "");
      String refundId = answer.body().getString("refund_id", "");
      return switch (status) {
        case "SUCCESS" -> new RefundResult.Succeeded(refundId);
        case "PROCESSING" -> new RefundResult.Accepted(refundId);
        case "CLOSED", "ABNORMAL" -> new RefundResult.Refused(status, "refund status " + status);
        default -> new RefundResult.Unknown("refund status " + status);
      };
    });
  }

  // ---------------------------------------------------------------- bills

  /**
   * Applies for the day's ALL bill gzipped, downloads it within its 30-second validity (a signed
   * GET whose answer is not signed, §1.8), checks its SHA1 and saves the exact bytes served (gzip).
   * A service provider asks without {@code sub_mchid}: WeChat then serves the service provider's
   * bill covering every sub-merchant, which is the day the engine reconciles.
   */
  @Override
  public Future<BillFile> downloadBill(LocalDate day) {
    return call(HttpMethod.GET, "/v3/bill/tradebill?bill_date=" + day + "&bill_type=ALL&tar_type=GZIP",
        null).compose(answer -> {
          if (answer.status() != 200 || answer.body() == null) {
            return Future.failedFuture(refusal("trade bill", answer));
          }
          String url = answer.body().getString("download_url", "");
          String hash = answer.body().getString("hash_value", "");
          return download(url).compose(body -> vertx.executeBlocking(() -> save(day, body, hash)));
        });
  }

  private Future<Buffer> download(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      return Future.failedFuture(new UnknownOutcome("bad download_url"));
    }
    if (!url.startsWith(config.apiBaseUrl() + "/")) {
      // The Authorization header must only ever go to WeChat itself.
      return Future.failedFuture(new UnknownOutcome("download_url is not on the API host"));
    }
    String pathWithQuery = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return vertx.executeBlocking(() -> signer.authorization("GET", pathWithQuery, new byte[0]))
        .compose(auth -> client.getAbs(url).timeout(config.callTimeoutMs())
            .putHeader("Authorization", auth).putHeader("Accept", "application/json").send())
        .compose(response -> response.statusCode() == 200
            ? Future.succeededFuture(response.bodyAsBuffer() == null ? Buffer.buffer()
                : response.bodyAsBuffer())
            : Future.failedFuture(new UnknownOutcome("bill download answered " + response.statusCode())));
  }

  /** Bytes hashed and written at a time: the bill (megabytes) is never copied whole. */
  private static final int SAVE_CHUNK_BYTES = 64 * 1024;

  private BillFile save(LocalDate day, Buffer body, String expectedSha1) throws Exception {
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    byte[] chunk = new byte[SAVE_CHUNK_BYTES];
    for (int start = 0; start < body.length(); start += chunk.length) {
      int end = Math.min(body.length(), start + chunk.length);
      body.getBytes(start, end, chunk, 0);
      sha1.update(chunk, 0, end - start);
    }
    String actual = Crypto.hex(sha1.digest());
    if (!actual.equalsIgnoreCase(expectedSha1)) {
      throw new UnknownOutcome("bill SHA1 " + actual + " is not the announced " + expectedSha1);
    }
    Files.createDirectories(config.billDirectory());
    Path target = config.billDirectory().resolve("wechat-tradebill-" + day + ".csv.gz");
    Path partial = Files.createTempFile(config.billDirectory(), "wechat-tradebill-", ".part");
    try (java.io.OutputStream out = Files.newOutputStream(partial)) {
      for (int start = 0; start < body.length(); start += chunk.length) {
        int end = Math.min(body.length(), start + chunk.length);
        body.getBytes(start, end, chunk, 0);
        out.write(chunk, 0, end - start);
      }
    }
    Files.move(partial, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new BillFile(Channel.WECHAT, day, target);
  }

  /** Streams a saved bill; a gzip file (as downloaded) is unpacked on the fly. */
  @Override
  public StatementReader readBill(BillFile bill) {
    InputStream in = null;
    try {
      in = new BufferedInputStream(Files.newInputStream(bill.path()));
      in.mark(2);
      int first = in.read();
      int second = in.read();
      in.reset();
      InputStream body = first == 0x1f && second == 0x8b ? new GZIPInputStream(in) : in;
      WechatTradeBillParser parser = new WechatTradeBillParser(body);
      return StatementReader.of(parser);
    } catch (IOException e) {
      closeQuietly(in);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closeQuietly(in);
      throw e;
    }
  }

  private static void closeQuietly(InputStream in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // Already failing; the first error is the one worth reporting.
      }
    }
  }

  // ---------------------------------------------------------------- HTTP

  /**
   * Downloads the platform certificates again (GET /v3/certificates, checked as at start-up) and
   * trusts the new ones beside those already trusted. WeChat announces a new certificate before
   * it signs with it, so a refresh twice a day trusts it in time; a failed refresh keeps the keys
   * trusted so far. Returns how many keys are trusted afterwards.
   */
  public Future<Integer> refreshPlatformCertificates() {
    WechatAdapter.Config current = config.withPlatformKeys(trusted.get());
    return WechatPlatformCertificates.download(vertx, client, current, clock).map(certificates ->
        trusted.updateAndGet(keys -> {
          WechatPlatformKeys next = keys;
          for (var certificate : certificates) {
            next = next.withCertificate(certificate);
          }
          return next;
        }).size());
  }

  /**
   * One signed call whose answer is verified: 2xx and 4xx answers must carry a valid platform
   * signature (WeChat signs both); a 5xx, a timeout or an unverifiable answer fails with {@link
   * UnknownOutcome}.
   */
  private Future<Answer> call(HttpMethod method, String pathWithQuery, JsonObject body) {
    byte[] bytes = body == null ? new byte[0] : body.encode().getBytes(StandardCharsets.UTF_8);
    return vertx.executeBlocking(() -> signer.authorization(method.name(), pathWithQuery, bytes))
        .compose(auth -> {
          var request = client.requestAbs(method, config.apiBaseUrl() + pathWithQuery)
              .timeout(config.callTimeoutMs()).putHeader("Authorization", auth)
              .putHeader("Accept", "application/json");
          return body == null ? request.send()
              : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(bytes));
        })
        .recover(e -> Future.failedFuture(new UnknownOutcome(
            method + " " + pathWithQuery + ": " + e.getClass().getSimpleName() + " " + e.getMessage())))
        .compose(response -> {
          if (response.statusCode() >= 500) {
            return Future.failedFuture(new UnknownOutcome("HTTP " + response.statusCode()));
          }
          return vertx.executeBlocking(() -> verified(response));
        });
  }

  private Answer verified(HttpResponse<Buffer> response) {
    byte[] raw = response.bodyAsBuffer() == null ? new byte[0] : response.bodyAsBuffer().getBytes();
    MultiMap headers = response.headers();
    String serial = headers.get("Wechatpay-Serial");
    String signature = headers.get("Wechatpay-Signature");
    String timestamp = headers.get("Wechatpay-Timestamp");
    String nonce = headers.get("Wechatpay-Nonce");
    if (serial == null || signature == null || timestamp == null || nonce == null
        || !WechatTimestamp.isUnixSeconds(timestamp)) {
      throw new UnknownOutcome("answer " + response.statusCode() + " is not signed");
    }
    var key = trusted.get().find(serial)
        .orElseThrow(() -> new UnknownOutcome("answer signed by an untrusted key " + serial));
    if (!WechatTimestamp.isFresh(timestamp, clock, RESPONSE_WINDOW)) {
      throw new UnknownOutcome("answer timestamp outside the window");
    }
    if (!key.type().scheme().verify(key.publicKey(),
        SignatureBase.notification(timestamp, nonce, raw), signature)) {
      throw new UnknownOutcome("answer signature does not verify");
    }
    if (raw.length == 0) {
      return new Answer(response.statusCode(), null);
    }
    try {
      return new Answer(response.statusCode(), new JsonObject(new String(raw, StandardCharsets.UTF_8)));
    } catch (RuntimeException e) {
      throw new UnknownOutcome("answer is not JSON");
    }
  }

  private static JsonObject requireBody(Answer answer) {
    if (answer.body() == null) {
      throw new UnknownOutcome("empty answer");
    }
    return answer.body();
  }

  private static RuntimeException refusal(String what, Answer answer) {
    String code = answer.body() == null ? "" : answer.body().getString("code", "");
    String message = answer.body() == null ? "" : answer.body().getString("message", "");
    if (answer.status() >= 400 && answer.status() < 500) {
      return new IllegalStateException(what + ": HTTP " + answer.status() + " " + code + " " + message);
    }
    return new UnknownOutcome(what + ": HTTP " + answer.status() + " " + code);
  }

  private static String reason(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
