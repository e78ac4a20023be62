package org.clearing.channel.unionpay;

import java.nio.charset.Charset;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.clearing.channel.Rejection;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureScheme;

/**
 * {@code signMethod=01}, version 5.1.0: RSA with a certificate (UnionPay's documentation).
 *
 * <p>The signature is {@code base64(SHA256withRSA(hex(SHA-256(canonical))))}: RSA signs the 64
 * ASCII bytes of the lowercase hex digest, not the message, so the message is hashed twice. The
 * merchant attaches {@code certId} (its certificate's serial in decimal); UnionPay attaches
 * {@code certId} and its whole certificate as PEM in {@code signPubKeyCert}, which the merchant
 * checks against its configured chain before trusting the key.
 */
public final class UnionPayRsaProfile implements UnionPaySignatureProfile {

  public static final String SIGN_METHOD = "01";

  private final PrivateKey signingKey;
  private final String certId;
  private final String certificatePem;

  private UnionPayRsaProfile(PrivateKey signingKey, String certId, String certificatePem) {
    this.signingKey = signingKey;
    this.certId = certId;
    this.certificatePem = certificatePem;
  }

  /** A merchant's signer: attaches {@code certId} only. */
  public static UnionPayRsaProfile forMerchant(PrivateKey key, X509Certificate certificate) {
    return new UnionPayRsaProfile(
        Objects.requireNonNull(key, "key"), UnionPayCertificates.certId(certificate), null);
  }

  /** UnionPay's signer (for the sandbox): attaches {@code certId} and {@code signPubKeyCert}. */
  public static UnionPayRsaProfile forUnionPay(PrivateKey key, X509Certificate certificate) {
    return new UnionPayRsaProfile(
        Objects.requireNonNull(key, "key"),
        UnionPayCertificates.certId(certificate),
        Pem.write(certificate));
  }

  /** A profile that can only verify. */
  public static UnionPayRsaProfile verifying() {
    return new UnionPayRsaProfile(null, null, null);
  }

  @Override
  public String signMethod() {
    return SIGN_METHOD;
  }

  @Override
  public Map<String, String> sign(Map<String, String> fields) {
    if (signingKey == null) {
      throw new IllegalStateException("this profile only verifies");
    }
    Map<String, String> signed = new TreeMap<>(fields);
    signed.remove(UnionPayCanonical.SIGNATURE);
    signed.put("signMethod", SIGN_METHOD);
    signed.put("certId", certId);
    if (certificatePem != null) {
      signed.put("signPubKeyCert", certificatePem);
    }
    Charset charset = UnionPayCanonical.charsetOf(signed);
    String digestHex =
        UnionPayCanonical.digestHex(UnionPayCanonical.coverMap2String(signed), charset);
    signed.put(
        UnionPayCanonical.SIGNATURE,
        SignatureScheme.SHA256_RSA.sign(signingKey, digestHex.getBytes(charset)));
    return signed;
  }

  @Override
  public UnionPayVerification verify(Map<String, String> fields, PublicKey key) {
    String signature = fields.get(UnionPayCanonical.SIGNATURE);
    if (signature == null || signature.isEmpty()) {
      return UnionPayVerification.fail(Rejection.Reason.MALFORMED, "no signature");
    }
    if (!SIGN_METHOD.equals(fields.get("signMethod"))) {
      return UnionPayVerification.fail(Rejection.Reason.MALFORMED, "signMethod is not 01");
    }
    Charset charset;
    try {
      charset = UnionPayCanonical.charsetOf(fields);
    } catch (IllegalArgumentException e) {
      return UnionPayVerification.fail(Rejection.Reason.MALFORMED, e.getMessage());
    }
    String digestHex =
        UnionPayCanonical.digestHex(UnionPayCanonical.coverMap2String(fields), charset);
    if (!SignatureScheme.SHA256_RSA.verify(key, digestHex.getBytes(charset), signature)) {
      return UnionPayVerification.fail(Rejection.Reason.BAD_SIGNATURE, "signature does not verify");
    }
    return UnionPayVerification.ok();
  }
}
