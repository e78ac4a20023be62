package org.clearing.channel.unionpay;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.clearing.channel.Rejection.Reason;

/**
 * The channel side's check of merchants' requests (for the sandbox): the request names the
 * merchant's signing certificate by {@code certId}, whose public key was registered beforehand,
 * as a merchant uploads its certificate to UnionPay (UnionPay's documentation). A certId is bound to
 * the {@code merId} it was registered for, so one merchant cannot sign for another.
 */
public final class UnionPayRequestVerifier {

  private record Registered(String merId, PublicKey key) {}

  private final Map<String, Registered> byCertId = new ConcurrentHashMap<>();
  private final Map<String, UnionPaySignatureProfile> profiles;

  public UnionPayRequestVerifier() {
    UnionPaySignatureProfile rsa = UnionPayRsaProfile.verifying();
    this.profiles = Map.of(rsa.signMethod(), rsa);
  }

  /** Registers a merchant's signing certificate under its certId (decimal serial). */
  public void register(String merId, X509Certificate certificate) {
    Objects.requireNonNull(merId, "merId");
    byCertId.put(
        UnionPayCertificates.certId(certificate),
        new Registered(merId, certificate.getPublicKey()));
  }

  /** Whether the merchant named by {@code merId} signed exactly these fields. */
  public UnionPayVerification verify(Map<String, String> fields) {
    UnionPaySignatureProfile profile =
        profiles.get(Objects.requireNonNullElse(fields.get("signMethod"), ""));
    if (profile == null) {
      return UnionPayVerification.fail(Reason.MALFORMED, "unsupported signMethod");
    }
    String certId = fields.get("certId");
    if (certId == null || certId.isEmpty()) {
      return UnionPayVerification.fail(Reason.MALFORMED, "no certId");
    }
    Registered registered = byCertId.get(certId);
    if (registered == null) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "unregistered certId");
    }
    if (!registered.merId().equals(fields.get("merId"))) {
      return UnionPayVerification.fail(Reason.UNKNOWN_KEY, "certId belongs to another merId");
    }
    return profile.verify(fields, registered.key());
  }
}
