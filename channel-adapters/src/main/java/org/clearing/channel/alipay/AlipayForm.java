package org.clearing.channel.alipay;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code application/x-www-form-urlencoded} bodies as Alipay sends and expects them: requests to
 * the gateway (§2.1) and asynchronous notifications (§2.3).
 *
 * <p>Decoding honours the form's own {@code charset} parameter (utf-8 when absent), which is why it
 * works on bytes: the charset is only known after the body has been split. Values are
 * percent-decoded to bytes first and only then read in that charset, strictly, so a broken escape
 * or an invalid byte sequence is a malformed form rather than a replacement character that would
 * make the signature check fail for a confusing reason.
 */
public final class AlipayForm {

  /** More fields than any Alipay message carries; a bound on what one body may allocate. */
  public static final int FIELDS_MAX = 256;

  private AlipayForm() {}

  /** A decoded form, or why it could not be decoded. */
  public record Decoded(Map<String, String> fields, Charset charset, String problem) {

    public boolean ok() {
      return problem == null;
    }

    static Decoded failed(String problem) {
      return new Decoded(Map.of(), StandardCharsets.UTF_8, problem);
    }
  }

  /** Encodes the fields in iteration order, every key and value URL-encoded in {@code charset}. */
  public static String encode(Map<String, String> fields, Charset charset) {
    StringBuilder body = new StringBuilder();
    for (Map.Entry<String, String> entry : fields.entrySet()) {
      if (!body.isEmpty()) {
        body.append('&');
      }
      body.append(URLEncoder.encode(entry.getKey(), charset))
          .append('=')
          .append(URLEncoder.encode(entry.getValue() == null ? "" : entry.getValue(), charset));
    }
    return body.toString();
  }

  /**
   * Decodes a form body. A repeated key, an unknown charset, a bad percent escape, an invalid byte
   * sequence or more than {@link #FIELDS_MAX} fields make it malformed.
   */
  public static Decoded decode(byte[] body) {
    // ISO-8859-1 maps every byte to one char and back, so raw non-ASCII bytes survive the split.
    String text = new String(body, StandardCharsets.ISO_8859_1);
    Map<String, String> rawPairs = new LinkedHashMap<>();
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      if (rawPairs.size() == FIELDS_MAX) {
        return Decoded.failed("more than " + FIELDS_MAX + " fields");
      }
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      if (rawPairs.put(key, value) != null) {
        return Decoded.failed("repeated field " + key);
      }
    }
    Optional<Charset> charset = charsetOf(rawPairs);
    if (charset.isEmpty()) {
      return Decoded.failed("unsupported charset");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (Map.Entry<String, String> pair : rawPairs.entrySet()) {
      Optional<String> key = percentDecode(pair.getKey(), charset.get());
      Optional<String> value = percentDecode(pair.getValue(), charset.get());
      if (key.isEmpty() || value.isEmpty()) {
        return Decoded.failed("bad encoding in field " + pair.getKey());
      }
      if (fields.put(key.get(), value.get()) != null) {
        return Decoded.failed("repeated field " + key.get());
      }
    }
    return new Decoded(Collections.unmodifiableMap(fields), charset.get(), null);
  }

  private static Optional<Charset> charsetOf(Map<String, String> rawPairs) {
    String name = rawPairs.get("charset");
    if (name == null || name.isEmpty()) {
      return Optional.of(StandardCharsets.UTF_8);
    }
    Optional<String> decoded = percentDecode(name, StandardCharsets.US_ASCII);
    if (decoded.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Charset.forName(decoded.get()));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> percentDecode(String raw, Charset charset) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        if (i + 2 >= raw.length()) {
          return Optional.empty();
        }
        int high = Character.digit(raw.charAt(i + 1), 16);
        int low = Character.digit(raw.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          return Optional.empty();
        }
        bytes.write(high * 16 + low);
        i += 2;
      } else {
        bytes.write(c);
      }
    }
    try {
      return Optional.of(
          charset
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
