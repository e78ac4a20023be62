package org.clearing.crypto;

import java.nio.charset.StandardCharsets;

/**
 * The newline-terminated string that request and notification signatures cover.
 *
 * <p>WeChat Pay v3 signs requests over {@code METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n}
 * and notifications over {@code TIMESTAMP\nNONCE\nBODY\n}; the engine's own API uses the request
 * form too, so one piece of code builds both. Every line, the last included, ends in
 * a single {@code \n}, and the body is taken byte for byte as sent.
 */
public final class SignatureBase {

  private SignatureBase() {}

  public static byte[] request(
      String method, String pathWithQuery, String timestamp, String nonce, byte[] body) {
    return lines(method, pathWithQuery, timestamp, nonce).concat(body);
  }

  /**
   * The lines before the body of a request's signature base; a streamed body follows them, then
   * {@link #END}. The same bytes as {@link #request} with the body left out.
   */
  public static byte[] requestHead(String method, String pathWithQuery, String timestamp, String nonce) {
    return lines(method, pathWithQuery, timestamp, nonce).bytes().clone();
  }

  /** The newline after the body that ends every signature base. */
  public static final byte END = '\n';

  public static byte[] notification(String timestamp, String nonce, byte[] body) {
    return lines(timestamp, nonce).concat(body);
  }

  private static Prefix lines(String... lines) {
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      text.append(line).append('\n');
    }
    return new Prefix(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  private record Prefix(byte[] bytes) {
    byte[] concat(byte[] body) {
      byte[] safeBody = body == null ? new byte[0] : body;
      byte[] out = new byte[bytes.length + safeBody.length + 1];
      System.arraycopy(bytes, 0, out, 0, bytes.length);
      System.arraycopy(safeBody, 0, out, bytes.length, safeBody.length);
      out[out.length - 1] = '\n';
      return out;
    }
  }
}
