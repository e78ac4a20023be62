package org.clearing.tls;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.config.Network;
import org.clearing.testing.TestCertificates;
import org.clearing.testing.TestCertificates.Issued;
import org.junit.jupiter.api.Test;

/**
 * A TLS setting that cannot work stops the start with the file named, instead of an engine that
 * fails every handshake: a key that is not the certificate's, a file holding no certificate, a
 * certificate without its key, a client CA without a server certificate, an empty CA bundle.
 */
class ServerTlsFilesTest {

  @Test
  void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles() throws Exception {
    Path directory = Files.createTempDirectory("clearing-tls-files-");
    Issued authority = TestCertificates.authority("Files CA");
    TestCertificates.server(authority).writeCertificateTo(directory.resolve("server.pem"));
    TestCertificates.server(authority).writeTo(directory.resolve("other.pem"), directory.resolve("other-key.pem"));

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ServerTls.load(
        Network.defaults().withTls(directory.resolve("server.pem"), directory.resolve("other-key.pem"), null)));

    assertTrue(refused.getMessage().contains("other-key.pem is not the private key"), refused.getMessage());
    assertTrue(refused.getMessage().contains("server.pem"), refused.getMessage());
  }

  @Test
  void aCertificateFileWithoutACertificateIsRefusedNamingIt() throws Exception {
    Path directory = Files.createTempDirectory("clearing-tls-files-");
    Issued server = TestCertificates.server(TestCertificates.authority("Files CA"));
    server.writeTo(directory.resolve("server.pem"), directory.resolve("server-key.pem"));
    Files.writeString(directory.resolve("server.pem"), "not a certificate\n");

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ServerTls.load(
        Network.defaults().withTls(directory.resolve("server.pem"), directory.resolve("server-key.pem"), null)));

    assertTrue(refused.getMessage().contains(directory.resolve("server.pem").toString()), refused.getMessage());
  }

  @Test
  void halfATlsSettingIsRefusedNamingTheMissingOption() {
    IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
        () -> Network.defaults().withTls(Path.of("server.pem"), null, null));
    assertTrue(noKey.getMessage().contains("--tls-key"), noKey.getMessage());
    IllegalArgumentException clientCaAlone = assertThrows(IllegalArgumentException.class,
        () -> Network.defaults().withTls(null, null, Path.of("client-ca.pem")));
    assertTrue(clientCaAlone.getMessage().contains("--tls-client-ca"), clientCaAlone.getMessage());
  }

  @Test
  void aCaBundleWithoutCertificatesIsRefusedNamingIt() throws Exception {
    Path bundle = Files.createTempFile("clearing-empty-bundle-", ".pem");
    Files.writeString(bundle, "");

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> OutboundTrust.load(bundle));

    assertTrue(refused.getMessage().contains("--channel-ca-bundle " + bundle), refused.getMessage());
  }
}
