package org.clearing.payer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ID numbers round-trip through SM4-GCM, differ on every encryption, and tampering is caught. */
class PayerIdCipherTest {

  @TempDir
  Path dir;

  @Test
  void encryptsDifferentlyEachTimeAndDecryptsBack() {
    PayerIdCipher cipher = PayerIdCipher.fromKeyFile(dir.resolve("k"));
    byte[] first = cipher.encrypt("34150019900101123X");
    byte[] second = cipher.encrypt("34150019900101123X");
    assertNotEquals(Arrays.toString(first), Arrays.toString(second));
    assertEquals("34150019900101123X", cipher.decrypt(first));
  }

  @Test
  void theKeyFileIsCreatedOnceAndReused() throws Exception {
    Path file = dir.resolve("keys/payer-id.sm4");
    byte[] sealed = PayerIdCipher.fromKeyFile(file).encrypt("A1");
    String key = Files.readString(file);
    assertEquals("A1", PayerIdCipher.fromKeyFile(file).decrypt(sealed));
    assertEquals(key, Files.readString(file));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(file)));
  }

  @Test
  void aTamperedOrForeignCiphertextIsRefused() {
    PayerIdCipher cipher = PayerIdCipher.fromKeyFile(dir.resolve("k"));
    byte[] sealed = cipher.encrypt("34150019900101123X");
    sealed[sealed.length - 1] ^= 1;
    assertThrows(IllegalStateException.class, () -> cipher.decrypt(sealed));
    byte[] other = PayerIdCipher.fromKeyFile(dir.resolve("k2")).encrypt("34150019900101123X");
    assertThrows(IllegalStateException.class, () -> cipher.decrypt(other));
    assertThrows(IllegalArgumentException.class, () -> cipher.decrypt(new byte[3]));
  }

  @Test
  void masksAllButTheFirstThreeAndLastFour() {
    assertEquals("341***********123X", PayerIdCipher.mask("34150019900101123X"));
    assertEquals("******", PayerIdCipher.mask("ABC123"));
  }
}
