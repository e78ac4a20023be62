package org.clearing.recon.match;

// Proves that a bill sorted first (an upload's check) and matched afterwards gives exactly the
// items and totals of the one-step match, with the run files of both sides counted and deleted
// once closed, and that a sorted bill is matched once only.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SortedBillTest {

  @TempDir Path temp;

  private static <T> List<T> listOf(java.util.Iterator<T> items) {
    List<T> list = new ArrayList<>();
    items.forEachRemaining(list::add);
    return list;
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aBillSortedFirstMatchesExactlyAsInOneStep(Channel channel) throws Exception {
    // Small runs, so that both sides spill to files and are merged.
    MatchOptions options = Fixtures.options(channel, temp).withRunLinesMax(50).withMergeFanInMax(3);
    SyntheticDay day = new SyntheticDay(options, 5, 300, 30);
    List<StatementLine> lines = listOf(day.statementLines());
    List<EngineRecord> records = listOf(day.engineRecords());
    List<ReconItem> oneStep = new ArrayList<>();
    ReconSummary oneStepSummary = new ReconMatcher(options).match(lines.iterator(), records.iterator(), oneStep::add);

    ReconMatcher matcher = new ReconMatcher(options);
    List<ReconItem> twoSteps = new ArrayList<>();
    ReconSummary twoStepSummary;
    try (ReconMatcher.SortedBill bill = matcher.sortBill(lines.iterator())) {
      try (Stream<Path> files = Files.list(temp)) {
        assertTrue(files.findAny().isPresent(), "the sorted bill waits in run files");
      }
      twoStepSummary = matcher.match(bill, records.iterator(), twoSteps::add);
      assertThrows(IllegalStateException.class, () -> matcher.match(bill, records.iterator(), item -> { }));
    }

    assertEquals(oneStep, twoSteps);
    assertEquals(oneStepSummary, twoStepSummary);
    assertTrue(twoStepSummary.tempFilesCreated() > 0);
    try (Stream<Path> files = Files.list(temp)) {
      assertEquals(0, files.count(), "every run file is deleted");
    }
  }
}
