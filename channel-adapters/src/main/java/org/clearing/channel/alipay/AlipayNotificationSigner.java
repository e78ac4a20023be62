package org.clearing.channel.alipay;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.clearing.channel.Money;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SignatureScheme;

/**
 * The channel side of an asynchronous notification (used by the sandbox): the form fields of
 * Alipay's documentation, signed with the Alipay private key over the V1 form ({@link
 * AlipaySignContent#notification}: no {@code sign}, no {@code sign_type}). The sandbox's fault
 * options are built in: a signature from another key, and a skewed {@code notify_time}.
 */
public final class AlipayNotificationSigner {

  /** A deliberate defect for the sandbox to inject. */
  public enum Fault {
    NONE,
    /** Signed with a generated key that the merchant does not know. */
    FORGED_SIGNATURE,
    /** {@code notify_time} moved by the skew given to the constructor. */
    SKEWED_NOTIFY_TIME
  }

  private final PrivateKey alipayKey;
  private final Clock clock;
  private final Duration notifyTimeSkew;
  /** The key of {@link Fault#FORGED_SIGNATURE}; null: one made on first use, once per process. */
  private final PrivateKey forgerKey;

  public AlipayNotificationSigner(PrivateKey alipayKey, Clock clock) {
    this(alipayKey, clock, Duration.ofDays(3));
  }

  /**
   * @param notifyTimeSkew how far {@link Fault#SKEWED_NOTIFY_TIME} moves notify_time (signed)
   */
  public AlipayNotificationSigner(PrivateKey alipayKey, Clock clock, Duration notifyTimeSkew) {
    this(alipayKey, clock, notifyTimeSkew, null);
  }

  /**
   * @param forgerKey the key {@link Fault#FORGED_SIGNATURE} signs with (a sandbox keeps one), or
   *     null for one made on first use
   */
  public AlipayNotificationSigner(PrivateKey alipayKey, Clock clock, Duration notifyTimeSkew,
      PrivateKey forgerKey) {
    this.alipayKey = Objects.requireNonNull(alipayKey, "alipayKey");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.notifyTimeSkew = Objects.requireNonNull(notifyTimeSkew, "notifyTimeSkew");
    this.forgerKey = forgerKey;
  }

  public Map<String, String> sign(AlipayTradeNotice trade) {
    return sign(trade, Fault.NONE);
  }

  /** The notification's fields, {@code sign} last, in the order of the §2.3 field list. */
  public Map<String, String> sign(AlipayTradeNotice trade, Fault fault) {
    Instant notifyTime = clock.instant();
    if (fault == Fault.SKEWED_NOTIFY_TIME) {
      notifyTime = notifyTime.plus(notifyTimeSkew);
    }
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("notify_time", AlipayTime.format(notifyTime));
    fields.put("notify_type", "trade_status_sync");
    fields.put("notify_id", trade.notifyId());
    fields.put("app_id", trade.appId());
    fields.put("charset", "utf-8");
    fields.put("version", "1.0");
    fields.put("sign_type", "RSA2");
    fields.put("trade_no", trade.tradeNo());
    fields.put("out_trade_no", trade.outTradeNo());
    fields.put("buyer_id", trade.buyerId());
    fields.put("seller_id", trade.sellerId());
    fields.put("total_amount", trade.totalAmount().toYuanString());
    putAmount(fields, "receipt_amount", trade.receiptAmount());
    putAmount(fields, "buyer_pay_amount", trade.buyerPayAmount());
    fields.put("trade_status", trade.tradeStatus());
    fields.put("gmt_create", AlipayTime.format(trade.gmtCreate()));
    if (trade.gmtPayment() != null) {
      fields.put("gmt_payment", AlipayTime.format(trade.gmtPayment()));
    }
    fields.put("subject", trade.subject());
    if (trade.refund() != null) {
      fields.put("refund_fee", trade.refund().refundFee().toYuanString());
      fields.put("gmt_refund", AlipayTime.format(trade.refund().gmtRefund()));
      fields.put("out_biz_no", trade.refund().outBizNo());
    }
    PrivateKey key = fault != Fault.FORGED_SIGNATURE ? alipayKey
        : forgerKey != null ? forgerKey : ForgeryKey.KEY;
    String content = AlipaySignContent.notification(fields);
    fields.put(
        "sign", SignatureScheme.SHA256_RSA.sign(key, content.getBytes(StandardCharsets.UTF_8)));
    return fields;
  }

  /** The POST body ({@code application/x-www-form-urlencoded; charset=utf-8}). */
  public static String formBody(Map<String, String> fields) {
    return AlipayForm.encode(fields, StandardCharsets.UTF_8);
  }

  /** A key nobody trusts, made once on first use because RSA key generation is slow. */
  private static final class ForgeryKey {
    static final PrivateKey KEY = Crypto.generateRsa(2048).getPrivate();
  }

  private static void putAmount(Map<String, String> fields, String name, Money amount) {
    if (amount != null) {
      fields.put(name, amount.toYuanString());
    }
  }
}
