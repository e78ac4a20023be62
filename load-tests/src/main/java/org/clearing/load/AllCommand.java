package org.clearing.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clearing.cli.DurationConverter;
import org.clearing.load.audit.CreateAudit;
import org.clearing.load.driver.Harness;
import org.clearing.load.driver.OpenLoopDriver;
import org.clearing.load.report.LatencyReport;
import org.clearing.load.scenario.Baseline;
import org.clearing.load.scenario.CreateScenario;
import org.clearing.load.scenario.DayScenario;
import org.clearing.load.scenario.Runs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every scenario against one engine and one database, then the report with each figure by its target. */
@Command(name = "all", mixinStandardHelpOptions = true,
    description = "create, pay (+ baseline), storm, kill, pg-restart, slow-channel, overload, day; writes"
        + " load-report.json and load-report.md; exit 1 unless every audit is clean.")
final class AllCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--duration", converter = DurationConverter.class, defaultValue = "60s", description = "Total timed budget, shared by the scenarios.")
  Duration duration;

  @Option(names = "--create-rate", defaultValue = "2000", description = "Order creations per second.")
  double createRatePerS;

  @Option(names = "--pay-rate", defaultValue = "1500", description = "Payments per second.")
  double payRatePerS;

  @Option(names = "--fault-rate", defaultValue = "200",
      description = "Payments per second in storm, kill, pg-restart and slow-channel, whose callbacks the"
          + " sandboxes sign and send inside the window (default ${DEFAULT-VALUE}).")
  double faultRatePerS;

  @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar")
  Path engineJar;

  @Option(names = "--day-orders", defaultValue = "600", description = "Orders in the closing business day.")
  int dayOrders;

  @Option(names = "--out", defaultValue = "load-report", description = "Report files: <out>.json and <out>.md.")
  String out;

  @Override
  public Integer call() throws Exception {
    if (createRatePerS <= 0 || payRatePerS <= 0 || faultRatePerS <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--create-rate, --pay-rate and --fault-rate must be positive");
    }
    if (dayOrders < DayScenario.ORDERS_MIN || dayOrders > DayScenario.ORDERS_MAX) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--day-orders must be " + DayScenario.ORDERS_MIN
          + " to " + DayScenario.ORDERS_MAX + ", not " + dayOrders);
    }
    long totalS = duration.toSeconds();
    // A share of the window for each of the seven scenarios; pay and storm get the most.
    long shareS = Math.max(2, totalS / 7);
    JsonObject report = new JsonObject().put("duration_s", totalS)
        .put("machine", Runtime.getRuntime().availableProcessors() + " cores (shared with other builds)");
    JsonArray scenarios = new JsonArray();
    boolean clean = true;
    try (Harness harness = Harness.start(engineJar)) {
      JsonObject create = create(harness, shareS, createRatePerS, "create");
      scenarios.add(create);
      scenarios.add(create(harness, shareS, Math.max(1, create.getDouble("achieved_per_s") / 2), "create-half-max"));
      Runs.Settings settings = new Runs.Settings(payRatePerS, (int) (payRatePerS * shareS), 512,
          Baseline.CONNECTIONS_DEFAULT, System.out);
      // The sandboxes sign and send the fault scenarios' callbacks on the engine's cores, so those
      // run at a rate the machine can carry with every callback tripled.
      Runs.Settings faults = new Runs.Settings(faultRatePerS, (int) (faultRatePerS * shareS), 512,
          Baseline.CONNECTIONS_DEFAULT, System.out);
      double payMaxPerS = 0;
      for (String name : new String[] {"pay", "pay-half-max", "storm", "kill", "pg-restart", "slow-channel", "overload"}) {
        JsonObject section = switch (name) {
          case "pay" -> Runs.pay(harness, settings);
          case "pay-half-max" -> Runs.payAtHalfMax(harness, settings, payMaxPerS);
          case "storm" -> Runs.storm(harness, faults);
          case "kill" -> Runs.kill(harness, faults);
          case "pg-restart" -> Runs.pgRestart(harness, faults);
          case "slow-channel" -> Runs.slowChannel(harness, faults);
          default -> Runs.overload(harness, settings);
        };
        if ("pay".equals(name)) {
          payMaxPerS = section.getDouble("callbacks_per_s");
        }
        clean &= section.getJsonObject("audit").getBoolean("clean");
        scenarios.add(section);
      }
      // Last, so that its reconciliation of the day covers every scenario's payments and refunds.
      // The day pre-pays nothing: the engine asks for its dropped callbacks at its default delay.
      harness.restartEngine(Harness.PAYMENT_QUERY_AFTER_DEFAULT);
      JsonObject day = DayScenario.run(harness, new DayScenario.Settings(dayOrders, System.out));
      clean &= day.getJsonObject("audit").getBoolean("clean");
      scenarios.add(day);
    }
    report.put("scenarios", scenarios).put("audit_clean", clean);
    Files.writeString(Path.of(out + ".json"), report.encodePrettily());
    Files.writeString(Path.of(out + ".md"), markdown(report));
    System.out.println("report: " + out + ".json, " + out + ".md");
    return clean ? 0 : 1;
  }

  private static JsonObject create(Harness harness, long seconds, double ratePerS, String name) throws Exception {
    var signer = harness.signer("registration");
    CreateScenario.run(harness, CreateScenario.prepare(signer, 2_000, "warm" + System.nanoTime()), ratePerS, 512);
    var requests = CreateScenario.prepare(signer, (int) Math.max(1, ratePerS * seconds), Long.toString(System.nanoTime(), 36));
    OpenLoopDriver.Result result = CreateScenario.run(harness, requests, ratePerS, 512);
    System.out.println(LatencyReport.text(name, result));
    CreateAudit.Verdict audit;
    try (var db = harness.jdbc()) {
      audit = CreateAudit.run(db, requests, result.statuses());
    }
    System.out.println(name + " audit: " + (audit.clean() ? "clean" : "FAILED " + audit.findings())
        + " (" + audit.created() + " created, " + audit.absent() + " never sent, " + audit.unknownOutcome()
        + " answers lost)");
    return LatencyReport.json(name, result).put("engine_rss_mib", harness.engine().rssKib() / 1024)
        .put("audit", audit.json());
  }

  private static String markdown(JsonObject report) {
    StringBuilder md = new StringBuilder("# Load report\n\n").append("Machine: ").append(report.getString("machine"))
        .append(". Engine, PostgreSQL and driver share it.\n\n| Figure | Measured | Target |\n|---|---|---|\n");
    for (Object o : report.getJsonArray("scenarios")) {
      JsonObject s = (JsonObject) o;
      String name = s.getString("scenario");
      if ("create".equals(name)) {
        md.append(String.format(Locale.ROOT, "| orders created (with QR) | %.0f/s (offered %.0f/s) | >= 2000/s |%n",
            s.getDouble("achieved_per_s"), s.getDouble("offered_per_s")));
        continue;
      }
      if ("create-half-max".equals(name)) {
        md.append(String.format(Locale.ROOT, "| order creation p99 at half max (%.0f/s) | %.2f ms | <= 20 ms |%n",
            s.getDouble("offered_per_s"), s.getJsonObject("latency_ms").getDouble("p99")));
        continue;
      }
      if ("pay-half-max".equals(name)) {
        md.append(String.format(Locale.ROOT, "| callback confirm p99 at half max (%.0f/s) | %.1f ms | <= 20 ms |%n",
            s.getJsonObject("callback_requests").getDouble("offered_per_s"), s.getJsonObject("confirm_latency_ms").getDouble("p99")));
      }
      if ("pay".equals(name)) {
        md.append(String.format(Locale.ROOT, "| callbacks engine/baseline ratio | %.2f (%.0f/s vs %.0f/s, the best"
                + " baseline run: %d connections) | >= 1.5 |%n",
            s.getDouble("callbacks_ratio"), s.getDouble("callbacks_per_s"),
            s.getJsonObject("baseline").getDouble("callbacks_per_s"),
            s.getJsonObject("baseline").getInteger("connections")));
        md.append(String.format(Locale.ROOT, "| callbacks confirmed end to end (offered %.0f/s) | %.0f/s | (max) |%n",
            s.getJsonObject("callback_requests").getDouble("offered_per_s"), s.getDouble("callbacks_per_s")));
      }
      if ("day".equals(name)) {
        JsonObject recon = s.getJsonObject("reconciliation");
        md.append(String.format(Locale.ROOT, "| day: reconciliation items left unexplained | %d (items %s, run %d ms) | 0 |%n",
            recon.getLong("open_items"), recon.getJsonObject("items_by_class").encode(), recon.getLong("run_ms")));
        md.append(String.format(Locale.ROOT, "| day: finance and tax reports equal the journal | %s | yes |%n",
            s.getJsonObject("reports").getBoolean("equal", false) ? "yes" : "NO"));
      }
      if ("storm".equals(name)) {
        md.append(String.format(Locale.ROOT, "| engine RSS under the storm | %d MiB | <= 512 MiB |%n", s.getLong("engine_rss_max_mib")));
      }
      md.append(String.format(Locale.ROOT, "| %s audit | %s | clean |%n", name,
          s.getJsonObject("audit").getBoolean("clean") ? "clean" : "FAILED " + s.getJsonObject("audit").getJsonArray("findings")));
    }
    return md.append("\nFull figures: the JSON report.\n").toString();
  }
}
