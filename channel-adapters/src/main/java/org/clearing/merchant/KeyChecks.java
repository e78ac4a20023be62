package org.clearing.merchant;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.clearing.crypto.SignatureScheme;

/**
 * The checks every key and certificate in a merchant configuration passes before the engine
 * takes a payment with it, each failure naming the field. Blocking (file reads, RSA).
 */
final class KeyChecks {

  /** What the start-up round trip signs: any text does; this one says what it was for. */
  private static final byte[] PROBE = "clearing-engine merchant configuration check".getBytes(
      java.nio.charset.StandardCharsets.US_ASCII);

  private KeyChecks() {}

  /** A PEM private key from a file only its owner may read. */
  static PrivateKey privateKey(String field, Path file) {
    try {
      return Pem.readPrivateKey(SecretFiles.readString(file));
    } catch (SecretFiles.ExposedSecretException e) {
      throw new MerchantConfigException(field, "file " + file.getFileName()
          + " may be read by other users; make it owner-only (chmod 600)");
    } catch (IOException e) {
      throw new MerchantConfigException(field, "cannot read " + file.getFileName());
    } catch (RuntimeException e) {
      throw new MerchantConfigException(field, file.getFileName() + " holds no PEM private key");
    }
  }

  static PublicKey publicKey(String field, Path file) {
    try {
      return Pem.readPublicKey(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      throw new MerchantConfigException(field, file.getFileName() + " holds no PEM public key");
    }
  }

  /** The one certificate in a file (PEM or DER), valid now. */
  static X509Certificate certificate(String field, Path file, Instant now) {
    List<X509Certificate> all = certificates(field, file, now);
    if (all.size() != 1) {
      throw new MerchantConfigException(field, file.getFileName() + " holds " + all.size()
          + " certificates; one is expected");
    }
    return all.get(0);
  }

  /** Every certificate in a file (a root bundle may hold several), each valid now unless now is null. */
  static List<X509Certificate> certificates(String field, Path file, Instant now) {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (var certificate : factory.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
        certificates.add((X509Certificate) certificate);
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new MerchantConfigException(field, file.getFileName() + " holds no readable certificate");
    }
    if (certificates.isEmpty()) {
      throw new MerchantConfigException(field, file.getFileName() + " holds no certificate");
    }
    for (X509Certificate certificate : certificates) {
      if (now != null) {
        valid(field, certificate, now);
      }
    }
    return certificates;
  }

  static boolean isValid(X509Certificate certificate, Instant now) {
    try {
      certificate.checkValidity(Date.from(now));
      return true;
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      return false;
    }
  }

  static void valid(String field, X509Certificate certificate, Instant now) {
    try {
      certificate.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new MerchantConfigException(field, "certificate expired on " + certificate.getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      throw new MerchantConfigException(field, "certificate is not valid before "
          + certificate.getNotBefore().toInstant());
    }
  }

  /**
   * The start-up signing round trip: a probe signed with the private key must verify with the
   * public key of its certificate, else the two are not a pair.
   */
  static void pair(String field, PrivateKey privateKey, PublicKey publicKey, String against) {
    SignatureScheme scheme = schemeOf(field, privateKey);
    String signature;
    try {
      signature = scheme.sign(privateKey, PROBE);
    } catch (IllegalArgumentException e) {
      throw new MerchantConfigException(field, "cannot sign with this key: " + e.getMessage());
    }
    if (!scheme.verify(publicKey, PROBE, signature)) {
      throw new MerchantConfigException(field, "does not match " + against);
    }
  }

  private static SignatureScheme schemeOf(String field, PrivateKey key) {
    String algorithm = key.getAlgorithm();
    if ("RSA".equals(algorithm)) {
      return SignatureScheme.SHA256_RSA;
    }
    if ("EC".equals(algorithm) || "SM2".equals(algorithm)) {
      return SignatureScheme.SM2_SM3;
    }
    throw new MerchantConfigException(field, "is a " + algorithm + " key; RSA or SM2 is expected");
  }

  /** Whether {@code certificate} is signed by one of {@code issuers} (its issuing CA). */
  static void chains(String field, X509Certificate certificate, List<X509Certificate> issuers, String issuersField) {
    for (X509Certificate issuer : issuers) {
      if (!issuer.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
        continue;
      }
      try {
        certificate.verify(issuer.getPublicKey(), Crypto.provider());
        return;
      } catch (GeneralSecurityException e) {
        // Same name, other key: try the next one of that name.
      }
    }
    throw new MerchantConfigException(field, "does not chain to " + issuersField);
  }
}
