package org.clearing.load.scenario;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.clearing.Engine;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.wechat.WechatTradeBillRow;
import org.clearing.channel.wechat.WechatTradeBillWriter;
import org.clearing.config.EngineConfig;
import org.clearing.recon.match.ReconClass;
import org.clearing.recon.run.ReconciliationRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code recon-bench}: a day of N bill lines in WeChat Pay's real trade-bill format (UTF-8 BOM,
 * CRLF, back-tick fields, yuan), with a known mix of planted discrepancies, reconciled against the
 * engine's database by the engine's own daily run. Prints lines per second, the peak heap of the
 * whole process (engine included) and whether exactly the planted discrepancies were found.
 *
 * <p>The engine's side of the day is inserted as rows (orders, legs, channel orders, inbox) rather
 * than paid one by one: what is measured is reconciliation, not payment.
 */
@Command(name = "recon-bench", mixinStandardHelpOptions = true,
    description = "Reconcile a generated day of N bill lines against the engine database; prints lines/s and peak heap.")
public final class ReconBenchmark implements Callable<Integer> {

  @Option(names = "--lines", defaultValue = "1000000", description = "Bill lines (two per order; default ${DEFAULT-VALUE}).")
  long lines;

  /** One plant in this many orders of each kind. */
  static final int PLANT_EVERY = 50_000;

  @Override
  public Integer call() throws Exception {
    int orders = (int) (lines / 2);
    Path dataDir = org.clearing.load.driver.TempDirectories.create();
    try {
      return run(dataDir, orders);
    } finally {
      org.clearing.load.driver.TempDirectories.delete(dataDir);
    }
  }

  private Integer run(Path dataDir, int orders) throws Exception {
    EngineConfig config = EngineConfig.defaults(dataDir).withHttpPort(0).withSandboxes(true, 0, 1)
        .withNetwork(org.clearing.config.Network.defaults()
            .withManagement(org.clearing.config.Network.LOOPBACK, 0));
    Engine engine = Engine.start(config);
    try {
      // The engine's own daily run (yesterday's bills from the sandboxes) would share the
      // reconciliation's one worker with the bench's run and still be going when the bench stops
      // the engine; its first tick is a minute after start, so stopping it now means it never runs.
      engine.jobs().stop(ReconciliationRun.JOB).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      String jdbc = "jdbc:" + engine.database().uri().replace("postgres@", "");
      long insertStartNs = System.nanoTime();
      insertEngineDay(jdbc, engine.database().ownerConnectOptions().getPassword(), orders);
      System.out.printf("engine side: %d orders inserted in %d ms%n", orders,
          (System.nanoTime() - insertStartNs) / 1_000_000);
      LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));
      Path bill = dataDir.resolve("wechat-tradebill-" + today + ".csv");
      Plants plants = new Plants();
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bill), 1 << 16)) {
        WechatTradeBillWriter.write(out, new BillRows(orders, plants));
      }
      System.out.printf("bill: %d MB in WeChat's trade-bill format%n", Files.size(bill) >> 20);

      HeapSampler heap = new HeapSampler();
      heap.start();
      CpuTimes cpuBefore = CpuTimes.now(dataDir.resolve("pg"));
      long startNs = System.nanoTime();
      ReconciliationRun.Result result = engine.reconciliation().runUploaded(today, Channel.WECHAT, bill)
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
      long ms = Math.max(1, (System.nanoTime() - startNs) / 1_000_000);
      CpuTimes cpuAfter = CpuTimes.now(dataDir.resolve("pg"));
      heap.stop();

      var summary = result.summary();
      Map<ReconClass, Long> found = new TreeMap<>();
      for (ReconClass reconClass : ReconClass.values()) {
        if (reconClass != ReconClass.MATCHED && summary.items(reconClass) > 0) {
          found.put(reconClass, summary.items(reconClass));
        }
      }
      boolean exact = found.equals(plants.expected());
      System.out.printf("reconciled %d bill lines against %d engine records in %d ms: %d lines/s%n",
          summary.channelLines(), summary.engineRecords(), ms, summary.channelLines() * 1000 / ms);
      ReconciliationRun.Timing timing = result.timing();
      System.out.printf("by phase: bill read through and sorted (the upload's check) and hashed %d ms; in the match"
              + " pass (the bill's parse done in the check): bill parsed %d ms, engine records read %d ms, matched %d ms,"
              + " items written %d ms;"
              + " per-account settlement %d ms; the rest (run row, LONG verification, summary) %d ms%n",
          timing.billMs(), timing.parseMs(), timing.engineReadMs(), timing.matchMs(),
          timing.itemWriteMs(), timing.accountsMs(),
          Math.max(0, ms - timing.billMs() - timing.matchTotalMs() - timing.accountsMs()));
      System.out.printf("CPU time in the reconciliation (user+sys): this JVM (the engine) %d ms, PostgreSQL %d ms;"
              + " load average %s -> %s%n", cpuAfter.jvmMs() - cpuBefore.jvmMs(),
          cpuAfter.databaseMs() - cpuBefore.databaseMs(), cpuBefore.loadAverage(), cpuAfter.loadAverage());
      System.out.printf("peak heap %d MB in use (sampled every 20 ms, garbage included), %d MB live after a"
              + " collection (max %d MB)%n", heap.peakBytes() >> 20, heap.peakAfterGcBytes() >> 20,
          Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf("planted %s; found %s; every planted discrepancy found and nothing else: %s%n",
          plants.expected(), found, exact ? "yes" : "NO");
      return exact ? 0 : 1;
    } finally {
      engine.stop();
    }
  }

  /** Orders of two legs (¥10 to the treasury, ¥20 to the non-tax account), paid through WeChat. */
  private static void insertEngineDay(String jdbc, String password, int orders) throws Exception {
    // The embedded database wants the password from <data-dir>/keys/database.password.
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", password);
        Statement statement = connection.createStatement()) {
      statement.execute("""
          INSERT INTO orders (order_no, client_id, idempotency_key, request_hash, case_no, region, payer_name,
                              payer_id_cipher, payer_id_masked, total_fen, status, qr_token, expires_at,
                              paid_channel, paid_transaction_id, paid_at)
          SELECT 'BN' || lpad(i::text, 18, '0'), 'bench', 'k' || i, '\\x00', 'C' || i, '341500', 'x', '\\x00',
                 'x', 3000, 'PAID', 'tok' || i, now() + interval '1 day', 'wechat', 'T' || i,
                 now() - interval '10 minutes'
          FROM generate_series(1, %1$d) i;
          INSERT INTO leg (order_no, leg_no, payee_account_id, amount_fen, status)
          SELECT order_no, 1, 'TRE-341500', 1000, 'PAID' FROM orders WHERE client_id = 'bench'
          UNION ALL SELECT order_no, 2, 'NTX-341500', 2000, 'PAID' FROM orders WHERE client_id = 'bench';
          INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status)
          SELECT order_no, 'wechat', '%2$s' || order_no, 'IN_APP', 'PAID' FROM orders WHERE client_id = 'bench';
          INSERT INTO channel_inbox (channel, kind, event_key, order_no, out_trade_no, transaction_id, amount_fen,
                                     outcome, source, event_id, occurred_at)
          SELECT 'wechat', 'PAYMENT', paid_transaction_id, order_no, '%2$s' || order_no, paid_transaction_id, 3000,
                 'APPLIED', 'CALLBACK', 'e' || order_no, paid_at FROM orders WHERE client_id = 'bench';
          ANALYZE;
          """.formatted(orders, OutTradeNumbers.prefix(Channel.WECHAT)));
    }
  }

  /** What was planted, by class. */
  static final class Plants {
    private final Map<ReconClass, Long> expected = new TreeMap<>();

    void plant(ReconClass reconClass) {
      expected.merge(reconClass, 1L, Long::sum);
    }

    Map<ReconClass, Long> expected() {
      return expected;
    }
  }

  /**
   * The bill's rows, streamed: one row per combined-payment sub-order. In every
   * {@value #PLANT_EVERY} orders one is missing at the channel (SHORT), one is a fen off
   * (AMOUNT_MISMATCH), and one order the engine never heard of is paid at the channel (LONG).
   */
  static final class BillRows implements Iterator<WechatTradeBillRow> {
    private final int orders;
    private final Plants plants;
    private final LocalDateTime paidAt = LocalDateTime.ofInstant(Instant.now().minusSeconds(600), ZoneOffset.ofHours(8));
    private int order = 1;
    private int leg = 1;
    private int extra;

    BillRows(int orders, Plants plants) {
      this.orders = orders;
      this.plants = plants;
    }

    @Override
    public boolean hasNext() {
      skipMissing();
      return order <= orders || extra < orders / PLANT_EVERY + 1;
    }

    private void skipMissing() {
      while (order <= orders && leg == 1 && order % PLANT_EVERY == 7) {
        plants.plant(ReconClass.SHORT);
        order++;
      }
    }

    @Override
    public WechatTradeBillRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      if (order > orders) {
        extra++;
        plants.plant(ReconClass.LONG);
        String outTradeNo = OutTradeNumbers.of(Channel.WECHAT, "BX" + String.format("%017d", extra));
        return WechatTradeBillRow.payment(paidAt, "wxd678efh567hg6787", "1900000101", "X" + extra,
            outTradeNo, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI", Money.ofFen(3000), Money.ZERO, 60, "税费", "");
      }
      long delta = order % PLANT_EVERY == 11 && leg == 1 ? 1 : 0;
      if (delta != 0) {
        plants.plant(ReconClass.AMOUNT_MISMATCH);
      }
      String outTradeNo = OutTradeNumbers.part(Channel.WECHAT,
          OutTradeNumbers.of(Channel.WECHAT, "BN" + String.format("%018d", order)), leg);
      WechatTradeBillRow row = WechatTradeBillRow.payment(paidAt, "wxd678efh567hg6787",
          leg == 1 ? "1900000101" : "1900000102", "T" + order + leg, outTradeNo, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
          "JSAPI", Money.ofFen((leg == 1 ? 1000 : 2000) + delta), Money.ZERO, 60, "税费", "");
      if (leg == 2) {
        leg = 1;
        order++;
      } else {
        leg++;
      }
      return row;
    }
  }

  /**
   * CPU time used so far (user + system) by this JVM and by the embedded PostgreSQL (its postmaster,
   * the backends it has reaped and the live ones), read from /proc (Linux, 100 ticks a second; -1
   * elsewhere): on a machine others share, a steadier figure than the wall time.
   */
  record CpuTimes(long jvmMs, long databaseMs, String loadAverage) {
    static CpuTimes now(Path pgDirectory) {
      long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime() / 1_000_000;
      return new CpuTimes(jvm, databaseMs(pgDirectory), org.clearing.load.StartupCommand.loadAverage());
    }

    private static long databaseMs(Path pgDirectory) {
      try {
        String postmaster = Files.readAllLines(pgDirectory.resolve("postmaster.pid")).get(0).strip();
        long ticks = ticks(postmaster, true);
        try (var tasks = Files.newDirectoryStream(Path.of("/proc", postmaster, "task"))) {
          for (Path task : tasks) {
            for (String child : Files.readString(task.resolve("children")).strip().split(" ")) {
              if (!child.isEmpty()) {
                ticks += ticks(child, false);
              }
            }
          }
        }
        return ticks * 10;
      } catch (java.io.IOException | RuntimeException e) {
        return -1;
      }
    }

    /** utime + stime (and, with {@code reaped}, the times of children it has waited for), in ticks. */
    private static long ticks(String pid, boolean reaped) throws java.io.IOException {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return reaped ? ticks + Long.parseLong(f[13]) + Long.parseLong(f[14]) : ticks;
    }
  }

  /**
   * Samples the heap in use every 20 ms; its maximum is the peak. Also the largest heap left after
   * a collection (each pool's usage after its last collection), which is what the run keeps live.
   */
  static final class HeapSampler {
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;

    void start() {
      thread = new Thread(() -> {
        var memory = ManagementFactory.getMemoryMXBean();
        while (running) {
          peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
          long afterGc = 0;
          for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
              afterGc += pool.getCollectionUsage().getUsed();
            }
          }
          peakAfterGc.accumulateAndGet(afterGc, Math::max);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    long peakBytes() {
      return peak.get();
    }

    long peakAfterGcBytes() {
      return peakAfterGc.get();
    }
  }
}
