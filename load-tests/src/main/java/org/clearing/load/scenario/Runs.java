package org.clearing.load.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.load.audit.MoneyAudit;
import org.clearing.load.driver.Harness;
import org.clearing.load.report.LatencyReport;

/**
 * The scenarios as the commands run them: each prepares its orders, runs its timed window (with
 * its fault), waits for the engine to settle, and ends with the audit. Each returns its section
 * of the report; {@code audit.clean} says whether it passed.
 */
public final class Runs {

  /**
   * What every scenario is given; {@code baselineConnections} are the connections of each of
   * {@code pay}'s baseline runs (one run per entry).
   */
  public record Settings(double ratePerS, int orders, int inFlightMax, List<Integer> baselineConnections,
      PrintStream out) {}

  /**
   * Dropped callbacks wait for the active query: first asked {@link Harness#PAYMENT_QUERY_AFTER}
   * after the channel order opened, then after 1, 2, 5 minutes (a query that met a 503 is asked
   * again at the next step).
   */
  public static final Duration SETTLE_FAULTS = Harness.PAYMENT_QUERY_AFTER.plusSeconds(240);
  /** Callbacks a replayed window may offer: copies included, its in-flight bound. */
  static final int OVERLOAD_COPIES = 5;
  /**
   * Callbacks open at once in the overload window: beyond the intake's queue ({@code
   * PaymentIntake.QUEUED_MAX}, 4096) so that the bound is reached; each is its own connection.
   */
  static final int OVERLOAD_INFLIGHT_MAX = 6_144;
  /**
   * Callbacks replayed before the measured window of {@code pay} so that the JIT has compiled the
   * callback path (a cold engine spent half its CPU in the window compiling): this many seconds
   * at the rate, at most {@link #WARMUP_ORDERS_MAX}, fresh payments the engine books.
   */
  static final int WARMUP_SECONDS = 2;
  static final int WARMUP_ORDERS_MAX = 1_000;
  /**
   * The warm-up is replayed again (the engine then answers duplicates: the same verification,
   * HTTP and intake path, without the writes) until the JIT compilers' share of the engine's CPU
   * in the last round is below this, so that the window measures the engine and not its
   * compilation.
   */
  static final double JIT_QUIET_SHARE = 0.10;
  /** Warm-up rounds at most, the first included, however busy the compilers still are. */
  static final int WARMUP_ROUNDS_MAX = 12;
  /**
   * Time the warm-up's repeated rounds may take: three times the measured window, within these
   * bounds (the pre-signed callbacks age meanwhile, and a small run should stay small).
   */
  static final Duration WARMUP_BUDGET_MIN = Duration.ofSeconds(10);
  static final Duration WARMUP_BUDGET_MAX = Duration.ofSeconds(30);
  /** Rounds of resending refused callbacks after the overload window, a second apart. */
  static final int RESEND_ROUNDS_MAX = 60;
  public static final Duration SETTLE_CLEAN = Duration.ofSeconds(60);
  public static final JsonObject STORM = new JsonObject().put("deliveries", 3).put("out_of_order_percent", 10)
      .put("drop_percent", 5).put("forge_percent", 1);

  private Runs() {}

  /**
   * Pre-signed callbacks replayed without faults, after an unmeasured warm-up at the same rate
   * repeated until the JIT is quiet, then the baseline (one run per entry of
   * {@code baselineConnections}) on copies of the measured orders, and the ratio against the
   * best run. They are copied for the baseline before they are paid, so it books them from OPEN too.
   */
  public static JsonObject pay(Harness harness, Settings settings) throws Exception {
    int warmOrders = warmUpOrders(settings);
    checkPayWindow(settings);
    long openedFromMs = System.currentTimeMillis();
    Settings withWarmUp = new Settings(settings.ratePerS(), warmOrders + settings.orders(), settings.inFlightMax(),
        settings.baselineConnections(), settings.out());
    List<PayScenario.Story> stories = prepare(harness, withWarmUp, "pay");
    List<PayScenario.Story> measured = stories.subList(warmOrders, stories.size());
    Baseline.copy(harness, measured);
    ReplayScenario.PrePayment all = prePay(harness, settings, "pay", stories, openedFromMs);
    ReplayScenario.PrePayment warm = all.slice(0, warmOrders);
    ReplayScenario.PrePayment prepayment = all.slice(warmOrders, stories.size());
    JsonObject warmUp = warmUp(harness, settings, warm, prepayment);
    ReplayScenario.Outcome outcome = ReplayScenario.replay(harness, prepayment, settings.ratePerS(), 1,
        settings.inFlightMax());
    JsonObject section = replaySection("pay", settings, prepayment, outcome);
    // Before the baseline: the pre-signed callbacks age while it runs.
    resend(settings, "pay", prepayment, outcome, 1, section);
    Baseline.Results baseline = Baseline.runEach(harness, measured, settings.baselineConnections());
    Baseline.drop(harness);
    Baseline.Result best = baseline.best();
    double ratio = outcome.callbacksPerS() / best.callbacksPerS();
    JsonArray runs = new JsonArray();
    for (Baseline.Result run : baseline.runs()) {
      runs.add(new JsonObject().put("connections", run.connections()).put("duration_ms", run.durationMs())
          .put("callbacks_per_s", round(run.callbacksPerS())));
      settings.out().printf(Locale.ROOT, "baseline: %d callbacks, one transaction each, %d connections: %.0f/s%n",
          run.callbacks(), run.connections(), run.callbacksPerS());
    }
    section.put("baseline", new JsonObject().put("callbacks", best.callbacks())
            .put("connections", best.connections()).put("duration_ms", best.durationMs())
            .put("callbacks_per_s", round(best.callbacksPerS())).put("runs", runs))
        .put("callbacks_ratio", round2(ratio));
    settings.out().printf(Locale.ROOT, "callbacks engine/baseline ratio: %.2f (%.0f/s against the best baseline,"
        + " %.0f/s at %d connections)%n", ratio, outcome.callbacksPerS(), best.callbacksPerS(), best.connections());
    return audit(harness, settings, section.put("warm_up", warmUp).put("warm_up_callbacks",
        warmUp.getLong("callbacks_booked")), all.stories(), SETTLE_CLEAN);
  }

  /**
   * Replays the warm-up's callbacks at the rate (the engine books them), resends what it did not
   * acknowledge, then replays them again (duplicates now) while the JIT compilers took more than
   * {@link #JIT_QUIET_SHARE} of the engine's CPU in the last round, within
   * {@link #WARMUP_ROUNDS_MAX} rounds and, for the rounds after the first, three times the
   * measured window's length (between {@link #WARMUP_BUDGET_MIN} and {@link #WARMUP_BUDGET_MAX}),
   * and never so long that the measured window's pre-signed callbacks would grow stale.
   */
  private static JsonObject warmUp(Harness harness, Settings settings, ReplayScenario.PrePayment warm,
      ReplayScenario.PrePayment measured) throws Exception {
    long startNs = System.nanoTime();
    ReplayScenario.Outcome first = ReplayScenario.replay(harness, warm, settings.ratePerS(), 1, settings.inFlightMax());
    settings.out().printf("pay: warm-up: %d callbacks replayed at the rate, not measured%n", first.successes());
    resend(settings, "pay warm-up", warm, first, 1, new JsonObject());
    double share = first.compilerShare();
    settings.out().printf(Locale.ROOT, "pay: warm-up round 1: JIT compilers %.0f%% of the engine's CPU%n", share * 100);
    int rounds = 1;
    long roundMs = (long) (warm.replayable().size() / settings.ratePerS() * 1000);
    long windowMs = (long) (measured.replayable().size() / settings.ratePerS() * 1000);
    long budgetMs = Math.max(WARMUP_BUDGET_MIN.toMillis(), Math.min(WARMUP_BUDGET_MAX.toMillis(), 3 * windowMs));
    long againFromNs = System.nanoTime();
    while (share > JIT_QUIET_SHARE && rounds < WARMUP_ROUNDS_MAX
        && (System.nanoTime() - againFromNs) / 1_000_000 + roundMs <= budgetMs
        && ReplayScenario.fresh(measured, measured.replayable().size(), settings.ratePerS(), roundMs)) {
      ReplayScenario.Outcome again = ReplayScenario.replay(harness, warm, settings.ratePerS(), 1,
          settings.inFlightMax());
      rounds++;
      share = again.compilerShare();
      settings.out().printf(Locale.ROOT, "pay: warm-up round %d (duplicates): %d acknowledged, JIT compilers %.0f%%"
          + " of the engine's CPU%n", rounds, again.successes(), share * 100);
    }
    boolean quiet = share <= JIT_QUIET_SHARE;
    settings.out().printf(Locale.ROOT, "pay: warm-up: %d round(s) in %.1f s; JIT %s (%.0f%% in the last round,"
            + " quiet below %.0f%%)%n", rounds, (System.nanoTime() - startNs) / 1e9,
        quiet ? "quiet" : "still busy: the round or time bound was reached", share * 100, JIT_QUIET_SHARE * 100);
    return new JsonObject().put("callbacks_booked", first.successes()).put("rounds", rounds)
        .put("duration_ms", (System.nanoTime() - startNs) / 1_000_000)
        .put("compiler_share_last_round", round2(share)).put("jit_quiet", quiet);
  }

  private static int warmUpOrders(Settings settings) {
    return (int) Math.min(WARMUP_ORDERS_MAX, settings.ratePerS() * WARMUP_SECONDS);
  }

  /**
   * Refuses ({@link ReplayScenario.DoesNotFit}) a {@code pay} run whose warm-up and window would
   * not fit in WeChat's timestamp window; cheap, so a command calls it before starting anything.
   */
  public static void checkPayWindow(Settings settings) {
    ReplayScenario.checkWindow(warmUpOrders(settings) + settings.orders(), settings.ratePerS());
  }

  /** The same for {@code overload}: every callback replayed {@link #OVERLOAD_COPIES} times at 4× the rate. */
  public static void checkOverloadWindow(Settings settings) {
    ReplayScenario.checkWindow(settings.orders() * OVERLOAD_COPIES, settings.ratePerS() * 4 * OVERLOAD_COPIES);
  }

  /** Pre-signed callbacks replayed at half the engine's measured maximum: the latency target's condition. */
  public static JsonObject payAtHalfMax(Harness harness, Settings settings, double maxPerS) throws Exception {
    double rate = Math.max(1, maxPerS / 2);
    Settings half = new Settings(rate, (int) Math.max(3, settings.orders() * rate / settings.ratePerS()),
        settings.inFlightMax(), settings.baselineConnections(), settings.out());
    ReplayScenario.checkWindow(half.orders(), rate);
    long openedFromMs = System.currentTimeMillis();
    List<PayScenario.Story> stories = prepare(harness, half, "pay-half-max");
    ReplayScenario.PrePayment prepayment = prePay(harness, half, "pay-half-max", stories, openedFromMs);
    ReplayScenario.Outcome outcome = ReplayScenario.replay(harness, prepayment, rate, 1, half.inFlightMax());
    JsonObject section = replaySection("pay-half-max", half, prepayment, outcome);
    resend(settings, "pay-half-max", prepayment, outcome, 1, section);
    return audit(harness, settings, section, outcome.stories(), SETTLE_CLEAN);
  }

  /** Every callback ×3, 10 % out of order, 5 % dropped (healed by the active query), 1 % forged. */
  public static JsonObject storm(Harness harness, Settings settings) throws Exception {
    return faulted(harness, settings, "storm", STORM, null);
  }

  /** SIGKILL the engine in the middle of a storm, restart it on the same data, audit. */
  public static JsonObject kill(Harness harness, Settings settings) throws Exception {
    return faulted(harness, settings, "kill", STORM, () -> {
      try {
        settings.out().println("kill: SIGKILL the engine (pid " + harness.engine().pid() + ")");
        harness.killEngine();
        harness.startEngine();
        harness.setFaults(STORM);
        settings.out().println("kill: engine restarted on the same data");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Restart PostgreSQL in the middle of a run. */
  public static JsonObject pgRestart(Harness harness, Settings settings) throws Exception {
    return faulted(harness, settings, "pg-restart", new JsonObject(), () -> {
      try {
        settings.out().println("pg-restart: stopping PostgreSQL");
        harness.restartPostgres();
        settings.out().println("pg-restart: PostgreSQL back");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /**
   * Channels answer the engine's API slowly and with 5xx while some callbacks are dropped; the
   * incident then ends (switches cleared) and the audit waits for the active query. With the
   * engine's query backoff (1, 2, 5, 10 minutes) a dropped payment whose queries all meet a 503
   * is found only at the next step after the incident, so the failure share is kept at 10 %.
   */
  public static JsonObject slowChannel(Harness harness, Settings settings) throws Exception {
    JsonObject slow = new JsonObject().put("response_delay_ms", 1_500).put("fail_requests_percent", 10)
        .put("drop_percent", 10);
    harness.setFaults(slow);
    PayScenario.Outcome outcome;
    List<PayScenario.Story> stories;
    try {
      stories = prepare(harness, settings, "slow");
      outcome = PayScenario.run(harness, stories, settings.ratePerS(), settings.inFlightMax(),
          SETTLE_CLEAN, null);
    } finally {
      harness.setFaults(new JsonObject());
    }
    JsonObject section = section("slow-channel", settings, outcome).put("faults", slow)
        .put("opened", stories.stream().filter(PayScenario.Story::opened).count());
    return audit(harness, settings, section, outcome.stories(), SETTLE_FAULTS);
  }

  /**
   * Pre-signed callbacks, each replayed {@value #OVERLOAD_COPIES} times in a row, at 4× the rate
   * with up to {@value #OVERLOAD_INFLIGHT_MAX} open at once: past the intake's bounded queue. It
   * passes only if the engine stays up, answers every callback it does not take with the channel's
   * "try again" (never a hang, never an error on valid input: its counters show none), and, once
   * the driver has resent every refused callback as the channel would, the audit is clean.
   */
  public static JsonObject overload(Harness harness, Settings settings) throws Exception {
    double rate = settings.ratePerS() * 4;
    Settings flood = new Settings(rate, settings.orders(), OVERLOAD_INFLIGHT_MAX, settings.baselineConnections(),
        settings.out());
    checkOverloadWindow(settings);
    long openedFromMs = System.currentTimeMillis();
    List<PayScenario.Story> stories = prepare(harness, flood, "overload");
    ReplayScenario.PrePayment prepayment = prePay(harness, flood, "overload", stories, openedFromMs);
    Map<String, Long> countersBefore = callbackCounters(harness);
    ReplayScenario.Outcome outcome = ReplayScenario.replay(harness, prepayment, rate, OVERLOAD_COPIES,
        OVERLOAD_INFLIGHT_MAX);
    Map<String, Long> counters = callbackCounters(harness);
    countersBefore.forEach((k, v) -> counters.merge(k, -v, Long::sum));
    JsonObject section = replaySection("overload", flood, prepayment, outcome).put("copies", OVERLOAD_COPIES);
    resend(settings, "overload", prepayment, outcome, OVERLOAD_COPIES, section);
    JsonObject engineOutcomes = new JsonObject();
    counters.forEach(engineOutcomes::put);
    long shed = counters.getOrDefault("overloaded", 0L);
    long errors = counters.getOrDefault("error", 0L);
    long rejected = counters.entrySet().stream().filter(e -> e.getKey().startsWith("rejected"))
        .mapToLong(Map.Entry::getValue).sum();
    // Callbacks the driver never sent (its own in-flight bound) are not the engine's answers.
    long other = outcome.answers().fieldNames().stream()
        .filter(k -> !k.endsWith(" ack") && !k.endsWith(" try_again") && !k.endsWith(" not_sent"))
        .mapToLong(k -> outcome.answers().getInteger(k)).sum();
    section.put("engine_callback_outcomes", engineOutcomes).put("shed_with_try_again", shed)
        .put("answers_other_than_ack_or_try_again", other);
    settings.out().println("overload: engine answers by channel, status and kind: " + outcome.answers());
    settings.out().println("overload: engine callback outcomes in the window (its counters): " + engineOutcomes
        + (shed > 0 ? " | the engine's bounds were reached: " + shed + " shed with the channel's try-again"
            : " | the engine's bounds (callbacks in flight, intake queue) were NOT reached"));
    section = audit(harness, settings, section, outcome.stories(), SETTLE_FAULTS);
    boolean alive = harness.engine().alive() && harness.signedGet("admin", "/api/v1/admin/invariants").statusCode() == 200;
    section.put("engine_alive_after", alive);
    List<String> failures = new ArrayList<>();
    if (!alive) {
      failures.add("the engine is not up after the overload");
    }
    if (other > 0) {
      failures.add(other + " answers were neither the channel's acknowledgement nor its try-again");
    }
    if (errors > 0 || rejected > 0) {
      failures.add("the engine counted " + errors + " errors and " + rejected + " rejections of valid callbacks");
    }
    if (!failures.isEmpty()) {
      section.getJsonObject("audit").put("clean", false).getJsonArray("findings").addAll(new JsonArray(failures));
      settings.out().println("overload: FAILED " + failures);
    }
    return section;
  }

  /**
   * After the window, delivers again every callback that was not acknowledged in it (refused, or
   * never sent because the driver's in-flight bound was reached), as the channel resends; the
   * figures are already taken; the section records how many were resent and how many are still
   * unacknowledged (the audit then waits for the active query).
   */
  private static void resend(Settings settings, String name, ReplayScenario.PrePayment prepayment,
      ReplayScenario.Outcome outcome, int copies, JsonObject section) throws Exception {
    long refused = prepayment.replayable().size() - outcome.successes();
    int left = refused == 0 ? 0 : ReplayScenario.resendRefused(prepayment, outcome, copies, RESEND_ROUNDS_MAX);
    section.put("resent_after_window", refused).put("unacknowledged_after_resends", left);
    if (refused > 0) {
      settings.out().printf("%s: resent %d callbacks not acknowledged in the window, as the channel would;"
          + " %d still unacknowledged%n", name, refused, left);
    }
  }

  /** The engine's {@code clearing_callbacks_total} counters summed over channels, by outcome. */
  static Map<String, Long> callbackCounters(Harness harness) throws Exception {
    Map<String, Long> byOutcome = new TreeMap<>();
    // HTTP/1.1: the JDK client's default h2c upgrade failed on the engine's (large) /metrics
    // answer with "Frame type(118) ... exceeds MAX_FRAME_SIZE" in an `all` run.
    var answer = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
        .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(harness.managementUrl() + "/metrics")).GET().build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    Matcher m = CALLBACK_COUNTER.matcher(answer.body());
    while (m.find()) {
      byOutcome.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    return byOutcome;
  }

  private static final Pattern CALLBACK_COUNTER =
      Pattern.compile("(?m)^clearing_callbacks_total\\{[^}]*outcome=\"([^\"]+)\"[^}]*\\} (\\S+)$");

  private static JsonObject faulted(Harness harness, Settings settings, String name, JsonObject faults,
      Runnable midway) throws Exception {
    List<PayScenario.Story> stories = prepare(harness, settings, name);
    harness.setFaults(faults);
    PayScenario.Outcome outcome;
    try {
      outcome = PayScenario.run(harness, stories, settings.ratePerS(), settings.inFlightMax(),
          SETTLE_FAULTS, midway);
    } finally {
      harness.setFaults(new JsonObject());
    }
    return audit(harness, settings, section(name, settings, outcome).put("faults", faults), outcome.stories(),
        SETTLE_FAULTS);
  }

  private static List<PayScenario.Story> prepare(Harness harness, Settings settings, String name) throws Exception {
    settings.out().printf("%s: preparing %d orders, each opened at one channel...%n", name, settings.orders());
    long startNs = System.nanoTime();
    List<PayScenario.Story> stories = PayScenario.prepare(harness, settings.orders(),
        name + Long.toString(System.currentTimeMillis(), 36));
    long tookMs = (System.nanoTime() - startNs) / 1_000_000;
    settings.out().printf(Locale.ROOT, "%s: prepared %d orders in %.1f s (%.1f s per 1000)%n", name, stories.size(),
        tookMs / 1000.0, tookMs / Math.max(1.0, stories.size()));
    return stories;
  }

  /** Pays the opened stories at their sandboxes before the window, keeping the signed callbacks. */
  private static ReplayScenario.PrePayment prePay(Harness harness, Settings settings, String name,
      List<PayScenario.Story> stories, long openedFromMs) throws Exception {
    ReplayScenario.PrePayment prepayment = ReplayScenario.prePay(harness, stories, openedFromMs);
    settings.out().printf(Locale.ROOT, "%s: pre-paid %d orders (notify=return) in %.1f s (%.1f s per 1000),"
            + " %d callbacks to replay%n", name, stories.stream().filter(PayScenario.Story::opened).count(),
        prepayment.durationMs() / 1000.0, prepayment.durationMs() / Math.max(1.0, stories.size()),
        prepayment.replayable().size());
    return prepayment;
  }

  /**
   * A replayed window's section: the replay requests, callbacks/s (successes over first due →
   * last answer), confirm latency (each callback's first acknowledgement from when it was due),
   * and the cross-check of successes against the APPLIED payment inbox rows (a mismatch fails).
   */
  private static JsonObject replaySection(String name, Settings settings, ReplayScenario.PrePayment prepayment,
      ReplayScenario.Outcome outcome) {
    var h = outcome.confirmLatencyUs();
    boolean match = outcome.appliedRows() == outcome.successes();
    JsonObject section = new JsonObject().put("scenario", name)
        .put("prepay_ms", prepayment.durationMs())
        .put("callback_requests", LatencyReport.json("callbacks", outcome.replays()))
        .put("callbacks_confirmed", outcome.successes())
        .put("callbacks_per_s", round(outcome.callbacksPerS()))
        .put("confirm_latency_ms", new JsonObject()
            .put("p50", h.getValueAtPercentile(50) / 1000.0).put("p90", h.getValueAtPercentile(90) / 1000.0)
            .put("p99", h.getValueAtPercentile(99) / 1000.0).put("p99_9", h.getValueAtPercentile(99.9) / 1000.0)
            .put("max", h.getMaxValue() / 1000.0))
        .put("applied_inbox_rows", outcome.appliedRows())
        .put("cross_check_ok", match)
        .put("engine_answers", outcome.answers())
        .put("engine_cpu_ms_in_window", outcome.engineCpuMs())
        .put("engine_cpu_ms_per_callback", round2(outcome.engineCpuMsPerAnswer()))
        .put("engine_compiler_cpu_ms_in_window", outcome.compilerCpuMs())
        .put("engine_compiler_share_in_window", round2(outcome.compilerShare()))
        .put("engine_cpu_ms_by_thread", new JsonObject(new java.util.LinkedHashMap<>(outcome.engineCpuMsByThread())))
        .put("engine_rss_max_mib", outcome.rssMaxKib() / 1024);
    settings.out().println(LatencyReport.text(name + " replayed callbacks", outcome.replays()));
    settings.out().printf(Locale.ROOT, "%s: %d callbacks confirmed, %.0f/s end to end | confirm latency ms"
            + " p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f | engine RSS max %d MiB%n",
        name, outcome.successes(), outcome.callbacksPerS(), h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, outcome.rssMaxKib() / 1024);
    settings.out().printf("%s: cross-check: %d acknowledged callbacks, %d APPLIED payment inbox rows%s%n", name,
        outcome.successes(), outcome.appliedRows(), match ? "" : " -- MISMATCH");
    settings.out().printf(Locale.ROOT, "%s: engine CPU in the window %.1f s, %.2f ms per callback answered%n", name,
        outcome.engineCpuMs() / 1000.0, outcome.engineCpuMsPerAnswer());
    settings.out().printf(Locale.ROOT, "%s: JIT compilers (C1 + C2) %d ms, %.0f%% of the engine's CPU in the window%n",
        name, outcome.compilerCpuMs(), outcome.compilerShare() * 100);
    settings.out().println(name + ": engine CPU ms in the window by thread: " + outcome.engineCpuMsByThread());
    return section;
  }

  private static JsonObject section(String name, Settings settings, PayScenario.Outcome outcome) {
    var h = outcome.confirmLatencyUs();
    JsonObject section = new JsonObject().put("scenario", name)
        .put("pay_requests", LatencyReport.json("pay", outcome.payRequests()))
        .put("callbacks_confirmed", outcome.confirmed())
        .put("callbacks_per_s", round(outcome.confirmedPerS()))
        .put("confirm_latency_ms", new JsonObject()
            .put("p50", h.getValueAtPercentile(50) / 1000.0).put("p90", h.getValueAtPercentile(90) / 1000.0)
            .put("p99", h.getValueAtPercentile(99) / 1000.0).put("p99_9", h.getValueAtPercentile(99.9) / 1000.0)
            .put("max", h.getMaxValue() / 1000.0))
        .put("engine_rss_max_mib", outcome.rssMaxKib() / 1024);
    settings.out().println(LatencyReport.text(name + " /sandbox/pay", outcome.payRequests()));
    settings.out().printf(Locale.ROOT, "%s: %d callbacks confirmed, %.0f/s end to end | confirm latency ms"
            + " p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f | engine RSS max %d MiB%n",
        name, outcome.confirmed(), outcome.confirmedPerS(), h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, outcome.rssMaxKib() / 1024);
    return section;
  }

  /**
   * Audits until clean or {@code settle} has passed: a payment whose callback was dropped, or whose
   * payer's answer was lost in a crash, is booked only when the active query finds it.
   */
  private static JsonObject audit(Harness harness, Settings settings, JsonObject section,
      List<PayScenario.Story> stories, Duration settle) throws Exception {
    long startNs = System.nanoTime();
    long deadline = startNs + settle.toNanos();
    MoneyAudit.Verdict verdict = MoneyAudit.run(harness, stories);
    while (!verdict.clean() && System.nanoTime() < deadline) {
      Thread.sleep(5_000);
      verdict = MoneyAudit.run(harness, stories);
    }
    section.put("audit_waited_s", (System.nanoTime() - startNs) / 1_000_000_000L);
    // The engine's peak, read once the run is over (a restarted engine's since its restart).
    long peakKib = harness.engine().rssPeakKib();
    section.put("sandboxes", harness.sandboxes().name().toLowerCase(Locale.ROOT))
        .put("engine_vmhwm_mib", peakKib / 1024);
    settings.out().printf(Locale.ROOT, "%s: engine VmHWM %d MiB (sandboxes %s the engine's process)%n",
        section.getString("scenario"), peakKib / 1024,
        harness.sandboxes() == Harness.Sandboxes.APART ? "apart from" : "inside");
    JsonObject audit = verdict.json();
    if (section.containsKey("cross_check_ok") && !section.getBoolean("cross_check_ok")) {
      audit.put("clean", false).getJsonArray("findings").add("acknowledged callbacks ("
          + section.getLong("callbacks_confirmed") + ") != APPLIED payment inbox rows ("
          + section.getLong("applied_inbox_rows") + ")");
    }
    settings.out().println(section.getString("scenario") + " audit: "
        + (audit.getBoolean("clean") ? "clean" : "FAILED " + audit.getJsonArray("findings"))
        + " " + audit.getJsonObject("channels"));
    return section.put("audit", audit);
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
