package org.clearing.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secret files are owner-only from creation, with owner-only directories, whatever was there
 * before; nothing half-written or temporary is left beside them; and a secret others can read is
 * refused by name.
 */
class SecretFilesTest {

  @TempDir
  Path root;

  @Test
  void aSecretIsCreatedOwnerOnlyInOwnerOnlyDirectories() throws Exception {
    Path file = root.resolve("a").resolve("b").resolve("key.pem");

    SecretFiles.writeString(file, "secret");

    assertEquals("secret", Files.readString(file));
    assertEquals("rw-------", mode(file));
    assertEquals("rwx------", mode(root.resolve("a")));
    assertEquals("rwx------", mode(root.resolve("a").resolve("b")));
    assertEquals(List.of(file), listing(file.getParent()), "no temporary file is left behind");
  }

  @Test
  void rewritingAWorldReadableFileReplacesItWithAnOwnerOnlyOne() throws Exception {
    Path file = root.resolve("settings.json");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    SecretFiles.writeString(file, "new");

    assertEquals("new", Files.readString(file));
    assertEquals("rw-------", mode(file));
  }

  @Test
  void createIfAbsentKeepsTheFileAlreadyThere() throws Exception {
    Path file = root.resolve("k");

    assertTrue(SecretFiles.createIfAbsent(file, "first"));
    assertFalse(SecretFiles.createIfAbsent(file, "second"));

    assertEquals("first", SecretFiles.readString(file));
    assertEquals(List.of(file), listing(root));
  }

  @Test
  void aSecretOthersCanReadIsRefusedByName() throws Exception {
    Path file = root.resolve("channels").resolve("merchant").resolve("apiclient_key.pem");
    SecretFiles.writeString(file, "secret");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    SecretFiles.ExposedSecretException refused = assertThrows(SecretFiles.ExposedSecretException.class,
        () -> SecretFiles.requireAllOwnerOnly(List.of(root.resolve("keys"), root.resolve("channels"))));

    assertEquals(file, refused.file());
    assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
    assertThrows(SecretFiles.ExposedSecretException.class, () -> SecretFiles.readString(file));
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static List<Path> listing(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      return files.sorted().toList();
    }
  }
}
