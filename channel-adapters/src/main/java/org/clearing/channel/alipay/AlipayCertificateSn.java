package org.clearing.channel.alipay;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Alipay's certificate mode names, in every request, the app certificate ({@code app_cert_sn})
 * and the Alipay root certificates ({@code alipay_root_cert_sn}) by serial numbers computed the
 * way the official SDK's {@code AntCertificationUtil} computes them: the MD5 of the issuer's
 * RFC 2253 name followed by the decimal serial, as 32 lowercase hex digits; for the root file,
 * those of its RSA-signed certificates joined by {@code _} (the SM2 root in the same file is
 * left out, as the SDK leaves it out).
 */
public record AlipayCertificateSn(String appCertSn, String alipayRootCertSn) {

  /** The OID prefix of PKCS#1 signature algorithms (sha1WithRSA, sha256WithRSA…). */
  private static final String RSA_SIGNATURE_OID_PREFIX = "1.2.840.113549.1.1";

  public AlipayCertificateSn {
    Objects.requireNonNull(appCertSn, "appCertSn");
    Objects.requireNonNull(alipayRootCertSn, "alipayRootCertSn");
  }

  public static AlipayCertificateSn of(X509Certificate appCertificate, List<X509Certificate> rootCertificates) {
    return new AlipayCertificateSn(certSn(appCertificate), rootCertSn(rootCertificates));
  }

  /** One certificate's SN. */
  public static String certSn(X509Certificate certificate) {
    String material = certificate.getIssuerX500Principal().getName() + certificate.getSerialNumber();
    return md5Hex(material);
  }

  /** The root file's SN: the RSA-signed certificates' SNs joined by underscores. */
  public static String rootCertSn(List<X509Certificate> rootCertificates) {
    List<String> sns = new ArrayList<>();
    for (X509Certificate certificate : rootCertificates) {
      if (certificate.getSigAlgOID().startsWith(RSA_SIGNATURE_OID_PREFIX)) {
        sns.add(certSn(certificate));
      }
    }
    return String.join("_", sns);
  }

  private static String md5Hex(String material) {
    try {
      byte[] digest = MessageDigest.getInstance("MD5").digest(material.getBytes(StandardCharsets.UTF_8));
      String hex = new BigInteger(1, digest).toString(16);
      return "0".repeat(32 - hex.length()) + hex;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 unavailable", e);
    }
  }
}
