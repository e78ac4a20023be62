package org.clearing.sandbox.unionpay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import org.clearing.channel.unionpay.UnionPayCertificates;
import org.clearing.channel.unionpay.UnionPayCertificates.Issued;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;

/**
 * Keeps the sandbox's PKI (root → intermediate → UnionPay signing certificate) as PEM files, so
 * that a merchant configured once keeps trusting the sandbox across restarts. Blocking.
 */
final class UnionPayPkiStore {

  private static final String[] NAMES = {"root", "intermediate", "unionpay-signing", "spare"};

  private UnionPayPkiStore() {}

  /**
   * Loads the PKI from {@code directory}, or generates and saves it on first start. The signing
   * certificate carries the strict owner CN so merchants can keep the production owner check on.
   */
  static Pki loadOrCreate(Path directory, Clock clock) {
    try {
      if (Files.exists(directory.resolve("unionpay-signing.pem"))) {
        return new Pki(read(directory, NAMES[0]), read(directory, NAMES[1]),
            read(directory, NAMES[2]), read(directory, NAMES[3]));
      }
      SecretFiles.createDirectories(directory);
      // The Pki's merchant slot is unused by the sandbox (merchants bring their own certificate).
      Pki pki =
          Pki.generate(clock, UnionPayCertificates.STRICT_OWNER_SIGNING_CN, "000000000000000");
      Issued[] all = {pki.root(), pki.intermediate(), pki.unionPaySigning(), pki.merchant()};
      for (int i = 0; i < all.length; i++) {
        write(directory, NAMES[i], all[i]);
      }
      return pki;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the sandbox PKI in " + directory, e);
    }
  }

  /** Writes a key and its certificate as {@code name.key} and {@code name.pem}. */
  static void write(Path directory, String name, Issued issued) throws IOException {
    SecretFiles.writeString(directory.resolve(name + ".key"), issued.privateKeyPem());
    SecretFiles.writeString(directory.resolve(name + ".pem"), issued.certificatePem());
  }

  /** Reads what {@link #write} wrote. */
  static Issued read(Path directory, String name) throws IOException {
    X509Certificate certificate =
        Pem.readCertificate(Files.readString(directory.resolve(name + ".pem")));
    return new Issued(
        new KeyPair(certificate.getPublicKey(),
            Pem.readPrivateKey(Files.readString(directory.resolve(name + ".key")))),
        certificate);
  }
}
