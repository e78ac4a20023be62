package org.clearing.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clearing.config.Network;
import org.clearing.crypto.SecretFiles;
import org.clearing.testing.TestEngine;
import org.clearing.testing.TestCertificates;
import org.clearing.testing.TestCertificates.Issued;
import org.junit.jupiter.api.Test;

/**
 * A TLS setting that cannot work stops the start with the file named, instead of an engine that
 * fails every handshake: a key that is not the certificate's, a file holding no certificate, a
 * certificate without its key, a client CA without a server certificate, an empty CA bundle, and
 * a private key file other users can read (at start-up and when a renewed pair is reloaded).
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

  @Test
  void aKeyFileOtherUsersCanReadIsRefusedNamingIt() throws Exception {
    Path directory = Files.createTempDirectory("clearing-tls-files-");
    Path keyFile = directory.resolve("server-key.pem");
    TestCertificates.server(TestCertificates.authority("Files CA")).writeTo(directory.resolve("server.pem"), keyFile);
    Network network = Network.defaults().withTls(directory.resolve("server.pem"), keyFile, null);
    ServerTls.load(network);

    for (String exposed : List.of("rw-r--r--", "rw-r-----", "rw----r--")) {
      Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString(exposed));
      SecretFiles.ExposedSecretException refused =
          assertThrows(SecretFiles.ExposedSecretException.class, () -> ServerTls.load(network), exposed);
      assertTrue(refused.getMessage().contains(keyFile.toString()), refused.getMessage());
    }
  }

  @Test
  void theEngineDoesNotStartWithATlsKeyOtherUsersCanRead() throws Exception {
    Path directory = Files.createTempDirectory("clearing-tls-files-");
    Path keyFile = directory.resolve("server-key.pem");
    TestCertificates.server(TestCertificates.authority("Files CA")).writeTo(directory.resolve("server.pem"), keyFile);
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));

    IllegalStateException notStarted = assertThrows(IllegalStateException.class, () -> TestEngine.startWith(
        network -> network.withTls(directory.resolve("server.pem"), keyFile, null), null).close());

    SecretFiles.ExposedSecretException refused =
        assertInstanceOf(SecretFiles.ExposedSecretException.class, notStarted.getCause());
    assertTrue(refused.getMessage().contains(keyFile.toString()), refused.getMessage());
  }

  @Test
  void aRenewedKeyOtherUsersCanReadIsNotReloaded() throws Exception {
    Path directory = Files.createTempDirectory("clearing-tls-files-");
    Path certFile = directory.resolve("server.pem");
    Path keyFile = directory.resolve("server-key.pem");
    Issued authority = TestCertificates.authority("Files CA");
    TestCertificates.server(authority).writeTo(certFile, keyFile);
    ServerTls tls = ServerTls.load(Network.defaults().withTls(certFile, keyFile, null));
    TestCertificates.server(authority).writeTo(certFile, keyFile);
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
    Vertx vertx = Vertx.vertx();
    try {
      ExecutionException refused = assertThrows(ExecutionException.class, () -> tls.reloadIfChanged(vertx)
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
      assertInstanceOf(SecretFiles.ExposedSecretException.class, refused.getCause());
      assertTrue(refused.getCause().getMessage().contains(keyFile.toString()), refused.getCause().getMessage());
      assertFalse(tls.reloadIfChanged(vertx).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS),
          "nothing changed since the refused attempt: the old pair stays served");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}
