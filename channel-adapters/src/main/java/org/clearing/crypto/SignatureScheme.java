package org.clearing.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.jcajce.spec.SM2ParameterSpec;

/**
 * The two signature schemes the project speaks: SM3withSM2 (GB/T 32918, with the standard default
 * user id {@code 1234567812345678}, signatures in DER form) and SHA256withRSA with a 2048-bit or
 * larger key. Signatures travel as standard base64.
 */
public enum SignatureScheme {
  SM2_SM3("SM3withSM2"),
  SHA256_RSA("SHA256withRSA");

  /** GM/T 0009's default signer identity, which every SM2 toolkit uses when none is given. */
  public static final byte[] DEFAULT_SM2_USER_ID =
      "1234567812345678".getBytes(StandardCharsets.US_ASCII);

  private final String algorithm;
  /**
   * Each thread's verifying engine, made once and re-initialised with the key of each check: a
   * provider lookup and a new engine (with its digest) per check were about a fifth of an RSA-2048
   * callback check's CPU (70 µs per check with a new engine, 55 µs reusing one, measured on the
   * 2-core development machine). Engines are not thread-safe; a thread checks one signature at a
   * time.
   */
  private final ThreadLocal<Signature> verifying = new ThreadLocal<>();

  SignatureScheme(String algorithm) {
    this.algorithm = algorithm;
  }

  public String sign(PrivateKey key, byte[] message) {
    try {
      Signature signature = newSignature();
      signature.initSign(key, Crypto.random());
      signature.update(message);
      return Base64.getEncoder().encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
    }
  }

  public String sign(PrivateKey key, String message) {
    return sign(key, message.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether {@code signatureBase64} is a valid signature of {@code message}. A malformed signature
   * or an unusable key is simply "not valid": callers deal with outside input here.
   */
  public boolean verify(PublicKey key, byte[] message, String signatureBase64) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(signatureBase64);
    } catch (IllegalArgumentException e) {
      return false;
    }
    try {
      Signature signature = verifying.get();
      if (signature == null) {
        signature = newSignature();
        verifying.set(signature);
      }
      // initVerify resets whatever an earlier check left, a failed one included.
      signature.initVerify(key);
      signature.update(message);
      return signature.verify(raw);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  public boolean verify(PublicKey key, String message, String signatureBase64) {
    return verify(key, message.getBytes(StandardCharsets.UTF_8), signatureBase64);
  }

  /**
   * A verifier fed piece by piece, for a message too large to hold in memory (an uploaded bill):
   * the same answer as {@link #verify(PublicKey, byte[], String)} over the concatenated pieces.
   */
  public Verifier verifier(PublicKey key) {
    try {
      Signature signature = newSignature();
      signature.initVerify(key);
      return new Verifier(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return new Verifier(null);
    }
  }

  /** An incremental verification; an unusable key or a malformed signature is simply "not valid". */
  public static final class Verifier {
    private Signature signature;

    private Verifier(Signature signature) {
      this.signature = signature;
    }

    public void update(byte[] bytes, int offset, int length) {
      if (signature == null) {
        return;
      }
      try {
        signature.update(bytes, offset, length);
      } catch (GeneralSecurityException | RuntimeException e) {
        signature = null;
      }
    }

    public void update(byte[] bytes) {
      update(bytes, 0, bytes.length);
    }

    /** Whether what was fed is signed by {@code signatureBase64}; the verifier is spent after. */
    public boolean verify(String signatureBase64) {
      if (signature == null) {
        return false;
      }
      try {
        return signature.verify(Base64.getDecoder().decode(signatureBase64));
      } catch (GeneralSecurityException | RuntimeException e) {
        return false;
      } finally {
        signature = null;
      }
    }
  }

  /** Whether the key is of this scheme's kind (and, for RSA, at least 2048 bits). */
  public boolean accepts(PublicKey key) {
    return refusal(key).isEmpty();
  }

  /**
   * Why this scheme cannot use the key, in a phrase fit for the caller; empty when it can. An SM2
   * key is an elliptic-curve key on the sm2p256v1 curve, whatever algorithm name its reader gave
   * it: OpenSSL writes one as id-ecPublicKey with the curve OID 1.2.156.10197.1.301, which Bouncy
   * Castle reads back as an "ECDSA" key. The curve itself decides, so that an ECDSA key on P-256
   * (same encoding, other curve) is refused rather than used with SM3withSM2.
   */
  public Optional<String> refusal(PublicKey key) {
    return switch (this) {
      case SM2_SM3 -> {
        if (!(key instanceof ECPublicKey ec)) {
          yield Optional.of("is a key of algorithm " + key.getAlgorithm() + ", not an SM2 (elliptic-curve) key");
        }
        yield Sm2Curve.matches(ec.getParams())
            ? Optional.empty()
            : Optional.of("is an EC key on curve " + Sm2Curve.describe(key)
                + ", not on the SM2 curve sm2p256v1 (OID " + Sm2Curve.OID + ")");
      }
      case SHA256_RSA -> key instanceof RSAKey rsa && rsa.getModulus().bitLength() >= 2048
          ? Optional.empty()
          : Optional.of(key instanceof RSAKey rsa
              ? "is an RSA key of " + rsa.getModulus().bitLength() + " bits; at least 2048 are needed"
              : "is a key of algorithm " + key.getAlgorithm() + ", not an RSA key");
    };
  }

  private Signature newSignature() throws GeneralSecurityException {
    Signature signature = Signature.getInstance(algorithm, Crypto.provider());
    if (this == SM2_SM3) {
      signature.setParameter(new SM2ParameterSpec(DEFAULT_SM2_USER_ID));
    }
    return signature;
  }
}
