package org.clearing.channel.wechat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SignatureBase;

/**
 * The channel side of notifications, for the sandbox: wraps a transaction or refund resource in
 * WeChat's envelope with the resource encrypted under the merchant's APIv3 key, and signs {@code
 * ts\nnonce\nbody\n} with the platform key (WeChat Pay's documentation). It can
 * also produce the faults a merchant must refuse: a skewed timestamp, a signature by another key, a
 * signature probe.
 */
public final class WechatNotificationSigner {

  static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  private final WechatPlatformCredential credential;
  private final AeadCipher cipher;
  private final Clock clock;

  /** Encrypts with AES-256-GCM for an RSA platform key, SM4-GCM for an SM2 one (§1.4). */
  public WechatNotificationSigner(WechatPlatformCredential credential, String apiV3Key, Clock clock) {
    this.credential = Objects.requireNonNull(credential, "credential");
    this.cipher = credential.type() == WechatSignatureType.RSA
        ? AeadCipher.aes256Gcm(apiV3Key)
        : AeadCipher.sm4Gcm(apiV3Key);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A notification's headers (names as WeChat writes them) and body bytes. */
  public record SignedNotification(Map<String, String> headers, byte[] body) {
    public SignedNotification {
      headers = Map.copyOf(headers);
    }

    /** The headers with lowercased names, as {@link WechatNotificationVerifier} takes them. */
    public Map<String, String> headersLowercased() {
      Map<String, String> lower = new LinkedHashMap<>();
      headers.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value));
      return lower;
    }
  }

  /** What to get wrong on purpose; {@link #NONE} for a correct notification. */
  public record Fault(Duration timestampSkew, PrivateKey forgingKey, boolean probe) {
    public static final Fault NONE = new Fault(Duration.ZERO, null, false);

    /** A timestamp this far from the clock (negative: in the past). */
    public static Fault skewedTimestamp(Duration skew) {
      return new Fault(skew, null, false);
    }

    /** A well-formed signature made with another key of the same type. */
    public static Fault forgedSignature(PrivateKey otherKey) {
      return new Fault(Duration.ZERO, Objects.requireNonNull(otherKey), false);
    }

    /** {@code WECHATPAY/SIGNTEST/} followed by base64 junk (§1.4). */
    public static Fault probeSignature() {
      return new Fault(Duration.ZERO, null, true);
    }
  }

  /** The envelope of a {@code TRANSACTION.SUCCESS} event around a transaction resource (§1.6). */
  public byte[] transactionEnvelope(String eventId, JsonObject transaction) {
    return envelope(eventId, "TRANSACTION.SUCCESS", "支付成功", "transaction", transaction);
  }

  /** The envelope of a {@code REFUND.<refund_status>} event around a refund resource (§1.5). */
  public byte[] refundEnvelope(String eventId, JsonObject refund) {
    String status = refund.getString("refund_status", "");
    String summary = switch (status) {
      case "SUCCESS" -> "退款成功";
      case "ABNORMAL" -> "退款异常";
      case "CLOSED" -> "退款关闭";
      default -> throw new IllegalArgumentException("no refund event for status " + status);
    };
    return envelope(eventId, "REFUND." + status, summary, "refund", refund);
  }

  /**
   * The envelope for any event. Its {@code associated_data} is the original type, as WeChat's
   * examples show.
   */
  public byte[] envelope(
      String eventId, String eventType, String summary, String originalType, JsonObject resource) {
    String nonce = WechatNonce.random(AeadCipher.NONCE_LENGTH);
    String ciphertext =
        cipher.encrypt(originalType, nonce, resource.encode().getBytes(StandardCharsets.UTF_8));
    JsonObject envelope = new JsonObject()
        .put("id", eventId)
        .put("create_time", RFC3339.format(OffsetDateTime.now(clock).withOffsetSameInstant(BEIJING)))
        .put("resource_type", "encrypt-resource")
        .put("event_type", eventType)
        .put("summary", summary)
        .put("resource", new JsonObject()
            .put("original_type", originalType)
            .put("algorithm", cipher.algorithm())
            .put("ciphertext", ciphertext)
            .put("associated_data", originalType)
            .put("nonce", nonce));
    return envelope.encode().getBytes(StandardCharsets.UTF_8);
  }

  /** Signs a body for delivery now. A resend signs the same body again with a fresh timestamp. */
  public SignedNotification sign(byte[] body) {
    return sign(body, Fault.NONE);
  }

  public SignedNotification sign(byte[] body, Fault fault) {
    String timestamp =
        Long.toString(clock.instant().plus(fault.timestampSkew()).getEpochSecond());
    String nonce = WechatNonce.random(32);
    byte[] message = SignatureBase.notification(timestamp, nonce, body);
    String signature;
    if (fault.probe()) {
      byte[] junk = new byte[256];
      Crypto.random().nextBytes(junk);
      signature = WechatNotificationVerifier.PROBE_PREFIX + Base64.getEncoder().encodeToString(junk);
    } else {
      PrivateKey key = fault.forgingKey() != null ? fault.forgingKey() : credential.privateKey();
      signature = credential.type().scheme().sign(key, message);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Wechatpay-Serial", credential.serial());
    headers.put("Wechatpay-Signature", signature);
    headers.put("Wechatpay-Timestamp", timestamp);
    headers.put("Wechatpay-Nonce", nonce);
    headers.put("Wechatpay-Signature-Type", credential.type().schema());
    return new SignedNotification(headers, body);
  }
}
