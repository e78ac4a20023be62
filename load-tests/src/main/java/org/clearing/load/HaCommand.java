package org.clearing.load;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.clearing.cli.DurationConverter;
import org.clearing.load.driver.HaCluster;
import org.clearing.load.scenario.HaScenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ha}: brings up the loopback Patroni cluster with {@code load-tests/ha/cluster}, runs
 * {@link HaScenario} through its HAProxy front, and tears it down. Needs root and the Debian
 * packages the script names; exit 1 unless the audit is clean.
 */
@Command(name = "ha", mixinStandardHelpOptions = true,
    description = "Orders and payments at a steady rate through HAProxy over two engines on a Patroni cluster,"
        + " the sandbox process's callbacks under a storm (x3, reordered, dropped, forged); the leader's PostgreSQL"
        + " and Patroni SIGKILLed half way, one engine at three quarters; writes' outage, answers and throughput"
        + " reported; audit, seals, verify-journal, the day's reconciliation. Needs load-tests/ha/cluster's"
        + " prerequisites. Exit 1 unless clean.")
final class HaCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--rate", defaultValue = "20",
      description = "Orders per second, and as many payment callbacks (default ${DEFAULT-VALUE}).")
  double ratePerS;

  @Option(names = "--duration", converter = DurationConverter.class, defaultValue = "60s",
      description = "Timed window; the leader dies half way (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--cluster-script", defaultValue = "load-tests/ha/cluster")
  Path script;

  @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar",
      description = "The engine jar the cluster runs, and whose verify-journal is run (default ${DEFAULT-VALUE}).")
  Path engineJar;

  @Option(names = "--port-base", defaultValue = "17000", description = "HA_PORT_BASE for the cluster (default ${DEFAULT-VALUE}).")
  int portBase;

  @Option(names = "--inflight-max", defaultValue = "512", description = "Bound on requests in flight.")
  int inFlightMax;

  @Option(names = "--report", description = "Write the JSON report here.")
  Path report;

  @Option(names = "--logs", description = "Copy the cluster's logs (engines, nodes, etcd, HAProxy) here before teardown.")
  Path logs;

  @Override
  public Integer call() throws Exception {
    // The leader must die after the writes are steady and the outage (about ttl, 10 s) must end
    // well inside the window, or there is no "after" to measure.
    if (duration.toSeconds() < 40 || ratePerS <= 0 || ratePerS > 2_000) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--duration must be at least 40s and --rate between 0 and 2000");
    }
    if (!Files.isExecutable(script)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--cluster-script: not executable: " + script);
    }
    Path stateDir = Files.createTempDirectory("clearing-ha-run-");
    Files.delete(stateDir); // the script makes it, and refuses one that exists
    int orders = (int) Math.round(ratePerS * duration.toSeconds());
    // The engines first ask a channel about a silent payment a window plus a minute after its
    // order opened (opened just before the window): after every payment of the window, so that the
    // active query heals the storm's drops rather than racing their callbacks, and soon enough
    // for a short run.
    Duration queryAfter = duration.plusSeconds(60);
    try (HaCluster cluster = HaCluster.up(script, stateDir, portBase, List.of(), engineJar,
        "--payment-query-after " + queryAfter.toSeconds() + "s")) {
      if (logs != null) {
        cluster.keepLogsIn(logs);
      }
      JsonObject section = HaScenario.run(cluster, new HaScenario.Settings(ratePerS, orders, inFlightMax,
          queryAfter, System.out));
      if (report != null) {
        Files.writeString(report, section.encodePrettily());
      }
      return section.getJsonObject("audit").getBoolean("clean") ? 0 : 1;
    }
  }
}
