package org.clearing.channel.unionpay;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.clearing.channel.Rejection.Reason;
import org.clearing.crypto.Pem;

/**
 * The merchant side's check of UnionPay's responses and notifications (version 5.1.0, channels.md
 * §3.3): the message carries UnionPay's certificate in {@code signPubKeyCert}; the certificate
 * must be valid now, chain to the configured intermediate and root, and belong to UnionPay
 * before its key is used to check the signature.
 *
 * <p>Outcomes: {@link Reason#MALFORMED} for a missing field or an unreadable certificate, {@link
 * Reason#UNKNOWN_KEY} for a certificate we do not trust (expired, wrong chain, wrong owner, a CA
 * certificate), {@link Reason#BAD_SIGNATURE} when the trusted key did not sign these fields.
 * Revocation is not checked: acpsdk does not check it either, and the sandbox has no CRL.
 */
public final class UnionPayVerifier {

  public static final String VERSION = "5.1.0";

  private final X509Certificate intermediate;
  private final TrustAnchor anchor;
  private final Clock clock;
  private final boolean strictOwner;
  private final Map<String, UnionPaySignatureProfile> profiles;

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
    X509Certificate certificate;
    try {
      certificate = Pem.readCertificate(pem);
    } catch (IllegalArgumentException e) {
      return UnionPayVerification.fail(Reason.MALFORMED, "unreadable signPubKeyCert");
    }
    UnionPayVerification trust = trust(certificate);
    return trust.isOk() ? profile.verify(fields, certificate.getPublicKey()) : trust;
  }

  private UnionPayVerification trust(X509Certificate certificate) {
    if (certificate.getBasicConstraints() != -1) {
      return UnionPayVerification.fail(
          Reason.UNKNOWN_KEY, "a CA certificate does not sign messages");
    }
    Date now = Date.from(clock.instant());
    try {
      certificate.checkValidity(now);
    } catch (CertificateExpiredException e) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "signPubKeyCert expired");
    } catch (CertificateNotYetValidException e) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "signPubKeyCert not yet valid");
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
