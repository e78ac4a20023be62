package org.clearing.report;

import java.security.PrivateKey;
import java.util.function.Supplier;
import org.clearing.outbox.EngineKey;
import org.clearing.crypto.SignatureScheme;

/**
 * Signs a report's body, byte for byte as served, with the engine's SM2 key (SM3 digest, the
 * default signer id 1234567812345678), so a receiver can prove the figures came from the engine
 * unchanged. The signature is standard DER, which OpenSSL 3 verifies as it is (see
 * {@code package-info}). Signing is CPU work: call it on a worker, not an event loop.
 */
public final class ReportSigner {

  /** The response header carrying the signature. */
  public static final String HEADER = "X-Clearing-Signature";
  public static final String SCHEME = "CLEARING-SM2-SM3";

  /** A key and the name receivers know it by. */
  private record Key(String keyId, PrivateKey privateKey) {}

  private final Supplier<Key> key;

  /**
   * @param keyId the name receivers know the key by, as {@code GET /api/v1/engine/public-keys}
   *     lists it
   * @param privateKey the engine's SM2 private key
   */
  public ReportSigner(String keyId, PrivateKey privateKey) {
    Key fixed = new Key(keyId, privateKey);
    this.key = () -> fixed;
  }

  /** Signs with whichever key {@code current} names at the time: the engine's key after a rotation too. */
  public ReportSigner(Supplier<EngineKey> current) {
    this.key = () -> {
      EngineKey engineKey = current.get();
      return new Key(engineKey.keyId(), engineKey.privateKey());
    };
  }

  /** The base64 DER signature of {@code body}. */
  public String sign(byte[] body) {
    return SignatureScheme.SM2_SM3.sign(key.get().privateKey(), body);
  }

  /**
   * {@code CLEARING-SM2-SM3 key_id="sm2-…",signature="<base64 DER>"}; the key id and the signature
   * come from one key even when a rotation happens meanwhile.
   */
  public String header(byte[] body) {
    Key signing = key.get();
    return SCHEME + " key_id=\"" + signing.keyId() + "\",signature=\""
        + SignatureScheme.SM2_SM3.sign(signing.privateKey(), body) + "\"";
  }
}
