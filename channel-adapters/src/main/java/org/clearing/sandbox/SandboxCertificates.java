package org.clearing.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.clearing.crypto.Crypto;

/**
 * The certificates a merchant platform hands a merchant, made by the sandboxes: a CA, a
 * certificate for a key the sandbox already trusts, and a PKCS#12 file as UnionPay issues its
 * signing certificate. RSA with SHA256 throughout, as the three channels issue them.
 */
public final class SandboxCertificates {

  private SandboxCertificates() {}

  /** A self-signed CA certificate for {@code keys}. */
  public static X509Certificate authority(String distinguishedName, KeyPair keys, Instant notBefore,
      Duration validity) {
    return issue(distinguishedName, keys.getPublic(), randomSerial(), distinguishedName, keys.getPrivate(),
        notBefore, validity, true);
  }

  /**
   * A certificate for {@code subjectKey} signed by {@code issuerKey}.
   *
   * @param serial the serial the channel would give it (WeChat's merchant serial is its hex form)
   */
  public static X509Certificate issue(String subject, PublicKey subjectKey, BigInteger serial,
      String issuer, PrivateKey issuerKey, Instant notBefore, Duration validity, boolean ca) {
    try {
      var builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), serial, Date.from(notBefore),
          Date.from(notBefore.plus(validity)), new X500Name(subject), subjectKey);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      var signer = new JcaContentSignerBuilder("SHA256withRSA").setProvider(Crypto.provider()).build(issuerKey);
      return new JcaX509CertificateConverter().setProvider(Crypto.provider())
          .getCertificate(builder.build(signer));
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
        | org.bouncycastle.cert.CertIOException e) {
      throw new IllegalStateException("cannot issue a sandbox certificate", e);
    }
  }

  /** A positive 63-bit serial. */
  public static BigInteger randomSerial() {
    return new BigInteger(63, Crypto.random()).add(BigInteger.ONE);
  }

  /** The key and its certificate as a PKCS#12 file protected by {@code password}. */
  public static byte[] pkcs12(PrivateKey key, X509Certificate certificate, char[] password) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("signing", key, password, new Certificate[] {certificate});
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, password);
      return out.toByteArray();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot write a PKCS#12 file", e);
    }
  }
}
