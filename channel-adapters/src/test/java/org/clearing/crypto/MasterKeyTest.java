package org.clearing.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master key seals a value so that only the same key, for the same purpose and row, opens it:
 * a changed byte, another row, another purpose or another key is refused; a key file others can
 * read is refused before it is used.
 */
class MasterKeyTest {

  private static final byte[] SECRET = "-----BEGIN PRIVATE KEY-----\nMIGH...\n".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  @Test
  void aSealedValueOpensWithTheSameKeyPurposeAndRow() {
    MasterKey key = MasterKey.generate();
    byte[] sealed = key.seal("engine_key.secret", "sm2-0011", SECRET);
    assertArrayEquals(SECRET, key.open("engine_key.secret", "sm2-0011", sealed));
    assertEquals(1, sealed[0], "the format's version comes first");
    assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("BEGIN PRIVATE KEY"));
    assertFalse(java.util.Arrays.equals(sealed, key.seal("engine_key.secret", "sm2-0011", SECRET)),
        "a fresh nonce each time: the same value never seals to the same bytes");
  }

  @Test
  void everyChangedByteOfTheSealedValueIsRefused() {
    MasterKey key = MasterKey.generate();
    byte[] sealed = key.seal("engine_key.secret", "sm2-0011", SECRET);
    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      int at = i;
      assertThrows(MasterKey.Refused.class, () -> key.open("engine_key.secret", "sm2-0011", tampered),
          "byte " + at + " changed");
    }
    assertThrows(MasterKey.Refused.class, () -> key.open("engine_key.secret", "sm2-0011",
        java.util.Arrays.copyOf(sealed, sealed.length - 1)), "truncated");
    assertThrows(MasterKey.Refused.class, () -> key.open("engine_key.secret", "sm2-0011", new byte[3]));
  }

  @Test
  void aValueMovedToAnotherRowOrPurposeDoesNotOpen() {
    MasterKey key = MasterKey.generate();
    byte[] sealed = key.seal("engine_key.secret", "sm2-0011", SECRET);
    MasterKey.Refused otherRow = assertThrows(MasterKey.Refused.class,
        () -> key.open("engine_key.secret", "sm2-0022", sealed));
    assertTrue(otherRow.getMessage().contains("sm2-0022"), otherRow.getMessage());
    assertThrows(MasterKey.Refused.class, () -> key.open("channel.api_v3_key", "sm2-0011", sealed));
    // The lengths are part of the binding: the same characters split differently are another row.
    byte[] split = key.seal("ab", "c", SECRET);
    assertThrows(MasterKey.Refused.class, () -> key.open("a", "bc", split));
  }

  @Test
  void anotherMasterKeyIsNamedAndRefused() {
    MasterKey key = MasterKey.generate();
    MasterKey other = MasterKey.generate();
    byte[] sealed = key.seal("engine_key.secret", "sm2-0011", SECRET);
    MasterKey.Refused refused = assertThrows(MasterKey.Refused.class,
        () -> other.open("engine_key.secret", "sm2-0011", sealed));
    assertTrue(refused.getMessage().contains(key.id()) && refused.getMessage().contains(other.id()),
        refused.getMessage());
    assertNotEquals(key.id(), other.id());
  }

  @Test
  void aKeyIsReadFromHexOrBase64AndNothingElse() {
    MasterKey key = MasterKey.generate();
    byte[] raw = HexFormat.of().parseHex(key.toHex());
    byte[] sealed = key.seal("p", "r", SECRET);
    assertArrayEquals(SECRET, MasterKey.fromText(key.toHex().toUpperCase(), "env").open("p", "r", sealed));
    assertArrayEquals(SECRET, MasterKey.fromText(" " + Base64.getEncoder().encodeToString(raw) + "\n", "env")
        .open("p", "r", sealed));
    for (String bad : new String[] {"", key.toHex().substring(2), key.toHex() + "00", "zz" + key.toHex().substring(2),
        Base64.getEncoder().encodeToString(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1})}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> MasterKey.fromText(bad, MasterKey.ENVIRONMENT_VARIABLE));
      assertTrue(e.getMessage().startsWith("CLEARING_MASTER_KEY:"), e.getMessage());
      assertFalse(!bad.isEmpty() && e.getMessage().contains(bad), "the message never repeats the key");
    }
  }

  @Test
  void aKeyFileIsCreatedOwnerOnlyOnceAndReadBackUnchanged() throws Exception {
    Path file = dir.resolve("keys").resolve("master.key");
    MasterKey created = MasterKey.loadOrCreate(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    MasterKey again = MasterKey.loadOrCreate(file);
    assertEquals(created.id(), again.id());
    assertArrayEquals(SECRET, again.open("p", "r", created.seal("p", "r", SECRET)));
    assertEquals(created.id(), MasterKey.fromFile(file).id());
  }

  @Test
  void aKeyFileGroupOrOthersMayReadIsRefused() throws Exception {
    for (String permissions : new String[] {"rw-r-----", "rw----r--", "rw--w----"}) {
      Path file = dir.resolve("master-" + permissions + ".key");
      Files.writeString(file, MasterKey.generate().toHex());
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
      assertThrows(SecretFiles.ExposedSecretException.class, () -> MasterKey.fromFile(file), permissions);
      assertThrows(SecretFiles.ExposedSecretException.class, () -> MasterKey.loadOrCreate(file), permissions);
    }
  }
}
