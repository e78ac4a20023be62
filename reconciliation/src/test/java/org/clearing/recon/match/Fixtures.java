package org.clearing.recon.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.StatementLine;

/** Small hand-made bills and engine extracts for one business day, and a run that checks counts. */
final class Fixtures {

  static final LocalDate DAY = LocalDate.of(2026, 11, 27);
  static final Instant NOON = at(12, 0);

  private Fixtures() {}

  static Instant at(int hour, int minute) {
    return DAY.atTime(LocalTime.of(hour, minute)).toInstant(MatchOptions.BEIJING);
  }

  static StatementLine payment(Channel channel, String outTradeNo, String transactionId,
      long amountFen, long feeFen, Instant at) {
    return new StatementLine(channel, StatementLine.Kind.PAYMENT, DAY, outTradeNo, transactionId,
        "", Money.ofFen(amountFen), Money.ofFen(feeFen), "", at);
  }

  static StatementLine refund(Channel channel, String outTradeNo, String transactionId,
      String outRefundNo, long amountFen, long feeFen, Instant at) {
    return new StatementLine(channel, StatementLine.Kind.REFUND, DAY, outTradeNo, transactionId,
        outRefundNo, Money.ofFen(-amountFen), Money.ofFen(-feeFen), "", at);
  }

  static StatementLine split(String outTradeNo, String queryId, String outRefundNo,
      String subAccount, long amountFen, Instant at) {
    return new StatementLine(Channel.UNIONPAY, StatementLine.Kind.SPLIT_SETTLEMENT, DAY,
        outTradeNo, queryId, outRefundNo, Money.ofFen(amountFen), Money.ZERO, subAccount, at);
  }

  static EngineRecord paid(Channel channel, String outTradeNo, String transactionId,
      long amountFen, Instant at) {
    return EngineRecord.payment(channel, outTradeNo, transactionId, amountFen,
        EngineRecord.Status.SUCCEEDED, at);
  }

  /** The result of a run: every item, the totals, and the temporary directory it used. */
  record Run(List<ReconItem> items, ReconSummary summary) {

    List<ReconItem> of(ReconClass reconClass) {
      return items.stream().filter(item -> item.reconClass() == reconClass).toList();
    }

    List<ReconItem> notMatched() {
      return items.stream().filter(item -> item.reconClass() != ReconClass.MATCHED).toList();
    }

    ReconItem only(ReconClass reconClass) {
      List<ReconItem> found = of(reconClass);
      assertEquals(1, found.size(), () -> "one " + reconClass + " in " + items);
      return found.get(0);
    }
  }

  static MatchOptions options(Channel channel, Path temp) {
    return MatchOptions.beijingDay(channel, DAY).withTempDirectory(temp);
  }

  /** Runs the matcher and checks that every line and record is counted in exactly one item. */
  static Run run(MatchOptions options, List<StatementLine> lines, List<EngineRecord> records) {
    List<ReconItem> items = new ArrayList<>();
    ReconSummary summary =
        new ReconMatcher(options).match(lines.iterator(), records.iterator(), items::add);
    assertEquals(lines.size(), items.stream().mapToInt(ReconItem::channelLines).sum(),
        () -> "every bill line counted once in " + items);
    assertEquals(records.size(), items.stream().mapToInt(ReconItem::engineRecords).sum(),
        () -> "every engine record counted once in " + items);
    assertEquals(lines.size(), summary.channelLines());
    assertEquals(records.size(), summary.engineRecords());
    return new Run(items, summary);
  }
}
