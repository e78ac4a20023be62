package org.clearing.channel.alipay;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.clearing.crypto.SignatureScheme;

/**
 * The channel side of a gateway call (used by the sandbox): checks a request's parameters against
 * the calling app's registered public key, over {@link AlipaySignContent#request} in the request's
 * {@code charset} (Alipay's documentation).
 *
 * <p>The order of checks decides which error a caller sees when several things are wrong, and
 * follows the cheap-to-expensive order: parameters present, app known, timestamp fresh, then the
 * RSA verification.
 */
public final class AlipayGatewayVerifier {

  /** Why the gateway refuses a request; {@link #subCode()} is what the sandbox answers. */
  public enum Reason {
    MISSING_SIGN("isv.missing-signature"),
    UNSUPPORTED_SIGN_TYPE("isv.invalid-signature-type"),
    UNKNOWN_APP_ID("isv.invalid-app-id"),
    MALFORMED("isv.invalid-parameter"),
    STALE_TIMESTAMP("isv.invalid-timestamp"),
    BAD_SIGNATURE("isv.invalid-signature");

    private final String subCode;

    Reason(String subCode) {
      this.subCode = subCode;
    }

    /**
     * Alipay's public {@code sub_code} for the error. These names follow Alipay's public error code
     * list and are not in the channels' documentation; the sandbox should treat them as labels only.
     */
    public String subCode() {
      return subCode;
    }
  }

  /** The outcome: {@link #ok()} or a reason with a detail for logs (never key material). */
  public record Result(Reason reason, String detail) {

    static final Result OK = new Result(null, "");

    public boolean ok() {
      return reason == null;
    }

    static Result refuse(Reason reason, String detail) {
      return new Result(reason, detail);
    }
  }

  private final Map<String, PublicKey> merchantKeys;
  private final Clock clock;
  private final Duration timestampWindow;

  /**
   * @param merchantKeys each registered app_id's merchant public key
   * @param timestampWindow how far the request's {@code timestamp} may be from now either way
   */
  public AlipayGatewayVerifier(
      Map<String, PublicKey> merchantKeys, Clock clock, Duration timestampWindow) {
    this.merchantKeys = Map.copyOf(merchantKeys);
    this.clock = Objects.requireNonNull(clock, "clock");
    if (timestampWindow.isNegative()) {
      throw new IllegalArgumentException("negative timestamp window");
    }
    this.timestampWindow = timestampWindow;
  }

  public Result verify(Map<String, String> params) {
    String sign = params.get("sign");
    if (sign == null || sign.isEmpty()) {
      return Result.refuse(Reason.MISSING_SIGN, "no sign parameter");
    }
    String signType = params.get("sign_type");
    if (!"RSA2".equals(signType)) {
      return Result.refuse(Reason.UNSUPPORTED_SIGN_TYPE, "sign_type " + signType);
    }
    String appId = params.get("app_id");
    PublicKey key = appId == null ? null : merchantKeys.get(appId);
    if (key == null) {
      return Result.refuse(Reason.UNKNOWN_APP_ID, "app_id " + params.get("app_id"));
    }
    for (String required : new String[] {"method", "version", "timestamp"}) {
      String value = params.get(required);
      if (value == null || value.isEmpty()) {
        return Result.refuse(Reason.MALFORMED, "missing " + required);
      }
    }
    Optional<Instant> timestamp = AlipayTime.parse(params.get("timestamp"));
    if (timestamp.isEmpty()) {
      return Result.refuse(Reason.MALFORMED, "timestamp not yyyy-MM-dd HH:mm:ss");
    }
    Duration skew = Duration.between(clock.instant(), timestamp.get()).abs();
    if (skew.compareTo(timestampWindow) > 0) {
      return Result.refuse(Reason.STALE_TIMESTAMP, "timestamp off by " + skew.toSeconds() + " s");
    }
    Optional<Charset> charset = charset(params.get("charset"));
    if (charset.isEmpty()) {
      return Result.refuse(Reason.MALFORMED, "charset " + params.get("charset"));
    }
    byte[] content = AlipaySignContent.request(params).getBytes(charset.get());
    if (!SignatureScheme.SHA256_RSA.verify(key, content, sign)) {
      return Result.refuse(Reason.BAD_SIGNATURE, "signature does not verify");
    }
    return Result.OK;
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
}
