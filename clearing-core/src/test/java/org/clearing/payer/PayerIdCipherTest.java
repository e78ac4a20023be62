package org.clearing.payer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ID numbers round-trip through SM4-GCM, differ on every encryption, and tampering is caught; each
 * ciphertext names its key, so after a rotation the old key still decrypts what it encrypted.
 */
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
  void afterARekeyTheNewKeyEncryptsAndTheOldOneStillDecrypts() {
    byte[] oldKey = new byte[16];
    byte[] newKey = new byte[16];
    newKey[0] = 1;
    PayerIdCipher cipher = new PayerIdCipher(oldKey);
    byte[] before = cipher.encrypt("34150019900101123X");
    cipher.rekey(java.util.List.of(newKey, oldKey));
    byte[] after = cipher.encrypt("34150019900101123X");
    assertEquals(PayerIdCipher.keyId(newKey), cipher.currentKeyId());
    assertEquals(PayerIdCipher.keyId(newKey), "sm4-" + java.util.HexFormat.of().formatHex(after, 1, 9));
    assertEquals("34150019900101123X", cipher.decrypt(before));
    assertEquals("34150019900101123X", cipher.decrypt(after));
    IllegalStateException unknown = assertThrows(IllegalStateException.class,
        () -> new PayerIdCipher(oldKey).decrypt(after));
    assertTrue(unknown.getMessage().contains(PayerIdCipher.keyId(newKey)), unknown.getMessage());
  }

  @Test
  void aCiphertextRelabelledWithAnotherHeldKeyIsRefused() {
    byte[] oldKey = new byte[16];
    byte[] newKey = new byte[16];
    newKey[0] = 1;
    PayerIdCipher cipher = new PayerIdCipher(java.util.List.of(newKey, oldKey));
    byte[] sealed = cipher.encrypt("34150019900101123X");
    byte[] oldId = java.util.HexFormat.of().parseHex(PayerIdCipher.keyId(oldKey).substring(4));
    System.arraycopy(oldId, 0, sealed, 1, 8);
    assertThrows(IllegalStateException.class, () -> cipher.decrypt(sealed));
  }

  @Test
  void masksAllButTheFirstThreeAndLastFour() {
    assertEquals("341***********123X", PayerIdCipher.mask("34150019900101123X"));
    assertEquals("******", PayerIdCipher.mask("ABC123"));
  }
}
