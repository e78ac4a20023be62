package org.clearing.recon.match;

import java.time.LocalDate;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.clearing.channel.Channel;

/**
 * The totals of one matcher run: what went in, how it came out per class and per kind, and the
 * channel's fees, which are recorded here and never treated as a discrepancy.
 *
 * @param byClass items, lines, records and fen per class (every class present, zero if unused)
 * @param byKind item counts per kind and class
 * @param paymentFeeFen the fees the channel charged on the day's payment lines
 * @param refundFeeFen the fees the channel returned on refund lines (as printed: usually negative)
 * @param tempFilesCreated run files the external sort wrote (all deleted before the run returned)
 */
public record ReconSummary(
    Channel channel,
    LocalDate businessDate,
    long channelLines,
    long engineRecords,
    Map<ReconClass, ClassTotal> byClass,
    Map<ItemKind, Map<ReconClass, Long>> byKind,
    long paymentFeeFen,
    long refundFeeFen,
    int tempFilesCreated) {

  /** Sums of one class. Fen follow the bill's signs (refunds negative). */
  public record ClassTotal(
      long items, long channelLines, long engineRecords, long channelFen, long engineFen) {}

  public ReconSummary {
    byClass = Collections.unmodifiableMap(new EnumMap<>(byClass));
    EnumMap<ItemKind, Map<ReconClass, Long>> kinds = new EnumMap<>(ItemKind.class);
    byKind.forEach((kind, counts) -> kinds.put(kind, Collections.unmodifiableMap(new EnumMap<>(counts))));
    byKind = Collections.unmodifiableMap(kinds);
  }

  /** The net fee of the day: charged on payments, less what was returned with refunds. */
  public long feeFen() {
    return Math.addExact(paymentFeeFen, refundFeeFen);
  }

  public long items(ReconClass reconClass) {
    return byClass.get(reconClass).items();
  }

  public long items(ItemKind kind, ReconClass reconClass) {
    return byKind.get(kind).get(reconClass);
  }

  /** How many items are not MATCHED: what someone has to look at (PENDING again next run). */
  public long discrepancies() {
    long total = 0;
    for (Map.Entry<ReconClass, ClassTotal> entry : byClass.entrySet()) {
      if (entry.getKey() != ReconClass.MATCHED) {
        total += entry.getValue().items();
      }
    }
    return total;
  }

  /**
   * The totals of this run and {@code other}, of the same channel and day (the bills of two of the
   * channel's merchants): every count and sum added.
   */
  public ReconSummary plus(ReconSummary other) {
    if (other.channel != channel || !other.businessDate.equals(businessDate)) {
      throw new IllegalArgumentException("adds the summaries of one channel and day, not " + other.channel
          + " " + other.businessDate + " to " + channel + " " + businessDate);
    }
    EnumMap<ReconClass, ClassTotal> classes = new EnumMap<>(ReconClass.class);
    for (ReconClass reconClass : ReconClass.values()) {
      ClassTotal a = byClass.getOrDefault(reconClass, new ClassTotal(0, 0, 0, 0, 0));
      ClassTotal b = other.byClass.getOrDefault(reconClass, new ClassTotal(0, 0, 0, 0, 0));
      classes.put(reconClass, new ClassTotal(Math.addExact(a.items(), b.items()),
          Math.addExact(a.channelLines(), b.channelLines()), Math.addExact(a.engineRecords(), b.engineRecords()),
          Math.addExact(a.channelFen(), b.channelFen()), Math.addExact(a.engineFen(), b.engineFen())));
    }
    EnumMap<ItemKind, Map<ReconClass, Long>> kinds = new EnumMap<>(ItemKind.class);
    for (ItemKind kind : ItemKind.values()) {
      EnumMap<ReconClass, Long> counts = new EnumMap<>(ReconClass.class);
      for (ReconClass reconClass : ReconClass.values()) {
        counts.put(reconClass, Math.addExact(byKind.getOrDefault(kind, Map.of()).getOrDefault(reconClass, 0L),
            other.byKind.getOrDefault(kind, Map.of()).getOrDefault(reconClass, 0L)));
      }
      kinds.put(kind, counts);
    }
    return new ReconSummary(channel, businessDate, Math.addExact(channelLines, other.channelLines),
        Math.addExact(engineRecords, other.engineRecords), classes, kinds,
        Math.addExact(paymentFeeFen, other.paymentFeeFen), Math.addExact(refundFeeFen, other.refundFeeFen),
        tempFilesCreated + other.tempFilesCreated);
  }

  /** Accumulates a run's totals as items are emitted. */
  static final class Tally {
    private final long[][] perClass = new long[ReconClass.values().length][5];
    private final long[][] perKind = new long[ItemKind.values().length][ReconClass.values().length];
    private long channelLines;
    private long engineRecords;
    private long paymentFeeFen;
    private long refundFeeFen;

    void line(Entry entry) {
      channelLines++;
      if (entry.kind() == Entry.Kind.REFUND || entry.kind() == Entry.Kind.REFUND_LEG) {
        refundFeeFen = Math.addExact(refundFeeFen, entry.feeFen());
      } else {
        paymentFeeFen = Math.addExact(paymentFeeFen, entry.feeFen());
      }
    }

    void record() {
      engineRecords++;
    }

    void item(ReconItem item) {
      long[] sums = perClass[item.reconClass().ordinal()];
      sums[0]++;
      sums[1] += item.channelLines();
      sums[2] += item.engineRecords();
      sums[3] = Math.addExact(sums[3], item.channelAmountFen());
      sums[4] = Math.addExact(sums[4], item.engineAmountFen());
      perKind[item.kind().ordinal()][item.reconClass().ordinal()]++;
    }

    ReconSummary summary(Channel channel, LocalDate businessDate, int tempFilesCreated) {
      Map<ReconClass, ClassTotal> byClass = new EnumMap<>(ReconClass.class);
      Map<ItemKind, Map<ReconClass, Long>> byKind = new EnumMap<>(ItemKind.class);
      for (ItemKind kind : ItemKind.values()) {
        byKind.put(kind, new EnumMap<>(ReconClass.class));
      }
      for (ReconClass reconClass : ReconClass.values()) {
        long[] s = perClass[reconClass.ordinal()];
        byClass.put(reconClass, new ClassTotal(s[0], s[1], s[2], s[3], s[4]));
        for (ItemKind kind : ItemKind.values()) {
          byKind.get(kind).put(reconClass, perKind[kind.ordinal()][reconClass.ordinal()]);
        }
      }
      return new ReconSummary(channel, businessDate, channelLines, engineRecords, byClass, byKind,
          paymentFeeFen, refundFeeFen, tempFilesCreated);
    }
  }
}
