package org.clearing.load;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.DayScenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code day}: a mixed business day, the daily reconciliation, the audit; exit 1 unless all is clean. */
@Command(name = "day", mixinStandardHelpOptions = true,
    description = "A mixed business day (paid, paid twice, refunded whole and by a line, cancelled, expired,"
        + " never paid; callbacks doubled, late and dropped), then the daily reconciliation of every channel"
        + " and the reports against the journal; audit. Exit 1 unless clean.")
final class DayCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--orders", defaultValue = "600",
      description = "Orders in the day, " + DayScenario.ORDERS_MIN + " to " + DayScenario.ORDERS_MAX
          + " (default ${DEFAULT-VALUE}).")
  int orders;

  @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar")
  Path engineJar;

  @Option(names = "--report", description = "Write the JSON report here.")
  Path report;

  @Override
  public Integer call() throws Exception {
    // Checked before anything starts: a bad option costs nothing and says what is wrong (exit 2).
    if (orders < DayScenario.ORDERS_MIN || orders > DayScenario.ORDERS_MAX) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--orders must be " + DayScenario.ORDERS_MIN
          + " to " + DayScenario.ORDERS_MAX + " (every story of the day at least once), not " + orders);
    }
    if (report != null && report.toAbsolutePath().getParent() != null
        && !Files.isDirectory(report.toAbsolutePath().getParent())) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--report: no such directory " + report.toAbsolutePath().getParent());
    }
    try (Harness harness = Harness.start(engineJar, Harness.PAYMENT_QUERY_AFTER_DEFAULT)) {
      JsonObject section = DayScenario.run(harness, new DayScenario.Settings(orders, System.out));
      if (report != null) {
        Files.writeString(report, section.encodePrettily());
      }
      return section.getJsonObject("audit").getBoolean("clean") ? 0 : 1;
    }
  }
}
