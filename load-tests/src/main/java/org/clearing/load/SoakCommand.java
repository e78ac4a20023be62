package org.clearing.load;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.DayScenario;
import org.clearing.load.scenario.SoakScenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code soak}: many payments under every fault, then a business day, its reconciliation and the audits. */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Payments through the three sandboxes under the storm (callbacks x3, 10%% out of order,"
        + " 5%% dropped and healed by the active query, 1%% forged), a SIGKILL of the engine and a PostgreSQL"
        + " restart during the run; then the money audit, a business day (refunds, cancellations, expiries,"
        + " double payments) with the reconciliation of the whole date, the audit again, and the account of"
        + " the forgeries. Exit 1 unless all is clean.")
final class SoakCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--payments", defaultValue = "100000",
      description = "Payments, at least " + SoakScenario.PAYMENTS_MIN + " (default ${DEFAULT-VALUE}).")
  int payments;

  @Option(names = "--rate", defaultValue = "200", description = "Payments per second (default ${DEFAULT-VALUE}).")
  double ratePerS;

  @Option(names = "--inflight-max", defaultValue = "512", description = "Bound on payments in flight (default ${DEFAULT-VALUE}).")
  int inFlightMax;

  @Option(names = "--day-orders",
      description = "Orders of the business day mixed in, " + DayScenario.ORDERS_MIN + " to " + DayScenario.ORDERS_MAX
          + " (default: a twentieth of --payments, within those bounds).")
  Integer dayOrders;

  @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar")
  Path engineJar;

  @Option(names = "--report", description = "Write the JSON report here.")
  Path report;

  @Option(names = "--sandboxes", defaultValue = "inside", converter = LoadMain.SandboxesConverter.class,
      description = "inside: the engine in demo mode hosts the three sandboxes (the SIGKILL takes them down"
          + " too); apart: they run as their own process, as the channels do, and outlive the engine's kill,"
          + " whose memory is then its own (default ${DEFAULT-VALUE}).")
  Harness.Sandboxes sandboxes;

  @Override
  public Integer call() throws Exception {
    // Checked before anything starts: a bad option costs nothing and says what is wrong (exit 2).
    if (payments < SoakScenario.PAYMENTS_MIN) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--payments must be at least " + SoakScenario.PAYMENTS_MIN + " (a batch for each fault), not " + payments);
    }
    if (!(ratePerS > 0) || inFlightMax < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--rate and --inflight-max must be positive");
    }
    int day = dayOrders == null ? SoakScenario.dayOrdersFor(payments) : dayOrders;
    if (day < DayScenario.ORDERS_MIN || day > DayScenario.ORDERS_MAX) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--day-orders must be " + DayScenario.ORDERS_MIN
          + " to " + DayScenario.ORDERS_MAX + ", not " + day);
    }
    if (report != null && report.toAbsolutePath().getParent() != null
        && !Files.isDirectory(report.toAbsolutePath().getParent())) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--report: no such directory " + report.toAbsolutePath().getParent());
    }
    // The engine's own first active query (60 s): the dropped callbacks are healed within the run.
    try (Harness harness = Harness.start(engineJar, Harness.PAYMENT_QUERY_AFTER_DEFAULT, sandboxes)) {
      JsonObject section = SoakScenario.run(harness,
          new SoakScenario.Settings(payments, ratePerS, inFlightMax, day, System.out));
      if (report != null) {
        Files.writeString(report, section.encodePrettily());
      }
      return section.getJsonObject("audit").getBoolean("clean") ? 0 : 1;
    }
  }
}
