package org.clearing.report;

import java.security.PrivateKey;
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

  private final String keyId;
  private final PrivateKey privateKey;

  /**
   * @param keyId the name receivers know the key by: the engine's client id, whose public key
   *     {@code GET /api/v1/engine/public-key} serves
   * @param privateKey the engine's SM2 private key
   */
  public ReportSigner(String keyId, PrivateKey privateKey) {
    this.keyId = keyId;
    this.privateKey = privateKey;
  }

  /** The base64 DER signature of {@code body}. */
  public String sign(byte[] body) {
    return SignatureScheme.SM2_SM3.sign(privateKey, body);
  }

  /** {@code CLEARING-SM2-SM3 key_id="clearing-engine",signature="<base64 DER>"}. */
  public String header(byte[] body) {
    return SCHEME + " key_id=\"" + keyId + "\",signature=\"" + sign(body) + "\"";
  }
}
