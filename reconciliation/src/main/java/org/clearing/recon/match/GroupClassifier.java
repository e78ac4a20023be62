package org.clearing.recon.match;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.clearing.channel.BillSplit;

/**
 * Classifies one group: every bill line and engine record of one out_trade_no. A group is small
 * (one order's payment, legs and refunds), so it is held in memory while the day streams past.
 *
 * <p>Order of judgement, top down: repeated bill lines are DUPLICATE; then the payment (one channel
 * transaction against the engine's payment for it, further engine payments DUPLICATE); only a
 * MATCHED payment has its legs compared (otherwise the legs are counted in the payment's item, since
 * a split cannot be judged when the total is already wrong); then each refund by its number.
 */
final class GroupClassifier {

  private static final String SUCCEEDED = EngineRecord.Status.SUCCEEDED.name();
  private static final String PENDING = EngineRecord.Status.PENDING.name();

  private final MatchOptions options;
  private final ChannelKeys keys;
  private final Consumer<ReconItem> emit;

  GroupClassifier(MatchOptions options, Consumer<ReconItem> emit) {
    this.options = options;
    this.keys = ChannelKeys.of(options.channel());
    this.emit = emit;
  }

  void classify(String groupKey, List<Entry> channel, List<Entry> engine) {
    Map<Entry.Kind, List<Entry>> lines = byKind(withoutRepeatedLines(groupKey, channel));
    Map<Entry.Kind, List<Entry>> records = byKind(engine);
    payment(groupKey, lines.get(Entry.Kind.PAYMENT), lines.get(Entry.Kind.LEG),
        records.get(Entry.Kind.PAYMENT), records.get(Entry.Kind.LEG));
    refunds(groupKey, lines.get(Entry.Kind.REFUND), lines.get(Entry.Kind.REFUND_LEG),
        records.get(Entry.Kind.REFUND));
  }

  /** Groups up to this size look for repeated lines pair by pair, without building keys. */
  private static final int PAIRWISE_MAX = 16;

  /** What makes two bill lines the same line. */
  private record LineIdentity(Entry.Kind kind, String refundKey, int partNo, String account,
      String transactionId, String reference) {
    static LineIdentity of(Entry line) {
      return new LineIdentity(line.kind(), line.refundKey(), line.partNo(), line.account(),
          line.transactionId(), line.reference());
    }
  }

  private static boolean repeatsAny(List<Entry> earlier, Entry line) {
    for (Entry other : earlier) {
      if (sameLine(other, line)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameLine(Entry a, Entry b) {
    return a.kind() == b.kind() && a.partNo() == b.partNo() && a.refundKey().equals(b.refundKey())
        && a.account().equals(b.account()) && a.transactionId().equals(b.transactionId())
        && a.reference().equals(b.reference());
  }

  /** The same bill line twice (same kind, numbers, receiver and transaction) is a DUPLICATE. */
  private List<Entry> withoutRepeatedLines(String groupKey, List<Entry> channel) {
    if (channel.size() < 2) {
      return channel;
    }
    // A group is one order's lines, a handful: compared pair by pair; a large one by key.
    Set<LineIdentity> seen = channel.size() > PAIRWISE_MAX ? new HashSet<>() : null;
    List<Entry> fresh = new ArrayList<>(channel.size());
    for (Entry line : channel) {
      boolean repeated = seen != null ? !seen.add(LineIdentity.of(line))
          : repeatsAny(fresh, line);
      if (!repeated) {
        fresh.add(line);
        continue;
      }
      ItemKind kind = switch (line.kind()) {
        case PAYMENT -> ItemKind.PAYMENT;
        case LEG -> ItemKind.LEG;
        case REFUND, REFUND_LEG -> ItemKind.REFUND;
      };
      emit(ReconClass.DUPLICATE, kind, groupKey, line.kind() == Entry.Kind.LEG ? line.account()
          : line.refundKey(), line.transactionId(), Pile.summing(List.of(line)), new Pile(),
          "the bill lists this line twice");
    }
    return fresh;
  }

  private record Verdict(ReconClass reconClass, String reason) {}

  private void payment(String groupKey, List<Entry> lines, List<Entry> legLines,
      List<Entry> records, List<Entry> legRecords) {
    if (keys.billSplit() != BillSplit.BY_LEG_NO) {
      lines = withoutSecondTransactions(groupKey, lines);
    }
    Entry primary = enginePayment(groupKey, lines, records);
    if (lines.isEmpty() && primary == null) {
      strayLegs(groupKey, legLines, legRecords);
      return;
    }
    Pile channel = Pile.summing(lines);
    Pile engine = primary == null ? new Pile() : Pile.summing(List.of(primary));
    String transactionId = primary != null && !primary.transactionId().isEmpty()
        ? primary.transactionId() : lines.get(0).transactionId();
    Verdict verdict = judgePayment(lines, primary, channel.amountFen);
    if (verdict.reconClass() != ReconClass.MATCHED
        || keys.billSplit() == BillSplit.NONE) {
      // Legs cannot be judged when the payment is not agreed, nor from a bill that lacks them:
      // they are counted with their payment.
      channel.count(legLines);
      engine.count(legRecords);
      emit(verdict.reconClass(), ItemKind.PAYMENT, groupKey, "", transactionId, channel, engine,
          verdict.reason());
      return;
    }
    if (keys.billSplit() == BillSplit.BY_LEG_NO) {
      // WeChat bills have no split lines of their own; should one appear, it is still counted.
      channel.count(legLines);
    }
    emit(ReconClass.MATCHED, ItemKind.PAYMENT, groupKey, "", transactionId, channel, engine,
        verdict.reason());
    legs(groupKey, transactionId, lines, legLines, legRecords, engine.amountFen);
  }

  /**
   * The engine payment to compare: the one with the channel's transaction id, else the first.
   * Every other engine payment of the order is a DUPLICATE.
   */
  private Entry enginePayment(String groupKey, List<Entry> lines, List<Entry> records) {
    Set<String> channelIds = new HashSet<>();
    lines.forEach(line -> channelIds.add(line.transactionId()));
    Entry primary = records.stream().filter(r -> channelIds.contains(r.transactionId()))
        .findFirst().orElse(records.isEmpty() ? null : records.get(0));
    for (Entry other : records) {
      if (other != primary) {
        boolean sameTransaction = other.transactionId().equals(primary.transactionId());
        emit(ReconClass.DUPLICATE, ItemKind.PAYMENT, groupKey, "", other.transactionId(),
            new Pile(), Pile.summing(List.of(other)), sameTransaction
                ? "the engine booked transaction " + other.transactionId() + " twice"
                : "a second engine payment for this out_trade_no");
      }
    }
    return primary;
  }

  private Verdict judgePayment(List<Entry> lines, Entry primary, long channelFen) {
    if (lines.isEmpty()) {
      ReconClass verdict = oneSidedEngine(primary);
      return new Verdict(verdict, switch (verdict) {
        case PENDING -> "in the engine only, near the day's boundary or not yet final";
        case MATCHED -> "failed at the engine and absent from the bill";
        default -> "paid in the engine, absent from the bill";
      });
    }
    if (primary == null) {
      return options.nearBoundary(lines.get(0).occurredAt())
          ? new Verdict(ReconClass.PENDING, "in the bill only, near the day's boundary")
          : new Verdict(ReconClass.LONG, "paid at the channel, unknown to the engine");
    }
    if (channelFen != primary.amountFen()) {
      return new Verdict(ReconClass.AMOUNT_MISMATCH,
          "the channel has " + channelFen + " fen, the engine " + primary.amountFen());
    }
    if (!primary.status().equals(SUCCEEDED)) {
      return new Verdict(ReconClass.STATUS_MISMATCH,
          "paid at the channel, " + primary.status() + " in the engine");
    }
    return new Verdict(ReconClass.MATCHED, keys.billSplit() == BillSplit.NONE
        ? "agrees; this channel's bill does not show the legs" : "agrees");
  }

  /** A channel shows one transaction per out_trade_no; a second transaction id is a DUPLICATE. */
  private List<Entry> withoutSecondTransactions(String groupKey, List<Entry> lines) {
    if (lines.size() < 2) {
      return lines;
    }
    String first = lines.get(0).transactionId();
    List<Entry> kept = new ArrayList<>();
    for (Entry line : lines) {
      if (line.transactionId().equals(first)) {
        kept.add(line);
      } else {
        emit(ReconClass.DUPLICATE, ItemKind.PAYMENT, groupKey, "", line.transactionId(),
            Pile.summing(List.of(line)), new Pile(),
            "a second channel transaction for one out_trade_no");
      }
    }
    return kept;
  }

  private ReconClass oneSidedEngine(Entry record) {
    if (record.status().equals(PENDING) || options.nearBoundary(record.occurredAt())) {
      return ReconClass.PENDING;
    }
    return record.status().equals(SUCCEEDED) ? ReconClass.SHORT : ReconClass.MATCHED;
  }

  /** Legs of a payment that neither side has: the caller's extract is inconsistent. */
  private void strayLegs(String groupKey, List<Entry> legLines, List<Entry> legRecords) {
    if (!legLines.isEmpty()) {
      emit(ReconClass.LONG, ItemKind.LEG, groupKey, "", legLines.get(0).transactionId(),
          Pile.summing(legLines), new Pile(), "split lines without their payment");
    }
    if (!legRecords.isEmpty()) {
      emit(ReconClass.SHORT, ItemKind.LEG, groupKey, "", "", new Pile(),
          Pile.summing(legRecords), "engine legs without their payment");
    }
  }

  private void legs(String groupKey, String transactionId, List<Entry> paymentLines,
      List<Entry> legLines, List<Entry> legRecords, long paymentFen) {
    boolean byLegNo = keys.billSplit() == BillSplit.BY_LEG_NO;
    if (!byLegNo && legLines.isEmpty() && legRecords.size() == 1
        && legRecords.get(0).amountFen() == paymentFen) {
      emit(ReconClass.MATCHED, ItemKind.LEG, groupKey, legRecords.get(0).account(), transactionId,
          new Pile(), Pile.summing(legRecords), "one leg, paid whole without split lines");
      return;
    }
    Map<String, Pile> channel = new TreeMap<>();
    Map<String, Pile> engine = new TreeMap<>();
    for (Entry line : byLegNo ? paymentLines : legLines) {
      // A WeChat sub-order row is already counted under its payment; here it is only referred to.
      channel.computeIfAbsent(legKey(line), k -> new Pile()).add(line, !byLegNo);
    }
    for (Entry record : legRecords) {
      engine.computeIfAbsent(legKey(record), k -> new Pile()).add(record, true);
    }
    Set<String> legKeys = new TreeSet<>(channel.keySet());
    legKeys.addAll(engine.keySet());
    for (String key : legKeys) {
      Pile settled = channel.getOrDefault(key, new Pile());
      Pile expected = engine.getOrDefault(key, new Pile());
      String what = byLegNo ? "leg " + key : "receiver " + key;
      if (settled.amountFen == expected.amountFen && !settled.isEmpty() && !expected.isEmpty()) {
        emit(ReconClass.MATCHED, ItemKind.LEG, groupKey, key, transactionId, settled, expected,
            "agrees");
      } else {
        emit(ReconClass.SPLIT_MISMATCH, ItemKind.LEG, groupKey, key, transactionId, settled,
            expected, what + ": the channel settled " + settled.amountFen
                + " fen, the engine expects " + expected.amountFen);
      }
    }
  }

  private String legKey(Entry entry) {
    return keys.billSplit() == BillSplit.BY_LEG_NO
        ? Integer.toString(entry.partNo()) : entry.account();
  }

  private void refunds(String groupKey, List<Entry> lines, List<Entry> legLines,
      List<Entry> records) {
    Map<String, Pile> channel = new TreeMap<>();
    Map<String, List<Entry>> engine = new TreeMap<>();
    for (Entry line : lines) {
      channel.computeIfAbsent(line.refundKey(), k -> new Pile()).add(line, true);
    }
    for (Entry line : legLines) {
      // A UnionPay refund's split lines repeat its amount per receiver: counted, not summed.
      channel.computeIfAbsent(line.refundKey(), k -> new Pile()).count(List.of(line));
    }
    for (Entry record : records) {
      engine.computeIfAbsent(record.refundKey(), k -> new ArrayList<>()).add(record);
    }
    Set<String> refundKeys = new TreeSet<>(channel.keySet());
    refundKeys.addAll(engine.keySet());
    for (String key : refundKeys) {
      refund(groupKey, key, channel.get(key), engine.getOrDefault(key, List.of()));
    }
  }

  private void refund(String groupKey, String refundKey, Pile channel, List<Entry> records) {
    Entry primary = records.isEmpty() ? null : records.get(0);
    for (Entry other : records.subList(Math.min(1, records.size()), records.size())) {
      emit(ReconClass.DUPLICATE, ItemKind.REFUND, groupKey, refundKey, other.transactionId(),
          new Pile(), Pile.summing(List.of(other)), "the engine recorded this refund twice");
    }
    Pile engine = primary == null ? new Pile() : Pile.summing(List.of(primary));
    String transactionId = primary != null && !primary.transactionId().isEmpty()
        ? primary.transactionId() : channel == null ? "" : channel.transactionId();
    if (channel == null) {
      ReconClass verdict = oneSidedEngine(primary);
      emit(verdict, ItemKind.REFUND, groupKey, refundKey, transactionId, new Pile(), engine,
          verdict == ReconClass.SHORT ? "refunded in the engine, absent from the bill"
              : verdict == ReconClass.MATCHED ? "failed at the engine and absent from the bill"
              : "in the engine only, near the day's boundary or not yet final");
    } else if (primary == null) {
      boolean near = options.nearBoundary(channel.firstTime());
      emit(near ? ReconClass.PENDING : ReconClass.STATUS_MISMATCH, ItemKind.REFUND, groupKey,
          refundKey, transactionId, channel, engine, near
              ? "in the bill only, near the day's boundary"
              : "refunded at the channel, no such refund in the engine");
    } else if (channel.amountFen != engine.amountFen) {
      emit(ReconClass.AMOUNT_MISMATCH, ItemKind.REFUND, groupKey, refundKey, transactionId,
          channel, engine, "the channel refunded " + channel.amountFen + " fen, the engine "
              + engine.amountFen);
    } else if (!primary.status().equals(SUCCEEDED)) {
      emit(ReconClass.STATUS_MISMATCH, ItemKind.REFUND, groupKey, refundKey, transactionId,
          channel, engine, "refunded at the channel, " + primary.status() + " in the engine");
    } else {
      emit(ReconClass.MATCHED, ItemKind.REFUND, groupKey, refundKey, transactionId, channel,
          engine, "agrees");
    }
  }

  private void emit(ReconClass verdict, ItemKind kind, String groupKey, String key,
      String transactionId, Pile channel, Pile engine, String reason) {
    emit.accept(new ReconItem(verdict, kind, options.channel(), groupKey, key, transactionId,
        channel.reference(), channel.amountFen, channel.counted, engine.reference(),
        engine.amountFen, engine.counted, reason));
  }

  private static Map<Entry.Kind, List<Entry>> byKind(List<Entry> entries) {
    Map<Entry.Kind, List<Entry>> byKind = new EnumMap<>(Entry.Kind.class);
    for (Entry.Kind kind : Entry.Kind.values()) {
      byKind.put(kind, new ArrayList<>());
    }
    entries.forEach(entry -> byKind.get(entry.kind()).add(entry));
    return byKind;
  }

  /** One side of an item: the lines or records it covers, their sum and how many it counts. */
  private static final class Pile {
    private static final int REFERENCES_SHOWN_MAX = 4;

    /** The first few distinct references, in order (a list: there are at most four). */
    private final List<String> references = new ArrayList<>(REFERENCES_SHOWN_MAX);
    private long amountFen;
    private int counted;
    private Entry first;

    static Pile summing(List<Entry> entries) {
      Pile pile = new Pile();
      entries.forEach(entry -> pile.add(entry, true));
      return pile;
    }

    /** Adds an entry's amount; {@code count} says whether this item is where the entry is counted. */
    void add(Entry entry, boolean count) {
      amountFen = Math.addExact(amountFen, entry.amountFen());
      remember(entry);
      counted += count ? 1 : 0;
    }

    /** Counts entries under this item without adding their amounts (legs of a judged payment). */
    void count(List<Entry> entries) {
      entries.forEach(this::remember);
      counted += entries.size();
    }

    private void remember(Entry entry) {
      if (first == null) {
        first = entry;
      }
      if (references.size() < REFERENCES_SHOWN_MAX && !references.contains(entry.reference())) {
        references.add(entry.reference());
      }
    }

    boolean isEmpty() {
      return first == null;
    }

    Instant firstTime() {
      return first == null ? null : first.occurredAt();
    }

    String transactionId() {
      return first == null ? "" : first.transactionId();
    }

    String reference() {
      return String.join(",", references);
    }
  }
}
