package org.clearing.load.scenario;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.clearing.channel.Channel;
import org.clearing.load.audit.MoneyAudit;
import org.clearing.load.driver.Harness;
import org.clearing.load.report.LatencyReport;

/**
 * The scenarios as the commands run them: each prepares its orders, runs its timed window (with
 * its fault), waits for the engine to settle, and ends with the audit. Each returns its section
 * of the report; {@code audit.clean} says whether it passed.
 */
public final class Runs {

  /** What every scenario is given. */
  public record Settings(double ratePerS, int orders, int inFlightMax, int baselineConnections, PrintStream out) {}

  /** Dropped callbacks wait for the active query (first at 60 s after opening, then backing off). */
  public static final Duration SETTLE_FAULTS = Duration.ofSeconds(300);
  public static final Duration SETTLE_CLEAN = Duration.ofSeconds(60);
  public static final JsonObject STORM = new JsonObject().put("deliveries", 3).put("out_of_order_percent", 10)
      .put("drop_percent", 5).put("forge_percent", 1);

  private Runs() {}

  /** Callbacks without faults, then the baseline on copies of the same orders. */
  public static JsonObject pay(Harness harness, Settings settings) throws Exception {
    List<PayScenario.Story> stories = prepare(harness, settings, "pay");
    Baseline.copy(harness, stories);
    PayScenario.Outcome outcome = PayScenario.run(harness, stories, settings.ratePerS(), settings.inFlightMax(),
        SETTLE_CLEAN, null);
    Baseline.Result baseline = Baseline.run(harness, stories, settings.baselineConnections());
    Baseline.drop(harness);
    double ratio = outcome.confirmedPerS() / baseline.callbacksPerS();
    JsonObject section = section("pay", settings, outcome)
        .put("baseline", new JsonObject().put("callbacks", baseline.callbacks())
            .put("connections", baseline.connections()).put("duration_ms", baseline.durationMs())
            .put("callbacks_per_s", round(baseline.callbacksPerS())))
        .put("callbacks_ratio", round2(ratio));
    settings.out().printf(Locale.ROOT, "baseline: %d callbacks, one transaction each, %d connections: %.0f/s%n",
        baseline.callbacks(), baseline.connections(), baseline.callbacksPerS());
    settings.out().printf(Locale.ROOT, "callbacks engine/baseline ratio: %.2f%n", ratio);
    return audit(harness, settings, section, outcome, SETTLE_CLEAN);
  }

  /** Payments at half the engine's measured maximum: the latency target's condition. */
  public static JsonObject payAtHalfMax(Harness harness, Settings settings, double maxPerS) throws Exception {
    double rate = Math.max(1, maxPerS / 2);
    Settings half = new Settings(rate, (int) Math.max(3, settings.orders() * rate / settings.ratePerS()),
        settings.inFlightMax(), settings.baselineConnections(), settings.out());
    List<PayScenario.Story> stories = prepare(harness, half, "pay-half-max");
    PayScenario.Outcome outcome = PayScenario.run(harness, stories, rate, half.inFlightMax(), SETTLE_CLEAN, null);
    return audit(harness, settings, section("pay-half-max", half, outcome), outcome, SETTLE_CLEAN);
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
    return audit(harness, settings, section, outcome, SETTLE_FAULTS);
  }

  /** Callbacks offered far past the intake's bounds: the engine must refuse with a retry, not fall over. */
  public static JsonObject overload(Harness harness, Settings settings) throws Exception {
    Settings flood = new Settings(settings.ratePerS() * 4, settings.orders(), settings.inFlightMax() * 4,
        settings.baselineConnections(), settings.out());
    JsonObject section = faulted(harness, flood, "overload", new JsonObject().put("deliveries", 5), null);
    section.put("callback_answers_sampled", callbackAnswers(harness, settings.orders()));
    settings.out().println("overload: engine answers to callback attempts (sample): "
        + section.getJsonObject("callback_answers_sampled"));
    boolean alive = harness.engine().alive() && harness.signedGet("admin", "/api/v1/admin/invariants").statusCode() == 200;
    section.put("engine_alive_after", alive);
    if (!alive) {
      section.getJsonObject("audit").put("clean", false);
    }
    return section;
  }

  /**
   * What the engine answered the sandboxes' callback attempts, tallied by HTTP status and outcome
   * over a sample of the run's orders (a refusal under overload must be the channel's retry form).
   */
  private static JsonObject callbackAnswers(Harness harness, int orders) throws Exception {
    Map<String, Integer> tally = new TreeMap<>();
    try (Connection db = harness.jdbc(); Statement sql = db.createStatement();
        ResultSet rows = sql.executeQuery("SELECT channel, out_trade_no FROM channel_inbox"
            + " WHERE kind = 'PAYMENT' ORDER BY received_at DESC LIMIT " + Math.min(orders, 300))) {
      while (rows.next()) {
        Channel channel = Channel.fromCode(rows.getString(1)).orElseThrow();
        var answer = harness.sandboxGet(channel, "/sandbox/callbacks/" + rows.getString(2));
        if (answer.statusCode() == 200) {
          for (Object a : new JsonObject(answer.body()).getJsonArray("attempts")) {
            JsonObject attempt = (JsonObject) a;
            tally.merge(attempt.getInteger("status") + " " + attempt.getString("outcome"), 1, Integer::sum);
          }
        }
      }
    }
    JsonObject json = new JsonObject();
    tally.forEach(json::put);
    return json;
  }

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
    return audit(harness, settings, section(name, settings, outcome).put("faults", faults), outcome, SETTLE_FAULTS);
  }

  private static List<PayScenario.Story> prepare(Harness harness, Settings settings, String name) throws Exception {
    settings.out().printf("%s: preparing %d orders, each opened at one channel...%n", name, settings.orders());
    return PayScenario.prepare(harness, settings.orders(), name + Long.toString(System.currentTimeMillis(), 36));
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
      PayScenario.Outcome outcome, Duration settle) throws Exception {
    long startNs = System.nanoTime();
    long deadline = startNs + settle.toNanos();
    MoneyAudit.Verdict verdict = MoneyAudit.run(harness, outcome.stories());
    while (!verdict.clean() && System.nanoTime() < deadline) {
      Thread.sleep(5_000);
      verdict = MoneyAudit.run(harness, outcome.stories());
    }
    section.put("audit_waited_s", (System.nanoTime() - startNs) / 1_000_000_000L);
    settings.out().println(section.getString("scenario") + " audit: "
        + (verdict.clean() ? "clean" : "FAILED " + verdict.findings()) + " " + verdict.json().getJsonObject("channels"));
    return section.put("audit", verdict.json());
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
