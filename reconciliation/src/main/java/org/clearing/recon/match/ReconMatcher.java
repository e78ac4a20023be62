package org.clearing.recon.match;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;

/**
 * Matches one channel's bill for one business day against the engine's records for it, and
 * classifies every line and record. Pure: no database, no Vert.x, no clock.
 *
 * <p>Memory is bounded whatever the day's size: both inputs are reduced to one text line each,
 * sorted by group key (the order's out_trade_no, see {@link ChannelKeys}) with an external
 * sort-merge whose runs hold at most {@link MatchOptions#runLinesMax()} lines, and then joined in a
 * single pass in which only one group (one order) is held at a time. At most two runs are in
 * memory at once (a bill small enough for one run stays there while the engine side is sorted),
 * plus {@code mergeFanInMax} read buffers per side while merging. The run files are deleted
 * before {@link #match} returns, also when it fails. Items go to the sink as they are found; the
 * result holds only totals.
 *
 * <p>The same inputs in any order give the same items in the same order: groups come out in key
 * order, and a group's lines are sorted by their full text before they are judged.
 */
public final class ReconMatcher {

  private final MatchOptions options;
  private final ChannelKeys keys;

  public ReconMatcher(MatchOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    this.keys = ChannelKeys.of(options.channel());
  }

  /**
   * Runs the match.
   *
   * @param lines the channel's normalized bill lines for the day (all of {@code options.channel()})
   * @param records the engine's payments, refunds and legs for the day and channel
   * @param sink receives every classified item, group by group
   * @throws IllegalArgumentException if a line or record belongs to another channel, inputs said
   *     to be presorted are not, or one out_trade_no has more than {@code groupEntriesMax} entries
   * @throws java.io.UncheckedIOException if a run file cannot be written or read
   */
  public ReconSummary match(
      Iterator<StatementLine> lines, Iterator<EngineRecord> records, Consumer<ReconItem> sink) {
    try (SortedBill bill = sortBill(lines)) {
      return match(bill, records, sink);
    }
  }

  /**
   * The first half of {@link #match}: reads the whole bill and sorts it, so that a caller can
   * learn that a file is not a readable bill before it changes anything, and then match what was
   * read without reading the file again (with {@link MatchOptions#inputsPresorted()} nothing is
   * read before the match). Close it (it may hold run files) whether or not it is matched.
   *
   * @throws IllegalArgumentException if a line belongs to another channel, or lines said to be
   *     presorted are not (the latter only as the bill is matched)
   */
  public SortedBill sortBill(Iterator<StatementLine> lines) {
    ReconSummary.Tally tally = new ReconSummary.Tally();
    ExternalSorter sorter = new ExternalSorter(
        options.runLinesMax(), options.mergeFanInMax(), options.tempDirectory());
    Iterator<String> channelText = encoded(lines, line -> {
      requireChannel(line.channel());
      Entry entry = keys.entry(line);
      tally.line(entry);
      return entry;
    });
    return new SortedBill(sorted(sorter, channelText, "bill lines", options.inputsPresorted()), tally, sorter);
  }

  /**
   * The second half of {@link #match}: joins a bill sorted by {@link #sortBill} (of this
   * matcher's options; each is matched once) with the engine's records.
   */
  public ReconSummary match(SortedBill bill, Iterator<EngineRecord> records, Consumer<ReconItem> sink) {
    if (bill.matched) {
      throw new IllegalStateException("a sorted bill is matched once");
    }
    bill.matched = true;
    ReconSummary.Tally tally = bill.tally;
    ExternalSorter sorter = new ExternalSorter(
        options.runLinesMax(), options.mergeFanInMax(), options.tempDirectory());
    Iterator<String> engineText = encoded(records, record -> {
      requireChannel(record.channel());
      tally.record();
      return ChannelKeys.entry(record);
    });
    GroupClassifier classifier = new GroupClassifier(options, item -> {
      tally.item(item);
      sink.accept(item);
    });
    try (ExternalSorter.Sorted engine = sorted(sorter, engineText, "engine records",
        options.inputsPresorted() || options.recordsPresorted())) {
      join(new Peeking(bill.lines), new Peeking(engine), classifier);
    }
    return tally.summary(options.channel(), options.businessDate(),
        bill.sorter.filesCreated() + sorter.filesCreated());
  }

  /** A bill's lines read and sorted, with their count and fees, waiting to be matched. */
  public static final class SortedBill implements AutoCloseable {
    private final ExternalSorter.Sorted lines;
    private final ReconSummary.Tally tally;
    private final ExternalSorter sorter;
    private boolean matched;

    private SortedBill(ExternalSorter.Sorted lines, ReconSummary.Tally tally, ExternalSorter sorter) {
      this.lines = lines;
      this.tally = tally;
      this.sorter = sorter;
    }

    /** Deletes the run files, if any. */
    @Override
    public void close() {
      lines.close();
    }
  }

  private ExternalSorter.Sorted sorted(ExternalSorter sorter, Iterator<String> text, String what,
      boolean presorted) {
    if (presorted) {
      return new ExternalSorter.Sorted(new OrderChecked(text, what), List.of());
    }
    return sorter.sort(text);
  }

  /** The merge-join: take the smaller group key of the two heads, gather that group, judge it. */
  private void join(Peeking channel, Peeking engine, GroupClassifier classifier) {
    while (channel.hasNext() || engine.hasNext()) {
      String prefix;
      if (!engine.hasNext()) {
        prefix = channel.prefix();
      } else if (!channel.hasNext()) {
        prefix = engine.prefix();
      } else {
        String a = channel.prefix();
        String b = engine.prefix();
        prefix = a.compareTo(b) <= 0 ? a : b;
      }
      List<String> channelGroup = channel.takeGroup(prefix, options.groupEntriesMax());
      List<String> engineGroup = engine.takeGroup(prefix, options.groupEntriesMax());
      classifier.classify(Entry.unescapeKey(prefix), decoded(channelGroup), decoded(engineGroup));
    }
  }

  private static List<Entry> decoded(List<String> group) {
    // Sorting a group by its full text makes the judgement independent of the input order.
    Collections.sort(group);
    List<Entry> entries = new ArrayList<>(group.size());
    group.forEach(line -> entries.add(Entry.decode(line)));
    return entries;
  }

  private void requireChannel(Channel channel) {
    if (channel != options.channel()) {
      throw new IllegalArgumentException(
          "a " + channel + " item in the " + options.channel() + " reconciliation");
    }
  }

  private static <T> Iterator<String> encoded(Iterator<T> items, Function<T, Entry> toEntry) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return items.hasNext();
      }

      @Override
      public String next() {
        return toEntry.apply(items.next()).encode();
      }
    };
  }

  /** A sorted text stream with one line of look-ahead and its group prefix. */
  private static final class Peeking {
    private final Iterator<String> lines;
    private String head;
    private String headPrefix;

    Peeking(Iterator<String> lines) {
      this.lines = lines;
      advance();
    }

    private void advance() {
      head = lines.hasNext() ? lines.next() : null;
      headPrefix = head == null ? null : Entry.groupPrefix(head);
    }

    boolean hasNext() {
      return head != null;
    }

    String prefix() {
      return headPrefix;
    }

    List<String> takeGroup(String prefix, int entriesMax) {
      List<String> group = new ArrayList<>();
      while (head != null && headPrefix.equals(prefix)) {
        if (group.size() == entriesMax) {
          throw new IllegalArgumentException("out_trade_no " + Entry.unescapeKey(prefix)
              + " has more than " + entriesMax + " lines or records");
        }
        group.add(head);
        advance();
      }
      return group;
    }
  }

  /** Passes presorted input through, failing at the first line out of group order. */
  private static final class OrderChecked implements Iterator<String> {
    private final Iterator<String> lines;
    private final String what;
    private String previousPrefix;

    OrderChecked(Iterator<String> lines, String what) {
      this.lines = lines;
      this.what = what;
    }

    @Override
    public boolean hasNext() {
      return lines.hasNext();
    }

    @Override
    public String next() {
      if (!lines.hasNext()) {
        throw new NoSuchElementException();
      }
      String line = lines.next();
      String prefix = Entry.groupPrefix(line);
      if (previousPrefix != null && prefix.compareTo(previousPrefix) < 0) {
        throw new IllegalArgumentException(what + " said to be sorted are not: "
            + Entry.unescapeKey(prefix) + " after " + Entry.unescapeKey(previousPrefix));
      }
      previousPrefix = prefix;
      return line;
    }
  }
}
