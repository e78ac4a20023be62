package org.clearing.channel.alipay;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Objects;
import org.clearing.crypto.SignatureScheme;

/**
 * The channel side of a synchronous response (used by the sandbox): {@code
 * {"<method_with_underscores>_response":{…},"sign":"…"}}, where {@code sign} covers the exact JSON
 * text of the response value as it appears in the body (Alipay's documentation). The value is encoded
 * once and that very text is both signed and embedded, so the two cannot differ.
 */
public final class AlipayResponseSigner {

  private final PrivateKey alipayKey;

  public AlipayResponseSigner(PrivateKey alipayKey) {
    this.alipayKey = Objects.requireNonNull(alipayKey, "alipayKey");
  }

  /** The signed response body of {@code method} (its wire name, e.g. alipay.trade.query). */
  public String sign(String method, JsonObject responseValue) {
    String valueText = responseValue.encode();
    String sign =
        SignatureScheme.SHA256_RSA.sign(alipayKey, valueText.getBytes(StandardCharsets.UTF_8));
    // Standard base64 needs no JSON escaping: its alphabet is letters, digits, '+', '/' and '='.
    return "{\""
        + AlipayMethod.responseKey(method)
        + "\":"
        + valueText
        + ",\"sign\":\""
        + sign
        + "\"}";
  }

  /**
   * An unsigned response, as the gateway answers some errors such as a request whose own signature
   * failed. The merchant side accepts such a body only as an error.
   */
  public static String unsigned(String method, JsonObject responseValue) {
    return "{\"" + AlipayMethod.responseKey(method) + "\":" + responseValue.encode() + "}";
  }
}
