package org.clearing.recon.match;

// Proves that inputs the matcher cannot judge are refused loudly and leave no run files behind:
// another channel's lines, an order with more entries than the bound, invalid engine records.

import static org.clearing.recon.match.Fixtures.NOON;
import static org.clearing.recon.match.Fixtures.paid;
import static org.clearing.recon.match.Fixtures.payment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

class BadInputTest {

  @TempDir Path temp;

  private long filesInTemp() throws IOException {
    try (Stream<Path> files = Files.list(temp)) {
      return files.count();
    }
  }

  @Test
  void aLineOfAnotherChannelIsRefused() {
    MatchOptions options = Fixtures.options(Channel.WECHAT, temp);
    List<StatementLine> lines = List.of(payment(Channel.ALIPAY, "ATF1", "T1", 100, 0, NOON));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReconMatcher(options).match(lines.iterator(), List.<EngineRecord>of().iterator(),
            item -> {}));
    assertEquals("a ALIPAY item in the WECHAT reconciliation", e.getMessage());
  }

  @Test
  void anEngineRecordOfAnotherChannelIsRefused() {
    MatchOptions options = Fixtures.options(Channel.WECHAT, temp);
    List<EngineRecord> records = List.of(paid(Channel.UNIONPAY, "UTF1", "Q1", 100, NOON));

    assertThrows(IllegalArgumentException.class, () -> new ReconMatcher(options)
        .match(List.<StatementLine>of().iterator(), records.iterator(), item -> {}));
  }

  @Test
  void anOrderWithMoreEntriesThanTheBoundFailsTheRunAndLeavesNoFiles() throws IOException {
    MatchOptions options = Fixtures.options(Channel.ALIPAY, temp).withRunLinesMax(5)
        .withGroupEntriesMax(10);
    List<StatementLine> lines = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      lines.add(payment(Channel.ALIPAY, "ATF1", "T" + i, 100, 0, NOON));
    }

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReconMatcher(options).match(lines.iterator(), List.<EngineRecord>of().iterator(),
            item -> {}));
    assertTrue(e.getMessage().contains("ATF1"), e.getMessage());
    assertEquals(0, filesInTemp());
  }

  @Test
  void aBillThatBreaksHalfwayFailsTheRunAndLeavesNoFiles() throws IOException {
    MatchOptions options = Fixtures.options(Channel.ALIPAY, temp).withRunLinesMax(3);
    Iterator<StatementLine> breaking = new Iterator<>() {
      private int given;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public StatementLine next() {
        if (given++ == 20) {
          throw new IllegalStateException("truncated bill");
        }
        return payment(Channel.ALIPAY, "ATF" + given, "T" + given, 100, 0, NOON);
      }
    };

    assertThrows(IllegalStateException.class, () -> new ReconMatcher(options).match(breaking,
        List.<EngineRecord>of().iterator(), item -> {}));
    assertEquals(0, filesInTemp());
  }

  @Test
  void aSinkThatFailsStopsTheRunAndLeavesNoFiles() throws IOException {
    MatchOptions options = Fixtures.options(Channel.ALIPAY, temp).withRunLinesMax(2);
    List<StatementLine> lines = List.of(payment(Channel.ALIPAY, "ATF1", "T1", 100, 0, NOON),
        payment(Channel.ALIPAY, "ATF2", "T2", 100, 0, NOON),
        payment(Channel.ALIPAY, "ATF3", "T3", 100, 0, NOON));

    assertThrows(IllegalStateException.class, () -> new ReconMatcher(options).match(
        lines.iterator(), List.<EngineRecord>of().iterator(), item -> {
          throw new IllegalStateException("database down");
        }));
    assertEquals(0, filesInTemp());
  }

  @Test
  void engineRecordsWithoutTheirEssentialsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> paid(Channel.WECHAT, "WTF1", "T1", 0, NOON), "a zero payment");
    assertThrows(IllegalArgumentException.class,
        () -> paid(Channel.WECHAT, "WTF1", "T1", -5, NOON), "a negative payment");
    assertThrows(IllegalArgumentException.class,
        () -> paid(Channel.WECHAT, "", "T1", 5, NOON), "no out_trade_no");
    assertThrows(IllegalArgumentException.class, () -> EngineRecord.refund(Channel.WECHAT, "WTF1",
        "T1", "", 5, EngineRecord.Status.SUCCEEDED, NOON), "a refund without its number");
    assertThrows(IllegalArgumentException.class,
        () -> EngineRecord.leg(Channel.WECHAT, "WTF1", 0, "1900", 5, NOON), "leg number 0");
    assertThrows(IllegalArgumentException.class,
        () -> paid(Channel.WECHAT, "WTF1", "T1", 5, null), "a payment without its time");
  }

  @Test
  void unusableSortBoundsAreRefused() {
    MatchOptions options = Fixtures.options(Channel.WECHAT, temp);
    assertThrows(IllegalArgumentException.class, () -> options.withRunLinesMax(0));
    assertThrows(IllegalArgumentException.class, () -> options.withMergeFanInMax(1));
    assertThrows(IllegalArgumentException.class, () -> options.withGroupEntriesMax(0));
  }
}
