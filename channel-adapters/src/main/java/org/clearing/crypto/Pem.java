package org.clearing.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** Reads and writes PEM text: PKCS#8 private keys, X.509 public keys and certificates. */
public final class Pem {

  private Pem() {}

  /** Writes a key or certificate as PEM (PKCS#8 for private keys, SubjectPublicKeyInfo for public). */
  public static String write(Object keyOrCertificate) {
    Object value = keyOrCertificate;
    if (value instanceof PrivateKey key) {
      value = new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded());
    } else if (value instanceof PublicKey key) {
      value = new org.bouncycastle.util.io.pem.PemObject("PUBLIC KEY", key.getEncoded());
    }
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Reads the first private key in the text (PKCS#8, or a traditional EC/RSA key pair).
   *
   * @throws IllegalArgumentException if the text holds no readable private key
   */
  public static PrivateKey readPrivateKey(String pem) {
    Object object = readObject(pem);
    try {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(Crypto.provider());
      if (object instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (object instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable private key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("no private key in PEM text");
  }

  /**
   * Reads a public key from SubjectPublicKeyInfo PEM, or the key of a certificate.
   *
   * @throws IllegalArgumentException if the text holds no readable public key
   */
  public static PublicKey readPublicKey(String pem) {
    Object object = readObject(pem);
    try {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(Crypto.provider());
      if (object instanceof SubjectPublicKeyInfo info) {
        return converter.getPublicKey(info);
      }
      if (object instanceof X509CertificateHolder holder) {
        return converter.getPublicKey(holder.getSubjectPublicKeyInfo());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable public key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("no public key in PEM text");
  }

  /** Reads an X.509 certificate. */
  public static X509Certificate readCertificate(String pem) {
    Object object = readObject(pem);
    if (!(object instanceof X509CertificateHolder holder)) {
      throw new IllegalArgumentException("no certificate in PEM text");
    }
    try {
      return new JcaX509CertificateConverter().setProvider(Crypto.provider()).getCertificate(holder);
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalArgumentException("unreadable certificate: " + e.getMessage(), e);
    }
  }

  private static Object readObject(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new IllegalArgumentException("empty PEM text");
    }
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object == null) {
        throw new IllegalArgumentException("no PEM object in text");
      }
      return object;
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable PEM text: " + e.getMessage(), e);
    }
  }
}
