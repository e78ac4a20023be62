package org.clearing.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one way secret files (private keys, symmetric keys, passwords, merchant settings) are
 * written and checked. A file is created owner-only (0600) in its own directory and moved into
 * place, so no other user can open it at any moment, not even between a write and a chmod; its
 * directories are created 0700. Blocking: call from a worker or before Vert.x starts.
 */
public final class SecretFiles {

  private static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private SecretFiles() {}

  /** A secret file someone other than its owner can read or write; the engine does not start. */
  public static final class ExposedSecretException extends IllegalStateException {
    private final transient Path file;

    ExposedSecretException(Path file, String permissions) {
      super("secret file " + file + " is open to other users (" + permissions + "); it must be owner-only:"
          + " chmod 600 " + file + ", and check who could have read it");
      this.file = file;
    }

    public Path file() {
      return file;
    }
  }

  /** Creates {@code directory} and its missing parents owner-only (0700); existing ones are kept as they are. */
  public static Path createDirectories(Path directory) throws IOException {
    try {
      return Files.createDirectories(directory, directoryAttribute());
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system; the data directory's own protection has to do.
      return Files.createDirectories(directory);
    }
  }

  /** Writes {@code content} to {@code file}, replacing it atomically; the file is 0600 from creation. */
  public static void write(Path file, byte[] content) throws IOException {
    Path temporary = temporaryBeside(file, content);
    try {
      move(temporary, file, true);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  public static void writeString(Path file, String content) throws IOException {
    write(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code content} to {@code file} unless the file exists; true when this call wrote it.
   * Two processes racing on one data directory end up with one file, the winner's, which the
   * loser then reads.
   */
  public static boolean createIfAbsent(Path file, byte[] content) throws IOException {
    if (Files.exists(file)) {
      return false;
    }
    Path temporary = temporaryBeside(file, content);
    try {
      move(temporary, file, false);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  public static boolean createIfAbsent(Path file, String content) throws IOException {
    return createIfAbsent(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a secret file as text, refusing it when other users can read it. */
  public static String readString(Path file) throws IOException {
    requireOwnerOnly(file);
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /**
   * Refuses a secret file that group or others may read, write or execute, naming the file.
   * On a file system without POSIX permissions there is nothing to check.
   */
  public static void requireOwnerOnly(Path file) throws IOException {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return;
    }
    if (permissions.stream().anyMatch(OTHERS::contains)) {
      throw new ExposedSecretException(file, PosixFilePermissions.toString(permissions));
    }
  }

  /**
   * Checks every regular file under each existing directory in {@code roots}: all of them hold
   * secrets, so every one must be owner-only. Refuses with the first exposed file, naming it.
   */
  public static void requireAllOwnerOnly(List<Path> roots) {
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      List<Path> files = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(Files::isRegularFile).sorted().forEach(files::add);
        for (Path file : files) {
          requireOwnerOnly(file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot check the secret files under " + root, e);
      }
    }
  }

  /** A new 0600 file with the content, in the target's directory so the move is a rename. */
  private static Path temporaryBeside(Path file, byte[] content) throws IOException {
    Path directory = createDirectories(file.toAbsolutePath().getParent());
    String prefix = "." + file.getFileName() + "-";
    Path temporary;
    try {
      temporary = Files.createTempFile(directory, prefix, ".tmp", PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS));
    } catch (UnsupportedOperationException e) {
      temporary = Files.createTempFile(directory, prefix, ".tmp");
    }
    try {
      Files.write(temporary, content);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
    return temporary;
  }

  /**
   * Renames {@code from} to {@code to}. Without replacing, a hard link makes the file appear only
   * if no other does (a plain rename would overwrite a file another process put there meanwhile).
   */
  private static void move(Path from, Path to, boolean replace) throws IOException {
    if (!replace) {
      try {
        Files.createLink(to, from);
        return;
      } catch (FileAlreadyExistsException e) {
        throw e;
      } catch (UnsupportedOperationException | FileSystemException e) {
        // No hard links on this file system (some network and FUSE ones): a rename that refuses
        // an existing target, with a narrow race left between its check and the rename.
        Files.move(from, to);
        return;
      }
    }
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> directoryAttribute() {
    return PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS);
  }
}
