package org.clearing.recon.match;

// Proves that the classification does not depend on the order of the inputs or on the run size:
// shuffled days (random seeds) give exactly the items, in the same order, as the sorted day.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputOrderTest {

  private static final int ROUNDS = 25;

  @TempDir Path temp;

  private static <T> List<T> listOf(java.util.Iterator<T> items) {
    List<T> list = new ArrayList<>();
    items.forEachRemaining(list::add);
    return list;
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void shuffledInputsClassifyExactlyAsSortedOnes(Channel channel) {
    MatchOptions options = Fixtures.options(channel, temp);
    // A high plant rate so that every class occurs many times among 400 orders.
    SyntheticDay day = new SyntheticDay(options, 7, 400, 40);
    List<StatementLine> lines = listOf(day.statementLines());
    List<EngineRecord> records = listOf(day.engineRecords());
    ChannelKeys keys = ChannelKeys.of(channel);
    lines.sort(Comparator.comparing(keys::groupKey));
    records.sort(Comparator.comparing(EngineRecord::outTradeNo));
    List<ReconItem> expected = Fixtures.run(options, lines, records).items();

    Random random = new Random(20261127);
    for (int round = 0; round < ROUNDS; round++) {
      long seed = random.nextLong();
      Collections.shuffle(lines, new Random(seed));
      Collections.shuffle(records, new Random(seed + 1));
      int runLines = 1 + new Random(seed).nextInt(200);
      List<ReconItem> actual = Fixtures.run(options.withRunLinesMax(runLines).withMergeFanInMax(3),
          lines, records).items();
      assertEquals(expected, actual, "seed " + seed + ", run size " + runLines);
    }
  }

  @Test
  void inputsDeclaredPresortedSkipTheSortAndGiveTheSameItems() {
    MatchOptions options = Fixtures.options(Channel.UNIONPAY, temp);
    SyntheticDay day = new SyntheticDay(options, 11, 300, 40);
    List<StatementLine> lines = listOf(day.statementLines());
    List<EngineRecord> records = listOf(day.engineRecords());
    List<ReconItem> sortedByMatcher = Fixtures.run(options, lines, records).items();
    lines.sort(Comparator.comparing(StatementLine::outTradeNo));
    records.sort(Comparator.comparing(EngineRecord::outTradeNo));

    Fixtures.Run presorted = Fixtures.run(options.withInputsPresorted(true).withRunLinesMax(1),
        lines, records);

    assertEquals(sortedByMatcher, presorted.items());
    assertEquals(0, presorted.summary().tempFilesCreated());
  }

  @Test
  void inputsDeclaredPresortedThatAreNotAreRefused() {
    MatchOptions options = Fixtures.options(Channel.ALIPAY, temp).withInputsPresorted(true);
    List<EngineRecord> records = List.of(
        Fixtures.paid(Channel.ALIPAY, "ATF2", "T2", 100, Fixtures.NOON),
        Fixtures.paid(Channel.ALIPAY, "ATF1", "T1", 100, Fixtures.NOON));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReconMatcher(options).match(List.<StatementLine>of().iterator(),
            records.iterator(), item -> {}));
    assertEquals("engine records said to be sorted are not: ATF1 after ATF2", e.getMessage());
  }

  @Test
  void recordsDeclaredPresortedWithAShuffledBillGiveTheSameItemsAndSortOnlyTheBill() {
    MatchOptions options = Fixtures.options(Channel.WECHAT, temp);
    SyntheticDay day = new SyntheticDay(options, 13, 300, 40);
    List<StatementLine> lines = listOf(day.statementLines());
    List<EngineRecord> records = listOf(day.engineRecords());
    List<ReconItem> sortedByMatcher = Fixtures.run(options, lines, records).items();
    Collections.shuffle(lines, new Random(5));
    records.sort(Comparator.comparing(EngineRecord::outTradeNo));
    int billRunLines = 50;

    Fixtures.Run presorted = Fixtures.run(options.withRecordsPresorted(true).withRunLinesMax(billRunLines),
        lines, records);

    assertEquals(sortedByMatcher, presorted.items());
    // Only the bill went through run files: as many as its lines fill (the records would add more).
    assertEquals((lines.size() + billRunLines - 1) / billRunLines, presorted.summary().tempFilesCreated());
  }

  @Test
  void recordsDeclaredPresortedThatAreNotAreRefused() {
    MatchOptions options = Fixtures.options(Channel.ALIPAY, temp).withRecordsPresorted(true);
    List<EngineRecord> records = List.of(
        Fixtures.paid(Channel.ALIPAY, "ATF2", "T2", 100, Fixtures.NOON),
        Fixtures.paid(Channel.ALIPAY, "ATF1", "T1", 100, Fixtures.NOON));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReconMatcher(options).match(List.<StatementLine>of().iterator(),
            records.iterator(), item -> {}));
    assertEquals("engine records said to be sorted are not: ATF1 after ATF2", e.getMessage());
  }
}
