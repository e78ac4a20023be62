package org.clearing.load.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.clearing.load.audit.MoneyAudit;
import org.clearing.load.driver.Harness;

/**
 * {@code soak}: many payments through the three sandboxes under the full storm (every callback ×3,
 * 10 % out of order, 5 % dropped and healed by the active query, 1 % forged), in batches so that
 * no order waits long between being opened and paid; a SIGKILL of the engine in the batch a third
 * of the way through and a PostgreSQL restart in the batch two thirds of the way through. Then the
 * money audit of every payment (waiting for the active query to heal the dropped callbacks), then
 * a business day on the same books (its refunds, cancellations, expiries, payments made twice),
 * whose reconciliation of the whole date against the sandboxes' bills covers the soak's payments
 * too; then the money audit again and the account of the forgeries. Clean only if every part is.
 */
public final class SoakScenario {

  /** What the soak is given. */
  public record Settings(int payments, double ratePerS, int inFlightMax, int dayOrders, PrintStream out) {}

  /** The fewest payments a soak takes: a batch for each fault and one without. */
  public static final int PAYMENTS_MIN = 30;
  /**
   * Orders prepared and paid at a time: their signed creation and cashier opening stay well
   * inside the orders' expiry and the signatures' freshness whatever the total.
   */
  static final int BATCH_MAX = 5_000;
  static final int BATCHES_MIN = 3;
  /** Pay windows do not wait for the active query: the audit at the end does, once. */
  static final java.time.Duration SETTLE_BATCH = java.time.Duration.ofSeconds(5);
  private static final int LOG_READERS = 16;
  private static final String FORGED = "forged";

  private SoakScenario() {}

  /** The day mixed into a soak: a twentieth of its payments, within what a day takes. */
  public static int dayOrdersFor(int payments) {
    return Math.max(DayScenario.ORDERS_MIN, Math.min(DayScenario.ORDERS_MAX, payments / 20));
  }

  /** Runs the soak; returns its section of the report ({@code audit.clean} says whether it passed). */
  public static JsonObject run(Harness harness, Settings settings) throws Exception {
    if (settings.payments() < PAYMENTS_MIN) {
      throw new IllegalArgumentException("a soak takes at least " + PAYMENTS_MIN + " payments");
    }
    PrintStream out = settings.out();
    long startNs = System.nanoTime();
    int batches = Math.max(BATCHES_MIN, (settings.payments() + BATCH_MAX - 1) / BATCH_MAX);
    int killBatch = batches / 3;
    int pgRestartBatch = 2 * batches / 3;
    String runId = "soak" + Long.toString(System.currentTimeMillis(), 36);
    Runs.Settings runSettings = new Runs.Settings(settings.ratePerS(), settings.payments(), settings.inFlightMax(),
        List.of(), out);
    out.printf(Locale.ROOT, "soak: %d payments in %d batches at %.0f/s under %s; SIGKILL in batch %d,"
        + " PostgreSQL restart in batch %d; then a day of %d orders%n", settings.payments(), batches,
        settings.ratePerS(), Runs.STORM.encode(), killBatch + 1, pgRestartBatch + 1, settings.dayOrders());
    List<PayScenario.Story> stories = new ArrayList<>(settings.payments());
    // The engine's counters start again with each engine: those of the killed one are read just
    // before the kill, and only the sandboxes' attempts that ended after the kill are compared
    // with the restarted engine's (sandboxes inside the engine lose their earlier logs with it;
    // sandboxes apart keep them, and an attempt answered before the kill was the killed engine's).
    Map<String, Long> countersBeforeKill = new TreeMap<>();
    AtomicReference<Instant> killedAt = new AtomicReference<>(Instant.EPOCH);
    long confirmedInWindows = 0;
    long takenAfterWindows = 0;
    long rssMaxKib = 0;
    long payStartNs = System.nanoTime();
    for (int b = 0; b < batches; b++) {
      int from = (int) ((long) settings.payments() * b / batches);
      int to = (int) ((long) settings.payments() * (b + 1) / batches);
      List<PayScenario.Story> batch = PayScenario.prepare(harness, to - from, runId + "b" + b);
      Runnable midway = null;
      if (b == killBatch) {
        midway = () -> {
          try {
            countersBeforeKill.putAll(Runs.callbackCounters(harness));
            out.println("soak: SIGKILL the engine (pid " + harness.engine().pid() + ")");
            harness.killEngine();
            killedAt.set(Instant.now());
            harness.startEngine();
            harness.setFaults(Runs.STORM);
            out.println("soak: engine restarted on the same data");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
      } else if (b == pgRestartBatch) {
        midway = () -> {
          try {
            out.println("soak: stopping PostgreSQL");
            harness.restartPostgres();
            out.println("soak: PostgreSQL back");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
      }
      harness.setFaults(Runs.STORM);
      PayScenario.Outcome outcome;
      // The fault runs on its own thread, half-way through the batch's payments, and the batch
      // waits for it to end (the engine back, or PostgreSQL) however short its window was.
      java.util.concurrent.CompletableFuture<Void> fault = midway == null
          ? java.util.concurrent.CompletableFuture.completedFuture(null)
          : java.util.concurrent.CompletableFuture.runAsync(afterHalf(batch.size(), settings.ratePerS(), midway));
      try {
        outcome = PayScenario.run(harness, batch, settings.ratePerS(), settings.inFlightMax(), SETTLE_BATCH, null);
      } finally {
        fault.join();
        harness.setFaults(new JsonObject());
      }
      stories.addAll(outcome.stories());
      confirmedInWindows += outcome.confirmed();
      rssMaxKib = Math.max(rssMaxKib, outcome.rssMaxKib());
      takenAfterWindows += outcome.takenAfterWindow();
      out.printf(Locale.ROOT, "soak: batch %d/%d: %d of %d payments taken by the sandboxes (%d when the payer"
              + " tried again; first tries not taken: %s), %d confirmed within the window and %d s; %.0f s so far%n",
          b + 1, batches, outcome.stories().stream().filter(s -> s.payStatus() == 200).count(), batch.size(),
          outcome.takenAfterWindow(), outcome.payRequests().errors(), outcome.confirmed(),
          SETTLE_BATCH.toSeconds(), (System.nanoTime() - startNs) / 1e9);
    }
    double payS = (System.nanoTime() - payStartNs) / 1e9;
    long taken = stories.stream().filter(s -> s.payStatus() == 200).count();
    JsonObject section = new JsonObject().put("scenario", "soak").put("payments", settings.payments())
        .put("batches", batches).put("faults", Runs.STORM)
        .put("sigkill_in_batch", killBatch + 1).put("pg_restart_in_batch", pgRestartBatch + 1)
        .put("payments_taken_by_sandboxes", taken).put("taken_when_the_payer_tried_again", takenAfterWindows)
        .put("confirmed_within_windows", confirmedInWindows)
        .put("pay_phase_s", Math.round(payS)).put("payments_per_s", Math.round(taken / payS))
        .put("engine_rss_max_mib", rssMaxKib / 1024);
    out.printf(Locale.ROOT, "soak: %d payments taken in %.0f s (%.0f/s, prepare included); engine RSS max %d MiB%n",
        taken, payS, taken / payS, rssMaxKib / 1024);

    List<String> findings = new ArrayList<>();
    MoneyAudit.Verdict books = auditUntilClean(harness, stories, out);
    section.put("money_audit", books.json());
    books.findings().forEach(f -> findings.add("money: " + f));

    DayScenario.Day day = DayScenario.runDay(harness,
        new DayScenario.Settings(settings.dayOrders(), out, daySettleMax(settings.payments())));
    section.put("day", day.section());
    JsonObject dayAudit = day.section().getJsonObject("audit");
    if (!dayAudit.getBoolean("clean")) {
      dayAudit.getJsonArray("findings").forEach(f -> findings.add("day: " + f));
    }
    long openItems = day.section().getJsonObject("reconciliation").getLong("open_items", 0L);
    if (openItems != 0) {
      findings.add("the day's reconciliation left " + openItems + " items unexplained");
    }

    // The day's reconciliation and settlement ran over the soak's orders too: the books hold still.
    MoneyAudit.Verdict after = MoneyAudit.run(harness, stories);
    section.put("money_audit_after_day", after.json());
    after.findings().forEach(f -> findings.add("money after the day: " + f));

    JsonObject forgeries = forgeries(harness, stories, killedAt.get(), countersBeforeKill);
    section.put("forgeries", forgeries);
    if (!forgeries.getBoolean("all_refused")) {
      findings.add("forgeries: " + forgeries.encode());
    }
    section.put("duration_s", (System.nanoTime() - startNs) / 1_000_000_000L)
        .put("audit", new JsonObject().put("clean", findings.isEmpty()).put("findings", new JsonArray(findings)));
    out.println("soak: forgeries " + forgeries.encode());
    out.println("soak audit: " + (findings.isEmpty() ? "clean" : "FAILED " + findings) + " in "
        + section.getLong("duration_s") + " s");
    return section;
  }

  /**
   * How long the day after the soak waits for the engine: the settlement job reads the whole
   * date's bill of each channel at every run, so with the soak's payments on the same date each
   * run takes longer, and an order of the day settles only at the first run after its payment.
   */
  static java.time.Duration daySettleMax(int payments) {
    return DayScenario.SETTLE_MAX.plusMillis(payments * DAY_SETTLE_MS_PER_PAYMENT);
  }

  /** The day's wait grows by this per soak payment: ten minutes more after 100,000. */
  private static final long DAY_SETTLE_MS_PER_PAYMENT = 6;

  /** {@code fault}, once half of {@code payments} at {@code ratePerS} are due. */
  private static Runnable afterHalf(int payments, double ratePerS, Runnable fault) {
    return () -> {
      try {
        Thread.sleep(Math.max(1, (long) (payments / ratePerS * 500)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      fault.run();
    };
  }

  /** Audits until clean or {@link Runs#SETTLE_FAULTS} has passed: dropped callbacks wait for the active query. */
  private static MoneyAudit.Verdict auditUntilClean(Harness harness, List<PayScenario.Story> stories, PrintStream out)
      throws Exception {
    long startNs = System.nanoTime();
    long deadline = startNs + Runs.SETTLE_FAULTS.toNanos();
    MoneyAudit.Verdict verdict = MoneyAudit.run(harness, stories);
    while (!verdict.clean() && System.nanoTime() < deadline) {
      Thread.sleep(5_000);
      verdict = MoneyAudit.run(harness, stories);
    }
    out.printf(Locale.ROOT, "soak money audit after %d s: %s %s%n", (System.nanoTime() - startNs) / 1_000_000_000L,
        verdict.clean() ? "clean" : "FAILED " + verdict.findings(), verdict.json().getJsonObject("channels"));
    return verdict;
  }

  /**
   * The forged callbacks the sandboxes sent after the restart against the engine's refusals since
   * then. None may have been acknowledged; the engine must have refused at least every forgery
   * that was answered, and at most those plus the ones whose answer the sandbox did not wait for
   * (a forgery the engine refused after the sandbox's timeout is still a refusal). An attempt
   * counts when it ended after the kill ({@code killedAt}, taken once the killed process was
   * gone): one answered earlier was answered by the killed engine, whose refusals are only
   * counted on the engine's side (read just before the kill). An acknowledged forgery counts
   * whenever it was sent (with the sandboxes apart their logs cover the whole run).
   */
  private static JsonObject forgeries(Harness harness, List<PayScenario.Story> stories,
      Instant killedAt, Map<String, Long> countersBeforeKill) throws Exception {
    ExecutorService readers = Executors.newFixedThreadPool(LOG_READERS);
    long forgedAnswered = 0;
    long forgedUnanswered = 0;
    long forgedAcknowledged = 0;
    try {
      List<Future<long[]>> counts = new ArrayList<>(stories.size());
      for (PayScenario.Story story : stories) {
        if (story.payStatus() != 200) {
          continue;
        }
        counts.add(readers.submit(() -> {
          long[] n = new long[3];
          var log = harness.sandboxGet(story.channel(), "/sandbox/callbacks/" + story.outTradeNo());
          if (log.statusCode() == 200) {
            for (Object a : new JsonObject(log.body()).getJsonArray("attempts")) {
              JsonObject attempt = (JsonObject) a;
              if (!FORGED.equals(attempt.getString("outcome"))) {
                continue;
              }
              // Acknowledged is a breach whenever it happened; the answers are compared with the
              // restarted engine's refusals, so only those that ended after the kill.
              n[2] += attempt.getBoolean("acknowledged") ? 1 : 0;
              if (!Instant.parse(attempt.getString("at")).isBefore(killedAt)) {
                n[attempt.getInteger("status") > 0 ? 0 : 1]++;
              }
            }
          }
          return n;
        }));
      }
      for (Future<long[]> f : counts) {
        long[] n = f.get();
        forgedAnswered += n[0];
        forgedUnanswered += n[1];
        forgedAcknowledged += n[2];
      }
    } finally {
      readers.shutdownNow();
    }
    Map<String, Long> counters = Runs.callbackCounters(harness);
    long refused = rejected(counters);
    long refusedBeforeKill = rejected(countersBeforeKill);
    return new JsonObject().put("forged_answered_after_restart", forgedAnswered)
        .put("forged_unanswered_after_restart", forgedUnanswered)
        .put("refused_by_engine_after_restart", refused)
        .put("refused_by_killed_engine", refusedBeforeKill)
        .put("engine_outcomes_after_restart", new JsonObject(new java.util.LinkedHashMap<>(counters)))
        .put("forged_acknowledged", forgedAcknowledged)
        .put("all_refused", forgedAcknowledged == 0 && refused >= forgedAnswered
            && refused <= forgedAnswered + forgedUnanswered);
  }

  /** Callbacks the engine refused for their signature, whatever the channel. */
  private static long rejected(Map<String, Long> counters) {
    return counters.entrySet().stream().filter(e -> e.getKey().startsWith("rejected"))
        .mapToLong(Map.Entry::getValue).sum();
  }
}
