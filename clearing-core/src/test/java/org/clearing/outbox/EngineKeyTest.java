package org.clearing.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's key is created once as an owner-only PKCS#8 file and the same key is loaded on every
 * later start; its signatures verify with the published public key; a file that is not an SM2 key
 * is refused rather than replaced.
 */
class EngineKeyTest {

  @TempDir
  Path dataDir;

  @Test
  void theKeyIsCreatedOnceOwnerOnlyAndLoadedUnchangedLater() throws Exception {
    EngineKey created = EngineKey.loadOrCreate(dataDir);
    Path file = dataDir.resolve("keys").resolve("engine-sm2.pem");
    String pem = Files.readString(file, StandardCharsets.US_ASCII);

    EngineKey loaded = EngineKey.loadOrCreate(dataDir);

    assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(created.publicKeyPem(), loaded.publicKeyPem());
    assertEquals(pem, Files.readString(file, StandardCharsets.US_ASCII), "not rewritten");
    assertEquals(List.of("engine-sm2.pem"), Files.list(file.getParent()).map(p -> p.getFileName().toString()).toList(),
        "no temporary file left behind");
    assertNotEquals(created.publicKeyPem(), EngineKey.loadOrCreate(dataDir.resolve("other")).publicKeyPem());
  }

  @Test
  void itsSignaturesVerifyWithThePublishedPublicKeyOnly() {
    EngineKey key = EngineKey.loadOrCreate(dataDir);
    byte[] body = "{\"event_id\":1}".getBytes(StandardCharsets.UTF_8);
    String authorization = key.signer(Clock.systemUTC()).authorization("POST", "/hooks?x=1", body);

    assertTrue(authorization.startsWith("CLEARING-SM2-SM3 client_id=\"clearing-engine\","), authorization);
    assertTrue(Receiver.verifies(Pem.readPublicKey(key.publicKeyPem()), "POST", "/hooks?x=1", authorization, body));
    assertFalse(Receiver.verifies(Crypto.generateSm2().getPublic(), "POST", "/hooks?x=1", authorization, body));
    assertFalse(Receiver.verifies(key.publicKey(), "POST", "/hooks?x=2", authorization, body));
  }

  @Test
  void aKeyFileThatIsNotAnSm2KeyIsRefusedAndLeftAlone() throws Exception {
    Path file = dataDir.resolve("keys").resolve("engine-sm2.pem");
    Files.createDirectories(file.getParent());
    String rsa = Pem.write(Crypto.generateRsa(2048).getPrivate());
    Files.writeString(file, rsa);
    // Owner-only, as an operator would leave it: the refusal tested here is the key's type.
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    assertThrows(IllegalArgumentException.class, () -> EngineKey.loadOrCreate(dataDir));
    assertEquals(rsa, Files.readString(file));

    Files.writeString(file, "garbage");
    assertThrows(IllegalArgumentException.class, () -> EngineKey.loadOrCreate(dataDir));
  }
}
