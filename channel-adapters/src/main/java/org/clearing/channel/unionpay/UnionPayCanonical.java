package org.clearing.channel.unionpay;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.clearing.crypto.Crypto;

/**
 * The string UnionPay signs (acpsdk's {@code coverMap2String}) and its SHA-256 hex digest.
 *
 * <p>Only {@code signature} is dropped; {@code certId} and {@code signPubKeyCert} stay in. Keys
 * are sorted as Java's {@code TreeMap} sorts strings (by UTF-16 code unit), values go in raw,
 * empty values included, and the PEM newlines in {@code signPubKeyCert} are kept as they are
 * (UnionPay's documentation).
 */
public final class UnionPayCanonical {

  public static final String SIGNATURE = "signature";

  private UnionPayCanonical() {}

  /** {@code k1=v1&k2=v2&…} over every field but {@code signature}, sorted by key. */
  public static String coverMap2String(Map<String, String> fields) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, String> field : new TreeMap<>(fields).entrySet()) {
      if (SIGNATURE.equals(field.getKey())) {
        continue;
      }
      if (text.length() > 0) {
        text.append('&');
      }
      String value = field.getValue();
      text.append(field.getKey()).append('=').append(value == null ? "" : value);
    }
    return text.toString();
  }

  /**
   * Lowercase hex SHA-256 of the canonical string's bytes in {@code charset} (acpsdk's {@code
   * sha256X16}); these 64 ASCII characters are what the RSA signature covers.
   */
  public static String digestHex(String canonical, Charset charset) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return Crypto.hex(sha256.digest(canonical.getBytes(charset)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  /**
   * The charset named by the {@code encoding} field ({@code UTF-8} or {@code GBK}, in any case).
   * A message without the field is read as UTF-8, as acpsdk does.
   *
   * @throws IllegalArgumentException for any other encoding
   */
  public static Charset charsetOf(Map<String, String> fields) {
    String encoding = fields.get("encoding");
    if (encoding == null || encoding.isEmpty()) {
      return StandardCharsets.UTF_8;
    }
    return switch (encoding.toUpperCase(Locale.ROOT)) {
      case "UTF-8" -> StandardCharsets.UTF_8;
      case "GBK" -> Charset.forName("GBK");
      default -> throw new IllegalArgumentException("unsupported encoding: " + encoding);
    };
  }
}
