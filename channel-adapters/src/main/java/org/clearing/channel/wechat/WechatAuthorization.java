package org.clearing.channel.wechat;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.clearing.crypto.SignatureBase;

/**
 * The channel side of request signing: parses a merchant's {@code Authorization} header and checks
 * it against the merchant keys registered with the sandbox (as WeChat Pay
 * documents it). A result that is not {@link Result#ok()} is answered with 401.
 */
public final class WechatAuthorization {

  /** A merchant API key registered under its certificate serial. */
  public record MerchantKey(String mchid, PublicKey publicKey) {
    public MerchantKey {
      Objects.requireNonNull(mchid, "mchid");
      Objects.requireNonNull(publicKey, "publicKey");
    }
  }

  /** Why a header was refused. */
  public enum Outcome {
    OK,
    MALFORMED,
    UNKNOWN_SERIAL,
    BAD_SIGNATURE,
    STALE
  }

  /** The check's outcome; {@code mchid} is the authenticated merchant when ok, else empty. */
  public record Result(Outcome outcome, String mchid, String detail) {
    public boolean ok() {
      return outcome == Outcome.OK;
    }

    static Result refused(Outcome outcome, String detail) {
      return new Result(outcome, "", detail);
    }
  }

  private static final String[] REQUIRED = {"mchid", "nonce_str", "timestamp", "serial_no", "signature"};

  private final Map<String, MerchantKey> keysBySerial;
  private final Clock clock;
  private final Duration window;

  /**
   * @param keysBySerial merchant keys by merchant certificate serial ({@code serial_no})
   * @param window the largest accepted distance between the request's timestamp and now; WeChat
   *     uses 5 minutes for the opposite direction (WeChat Pay's documentation)
   */
  public WechatAuthorization(Map<String, MerchantKey> keysBySerial, Clock clock, Duration window) {
    this.keysBySerial = Map.copyOf(keysBySerial);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.window = Objects.requireNonNull(window, "window");
  }

  /**
   * Checks one request.
   *
   * @param pathWithQuery the raw path and query exactly as received
   * @param body the raw body bytes exactly as received
   */
  public Result verify(String method, String pathWithQuery, byte[] body, String header) {
    if (header == null) {
      return Result.refused(Outcome.MALFORMED, "no Authorization header");
    }
    int space = header.indexOf(' ');
    if (space < 0) {
      return Result.refused(Outcome.MALFORMED, "no authorization parameters");
    }
    Optional<WechatSignatureType> type = WechatSignatureType.fromSchema(header.substring(0, space));
    if (type.isEmpty()) {
      return Result.refused(Outcome.MALFORMED, "unknown authorization schema");
    }
    Optional<Map<String, String>> parsed = parameters(header.substring(space + 1));
    if (parsed.isEmpty()) {
      return Result.refused(Outcome.MALFORMED, "unparsable authorization parameters");
    }
    Map<String, String> params = parsed.get();
    for (String name : REQUIRED) {
      if (params.getOrDefault(name, "").isEmpty()) {
        return Result.refused(Outcome.MALFORMED, "missing " + name);
      }
    }
    String timestamp = params.get("timestamp");
    if (!WechatTimestamp.isUnixSeconds(timestamp)) {
      return Result.refused(Outcome.MALFORMED, "timestamp is not Unix seconds");
    }
    MerchantKey key = keysBySerial.get(params.get("serial_no"));
    if (key == null || !key.mchid().equals(params.get("mchid"))) {
      return Result.refused(Outcome.UNKNOWN_SERIAL, "serial_no not registered for this mchid");
    }
    if (!WechatTimestamp.isFresh(timestamp, clock, window)) {
      return Result.refused(Outcome.STALE, "timestamp outside the window");
    }
    byte[] message =
        SignatureBase.request(method, pathWithQuery, timestamp, params.get("nonce_str"), body);
    if (!type.get().scheme().accepts(key.publicKey())
        || !type.get().scheme().verify(key.publicKey(), message, params.get("signature"))) {
      return Result.refused(Outcome.BAD_SIGNATURE, "signature does not verify");
    }
    return new Result(Outcome.OK, key.mchid(), "");
  }

  /**
   * Parses {@code k="v",k="v",…} in any order, with optional spaces after commas. Values never
   * contain quotes (base64, digits, hex, the nonce alphabet), so the first closing quote ends one.
   * A repeated name is refused: two different values could each satisfy a different check.
   */
  private static Optional<Map<String, String>> parameters(String text) {
    Map<String, String> params = new HashMap<>();
    int i = 0;
    while (i < text.length()) {
      while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ',')) {
        i++;
      }
      if (i == text.length()) {
        break;
      }
      int equals = text.indexOf('=', i);
      if (equals < 0 || equals + 1 >= text.length() || text.charAt(equals + 1) != '"') {
        return Optional.empty();
      }
      int close = text.indexOf('"', equals + 2);
      if (close < 0) {
        return Optional.empty();
      }
      String name = text.substring(i, equals).trim();
      if (params.put(name, text.substring(equals + 2, close)) != null) {
        return Optional.empty();
      }
      i = close + 1;
      if (i < text.length() && text.charAt(i) != ',' && text.charAt(i) != ' ') {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }
}
