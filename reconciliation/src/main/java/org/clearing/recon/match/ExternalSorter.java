package org.clearing.recon.match;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Sorts text lines (without line breaks) in their natural order with bounded memory: runs of at
 * most {@code runLinesMax} lines are sorted in memory and spilled to temporary files, then merged
 * {@code mergeFanInMax} at a time until one merge can stream them all. A run that never fills is
 * not spilled at all. The result is read once and must be closed, which deletes every file.
 */
final class ExternalSorter {

  private static final int READ_BUFFER_CHARS = 16 * 1024;

  private final int runLinesMax;
  private final int mergeFanInMax;
  private final Path directory;
  private int filesCreated;

  ExternalSorter(int runLinesMax, int mergeFanInMax, Path directory) {
    this.runLinesMax = runLinesMax;
    this.mergeFanInMax = mergeFanInMax;
    this.directory = directory;
  }

  /** How many run files this sorter has written, intermediate merges included. */
  int filesCreated() {
    return filesCreated;
  }

  Sorted sort(Iterator<String> lines) {
    Deque<Path> runs = new ArrayDeque<>();
    try {
      List<String> buffer = new ArrayList<>(Math.min(runLinesMax, 1 << 16));
      while (lines.hasNext()) {
        if (buffer.size() == runLinesMax) {
          runs.add(spill(buffer));
          buffer.clear();
        }
        buffer.add(lines.next());
      }
      Collections.sort(buffer);
      if (runs.isEmpty()) {
        return new Sorted(buffer.iterator(), List.of());
      }
      if (!buffer.isEmpty()) {
        runs.add(spill(buffer));
      }
      buffer = null;
      while (runs.size() > mergeFanInMax) {
        runs.add(mergeToFile(take(runs, mergeFanInMax)));
      }
      return new Sorted(new Merge(open(runs)), new ArrayList<>(runs));
    } catch (IOException | RuntimeException e) {
      runs.forEach(ExternalSorter::deleteQuietly);
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  private Path spill(List<String> buffer) throws IOException {
    Collections.sort(buffer);
    Path file = newFile();
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (String line : buffer) {
        out.write(line);
        out.write('\n');
      }
    }
    return file;
  }

  private Path mergeToFile(List<Path> inputs) throws IOException {
    Path file = newFile();
    try (Merge merge = new Merge(open(inputs));
        BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      while (merge.hasNext()) {
        out.write(merge.next());
        out.write('\n');
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(file);
      throw e;
    }
    inputs.forEach(ExternalSorter::deleteQuietly);
    return file;
  }

  private Path newFile() throws IOException {
    Path file = Files.createTempFile(directory, "recon-run-", ".txt");
    filesCreated++;
    return file;
  }

  private static List<Path> take(Deque<Path> runs, int count) {
    List<Path> taken = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      taken.add(runs.removeFirst());
    }
    return taken;
  }

  private static List<BufferedReader> open(Iterable<Path> files) throws IOException {
    List<BufferedReader> readers = new ArrayList<>();
    try {
      for (Path file : files) {
        readers.add(new BufferedReader(
            Files.newBufferedReader(file, StandardCharsets.UTF_8), READ_BUFFER_CHARS));
      }
    } catch (IOException e) {
      readers.forEach(ExternalSorter::closeQuietly);
      throw e;
    }
    return readers;
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A file left behind in the temporary directory is untidy, not wrong; the run's result stands.
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // Closing a reader of a file we are about to delete cannot lose data.
    }
  }

  /** The sorted lines, read once; closing deletes the run files. */
  static final class Sorted implements Iterator<String>, AutoCloseable {
    private final Iterator<String> lines;
    private final List<Path> files;

    Sorted(Iterator<String> lines, List<Path> files) {
      this.lines = lines;
      this.files = files;
    }

    @Override
    public boolean hasNext() {
      return lines.hasNext();
    }

    @Override
    public String next() {
      return lines.next();
    }

    @Override
    public void close() {
      if (lines instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
      files.forEach(ExternalSorter::deleteQuietly);
    }
  }

  /** A k-way merge of sorted readers by their current line. */
  private static final class Merge implements Iterator<String>, AutoCloseable {
    private record Head(String line, BufferedReader reader) {}

    private final PriorityQueue<Head> heads =
        new PriorityQueue<>((a, b) -> a.line().compareTo(b.line()));
    private final List<BufferedReader> readers;

    Merge(List<BufferedReader> readers) throws IOException {
      this.readers = readers;
      for (BufferedReader reader : readers) {
        advance(reader);
      }
    }

    private void advance(BufferedReader reader) throws IOException {
      String line = reader.readLine();
      if (line != null) {
        heads.add(new Head(line, reader));
      }
    }

    @Override
    public boolean hasNext() {
      return !heads.isEmpty();
    }

    @Override
    public String next() {
      Head head = heads.poll();
      if (head == null) {
        throw new NoSuchElementException();
      }
      try {
        advance(head.reader());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return head.line();
    }

    @Override
    public void close() {
      readers.forEach(ExternalSorter::closeQuietly);
    }
  }
}
