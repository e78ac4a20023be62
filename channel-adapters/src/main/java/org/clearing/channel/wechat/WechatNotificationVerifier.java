package org.clearing.channel.wechat;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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
import org.clearing.crypto.SignatureBase;

/**
 * The merchant side of a WeChat notification: checks its headers and signature, decrypts the
 * resource and turns it into a {@link PaymentNotification} or {@link RefundNotification}, or a
 * {@link Rejection} saying why it cannot be trusted (WeChat Pay's documentation). The signature is
 * checked before anything in the body is read, as the SDK does.
 */
public final class WechatNotificationVerifier {

  /** WeChat's deliberately wrong signatures start with this (WeChat Pay's documentation, unverified). */
  public static final String PROBE_PREFIX = "WECHATPAY/SIGNTEST/";

  /** Read at each delivery: a platform-certificate refresh takes effect at once. */
  private final java.util.function.Supplier<WechatPlatformKeys> platformKeys;
  private final Merchant merchant;
  /** Both of WeChat's resource ciphers under the APIv3 key, keyed once (the SM4 key is a digest). */
  private final AeadCipher aes;
  private final AeadCipher sm4;
  private final Clock clock;
  private final Duration window;

  /**
   * Who our notifications pay. A direct merchant: its {@code mchid} and {@code appid}, and no
   * sub-merchant. A service provider (服务商): {@code sp_mchid} and {@code sp_appid}, and every
   * {@code sub_mchid} a resource names must be one of the sub-merchants it collects for — WeChat
   * signs the notifications of every sub-merchant of every service provider with the same
   * platform key, so a genuine signature does not make one ours.
   *
   * @param subMchids the service provider's sub-merchants; empty for a direct merchant
   */
  public record Merchant(String mchid, String appid, boolean serviceProvider, java.util.Set<String> subMchids) {
    public Merchant {
      Objects.requireNonNull(mchid, "mchid");
      Objects.requireNonNull(appid, "appid");
      subMchids = java.util.Set.copyOf(subMchids);
      if (serviceProvider == subMchids.isEmpty()) {
        throw new IllegalArgumentException("a service provider has sub-merchants, a direct merchant none");
      }
    }

    public static Merchant direct(String mchid, String appid) {
      return new Merchant(mchid, appid, false, java.util.Set.of());
    }
  }

  /**
   * @param appid the app id the payment resources must name; refunds carry none
   * @param window the largest accepted distance between {@code Wechatpay-Timestamp} and now (5
   *     minutes, like the SDK's response check, §1.4)
   */
  public WechatNotificationVerifier(
      WechatPlatformKeys platformKeys,
      String apiV3Key,
      String mchid,
      String appid,
      Clock clock,
      Duration window) {
    this(constant(Objects.requireNonNull(platformKeys, "platformKeys")), apiV3Key, mchid, appid, clock, window);
  }

  /** As above, the trusted keys read at each delivery from {@code platformKeys}. */
  public WechatNotificationVerifier(
      java.util.function.Supplier<WechatPlatformKeys> platformKeys,
      String apiV3Key,
      String mchid,
      String appid,
      Clock clock,
      Duration window) {
    this(platformKeys, apiV3Key, Merchant.direct(mchid, appid), clock, window);
  }

  /** As above, for a direct merchant or a service provider. */
  public WechatNotificationVerifier(
      java.util.function.Supplier<WechatPlatformKeys> platformKeys,
      String apiV3Key,
      Merchant merchant,
      Clock clock,
      Duration window) {
    this.platformKeys = Objects.requireNonNull(platformKeys, "platformKeys");
    Objects.requireNonNull(apiV3Key, "apiV3Key");
    this.aes = AeadCipher.aes256Gcm(apiV3Key); // fails fast on a key of the wrong length
    this.sm4 = AeadCipher.sm4Gcm(apiV3Key);
    this.merchant = Objects.requireNonNull(merchant, "merchant");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.window = Objects.requireNonNull(window, "window");
  }

  private static java.util.function.Supplier<WechatPlatformKeys> constant(WechatPlatformKeys keys) {
    return () -> keys;
  }

  /**
   * Verifies one delivery.
   *
   * @param headers the HTTP headers with lowercased names ({@code wechatpay-serial}, …)
   * @param rawBody the body bytes exactly as received; re-serialised JSON would not verify
   */
  public Notification verify(Map<String, String> headers, byte[] rawBody) {
    String serial = headers.get("wechatpay-serial");
    String signature = headers.get("wechatpay-signature");
    String timestamp = headers.get("wechatpay-timestamp");
    String nonce = headers.get("wechatpay-nonce");
    if (isBlank(serial) || isBlank(signature) || isBlank(timestamp) || isBlank(nonce)) {
      return reject(Reason.MALFORMED, "missing Wechatpay-Serial/Signature/Timestamp/Nonce header");
    }
    if (!WechatTimestamp.isUnixSeconds(timestamp)) {
      return reject(Reason.MALFORMED, "Wechatpay-Timestamp is not Unix seconds");
    }
    Optional<WechatSignatureType> type = WechatSignatureType.fromSchema(
        headers.getOrDefault("wechatpay-signature-type", WechatSignatureType.RSA.schema()));
    if (type.isEmpty()) {
      return reject(Reason.MALFORMED, "unknown Wechatpay-Signature-Type");
    }
    if (signature.startsWith(PROBE_PREFIX)) {
      return reject(Reason.PROBE, "signature probe");
    }
    Optional<WechatPlatformKeys.PlatformKey> key = platformKeys.get().find(serial);
    if (key.isEmpty()) {
      return reject(Reason.UNKNOWN_KEY, "Wechatpay-Serial not trusted: " + serial);
    }
    if (!WechatTimestamp.isFresh(timestamp, clock, window)) {
      return reject(Reason.STALE, "Wechatpay-Timestamp outside the window");
    }
    byte[] message = SignatureBase.notification(timestamp, nonce, rawBody);
    if (key.get().type() != type.get()
        || !type.get().scheme().verify(key.get().publicKey(), message, signature)) {
      return reject(Reason.BAD_SIGNATURE, "signature does not verify with " + serial);
    }
    try {
      return parse(rawBody);
    } catch (MalformedException e) {
      return reject(e.reason, e.getMessage());
    }
  }

  private Notification parse(byte[] rawBody) throws MalformedException {
    JsonObject envelope = json(new String(rawBody, StandardCharsets.UTF_8), "envelope");
    String eventId = text(envelope, "id");
    String eventType = text(envelope, "event_type");
    JsonObject resource = object(envelope, "resource");
    JsonObject plain = json(decrypt(resource), "resource plaintext");
    if (plain.containsKey("combine_out_trade_no")) {
      if (!"TRANSACTION.SUCCESS".equals(eventType)) {
        throw new MalformedException("unexpected event_type " + eventType + " for a combined payment");
      }
      return combinedPayment(eventId, plain, merchant);
    }
    PayeeIdentity payee = checkedPayee(plain, merchant);
    return switch (eventType) {
      case "TRANSACTION.SUCCESS" -> payment(eventId, plain, payee);
      case "REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED" ->
          refund(eventId, plain, text(envelope, "create_time"), payee);
      default -> throw new MalformedException("unexpected event_type " + eventType);
    };
  }

  /**
   * Who a plain transaction or refund resource says was paid: {@code mchid} (a service
   * provider's resource has {@code sp_mchid} instead), {@code appid} or {@code sp_appid} (refunds
   * carry none), and {@code sub_mchid}. Anything but our merchant and app, or a sub-merchant not
   * ours, is {@code FOREIGN}: WeChat signs every merchant's notifications with its platform key.
   */
  private static PayeeIdentity checkedPayee(JsonObject resource, Merchant merchant)
      throws MalformedException {
    String name = optionalText(resource, "mchid");
    if (name.isEmpty()) {
      name = optionalText(resource, "sp_mchid");
    }
    if (name.isEmpty()) {
      throw new MalformedException("missing mchid");
    }
    String app = optionalText(resource, "appid");
    PayeeIdentity payee = PayeeIdentity.of(name, app.isEmpty() ? optionalText(resource, "sp_appid") : app,
        optionalText(resource, "sub_mchid"));
    if (merchant.serviceProvider() && payee.subMerchant().isEmpty()) {
      // A service provider's order is always one of a sub-merchant's; a resource naming none is
      // a direct merchant's, not ours.
      throw new MalformedException(Reason.FOREIGN, "resource pays " + payee + ", no sub_mchid");
    }
    return checked(payee, merchant);
  }

  /**
   * The merchant and app must be ours; a sub-merchant must be one of a service provider's own
   * (a direct merchant has none, so any sub-merchant is somebody else's).
   */
  private static PayeeIdentity checked(PayeeIdentity payee, Merchant merchant)
      throws MalformedException {
    String sub = payee.subMerchant();
    boolean subOurs = sub.isEmpty() || merchant.subMchids().contains(sub);
    if (!subOurs || !PayeeIdentity.of(merchant.mchid(), merchant.appid(), sub).admitsAccount(payee)) {
      throw new MalformedException(Reason.FOREIGN, "resource pays " + payee);
    }
    for (String receiver : payee.receivers()) {
      if (merchant.serviceProvider() && !merchant.subMchids().contains(receiver)) {
        throw new MalformedException(Reason.FOREIGN, "sub-order pays sub_mchid " + receiver
            + ", not a sub-merchant of service provider " + merchant.mchid());
      }
    }
    return payee;
  }

  /**
   * A tag that fails after the signature verified means the ciphertext was made under another key
   * (our APIv3 key is not WeChat's) or altered before signing; either way the content cannot be
   * authenticated, so it is BAD_SIGNATURE like any authentication failure and WeChat resends it.
   * Fields that cannot even be fed to the cipher (unknown algorithm, a nonce that is not 12
   * bytes) are MALFORMED.
   */
  private String decrypt(JsonObject resource) throws MalformedException {
    String algorithm = text(resource, "algorithm");
    String nonce = text(resource, "nonce");
    String ciphertext = text(resource, "ciphertext");
    String associatedData = optionalText(resource, "associated_data");
    Optional<AeadCipher> cipher = aes.algorithm().equals(algorithm) ? Optional.of(aes)
        : sm4.algorithm().equals(algorithm) ? Optional.of(sm4) : Optional.empty();
    if (cipher.isEmpty()) {
      throw new MalformedException("unknown resource algorithm " + algorithm);
    }
    if (!AeadCipher.isValidNonce(nonce)) {
      throw new MalformedException("resource nonce is not 12 bytes");
    }
    byte[] plaintext = cipher.get().decrypt(associatedData, nonce, ciphertext).orElseThrow(
        () -> new MalformedException(Reason.BAD_SIGNATURE, "resource does not decrypt"));
    return new String(plaintext, StandardCharsets.UTF_8);
  }

  /**
   * The same mapping for a query answer (WeChat Pay's documentation), which carries the resource in the
   * clear: a combined order's answer when {@code combine_out_trade_no} is present, else a plain
   * transaction's. The caller checks {@code trade_state} first.
   *
   * @throws IllegalArgumentException naming the field that does not fit
   */
  static PaymentNotification paymentOf(String eventId, JsonObject resource, Merchant merchant) {
    try {
      if (resource.containsKey("combine_out_trade_no")) {
        return combinedPayment(eventId, resource, merchant);
      }
      return payment(eventId, resource, checkedPayee(resource, merchant));
    } catch (MalformedException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static PaymentNotification payment(String eventId, JsonObject transaction,
      PayeeIdentity payee) throws MalformedException {
    if (payee.app().isEmpty()) {
      throw new MalformedException("missing appid");
    }
    JsonObject amount = object(transaction, "amount");
    JsonObject payer = optionalObject(transaction, "payer");
    // A service provider's payer is named under its app (sp_openid) or the sub-merchant's.
    String openid = payer == null ? "" : optionalText(payer, "openid");
    openid = openid.isEmpty() && payer != null ? optionalText(payer, "sp_openid") : openid;
    openid = openid.isEmpty() && payer != null ? optionalText(payer, "sub_openid") : openid;
    return new PaymentNotification(
        Channel.WECHAT,
        eventId,
        text(transaction, "out_trade_no"),
        text(transaction, "transaction_id"),
        fen(amount, "total"),
        text(amount, "currency"),
        "SUCCESS".equals(text(transaction, "trade_state")),
        time(text(transaction, "success_time")),
        openid,
        payee);
  }

  /**
   * A combined payment (合单支付, WeChat Pay's documentation) is one payment of several sub-orders: it becomes
   * one notification for the combined order number, paid in full only when every sub-order says
   * SUCCESS, for the sum of the sub-orders, at the latest sub-order's success time. The first
   * sub-order's transaction id names the payment (each sub-order has its own).
   */
  private static PaymentNotification combinedPayment(
      String eventId, JsonObject combined, Merchant merchant) throws MalformedException {
    String combineMchid = text(combined, "combine_mchid");
    String combineAppid = text(combined, "combine_appid");
    Object subs = combined.getValue("sub_orders");
    if (!(subs instanceof io.vertx.core.json.JsonArray array) || array.isEmpty()) {
      throw new MalformedException("missing sub_orders");
    }
    Money total = Money.ZERO;
    boolean allPaid = true;
    Instant paidAt = null;
    String firstTransactionId = null;
    String currency = null;
    List<String> receivers = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject sub)) {
        throw new MalformedException("a sub_orders entry is not an object");
      }
      // A direct merchant's sub-order mchid is the receiver its leg was paid to; a service
      // provider's sub-orders all name it as mchid and the receiver as sub_mchid. The engine
      // compares the receivers with those it sent.
      String subMchid = optionalText(sub, "sub_mchid");
      if (merchant.serviceProvider()) {
        if (!merchant.mchid().equals(text(sub, "mchid")) || subMchid.isEmpty()) {
          throw new MalformedException(Reason.FOREIGN, "sub-order of mchid " + optionalText(sub, "mchid")
              + " sub_mchid " + subMchid + " is not one of service provider " + merchant.mchid() + "'s");
        }
        receivers.add(subMchid);
      } else {
        if (!subMchid.isEmpty()) {
          throw new MalformedException(Reason.FOREIGN, "sub-order pays sub_mchid " + subMchid
              + "; a direct merchant has no sub-merchants");
        }
        receivers.add(text(sub, "mchid"));
      }
      text(sub, "out_trade_no");
      JsonObject amount = object(sub, "amount");
      total = total.plus(fen(amount, "total_amount"));
      String subCurrency = text(amount, "currency");
      if (currency != null && !currency.equals(subCurrency)) {
        throw new MalformedException("sub-orders in different currencies");
      }
      currency = subCurrency;
      boolean paid = "SUCCESS".equals(text(sub, "trade_state"));
      allPaid &= paid;
      String transactionId = paid ? text(sub, "transaction_id") : optionalText(sub, "transaction_id");
      if (firstTransactionId == null) {
        firstTransactionId = transactionId;
      }
      String when = optionalText(sub, "success_time");
      if (paid && when.isEmpty()) {
        throw new MalformedException("a paid sub-order has no success_time");
      }
      if (!when.isEmpty()) {
        Instant at = time(when);
        paidAt = paidAt == null || at.isAfter(paidAt) ? at : paidAt;
      }
    }
    if (firstTransactionId.isEmpty() || paidAt == null) {
      throw new MalformedException("no paid sub-order in a TRANSACTION.SUCCESS event");
    }
    PayeeIdentity payee = checked(new PayeeIdentity(combineMchid, combineAppid, "", receivers), merchant);
    JsonObject payer = optionalObject(combined, "combine_payer_info");
    return new PaymentNotification(
        Channel.WECHAT,
        eventId,
        text(combined, "combine_out_trade_no"),
        firstTransactionId,
        total,
        currency,
        allPaid,
        paidAt,
        payer == null ? "" : optionalText(payer, "openid"),
        payee);
  }

  private RefundNotification refund(String eventId, JsonObject refund, String envelopeTime,
      PayeeIdentity payee) throws MalformedException {
    JsonObject amount = object(refund, "amount");
    String status = text(refund, "refund_status");
    RefundNotification.Status outcome = switch (status) {
      case "SUCCESS" -> RefundNotification.Status.SUCCEEDED;
      case "CLOSED", "ABNORMAL" -> RefundNotification.Status.FAILED;
      case "PROCESSING" -> RefundNotification.Status.PROCESSING;
      default -> throw new MalformedException("unknown refund_status " + status);
    };
    // Only a successful refund has success_time; the others are dated by the event (§1.6).
    String when = optionalText(refund, "success_time");
    return new RefundNotification(
        Channel.WECHAT,
        eventId,
        text(refund, "out_trade_no"),
        optionalText(refund, "transaction_id"),
        text(refund, "out_refund_no"),
        optionalText(refund, "refund_id"),
        fen(amount, "refund"),
        outcome,
        time(when.isEmpty() ? envelopeTime : when),
        payee);
  }

  private static Rejection reject(Reason reason, String detail) {
    return new Rejection(Channel.WECHAT, reason, detail);
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  private static JsonObject json(String text, String what) throws MalformedException {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new MalformedException(what + " is not a JSON object");
    }
  }

  private static String text(JsonObject object, String field) throws MalformedException {
    String value = optionalText(object, field);
    if (value.isEmpty()) {
      throw new MalformedException("missing " + field);
    }
    return value;
  }

  private static String optionalText(JsonObject object, String field) throws MalformedException {
    Object value = object.getValue(field);
    if (value == null) {
      return "";
    }
    if (!(value instanceof String text)) {
      throw new MalformedException(field + " is not a string");
    }
    return text;
  }

  private static JsonObject object(JsonObject parent, String field) throws MalformedException {
    JsonObject value = optionalObject(parent, field);
    if (value == null) {
      throw new MalformedException("missing " + field);
    }
    return value;
  }

  private static JsonObject optionalObject(JsonObject parent, String field)
      throws MalformedException {
    Object value = parent.getValue(field);
    if (value != null && !(value instanceof JsonObject)) {
      throw new MalformedException(field + " is not an object");
    }
    return (JsonObject) value;
  }

  /** WeChat amounts are JSON integers of fen (§1.6); a fraction or a string is refused. */
  private static Money fen(JsonObject amount, String field) throws MalformedException {
    Object value = amount.getValue(field);
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new MalformedException("amount." + field + " is not an integer of fen");
    }
    long fen = ((Number) value).longValue();
    if (fen < 0) {
      throw new MalformedException("amount." + field + " is negative");
    }
    return Money.ofFen(fen);
  }

  private static Instant time(String rfc3339) throws MalformedException {
    try {
      return OffsetDateTime.parse(rfc3339).toInstant();
    } catch (DateTimeParseException e) {
      throw new MalformedException("not an RFC 3339 time: " + rfc3339);
    }
  }

  /** A body that fails a check after the signature verified; becomes a {@link Rejection}. */
  private static final class MalformedException extends Exception {
    private final Reason reason;

    MalformedException(String message) {
      this(Reason.MALFORMED, message);
    }

    MalformedException(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }
}
