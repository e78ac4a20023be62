package org.clearing.channel.alipay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
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
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.crypto.Crypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's Alipay channel over the v1 {@code gateway.do} protocol (Alipay's documentation). Every call
 * is signed RSA2 with the merchant key, has a timeout, and every answer's signature is verified
 * with the Alipay public key before anything in it is used; an answer that cannot be verified is
 * unknown, never a guess. RSA work runs on worker threads, never on the caller's event loop.
 *
 * <p>Mapping choices: the IN_APP flow is {@code alipay.trade.wap.pay} opened by the payer's browser
 * as a GET of the signed parameters (the SDK's pageExecute with GET does the same), so the trade is
 * created when the payer opens it; CHANNEL_QR is {@code alipay.trade.precreate} and its {@code
 * qr_code}. The split goes in {@code settle_info.settle_detail_infos}, one userId entry per leg.
 * Refunds are synchronous ({@link RefundResult.Succeeded}, refund id {@code trade_no#out_request_no}
 * since Alipay gives refunds no id of their own), and per-leg refunds are sent as their total only
 * (no refund_royalty_parameters). Refund notifications go to the order's notify_url, as Alipay
 * sends them (§2.3); {@link RefundRequest#notifyUrl()} is not sent.
 *
 * <p>"Stale" for Alipay: a notification whose {@code notify_time} is more than {@link
 * Config#notifyTimeBound()} (48 h by default) from now either way. Alipay resends one event with
 * the same notify_id for about 25 h (§2.3), so a tighter freshness window would refuse genuine
 * resends; replays inside the bound are harmless because the inbox is keyed by notify_id.
 *
 * <p>A query answer of TRADE_CLOSED is {@link QueryResult.NotPaid} with {@code closed} true; it is
 * also what a fully refunded trade reports, which the engine tells apart by its own refunds.
 */
public final class AlipayAdapter implements ChannelAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(AlipayAdapter.class);

  /**
   * @param gatewayUrl e.g. {@code https://openapi.alipay.com/gateway.do}, or a sandbox's
   * @param appId our app id
   * @param sellerId our partner id (2088…), checked on every notification
   * @param merchantPrivateKey signs our requests
   * @param alipayPublicKey verifies Alipay's responses and notifications
   * @param callTimeoutMs the bound on every HTTP call
   * @param billDirectory where downloaded bills are saved
   * @param notifyTimeBound how far a notification's notify_time may be from now (§2.3)
   * @param clock for request timestamps and notification freshness
   * @param certificateSn in certificate mode, the serial numbers every request names; null in
   *     public-key mode
   */
  public record Config(String gatewayUrl, String appId, String sellerId,
      PrivateKey merchantPrivateKey, PublicKey alipayPublicKey, long callTimeoutMs,
      Path billDirectory, Duration notifyTimeBound, Clock clock, AlipayCertificateSn certificateSn) {

    /** Public-key mode. */
    public Config(String gatewayUrl, String appId, String sellerId,
        PrivateKey merchantPrivateKey, PublicKey alipayPublicKey, long callTimeoutMs,
        Path billDirectory, Duration notifyTimeBound, Clock clock) {
      this(gatewayUrl, appId, sellerId, merchantPrivateKey, alipayPublicKey, callTimeoutMs,
          billDirectory, notifyTimeBound, clock, null);
    }

    public Config {
      Objects.requireNonNull(gatewayUrl, "gatewayUrl");
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(sellerId, "sellerId");
      Objects.requireNonNull(merchantPrivateKey, "merchantPrivateKey");
      Objects.requireNonNull(alipayPublicKey, "alipayPublicKey");
      Objects.requireNonNull(billDirectory, "billDirectory");
      Objects.requireNonNull(notifyTimeBound, "notifyTimeBound");
      Objects.requireNonNull(clock, "clock");
      if (callTimeoutMs <= 0) {
        throw new IllegalArgumentException("callTimeoutMs must be positive");
      }
    }

    /** With the verifier's default notify-time bound (48 h) and the system clock. */
    public Config(String gatewayUrl, String appId, String sellerId, PrivateKey merchantPrivateKey,
        PublicKey alipayPublicKey, long callTimeoutMs, Path billDirectory) {
      this(gatewayUrl, appId, sellerId, merchantPrivateKey, alipayPublicKey, callTimeoutMs,
          billDirectory, AlipayNotificationVerifier.DEFAULT_NOTIFY_TIME_BOUND, Clock.systemUTC());
    }
  }

  /** A verified answer to one gateway call, or why there is none. */
  private record Reply(AlipayResponseVerifier.Result result, String unknownReason) {

    boolean success() {
      return result != null && result.verified()
          && AlipayResponseVerifier.CODE_SUCCESS.equals(result.code());
    }

    /** A refusal Alipay signed: trustworthy, nothing happened. */
    boolean refused() {
      return result != null && result.verified() && !success();
    }

    String subCode() {
      return result == null ? "" : result.value().getString("sub_code", "");
    }

    String subMsg() {
      return result == null ? "" : result.value().getString("sub_msg", "");
    }

    String why() {
      if (unknownReason != null) {
        return unknownReason;
      }
      return result.status() + " " + result.code() + " " + subCode() + " " + result.detail();
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final Config config;
  private final AlipayRequestSigner signer;
  private final AlipayResponseVerifier responses;
  private final AlipayNotificationVerifier notifications;

  public AlipayAdapter(Vertx vertx, WebClient client, Config config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.client = Objects.requireNonNull(client, "client");
    this.config = Objects.requireNonNull(config, "config");
    this.signer = new AlipayRequestSigner(config.appId(), config.merchantPrivateKey(), config.clock(),
        config.certificateSn());
    this.responses = new AlipayResponseVerifier(config.alipayPublicKey());
    this.notifications = new AlipayNotificationVerifier(config.alipayPublicKey(), config.appId(),
        config.sellerId(), config.clock(), config.notifyTimeBound());
  }

  @Override
  public Channel channel() {
    return Channel.ALIPAY;
  }

  @Override
  public Future<ChannelOrder> openOrder(OpenOrderRequest request) {
    AlipayOrder order;
    try {
      order = order(request);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (request.flow() == OpenOrderRequest.Flow.IN_APP) {
      return blocking(() -> signer.wapPay(order, request.notifyUrl(), request.returnUrl()))
          .map(params -> new ChannelOrder(Channel.ALIPAY, order.outTradeNo(),
              config.gatewayUrl() + "?" + AlipayRequestSigner.formBody(params), ""));
    }
    return call(AlipayMethod.PRECREATE, () -> signer.precreate(order, request.notifyUrl()))
        .compose(reply -> {
          if (reply.success()) {
            String qrCode = reply.result().value().getString("qr_code", "");
            return Future.succeededFuture(
                new ChannelOrder(Channel.ALIPAY, order.outTradeNo(), qrCode, qrCode));
          }
          return Future.failedFuture(new AlipayGatewayException(reply.subCode(),
              "precreate " + order.outTradeNo() + ": " + reply.why(), !reply.refused()));
        });
  }

  /**
   * {@code seller_id} and {@code app_id}; the receivers are the settle-in accounts of
   * {@code settle_info.settle_detail_infos}, one per leg.
   */
  @Override
  public PayeeIdentity payee(List<SplitLeg> legs) {
    return new PayeeIdentity(config.sellerId(), config.appId(), "",
        legs.stream().map(SplitLeg::channelAccount).toList());
  }

  private static AlipayOrder order(OpenOrderRequest request) {
    List<AlipayOrder.SettleLeg> legs = new ArrayList<>();
    for (SplitLeg leg : request.legs()) {
      // The engine's receivers are Alipay user ids (2088…), hence trans_in_type userId (§2.2).
      legs.add(new AlipayOrder.SettleLeg("userId", leg.channelAccount(), leg.amount()));
    }
    String subject = request.description().isBlank() ? request.orderNo() : request.description();
    return new AlipayOrder(request.outTradeNo(), request.total(), subject, request.expiresAt(),
        legs, false);
  }

  @Override
  public Notification verify(IncomingNotification incoming) {
    try {
      return notifications.verify(incoming.body());
    } catch (RuntimeException e) {
      // verify never throws: anything unexpected in outside input is simply untrustworthy.
      return new Rejection(Channel.ALIPAY, Rejection.Reason.MALFORMED, e.getClass().getSimpleName());
    }
  }

  /** §2.3: exactly the 7 characters {@code success}, nothing else. */
  @Override
  public Acknowledgement accepted() {
    return Acknowledgement.of(200, "text/plain", AlipayNotificationVerifier.ACK_SUCCESS);
  }

  /** Anything but {@code success} makes Alipay resend on its schedule. */
  @Override
  public Acknowledgement retryLater(String reason) {
    return Acknowledgement.of(200, "text/plain", AlipayNotificationVerifier.ACK_FAILURE);
  }

  @Override
  public Acknowledgement rejected(Rejection rejection) {
    return Acknowledgement.of(200, "text/plain", AlipayNotificationVerifier.ACK_FAILURE);
  }

  @Override
  public Future<QueryResult> query(String outTradeNo) {
    return call(AlipayMethod.QUERY, () -> signer.query(outTradeNo)).map(reply -> {
      if (reply.refused() && "ACQ.TRADE_NOT_EXIST".equals(reply.subCode())) {
        return new QueryResult.NotFound();
      }
      if (!reply.success()) {
        return new QueryResult.Unknown(reply.why());
      }
      return queryResult(reply.result().value(), config);
    });
  }

  private static QueryResult queryResult(JsonObject value, Config config) {
    String status = value.getString("trade_status", "");
    switch (status) {
      case "WAIT_BUYER_PAY":
        return new QueryResult.NotPaid(status, false);
      case "TRADE_CLOSED":
        // Also the state of a fully refunded trade (§2.3); the engine knows its own refunds.
        return new QueryResult.NotPaid(status, true);
      case "TRADE_SUCCESS":
      case "TRADE_FINISHED":
        break;
      default:
        return new QueryResult.Unknown("unknown trade_status " + status);
    }
    Optional<Instant> paidAt = AlipayTime.parse(value.getString("send_pay_date"));
    Money total;
    try {
      total = Money.parseYuan(value.getString("total_amount"));
    } catch (IllegalArgumentException | ArithmeticException | NullPointerException e) {
      return new QueryResult.Unknown("total_amount is not a yuan amount");
    }
    String tradeNo = value.getString("trade_no", "");
    if (paidAt.isEmpty() || tradeNo.isEmpty()) {
      return new QueryResult.Unknown("paid without send_pay_date or trade_no");
    }
    // Alipay answers a query only about the asking app's own trades (the request is signed with
    // our app key), so the answer is about our seller and app unless it names another seller.
    PayeeIdentity payee = PayeeIdentity.of(value.getString("seller_id", config.sellerId()),
        config.appId(), "");
    if (!PayeeIdentity.of(config.sellerId(), config.appId(), "").admitsAccount(payee)) {
      return new QueryResult.Unknown("answer names another seller: " + payee);
    }
    return new QueryResult.Paid(new PaymentNotification(Channel.ALIPAY, "query:" + tradeNo,
        value.getString("out_trade_no", ""), tradeNo, total, "CNY", true, paidAt.get(),
        value.getString("buyer_user_id", ""), payee));
  }

  @Override
  public Future<CloseResult> close(String outTradeNo) {
    return call(AlipayMethod.CLOSE, () -> signer.close(outTradeNo)).compose(reply -> {
      if (reply.success()) {
        return Future.succeededFuture(new CloseResult.Closed());
      }
      if (reply.refused() && "ACQ.TRADE_NOT_EXIST".equals(reply.subCode())) {
        // Never opened at Alipay (a wap.pay URL nobody opened): nothing can be paid there now.
        LOG.info("event=alipay.close_not_exist out_trade_no={}", outTradeNo);
        return Future.succeededFuture(new CloseResult.Closed());
      }
      if (reply.refused() && "ACQ.TRADE_STATUS_ERROR".equals(reply.subCode())) {
        // Paid, or already closed: Alipay does not say which, so ask rather than guess.
        return query(outTradeNo).map(AlipayAdapter::afterStatusError);
      }
      return Future.succeededFuture(new CloseResult.Unknown(reply.why()));
    });
  }

  private static CloseResult afterStatusError(QueryResult state) {
    if (state instanceof QueryResult.Paid) {
      return new CloseResult.AlreadyPaid();
    }
    if (state instanceof QueryResult.NotPaid notPaid && notPaid.closed()) {
      return new CloseResult.Closed();
    }
    return new CloseResult.Unknown("close refused and query says " + state);
  }

  @Override
  public Future<RefundResult> refund(RefundRequest request) {
    return call(AlipayMethod.REFUND,
        () -> signer.refund(request.outTradeNo(), request.amount(), request.outRefundNo()))
        .map(reply -> {
          if (reply.success()) {
            String tradeNo = reply.result().value().getString("trade_no", request.transactionId());
            return new RefundResult.Succeeded(tradeNo + "#" + request.outRefundNo());
          }
          if (reply.refused() && !"ACQ.SYSTEM_ERROR".equals(reply.subCode())) {
            return new RefundResult.Refused(reply.subCode(), reply.subMsg());
          }
          return new RefundResult.Unknown(reply.why());
        });
  }

  /**
   * alipay.trade.fastpay.refund.query (§2.4): {@code refund_status} REFUND_SUCCESS is a refund
   * done; a successful answer without it means Alipay has no refund under that out_request_no
   * (its documented way of saying so), as does ACQ.TRADE_NOT_EXIST for the trade.
   */
  @Override
  public Future<RefundResult> queryRefund(RefundRequest request) {
    return call(AlipayMethod.REFUND_QUERY, () -> signer.refundQuery(request.outTradeNo(), request.outRefundNo()))
        .map(reply -> {
          if (reply.success()) {
            JsonObject value = reply.result().value();
            if ("REFUND_SUCCESS".equals(value.getString("refund_status", ""))) {
              return new RefundResult.Succeeded(value.getString("trade_no", request.transactionId()) + "#"
                  + request.outRefundNo());
            }
            return value.containsKey("refund_amount") ? new RefundResult.Accepted("")
                : new RefundResult.NotFound();
          }
          if ("ACQ.TRADE_NOT_EXIST".equals(reply.subCode())) {
            return new RefundResult.NotFound();
          }
          return new RefundResult.Unknown(reply.why());
        });
  }

  @Override
  public Future<BillFile> downloadBill(LocalDate day) {
    return call(AlipayMethod.BILL_DOWNLOAD_URL_QUERY, () -> signer.billDownloadUrl(day))
        .compose(reply -> {
          String url = reply.success()
              ? reply.result().value().getString("bill_download_url", "") : "";
          if (url.isEmpty()) {
            return Future.failedFuture(new AlipayGatewayException(reply.subCode(),
                "bill " + day + ": " + reply.why(), !reply.refused()));
          }
          // The URL works for 30 s (§2.5), so it is fetched at once.
          return client.getAbs(url).timeout(config.callTimeoutMs()).send();
        })
        .compose(response -> {
          // The body is written as it came: a day's bill is megabytes, never copied whole.
          Buffer body = response.body() == null ? Buffer.buffer() : response.body();
          if (response.statusCode() != 200 || body.length() < 4 || body.getByte(0) != 'P' || body.getByte(1) != 'K') {
            return Future.failedFuture(new AlipayGatewayException("",
                "bill " + day + ": HTTP " + response.statusCode() + ", not a zip", true));
          }
          Path path = config.billDirectory()
              .resolve("alipay-trade-" + day + "-" + Crypto.randomToken(6) + ".csv.zip");
          return vertx.fileSystem().mkdirs(config.billDirectory().toString())
              .compose(v -> vertx.fileSystem().writeFile(path.toString(), body))
              .map(v -> new BillFile(Channel.ALIPAY, day, path));
        });
  }

  @Override
  public StatementReader readBill(BillFile bill) {
    InputStream in;
    try {
      in = Files.newInputStream(bill.path());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AlipayBillParser parser = AlipayBillParser.open(in);
    return StatementReader.of(parser);
  }

  /**
   * One gateway call: sign on a worker, POST the form with the timeout, verify the answer on a
   * worker. Transport failures and non-200 answers become a Reply with an unknown reason.
   */
  private Future<Reply> call(AlipayMethod method, Callable<Map<String, String>> sign) {
    return blocking(sign)
        .compose(params -> client.postAbs(config.gatewayUrl()).timeout(config.callTimeoutMs())
            .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .sendBuffer(Buffer.buffer(AlipayRequestSigner.formBody(params), "UTF-8")))
        .compose(response -> verifyResponse(method, response),
            failure -> Future.succeededFuture(new Reply(null,
                "no answer: " + failure.getClass().getSimpleName() + " " + failure.getMessage())));
  }

  private Future<Reply> verifyResponse(AlipayMethod method, HttpResponse<Buffer> response) {
    if (response.statusCode() != 200 || response.body() == null) {
      return Future.succeededFuture(new Reply(null, "HTTP " + response.statusCode()));
    }
    String body = response.body().toString(StandardCharsets.UTF_8);
    return blocking(() -> responses.verify(method.wireName(), body)).map(result -> {
      if (!result.verified() && result.status() != AlipayResponseVerifier.Status.UNSIGNED_ERROR) {
        LOG.warn("event=alipay.unverified_response method={} status={}", method.wireName(),
            result.status());
      }
      return result.verified() ? new Reply(result, null)
          : new Reply(result, "unverified answer: " + result.status() + " " + result.code() + " "
              + result.value().getString("sub_code", ""));
    });
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}
