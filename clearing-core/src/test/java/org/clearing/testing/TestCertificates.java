package org.clearing.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;

/**
 * Certificates made in the test with BouncyCastle, as an operator's CA would issue them: an
 * authority, server certificates naming localhost and 127.0.0.1, client certificates, and
 * self-signed ones no one trusts; plus JDK clients that trust an authority.
 */
public final class TestCertificates {

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private TestCertificates() {}

  /** A certificate with its key pair. */
  public record Issued(X509Certificate certificate, KeyPair keys) {

    /**
     * Writes the certificate and the key as PEM, each replaced atomically as a renewal tool does;
     * the key owner-only, as the engine requires of a secret file.
     */
    public void writeTo(Path certificateFile, Path keyFile) {
      writeAtomically(certificateFile, Pem.write(certificate));
      try {
        SecretFiles.writeString(keyFile, Pem.write(keys.getPrivate()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public void writeCertificateTo(Path file) {
      writeAtomically(file, Pem.write(certificate));
    }

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }
  }

  public static Issued authority(String name) {
    KeyPair keys = ecKeys();
    return sign(new X500Name("CN=" + name), keys, new X500Name("CN=" + name), keys, true, null, List.of());
  }

  /** A server certificate for localhost and 127.0.0.1 (or the names given) issued by {@code ca}. */
  public static Issued server(Issued ca, String... names) {
    KeyPair keys = ecKeys();
    return sign(new X500Name("CN=" + (names.length == 0 ? "localhost" : names[0])), keys,
        new X500Name(ca.certificate().getSubjectX500Principal().getName()), ca.keys(), false,
        KeyPurposeId.id_kp_serverAuth, names.length == 0 ? List.of("localhost", "127.0.0.1") : List.of(names));
  }

  /** A self-signed server certificate for localhost and 127.0.0.1: what an impostor presents. */
  public static Issued selfSignedServer() {
    KeyPair keys = ecKeys();
    X500Name name = new X500Name("CN=localhost");
    return sign(name, keys, name, keys, false, KeyPurposeId.id_kp_serverAuth, List.of("localhost", "127.0.0.1"));
  }

  public static Issued client(Issued ca, String commonName) {
    KeyPair keys = ecKeys();
    return sign(new X500Name("CN=" + commonName), keys,
        new X500Name(ca.certificate().getSubjectX500Principal().getName()), ca.keys(), false,
        KeyPurposeId.id_kp_clientAuth, List.of());
  }

  /** A TLS context trusting {@code trusted} and presenting {@code clientOrNull} when asked. */
  public static SSLContext context(Issued trusted, Issued clientOrNull) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", trusted.certificate());
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      KeyManagerFactory keyManagers = null;
      if (clientOrNull != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", clientOrNull.keys().getPrivate(), new char[0],
            new java.security.cert.Certificate[] {clientOrNull.certificate()});
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JDK HTTP client over {@code context}, HTTP/1.1 unless told otherwise. */
  public static HttpClient httpClient(SSLContext context, HttpClient.Version version) {
    return HttpClient.newBuilder().sslContext(context).version(version)
        .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** This machine's first non-loopback IPv4 address, the one a neighbour on the LAN would use. */
  public static Optional<String> lanAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
            return Optional.of(address.getHostAddress());
          }
        }
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static KeyPair ecKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Issued sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
      boolean authority, KeyPurposeId purpose, List<String> names) {
    try {
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
          BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(Duration.ofDays(30))), subject, subjectKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
      builder.addExtension(Extension.keyUsage, true, authority
          ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
          : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      if (purpose != null) {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      }
      if (!names.isEmpty()) {
        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
          alternatives.add(name.matches("[0-9.]+")
              ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name));
        }
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(alternatives.toArray(GeneralName[]::new)));
      }
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
      return new Issued(certificate, subjectKeys);
    } catch (Exception e) {
      throw new IllegalStateException("certificate not made", e);
    }
  }

  private static void writeAtomically(Path file, String text) {
    try {
      Path temporary = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      Files.writeString(temporary, text);
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
