package org.clearing.recon.match;

// Proves, on generated days of about 200 000 bill lines sorted in tiny runs (hundreds of spills and
// several merge passes), that the matcher finds every planted discrepancy and nothing else, sums
// the fees, and leaves no temporary file behind; and that the generator is deterministic.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyntheticDayTest {

  private static final long BILL_LINES = 200_000;
  private static final int RUN_LINES = 1_000;
  private static final int FAN_IN = 16;

  @TempDir Path temp;

  private static List<String> sorted(List<SyntheticDay.Planted> planted) {
    return planted.stream().map(Object::toString).sorted().toList();
  }

  private static long filesIn(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.count();
    }
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void everyPlantedDiscrepancyIsFoundAndNothingElseWithManySpills(Channel channel)
      throws IOException {
    MatchOptions options = Fixtures.options(channel, temp).withRunLinesMax(RUN_LINES)
        .withMergeFanInMax(FAN_IN);
    SyntheticDay day = new SyntheticDay(
        options, 42, SyntheticDay.ordersForLines(channel, BILL_LINES), 2);
    SyntheticDay.Report report = day.report();
    List<SyntheticDay.Planted> found = new ArrayList<>();
    long[] itemsSeen = {0};

    ReconSummary summary = new ReconMatcher(options).match(day.statementLines(),
        day.engineRecords(), item -> {
          itemsSeen[0]++;
          if (item.reconClass() != ReconClass.MATCHED) {
            found.add(new SyntheticDay.Planted(item.reconClass(), item.kind(), item.outTradeNo()));
          }
        });

    assertTrue(report.statementLines() >= BILL_LINES * 9 / 10, "about the asked size");
    assertTrue(report.planted().size() > 100, "a real mix was planted: " + report.ordersByPlant());
    assertEquals(sorted(report.planted()), sorted(found));
    assertEquals(report.statementLines(), summary.channelLines());
    assertEquals(report.engineRecords(), summary.engineRecords());
    assertEquals(report.paymentFeeFen(), summary.paymentFeeFen());
    assertEquals(report.refundFeeFen(), summary.refundFeeFen());
    assertTrue(summary.items(ReconClass.MATCHED) > 0);
    long runsAtLeast = (summary.channelLines() + summary.engineRecords()) / RUN_LINES;
    assertTrue(summary.tempFilesCreated() >= runsAtLeast,
        "memory held one run of " + RUN_LINES + " lines: " + summary.tempFilesCreated() + " files");
    assertEquals(0, filesIn(temp), "every run file is deleted");
  }

  @Test
  void everyKindOfDiscrepancyIsPlantedOnEveryChannelThatCanShowIt() {
    for (Channel channel : Channel.values()) {
      SyntheticDay.Report report =
          new SyntheticDay(Fixtures.options(channel, temp), 1, 20_000, 5).report();
      for (SyntheticDay.Plant plant : SyntheticDay.Plant.values()) {
        boolean expected = !(channel == Channel.ALIPAY
            && plant == SyntheticDay.Plant.LEG_SETTLED_SHORT);
        assertEquals(expected, report.ordersByPlant().getOrDefault(plant, 0L) > 0,
            channel + " " + plant);
      }
    }
  }

  @Test
  void theSameSeedGivesTheSameDayAndAnotherSeedAnotherDay() {
    MatchOptions options = Fixtures.options(Channel.WECHAT, temp);
    List<StatementLine> first = take(new SyntheticDay(options, 5, 500, 10).statementLines());
    List<StatementLine> again = take(new SyntheticDay(options, 5, 500, 10).statementLines());
    List<StatementLine> other = take(new SyntheticDay(options, 6, 500, 10).statementLines());

    assertEquals(first, again);
    assertNotEquals(first, other);
    assertEquals(new SyntheticDay(options, 5, 500, 10).report(),
        new SyntheticDay(options, 5, 500, 10).report());
  }

  @Test
  void plantingMoreThanAllOrdersIsRefused() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new SyntheticDay(Fixtures.options(Channel.WECHAT, temp), 1, 10, 200));
  }

  private static <T> List<T> take(Iterator<T> items) {
    List<T> list = new ArrayList<>();
    items.forEachRemaining(list::add);
    return list;
  }
}
