package org.clearing.channel.alipay;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.Rejection;
import org.clearing.channel.Rejection.Reason;
import org.clearing.crypto.SignatureScheme;

/**
 * The merchant side of an asynchronous notification (Alipay's documentation): decode the form, check the
 * V1 signature with the Alipay public key, check that it is addressed to us, and map it to a {@link
 * PaymentNotification} or {@link RefundNotification}. Anything that cannot be trusted is a {@link
 * Rejection}, answered with {@link #ACK_FAILURE}; a booked one with {@link #ACK_SUCCESS}.
 *
 * <p>Choices where Alipay leaves room, so that callers know what they get:
 *
 * <ul>
 *   <li>A correctly signed notification for another {@code app_id} or {@code seller_id} is {@link
 *       Reason#FOREIGN}, not {@link Reason#BAD_SIGNATURE}: Alipay did sign it, it is simply not
 *       ours (misrouted, or another merchant's payment forwarded to us), and the metric should
 *       not look like a forgery. The check runs after the signature, so forgeries stay
 *       BAD_SIGNATURE.
 *   <li>{@code notify_time} is not a freshness rule at Alipay: resends of one event keep their
 *       {@code notify_id} for about 25 hours. Only a time beyond a generous configured bound
 *       (either way) is {@link Reason#STALE}.
 *   <li>The event id is {@code notify_id}, which is stable across resends of one event and so is
 *       the right inbox key.
 *   <li>A notification carrying {@code out_biz_no} or {@code gmt_refund} reports a refund. Alipay
 *       does not send the refund's own amount, only {@code refund_fee}, the total refunded on the
 *       trade so far; {@link RefundNotification#amount()} is that cumulative total, and the engine
 *       derives the delta from the refunds it has booked.
 *   <li>An empty field is treated exactly like an absent one, because the signature does not cover
 *       empty fields ({@link AlipaySignContent}); anyone can add or drop them.
 *   <li>{@code refund_fee=0.00} alone (the §2.3 sample) does not make a refund.
 *   <li>WAIT_BUYER_PAY and TRADE_CLOSED without refund fields give an unsuccessful {@link
 *       PaymentNotification} whose {@code paidAt} is {@code gmt_close}, or else {@code
 *       notify_time}.
 * </ul>
 */
public final class AlipayNotificationVerifier {

  /** The exact body that acknowledges a notification (7 characters, nothing else). */
  public static final String ACK_SUCCESS = "success";

  /** A body that asks Alipay to send the notification again. */
  public static final String ACK_FAILURE = "fail";

  /** Resends stop after about 25 h (§2.3); two days leaves room for a slow merchant clock. */
  public static final Duration DEFAULT_NOTIFY_TIME_BOUND = Duration.ofHours(48);

  private static final List<String> REQUIRED =
      List.of(
          "sign",
          "notify_id",
          "notify_time",
          "notify_type",
          "app_id",
          "seller_id",
          "trade_no",
          "out_trade_no",
          "trade_status",
          "total_amount");

  private final PublicKey alipayPublicKey;
  private final String appId;
  private final String sellerId;
  private final Clock clock;
  private final Duration notifyTimeBound;

  /**
   * @param appId our app id
   * @param sellerId our Alipay merchant id ({@code 2088…}, the PID)
   * @param notifyTimeBound how far {@code notify_time} may be from now either way
   */
  public AlipayNotificationVerifier(
      PublicKey alipayPublicKey,
      String appId,
      String sellerId,
      Clock clock,
      Duration notifyTimeBound) {
    this.alipayPublicKey = Objects.requireNonNull(alipayPublicKey, "alipayPublicKey");
    this.appId = Objects.requireNonNull(appId, "appId");
    this.sellerId = Objects.requireNonNull(sellerId, "sellerId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.notifyTimeBound = Objects.requireNonNull(notifyTimeBound, "notifyTimeBound");
  }

  /** Verifies a raw {@code application/x-www-form-urlencoded} body. */
  public Notification verify(byte[] formBody) {
    AlipayForm.Decoded decoded = AlipayForm.decode(formBody);
    if (!decoded.ok()) {
      return reject(Reason.MALFORMED, decoded.problem());
    }
    return verify(decoded.fields());
  }

  /** Verifies already URL-decoded fields. The map is not modified. */
  public Notification verify(Map<String, String> fields) {
    for (String name : REQUIRED) {
      if (field(fields, name).isEmpty()) {
        return reject(Reason.MALFORMED, "missing " + name);
      }
    }
    String signType = fields.get("sign_type");
    if (signType != null && !"RSA2".equals(signType)) {
      return reject(Reason.MALFORMED, "unsupported sign_type " + signType);
    }
    Optional<Charset> charset = charset(fields.get("charset"));
    if (charset.isEmpty()) {
      return reject(Reason.MALFORMED, "unsupported charset");
    }
    byte[] content = AlipaySignContent.notification(fields).getBytes(charset.get());
    if (!SignatureScheme.SHA256_RSA.verify(alipayPublicKey, content, fields.get("sign"))) {
      return reject(Reason.BAD_SIGNATURE, "signature does not verify");
    }
    if (!PayeeIdentity.of(sellerId, appId, "").admitsAccount(payee(fields))) {
      return reject(Reason.FOREIGN, "notification pays " + payee(fields));
    }
    if (!"trade_status_sync".equals(fields.get("notify_type"))) {
      return reject(Reason.MALFORMED, "notify_type " + fields.get("notify_type"));
    }
    Optional<Instant> notifyTime = AlipayTime.parse(fields.get("notify_time"));
    if (notifyTime.isEmpty()) {
      return reject(Reason.MALFORMED, "notify_time is not yyyy-MM-dd HH:mm:ss");
    }
    Duration skew = Duration.between(clock.instant(), notifyTime.get()).abs();
    if (skew.compareTo(notifyTimeBound) > 0) {
      return reject(Reason.STALE, "notify_time off by " + skew.toHours() + " h");
    }
    return map(fields, notifyTime.get());
  }

  private Notification map(Map<String, String> fields, Instant notifyTime) {
    Optional<Money> total = positiveAmount(fields.get("total_amount"));
    if (total.isEmpty()) {
      return reject(Reason.MALFORMED, "total_amount is not a positive 2-decimal yuan amount");
    }
    if (!field(fields, "out_biz_no").isEmpty() || !field(fields, "gmt_refund").isEmpty()) {
      return refund(fields);
    }
    String status = fields.get("trade_status");
    boolean paid = "TRADE_SUCCESS".equals(status) || "TRADE_FINISHED".equals(status);
    Optional<Instant> at;
    if (paid) {
      at = AlipayTime.parse(fields.get("gmt_payment"));
      if (at.isEmpty()) {
        return reject(Reason.MALFORMED, "paid without a valid gmt_payment");
      }
    } else if ("WAIT_BUYER_PAY".equals(status) || "TRADE_CLOSED".equals(status)) {
      at = AlipayTime.parse(fields.get("gmt_close")).or(() -> Optional.of(notifyTime));
    } else {
      return reject(Reason.MALFORMED, "unknown trade_status " + status);
    }
    String payerRef = field(fields, "buyer_id");
    if (payerRef.isEmpty()) {
      payerRef = field(fields, "buyer_open_id");
    }
    return new PaymentNotification(
        Channel.ALIPAY,
        fields.get("notify_id"),
        fields.get("out_trade_no"),
        fields.get("trade_no"),
        total.get(),
        "CNY",
        paid,
        at.get(),
        payerRef,
        payee(fields));
  }

  /**
   * Who a notification says was paid: {@code seller_id} through {@code app_id}. Notifications do
   * not list the settle receivers, so none are reported.
   */
  private static PayeeIdentity payee(Map<String, String> fields) {
    return PayeeIdentity.of(field(fields, "seller_id"), field(fields, "app_id"), "");
  }

  private Notification refund(Map<String, String> fields) {
    String outBizNo = field(fields, "out_biz_no");
    if (outBizNo.isEmpty()) {
      return reject(Reason.MALFORMED, "refund without out_biz_no");
    }
    Optional<Instant> gmtRefund = AlipayTime.parse(fields.get("gmt_refund"));
    if (gmtRefund.isEmpty()) {
      return reject(Reason.MALFORMED, "refund without a valid gmt_refund");
    }
    Optional<Money> refundFee = positiveAmount(fields.get("refund_fee"));
    if (refundFee.isEmpty()) {
      return reject(Reason.MALFORMED, "refund_fee is not a positive 2-decimal yuan amount");
    }
    return new RefundNotification(
        Channel.ALIPAY,
        fields.get("notify_id"),
        fields.get("out_trade_no"),
        fields.get("trade_no"),
        outBizNo,
        "",
        refundFee.get(),
        RefundNotification.Status.SUCCEEDED,
        gmtRefund.get(),
        payee(fields));
  }

  /** A field's value, empty when absent or null: both mean "not sent" here. */
  private static String field(Map<String, String> fields, String name) {
    String value = fields.get(name);
    return value == null ? "" : value;
  }

  private static Optional<Money> positiveAmount(String yuan) {
    try {
      Money amount = Money.parseYuan(yuan);
      return amount.isPositive() ? Optional.of(amount) : Optional.empty();
    } catch (IllegalArgumentException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  private static Optional<Charset> charset(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of(StandardCharsets.UTF_8);
    }
    try {
      return Optional.of(Charset.forName(name));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return Optional.empty();
    }
  }

  private static Rejection reject(Reason reason, String detail) {
    return new Rejection(Channel.ALIPAY, reason, detail);
  }
}
