package org.clearing.load.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.clearing.channel.Channel;
import org.clearing.recon.match.MatchOptions;
import org.clearing.recon.match.ReconClass;
import org.clearing.recon.match.ReconMatcher;
import org.clearing.recon.match.ReconSummary;
import org.clearing.recon.match.SyntheticDay;

/**
 * Times the matcher on a synthetic day: {@code MatcherBenchmark <lines> [wechat|alipay|unionpay]
 * [runLinesMax]}. Prints lines per second, peak heap (sampled every 10 ms) and whether the findings
 * equal what was planted. A command-line tool, so it prints to standard output.
 */
public final class MatcherBenchmark {

  private static final long SEED = 20261127L;
  private static final int PLANTED_PER_MILLE = 2;
  private static final long HEAP_SAMPLE_MS = 10;

  private MatcherBenchmark() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    long lines = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    Channel channel = args.length > 1 ? Channel.fromCode(args[1]).orElseThrow(
        () -> new IllegalArgumentException("channel is wechat, alipay or unionpay")) : Channel.WECHAT;
    Path temp = Files.createTempDirectory("recon-bench-");
    MatchOptions options = MatchOptions.beijingDay(channel, LocalDate.of(2026, 11, 27))
        .withTempDirectory(temp);
    if (args.length > 2) {
      options = options.withRunLinesMax(Integer.parseInt(args[2]));
    }
    SyntheticDay day = new SyntheticDay(
        options, SEED, SyntheticDay.ordersForLines(channel, lines), PLANTED_PER_MILLE);
    SyntheticDay.Report report = day.report();
    System.gc();
    AtomicLong peakHeapBytes = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      Runtime runtime = Runtime.getRuntime();
      while (running.get()) {
        peakHeapBytes.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
        try {
          Thread.sleep(HEAP_SAMPLE_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    List<SyntheticDay.Planted> found = new ArrayList<>();
    long startNs = System.nanoTime();
    ReconSummary summary = new ReconMatcher(options).match(day.statementLines(),
        day.engineRecords(), item -> {
          if (item.reconClass() != ReconClass.MATCHED) {
            found.add(new SyntheticDay.Planted(item.reconClass(), item.kind(), item.outTradeNo()));
          }
        });
    long elapsedNs = System.nanoTime() - startNs;
    running.set(false);
    sampler.join();
    Files.delete(temp);
    List<String> expected = report.planted().stream().map(Object::toString).sorted().toList();
    List<String> actual = found.stream().map(Object::toString).sorted().toList();
    long linesIn = summary.channelLines() + summary.engineRecords();
    System.out.printf("channel %s: %d bill lines + %d engine records in %.2f s%n", channel.code(),
        summary.channelLines(), summary.engineRecords(), elapsedNs / 1e9);
    System.out.printf("bill lines/s %.0f, all inputs/s %.0f%n",
        summary.channelLines() * 1e9 / elapsedNs, linesIn * 1e9 / elapsedNs);
    System.out.printf("peak heap %d MB (max %d MB), run files %d, run lines max %d%n",
        peakHeapBytes.get() >> 20, Runtime.getRuntime().maxMemory() >> 20,
        summary.tempFilesCreated(), options.runLinesMax());
    System.out.printf("planted %d, found %d, exactly the planted set: %s; fees %d fen%n",
        expected.size(), actual.size(), expected.equals(actual), summary.feeFen());
  }
}
