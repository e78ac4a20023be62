package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.clearing.Engine;
import org.clearing.config.EngineConfig;
import org.clearing.crypto.SecretFiles;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every secret the demo engine writes (its keys, the demo clients' private keys, the channels'
 * merchant keys, API v3 key and the keys it trusts for callbacks) is owner-only with owner-only
 * directories; and a secret another user could read stops the engine from starting, naming it.
 */
class SecretFilePermissionsTest {

  private static Path dataDir;
  private static String pgUrl;

  @BeforeAll
  static void aDemoEngineRanOnce() throws Exception {
    try (TestEngine engine = TestEngine.startWithSandboxes()) {
      dataDir = engine.dataDir();
      pgUrl = engine.pgUrl();
    }
  }

  @Test
  void everySecretFileIsOwnerOnlyAndSoIsEveryDirectoryAboveIt() throws Exception {
    List<Path> files = new ArrayList<>();
    for (Path root : Engine.secretDirectories(dataDir)) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path path : walk.sorted().toList()) {
          String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
          if (Files.isDirectory(path)) {
            assertEquals("rwx------", mode, path.toString());
          } else {
            assertEquals("rw-------", mode, path.toString());
            files.add(dataDir.relativize(path));
          }
        }
      }
    }
    for (String expected : List.of("keys/master.sm4",
        "clients/admin.json", "clients/registration.json",
        "channels/wechat/merchant/apiclient_key.pem", "channels/wechat/merchant/merchant.json",
        "channels/wechat/sandbox/keys/platform-certificate.pem",
        "channels/alipay/merchant/merchant_private_key.pem", "channels/alipay/sandbox/alipay_public_key.pem",
        "channels/unionpay/merchant/merchant-signing.key", "channels/unionpay/sandbox/pki/root.pem")) {
      assertTrue(files.contains(Path.of(expected)), expected + " was checked, among " + files);
    }
  }

  @Test
  void aSecretOthersCanReadStopsTheEngineFromStartingAndTheErrorNamesIt() throws Exception {
    for (String secret : List.of("keys/master.sm4", "clients/admin.json",
        "channels/wechat/merchant/merchant.json", "channels/alipay/merchant/merchant_private_key.pem",
        "channels/unionpay/sandbox/pki/root.pem")) {
      for (String exposed : List.of("rw-r--r--", "rw-r-----")) {
        Path file = dataDir.resolve(secret);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(exposed));
        try {
          SecretFiles.ExposedSecretException refused =
              assertThrows(SecretFiles.ExposedSecretException.class, () -> Engine.start(config()), secret);
          assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
        } finally {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
      }
    }
  }

  private static EngineConfig config() {
    return EngineConfig.defaults(dataDir).withHttpPort(0).withPgUrl(pgUrl)
        .withSandboxes(true, 0, TestEngine.SANDBOX_TIME_COMPRESSION);
  }
}
