package org.clearing.client;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsed {@code Authorization} header of a signed request:
 * {@code CLEARING-SM2-SM3 client_id="…",timestamp="…",nonce="…",signature="…"}. Parameters may come
 * in any order; each must appear exactly once.
 */
public record AuthorizationHeader(
    KeyType keyType, String clientId, String timestamp, String nonce, String signature) {

  /** Headers longer than this are not ours: an SM2 or RSA-2048 signature fits easily. */
  static final int LENGTH_MAX = 1024;

  private static final Pattern PARAMETER =
      Pattern.compile("\\s*([a-z_]+)=\"([^\"]*)\"\\s*(,|$)");
  private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{8,64}");
  private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");

  /** Parses the header, or explains in a short phrase why it cannot be parsed. */
  public static Result parse(String header) {
    if (header == null || header.isBlank()) {
      return new Malformed("missing Authorization header");
    }
    if (header.length() > LENGTH_MAX) {
      return new Malformed("Authorization header too long");
    }
    int space = header.indexOf(' ');
    if (space < 0) {
      return new Malformed("Authorization header has no parameters");
    }
    Optional<KeyType> keyType = KeyType.fromAuthorizationScheme(header.substring(0, space));
    if (keyType.isEmpty()) {
      return new Malformed("unsupported Authorization scheme; use CLEARING-SM2-SM3 or CLEARING-SHA256-RSA2048");
    }
    Map<String, String> parameters = new HashMap<>();
    Matcher matcher = PARAMETER.matcher(header);
    int position = space + 1;
    while (position < header.length()) {
      if (!matcher.find(position) || matcher.start() != position) {
        return new Malformed("Authorization parameters are not of the form name=\"value\",...");
      }
      if (parameters.put(matcher.group(1), matcher.group(2)) != null) {
        return new Malformed("Authorization parameter " + matcher.group(1) + " appears twice");
      }
      position = matcher.end();
    }
    for (String name : new String[] {"client_id", "timestamp", "nonce", "signature"}) {
      if (parameters.get(name) == null || parameters.get(name).isEmpty()) {
        return new Malformed("Authorization parameter " + name + " is missing");
      }
    }
    if (!TIMESTAMP.matcher(parameters.get("timestamp")).matches()) {
      return new Malformed("timestamp must be Unix seconds");
    }
    if (!NONCE.matcher(parameters.get("nonce")).matches()) {
      return new Malformed("nonce must be 8 to 64 characters of A-Z, a-z, 0-9, '_' and '-'");
    }
    return new Parsed(new AuthorizationHeader(keyType.get(), parameters.get("client_id"),
        parameters.get("timestamp"), parameters.get("nonce"), parameters.get("signature")));
  }

  /** The outcome of parsing. */
  public sealed interface Result permits Parsed, Malformed {}

  public record Parsed(AuthorizationHeader header) implements Result {}

  public record Malformed(String reason) implements Result {}

  /** Renders the header value, for clients that sign requests. */
  public String render() {
    return render(null);
  }

  /**
   * Renders the header value with {@code key_id="…"} after the client id when {@code keyId} is
   * not null (the engine's webhooks); the engine's own check ignores parameters it does not use.
   */
  public String render(String keyId) {
    return keyType.authorizationScheme() + " client_id=\"" + clientId + "\","
        + (keyId == null ? "" : "key_id=\"" + keyId + "\",")
        + "timestamp=\"" + timestamp + "\",nonce=\"" + nonce + "\",signature=\"" + signature + "\"";
  }

  /** The value of parameter {@code name} in a header that {@link #parse} accepts, e.g. {@code key_id}. */
  public static Optional<String> parameter(String header, String name) {
    if (header == null || header.length() > LENGTH_MAX || header.indexOf(' ') < 0) {
      return Optional.empty();
    }
    Matcher matcher = PARAMETER.matcher(header);
    int position = header.indexOf(' ') + 1;
    while (position < header.length() && matcher.find(position) && matcher.start() == position) {
      if (matcher.group(1).equals(name)) {
        return Optional.of(matcher.group(2));
      }
      position = matcher.end();
    }
    return Optional.empty();
  }
}
