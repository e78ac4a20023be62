package org.clearing.channel.alipay;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Objects;
import org.clearing.crypto.SignatureScheme;

/**
 * The merchant side of a synchronous response: finds the {@code <method>_response} value, takes its
 * exact text from the raw body (re-serialising would change spacing, key order or escapes and break
 * the signature, Alipay's documentation) and verifies {@code sign} over it with the Alipay public key.
 *
 * <p>A body without {@code sign} is accepted only as an error ({@code code} other than {@code
 * 10000}), which the gateway does send unsigned; an unsigned success is a bad signature.
 */
public final class AlipayResponseVerifier {

  /** Alipay's {@code code} for a successful call. */
  public static final String CODE_SUCCESS = "10000";

  /** How far a response can be trusted. */
  public enum Status {
    /** The signature verified; the value is Alipay's. */
    VERIFIED,
    /** An unsigned error answer: usable to report the error, never as a success. */
    UNSIGNED_ERROR,
    /** The signature is missing from a success, or does not verify. */
    BAD_SIGNATURE,
    /** Not JSON, or no value for this method. */
    MALFORMED
  }

  /**
   * @param value the response value when one was found (empty otherwise)
   * @param detail why, for logs, when not verified
   */
  public record Result(Status status, JsonObject value, String detail) {

    public boolean verified() {
      return status == Status.VERIFIED;
    }

    /** Alipay's {@code code}, e.g. 10000 for success or 40004 for a business failure. */
    public String code() {
      return value.getString("code", "");
    }
  }

  private final PublicKey alipayPublicKey;

  public AlipayResponseVerifier(PublicKey alipayPublicKey) {
    this.alipayPublicKey = Objects.requireNonNull(alipayPublicKey, "alipayPublicKey");
  }

  /** Verifies the raw body of the response to {@code method} (its wire name). */
  public Result verify(String method, String rawBody) {
    JsonObject whole;
    try {
      whole = new JsonObject(rawBody);
    } catch (DecodeException | ClassCastException e) {
      return malformed("body is not a JSON object");
    }
    String key = AlipayMethod.responseKey(method);
    if (!(whole.getValue(key) instanceof JsonObject)) {
      // Gateway-level failures (unknown method, say) come under error_response instead.
      key = "error_response";
      if (!(whole.getValue(key) instanceof JsonObject)) {
        return malformed("no " + AlipayMethod.responseKey(method));
      }
    }
    JsonObject value = whole.getJsonObject(key);
    Object sign = whole.getValue("sign");
    if (sign == null || (sign instanceof String text && text.isEmpty())) {
      if (CODE_SUCCESS.equals(value.getString("code"))) {
        return new Result(Status.BAD_SIGNATURE, value, "successful response without sign");
      }
      return new Result(Status.UNSIGNED_ERROR, value, "unsigned error response");
    }
    if (!(sign instanceof String signText)) {
      return new Result(Status.MALFORMED, value, "sign is not a string");
    }
    String valueText = TopLevelJson.valueText(rawBody, key);
    if (valueText == null) {
      return new Result(Status.MALFORMED, value, "cannot locate " + key + " in the raw body");
    }
    byte[] signed = valueText.getBytes(StandardCharsets.UTF_8);
    if (!SignatureScheme.SHA256_RSA.verify(alipayPublicKey, signed, signText)) {
      return new Result(Status.BAD_SIGNATURE, value, "signature does not verify");
    }
    // The value handed back is parsed from the very text that was verified, so a body carrying
    // the member twice cannot pair one signed copy with another, unsigned one.
    return new Result(Status.VERIFIED, new JsonObject(valueText), "");
  }

  private static Result malformed(String detail) {
    return new Result(Status.MALFORMED, new JsonObject(), detail);
  }
}
