package org.clearing.channel.unionpay;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.clearing.channel.Rejection.Reason;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;

/**
 * The merchant side's check of UnionPay's responses and notifications (version 5.1.0, the channels' documentation
 * §3.3): the message carries UnionPay's certificate in {@code signPubKeyCert}; the certificate
 * must be valid now, chain to the configured intermediate and root, and belong to UnionPay
 * before its key is used to check the signature.
 *
 * <p>Outcomes: {@link Reason#MALFORMED} for a missing field or an unreadable certificate, {@link
 * Reason#UNKNOWN_KEY} for a certificate we do not trust (expired, wrong chain, wrong owner, a CA
 * certificate), {@link Reason#BAD_SIGNATURE} when the trusted key did not sign these fields.
 * Revocation is not checked: acpsdk does not check it either, and the sandbox has no CRL.
 *
 * <p>UnionPay sends the same signing certificate with every message, and validating its chain
 * (two RSA verifications and the PKIX machinery, plus parsing the PEM) cost more than the
 * message's own signature check. So a certificate that passed the chain and owner checks is
 * remembered by the SHA-256 of its DER bytes (at most {@value #TRUSTED_CERTIFICATES_MAX}); a
 * message presenting exactly those bytes skips parsing and the chain, but its validity dates (and
 * the intermediate's) are still checked against the clock every time. Anything else, a forged or
 * altered certificate included, takes the full check; failures are never remembered.
 */
public final class UnionPayVerifier {

  public static final String VERSION = "5.1.0";
  /** UnionPay rotates its signing certificate rarely; a few cover a rotation's overlap. */
  static final int TRUSTED_CERTIFICATES_MAX = 8;

  private final X509Certificate intermediate;
  private final TrustAnchor anchor;
  private final Clock clock;
  private final boolean strictOwner;
  private final Map<String, UnionPaySignatureProfile> profiles;
  private final Map<String, X509Certificate> trusted = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, X509Certificate> eldest) {
      return size() > TRUSTED_CERTIFICATES_MAX;
    }
  };

  /**
   * @param root the configured UnionPay root certificate (acpsdk's {@code rootCert.path})
   * @param intermediate the configured intermediate ({@code middleCert.path})
   * @param clock "now" for the certificates' validity dates
   * @param strictOwner {@code true} in production: the owner must be {@link
   *     UnionPayCertificates#UNIONPAY_OWNER}; {@code false} also accepts UnionPay's
   *     test-environment owner {@link UnionPayCertificates#TEST_ENVIRONMENT_OWNER} (acpsdk's
   *     {@code ifValidateCNName=false})
   */
  public UnionPayVerifier(
      X509Certificate root, X509Certificate intermediate, Clock clock, boolean strictOwner) {
    this.anchor = new TrustAnchor(Objects.requireNonNull(root, "root"), null);
    this.intermediate = Objects.requireNonNull(intermediate, "intermediate");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.strictOwner = strictOwner;
    // An SM2 profile would be registered here under its signMethod once specified (§3.3).
    UnionPaySignatureProfile rsa = UnionPayRsaProfile.verifying();
    this.profiles = Map.of(rsa.signMethod(), rsa);
  }

  /** Whether UnionPay signed exactly these fields. */
  public UnionPayVerification verify(Map<String, String> fields) {
    UnionPaySignatureProfile profile =
        profiles.get(Objects.requireNonNullElse(fields.get("signMethod"), ""));
    if (profile == null) {
      return UnionPayVerification.fail(Reason.MALFORMED, "unsupported signMethod");
    }
    if (!VERSION.equals(fields.get("version"))) {
      // 5.0.0 picks UnionPay's key by certId from local files (§3.3 step 4); not supported.
      return UnionPayVerification.fail(Reason.MALFORMED, "unsupported version");
    }
    if (isBlank(fields.get(UnionPayCanonical.SIGNATURE))) {
      return UnionPayVerification.fail(Reason.MALFORMED, "no signature");
    }
    String pem = fields.get("signPubKeyCert");
    if (isBlank(pem)) {
      return UnionPayVerification.fail(Reason.MALFORMED, "no signPubKeyCert");
    }
    String derSha256 = derSha256(pem);
    X509Certificate known = derSha256 == null ? null : remembered(derSha256);
    if (known != null) {
      UnionPayVerification valid = validNow(known, Date.from(clock.instant()));
      return valid.isOk() ? profile.verify(fields, known.getPublicKey()) : valid;
    }
    X509Certificate certificate;
    try {
      certificate = Pem.readCertificate(pem);
    } catch (IllegalArgumentException e) {
      return UnionPayVerification.fail(Reason.MALFORMED, "unreadable signPubKeyCert");
    }
    UnionPayVerification trust = trust(certificate);
    if (trust.isOk()) {
      remember(certificate);
    }
    return trust.isOk() ? profile.verify(fields, certificate.getPublicKey()) : trust;
  }

  /**
   * The SHA-256 (hex) of the DER bytes in a plain one-certificate PEM, or null when the text is
   * not that simple form (it then takes the full parse).
   */
  private static String derSha256(String pem) {
    String text = pem.strip();
    if (!text.startsWith(PEM_BEGIN) || !text.endsWith(PEM_END)) {
      return null;
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(
          text.substring(PEM_BEGIN.length(), text.length() - PEM_END.length()));
      return Crypto.hex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (IllegalArgumentException | NoSuchAlgorithmException e) {
      return null;
    }
  }

  private static final String PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String PEM_END = "-----END CERTIFICATE-----";

  private X509Certificate remembered(String derSha256) {
    synchronized (trusted) {
      return trusted.get(derSha256);
    }
  }

  private void remember(X509Certificate certificate) {
    try {
      String key = Crypto.hex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
      synchronized (trusted) {
        trusted.put(key, certificate);
      }
    } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
      // Not remembered: the next message takes the full check again.
    }
  }

  /** Certificates remembered as trusted (for tests of the bound). */
  int trustedCount() {
    synchronized (trusted) {
      return trusted.size();
    }
  }

  /**
   * The date checks a chain validation makes, for a certificate whose chain was validated
   * before: the certificate's own dates, then the intermediate's.
   */
  private UnionPayVerification validNow(X509Certificate certificate, Date now) {
    UnionPayVerification own = datesCover(certificate, now);
    if (!own.isOk()) {
      return own;
    }
    try {
      intermediate.checkValidity(now);
      return UnionPayVerification.ok();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      return UnionPayVerification.fail(
          Reason.UNKNOWN_KEY, "signPubKeyCert does not chain to the configured root");
    }
  }

  private static UnionPayVerification datesCover(X509Certificate certificate, Date now) {
    try {
      certificate.checkValidity(now);
      return UnionPayVerification.ok();
    } catch (CertificateExpiredException e) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "signPubKeyCert expired");
    } catch (CertificateNotYetValidException e) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "signPubKeyCert not yet valid");
    }
  }

  private UnionPayVerification trust(X509Certificate certificate) {
    if (certificate.getBasicConstraints() != -1) {
      return UnionPayVerification.fail(
          Reason.UNKNOWN_KEY, "a CA certificate does not sign messages");
    }
    Date now = Date.from(clock.instant());
    UnionPayVerification dates = datesCover(certificate, now);
    if (!dates.isOk()) {
      return dates;
    }
    if (!chainsToConfiguredRoot(certificate, now)) {
      return UnionPayVerification.fail(
          Reason.UNKNOWN_KEY, "signPubKeyCert does not chain to the configured root");
    }
    String owner = UnionPayCertificates.owner(certificate);
    boolean ownerOk =
        UnionPayCertificates.UNIONPAY_OWNER.equals(owner)
            || (!strictOwner && UnionPayCertificates.TEST_ENVIRONMENT_OWNER.equals(owner));
    if (!ownerOk) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "signPubKeyCert is not UnionPay's");
    }
    return UnionPayVerification.ok();
  }

  private boolean chainsToConfiguredRoot(X509Certificate certificate, Date now) {
    try {
      CertPath path =
          CertificateFactory.getInstance("X.509")
              .generateCertPath(List.of(certificate, intermediate));
      PKIXParameters parameters = new PKIXParameters(Set.of(anchor));
      parameters.setRevocationEnabled(false);
      parameters.setDate(now);
      CertPathValidator.getInstance("PKIX").validate(path, parameters);
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean isBlank(String value) {
    return value == null || value.isEmpty();
  }
}
