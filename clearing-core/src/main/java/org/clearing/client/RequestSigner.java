package org.clearing.client;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SignatureBase;

/**
 * Signs requests the way the engine's API expects them. The engine uses it for its
 * webhooks; tests, the load driver and the README's example use it as a client would.
 */
public final class RequestSigner {

  private final String clientId;
  private final String keyId;
  private final KeyType keyType;
  private final PrivateKey privateKey;
  private final Clock clock;

  public RequestSigner(String clientId, KeyType keyType, PrivateKey privateKey, Clock clock) {
    this(clientId, null, keyType, privateKey, clock);
  }

  /**
   * A signer that also names its key ({@code key_id="…"}), as the engine does for its webhooks so
   * that receivers can tell its current key from the previous one during a rotation.
   */
  public RequestSigner(String clientId, String keyId, KeyType keyType, PrivateKey privateKey, Clock clock) {
    this.clientId = clientId;
    this.keyId = keyId;
    this.keyType = keyType;
    this.privateKey = privateKey;
    this.clock = clock;
  }

  /** The Authorization header value for this request, with a fresh nonce and the current time. */
  public String authorization(String method, String pathWithQuery, byte[] body) {
    return authorization(method, pathWithQuery, body,
        Long.toString(clock.instant().getEpochSecond()), Crypto.randomToken(16));
  }

  public String authorization(String method, String pathWithQuery, String body) {
    return authorization(method, pathWithQuery, body.getBytes(StandardCharsets.UTF_8));
  }

  /** The Authorization header value with the given timestamp and nonce (for tests and replays). */
  public String authorization(
      String method, String pathWithQuery, byte[] body, String timestamp, String nonce) {
    byte[] message = SignatureBase.request(method, pathWithQuery, timestamp, nonce, body);
    String signature = keyType.signatureScheme().sign(privateKey, message);
    return new AuthorizationHeader(keyType, clientId, timestamp, nonce, signature).render(keyId);
  }
}
