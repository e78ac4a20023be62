package org.clearing.load.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The harness's temporary data directories ({@code clearing-load-*}: PostgreSQL's files, the
 * engine's keys and log), made under {@code java.io.tmpdir} or the directory named by the system
 * property {@value #ROOT_PROPERTY}, and removed after the run, also when it fails. A run leaves
 * hundreds of megabytes of database behind otherwise, once per run.
 */
public final class TempDirectories {

  /** Where to make them instead of the system's temporary directory, e.g. on a faster disk. */
  public static final String ROOT_PROPERTY = "clearing.load.tmpdir";
  public static final String PREFIX = "clearing-load-";

  private TempDirectories() {}

  public static Path create() throws IOException {
    String root = System.getProperty(ROOT_PROPERTY);
    return root == null ? Files.createTempDirectory(PREFIX) : Files.createTempDirectory(Path.of(root), PREFIX);
  }

  /** Removes the directory and everything in it; a missing directory is already removed. */
  public static void delete(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
