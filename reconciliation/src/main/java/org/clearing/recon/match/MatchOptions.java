package org.clearing.recon.match;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import org.clearing.channel.Channel;

/**
 * What one matcher run needs to know: the channel and business day, the day's boundaries and the
 * pending window around them, and the memory bounds of the external sort.
 *
 * @param dayStart the first instant of the business day (midnight Beijing time for WeChat and
 *     Alipay; for UnionPay the clearing day's start, whose cut-off hour is unverified,
 *     so a wider pending window suits it)
 * @param dayEnd the first instant after the business day
 * @param pendingWindow a one-sided item whose time lies within this distance of either boundary is
 *     PENDING, not LONG/SHORT/STATUS_MISMATCH: a payment at 23:59:58 may be in the next day's bill
 * @param runLinesMax how many lines the sort holds in memory per run before spilling to a file
 * @param mergeFanInMax how many run files are merged at once (more runs are merged in passes), which
 *     bounds open files and read buffers
 * @param groupEntriesMax how many lines and records one out_trade_no may have; one order has a
 *     handful, so a group beyond this is malformed input and the run fails rather than grow memory
 * @param tempDirectory where run files go (deleted before the run returns)
 * @param inputsPresorted both inputs already arrive ordered by their group key (see {@link
 *     ChannelKeys}; {@code String} order, e.g. SQL {@code ORDER BY out_trade_no COLLATE "C"}):
 *     skip the sort and only check the order
 * @param recordsPresorted the engine's records alone arrive so ordered (the daily run's query
 *     sorts them in the database): their sort is skipped and their order checked; the bill, in the
 *     channel's order, is still sorted
 */
public record MatchOptions(
    Channel channel,
    LocalDate businessDate,
    Instant dayStart,
    Instant dayEnd,
    Duration pendingWindow,
    int runLinesMax,
    int mergeFanInMax,
    int groupEntriesMax,
    Path tempDirectory,
    boolean inputsPresorted,
    boolean recordsPresorted) {

  public static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  /** 100 000 encoded lines of ~150 bytes stay well under 64 MB including String overhead. */
  public static final int RUN_LINES_DEFAULT = 100_000;

  public static final int MERGE_FAN_IN_DEFAULT = 64;
  public static final int GROUP_ENTRIES_DEFAULT = 10_000;
  public static final Duration PENDING_WINDOW_DEFAULT = Duration.ofMinutes(5);

  public MatchOptions {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(businessDate, "businessDate");
    Objects.requireNonNull(dayStart, "dayStart");
    Objects.requireNonNull(dayEnd, "dayEnd");
    Objects.requireNonNull(pendingWindow, "pendingWindow");
    Objects.requireNonNull(tempDirectory, "tempDirectory");
    if (!dayStart.isBefore(dayEnd)) {
      throw new IllegalArgumentException("the day must start before it ends");
    }
    if (pendingWindow.isNegative()) {
      throw new IllegalArgumentException("negative pending window");
    }
    if (runLinesMax < 1 || mergeFanInMax < 2 || groupEntriesMax < 1) {
      throw new IllegalArgumentException(
          "runLinesMax ≥ 1, mergeFanInMax ≥ 2 and groupEntriesMax ≥ 1 are required");
    }
  }

  /** The options with neither side said to be presorted beyond {@code inputsPresorted}. */
  public MatchOptions(Channel channel, LocalDate businessDate, Instant dayStart, Instant dayEnd,
      Duration pendingWindow, int runLinesMax, int mergeFanInMax, int groupEntriesMax, Path tempDirectory,
      boolean inputsPresorted) {
    this(channel, businessDate, dayStart, dayEnd, pendingWindow, runLinesMax, mergeFanInMax, groupEntriesMax,
        tempDirectory, inputsPresorted, false);
  }

  /** A calendar day in Beijing time with the default bounds and the JVM's temporary directory. */
  public static MatchOptions beijingDay(Channel channel, LocalDate businessDate) {
    return new MatchOptions(channel, businessDate,
        businessDate.atStartOfDay().toInstant(BEIJING),
        businessDate.plusDays(1).atStartOfDay().toInstant(BEIJING), PENDING_WINDOW_DEFAULT,
        RUN_LINES_DEFAULT, MERGE_FAN_IN_DEFAULT, GROUP_ENTRIES_DEFAULT,
        Path.of(System.getProperty("java.io.tmpdir")), false);
  }

  public MatchOptions withPendingWindow(Duration window) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, window, runLinesMax,
        mergeFanInMax, groupEntriesMax, tempDirectory, inputsPresorted, recordsPresorted);
  }

  public MatchOptions withRunLinesMax(int lines) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, pendingWindow, lines,
        mergeFanInMax, groupEntriesMax, tempDirectory, inputsPresorted, recordsPresorted);
  }

  public MatchOptions withMergeFanInMax(int runs) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, pendingWindow, runLinesMax,
        runs, groupEntriesMax, tempDirectory, inputsPresorted, recordsPresorted);
  }

  public MatchOptions withGroupEntriesMax(int entries) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, pendingWindow, runLinesMax,
        mergeFanInMax, entries, tempDirectory, inputsPresorted, recordsPresorted);
  }

  public MatchOptions withTempDirectory(Path directory) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, pendingWindow, runLinesMax,
        mergeFanInMax, groupEntriesMax, directory, inputsPresorted, recordsPresorted);
  }

  public MatchOptions withInputsPresorted(boolean presorted) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, pendingWindow, runLinesMax,
        mergeFanInMax, groupEntriesMax, tempDirectory, presorted, recordsPresorted);
  }

  public MatchOptions withRecordsPresorted(boolean presorted) {
    return new MatchOptions(channel, businessDate, dayStart, dayEnd, pendingWindow, runLinesMax,
        mergeFanInMax, groupEntriesMax, tempDirectory, inputsPresorted, presorted);
  }

  /** Whether a one-sided item at this time may still show up on the other side in another run. */
  boolean nearBoundary(Instant at) {
    if (at == null) {
      return false;
    }
    return Duration.between(dayStart, at).abs().compareTo(pendingWindow) <= 0
        || Duration.between(dayEnd, at).abs().compareTo(pendingWindow) <= 0;
  }
}
