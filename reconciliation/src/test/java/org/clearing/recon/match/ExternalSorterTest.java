package org.clearing.recon.match;

// Proves the external sort: output equals an in-memory sort whatever the run size and fan-in,
// memory stays within one run (a run never fills beyond runLinesMax, shown by the file count),
// files are deleted on close and on failure; and the run-file line codec round-trips any text.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalSorterTest {

  @TempDir Path temp;

  private static List<String> randomLines(int count, long seed) {
    Random random = new Random(seed);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      lines.add(Integer.toString(random.nextInt(count / 3 + 1), 36) + "\t" + random.nextInt(10));
    }
    return lines;
  }

  private long filesInTemp() throws IOException {
    try (Stream<Path> files = Files.list(temp)) {
      return files.count();
    }
  }

  private static List<String> drain(Iterator<String> lines) {
    List<String> out = new ArrayList<>();
    lines.forEachRemaining(out::add);
    return out;
  }

  @Test
  void spilledRunsMergeToTheSameOrderAsAnInMemorySort() throws IOException {
    List<String> lines = randomLines(10_000, 3);
    List<String> expected = new ArrayList<>(lines);
    expected.sort(null);
    for (int[] bounds : new int[][] {{1, 2}, {7, 3}, {100, 64}, {10_000, 2}, {20_000, 2}}) {
      ExternalSorter sorter = new ExternalSorter(bounds[0], bounds[1], temp);
      try (ExternalSorter.Sorted sorted = sorter.sort(lines.iterator())) {
        assertEquals(expected, drain(sorted), "run " + bounds[0] + ", fan-in " + bounds[1]);
        if (bounds[0] < lines.size()) {
          assertTrue(sorter.filesCreated() >= lines.size() / bounds[0]);
        } else {
          assertEquals(0, sorter.filesCreated(), "a day that fits one run is never spilled");
        }
      }
      assertEquals(0, filesInTemp());
    }
  }

  @Test
  void aSmallFanInMergesInSeveralPassesButNeverHoldsMoreRunsOpen() {
    ExternalSorter sorter = new ExternalSorter(10, 4, temp);
    try (ExternalSorter.Sorted sorted = sorter.sort(randomLines(1_000, 9).iterator())) {
      assertEquals(1_000, drain(sorted).size());
    }
    // 100 runs merged four at a time, each merge leaving three fewer: 32 merge files before the
    // last pass reads the remaining four at once.
    assertEquals(100 + 32, sorter.filesCreated());
  }

  @Test
  void runFilesAreDeletedWhenTheInputFailsHalfway() throws IOException {
    Iterator<String> failing = new Iterator<>() {
      private int given;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public String next() {
        if (given++ == 250) {
          throw new IllegalStateException("the bill stream broke");
        }
        return "line" + given;
      }
    };

    assertThrows(IllegalStateException.class, () -> new ExternalSorter(10, 4, temp).sort(failing));
    assertEquals(0, filesInTemp());
  }

  @Test
  void aLineSurvivesTheRunFileWhateverCharactersItsFieldsHold() {
    Entry entry = new Entry("A\tB\\C\nD\u0001中文", Entry.Side.ENGINE, Entry.Kind.REFUND_LEG,
        "R\\1\t", 3, "acc\r\n", "", -12_345, -7, 1_796_000_000_123L, "PENDING", "");
    String line = entry.encode();

    assertEquals(-1, line.indexOf('\n'));
    assertEquals(entry, Entry.decode(line));
    assertEquals("A\tB\\C\nD\u0001中文", Entry.unescapeKey(Entry.groupPrefix(line)));
  }

  @Test
  void sortedLinesKeepEachGroupTogetherEvenWithControlCharactersInKeys() {
    List<String> keys = List.of("A", "A\u0001", "AB", "A\\", "A B", "", "B", "A\t");
    List<String> lines = new ArrayList<>();
    for (String key : keys) {
      for (int amountFen = 1; amountFen <= 3; amountFen++) {
        lines.add(new Entry(key, Entry.Side.CHANNEL, Entry.Kind.PAYMENT, "", 0, "", "", amountFen,
            0, Entry.NO_TIME, "", "").encode());
      }
    }
    java.util.Collections.shuffle(lines, new Random(1));
    lines.sort(null);

    List<String> blocks = new ArrayList<>();
    for (String line : lines) {
      String key = Entry.unescapeKey(Entry.groupPrefix(line));
      if (blocks.isEmpty() || !blocks.get(blocks.size() - 1).equals(key)) {
        blocks.add(key);
      }
    }
    assertEquals(keys.size(), blocks.size(), "each key's lines form one block: " + blocks);
  }

  @Test
  void forPlainOrderNumbersLineOrderIsTheNumbersOwnOrder() {
    List<String> keys = new ArrayList<>(List.of("WTF2", "WTF10", "WTF1", "WTF", "ATF9", "WTF1 "));
    List<String> lines = new ArrayList<>();
    for (String key : keys) {
      lines.add(new Entry(key, Entry.Side.ENGINE, Entry.Kind.LEG, "", 1, "", "", 1, 0,
          Entry.NO_TIME, "SUCCEEDED", "").encode());
    }
    lines.sort(null);
    keys.sort(null);

    assertEquals(keys, lines.stream().map(Entry::groupPrefix).toList());
  }
}
