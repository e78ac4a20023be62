package org.clearing.channel.unionpay;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;

/**
 * UnionPay's certificate conventions, and a private PKI for the sandbox: root CA → intermediate
 * CA → UnionPay signing certificate, plus merchant signing certificates (UnionPay's documentation).
 *
 * <p>Every key is RSA-2048 and every certificate is signed with SHA256withRSA. A certificate's
 * {@code certId} is its serial number in decimal.
 */
public final class UnionPayCertificates {

  /** Who must own UnionPay's signing certificate: element [2] of its CN split on {@code @}. */
  public static final String UNIONPAY_OWNER = "中国银联股份有限公司";

  /**
   * The owner element of UnionPay's test-environment certificates, accepted only when the owner
   * check is relaxed (acpsdk's {@code ifValidateCNName=false}).
   */
  public static final String TEST_ENVIRONMENT_OWNER = "00040000:SIGN";

  /**
   * The sandbox's default UnionPay signing CN, in the CFCA style of UnionPay's documentation (layout
   * <b>unverified</b>). Note that its element [2] is {@code 00040000:SIGN}, not the company name,
   * so, like UnionPay's own test environment, it passes only a relaxed owner check.
   */
  public static final String SANDBOX_SIGNING_CN =
      "041@Z12@00040000:SIGN@中国银联股份有限公司@00000001";

  /** A CN whose element [2] is the company name, which passes the strict owner check. */
  public static final String STRICT_OWNER_SIGNING_CN = "041@Z12@中国银联股份有限公司@00000001";

  private static final int RSA_BITS = 2048;

  private UnionPayCertificates() {}

  /** A key pair and the certificate issued for it. */
  public record Issued(KeyPair keyPair, X509Certificate certificate) {

    public Issued {
      Objects.requireNonNull(keyPair, "keyPair");
      Objects.requireNonNull(certificate, "certificate");
    }

    public String certId() {
      return UnionPayCertificates.certId(certificate);
    }

    public String certificatePem() {
      return Pem.write(certificate);
    }

    public String privateKeyPem() {
      return Pem.write(keyPair.getPrivate());
    }
  }

  /**
   * The sandbox's whole PKI, valid from a day before {@code clock}'s now: root (20 years),
   * intermediate (10 years), UnionPay signing certificate with {@code signingCn} (2 years), and
   * a merchant signing certificate for {@code merId} (2 years).
   */
  public record Pki(Issued root, Issued intermediate, Issued unionPaySigning, Issued merchant) {

    public static Pki generate(Clock clock, String signingCn, String merId) {
      Instant notBefore = clock.instant().minus(Duration.ofDays(1));
      Issued root =
          UnionPayCertificates.root(
              "Sandbox UnionPay Root CA", notBefore, Duration.ofDays(20 * 366));
      Issued intermediate =
          UnionPayCertificates.intermediate(
              root, "Sandbox UnionPay Intermediate CA", notBefore, Duration.ofDays(3660));
      Issued unionPay = signing(intermediate, signingCn, notBefore, Duration.ofDays(732));
      Issued merchant =
          signing(intermediate, "041@Z12@" + merId + "@00000001", notBefore, Duration.ofDays(732));
      return new Pki(root, intermediate, unionPay, merchant);
    }
  }

  /** A self-signed root CA. */
  public static Issued root(String commonName, Instant notBefore, Duration validity) {
    KeyPair pair = Crypto.generateRsa(RSA_BITS);
    X500Name name = name(commonName);
    return new Issued(pair, build(name, pair, name, pair, notBefore, validity, -1, true));
  }

  /** An intermediate CA under {@code issuer} that may sign only end-entity certificates. */
  public static Issued intermediate(
      Issued issuer, String commonName, Instant notBefore, Duration validity) {
    KeyPair pair = Crypto.generateRsa(RSA_BITS);
    X500Name subject = name(commonName);
    return new Issued(
        pair,
        build(subject, pair, issuerName(issuer), issuer.keyPair(), notBefore, validity, 0, true));
  }

  /** An end-entity signing certificate under {@code issuer}. */
  public static Issued signing(
      Issued issuer, String commonName, Instant notBefore, Duration validity) {
    KeyPair pair = Crypto.generateRsa(RSA_BITS);
    X500Name subject = name(commonName);
    return new Issued(
        pair,
        build(subject, pair, issuerName(issuer), issuer.keyPair(), notBefore, validity, -1, false));
  }

  /** The certificate's serial number in decimal: UnionPay's {@code certId}. */
  public static String certId(X509Certificate certificate) {
    return certificate.getSerialNumber().toString(10);
  }

  /** The subject's CN, or an empty string when it has none. */
  public static String commonName(X509Certificate certificate) {
    try {
      RDN[] rdns = new JcaX509CertificateHolder(certificate).getSubject().getRDNs(BCStyle.CN);
      if (rdns.length == 0 || !(rdns[0].getFirst().getValue() instanceof ASN1String value)) {
        return "";
      }
      return value.getString();
    } catch (CertificateEncodingException e) {
      return "";
    }
  }

  /**
   * The owner element acpsdk checks: element [2] of the CN split on {@code @}, or an empty string
   * when the CN has fewer than three elements.
   */
  public static String owner(X509Certificate certificate) {
    String[] parts = commonName(certificate).split("@", -1);
    return parts.length > 2 ? parts[2] : "";
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.C, "CN")
        .addRDN(BCStyle.O, "Clearing Sandbox")
        .addRDN(BCStyle.CN, commonName)
        .build();
  }

  private static X500Name issuerName(Issued issuer) {
    try {
      return new JcaX509CertificateHolder(issuer.certificate()).getSubject();
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("unreadable issuer certificate", e);
    }
  }

  private static X509Certificate build(
      X500Name subject,
      KeyPair subjectKeys,
      X500Name issuer,
      KeyPair issuerKeys,
      Instant notBefore,
      Duration validity,
      int pathLength,
      boolean ca) {
    // 63 random bits: positive, unique enough for a sandbox, and a plain decimal certId.
    BigInteger serial = new BigInteger(63, Crypto.random()).add(BigInteger.ONE);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuer, serial, Date.from(notBefore), Date.from(notBefore.plus(validity)), subject,
              subjectKeys.getPublic());
      builder.addExtension(
          Extension.basicConstraints,
          true,
          ca ? (pathLength >= 0 ? new BasicConstraints(pathLength) : new BasicConstraints(true))
              : new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              ca
                  ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                  : KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
      builder.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()));
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          extensions.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
      var signer =
          new JcaContentSignerBuilder("SHA256withRSA")
              .setProvider(Crypto.provider())
              .build(issuerKeys.getPrivate());
      return new JcaX509CertificateConverter()
          .setProvider(Crypto.provider())
          .getCertificate(builder.build(signer));
    } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a sandbox certificate", e);
    }
  }
}
