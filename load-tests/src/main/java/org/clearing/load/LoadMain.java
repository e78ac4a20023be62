package org.clearing.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.clearing.cli.DurationConverter;
import org.clearing.load.driver.EngineProcess;
import org.clearing.load.driver.Harness;
import org.clearing.load.driver.OpenLoopDriver;
import org.clearing.load.driver.TempDirectories;
import org.clearing.load.report.LatencyReport;
import org.clearing.load.scenario.Baseline;
import org.clearing.load.scenario.CreateScenario;
import org.clearing.load.scenario.ReplayScenario;
import org.clearing.load.scenario.ReconBenchmark;
import org.clearing.load.scenario.Runs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar load-tests/target/clearing-load.jar <scenario>}: load and benchmark commands. */
@Command(name = "clearing-load", mixinStandardHelpOptions = true,
    subcommands = {LoadMain.Create.class, LoadMain.Pay.class, LoadMain.Storm.class, LoadMain.Kill.class,
        LoadMain.PgRestart.class, LoadMain.SlowChannel.class, LoadMain.Overload.class, AllCommand.class,
        ReconBenchmark.class, DayCommand.class,
        HaCommand.class,
        SoakCommand.class,
        FlameCommand.class,
        StartupCommand.class},
    description = "Load, benchmark and fault scenarios against the clearing engine.")
public final class LoadMain {

  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-load.xml");
    }
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** The exit code of a run refused because it cannot fit its freshness window. */
  public static final int EXIT_REFUSED = 2;

  /** Runs a command as {@link #main} does, writing picocli's own output to {@code out} and {@code err}. */
  static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return new CommandLine(new LoadMain()).setOut(out).setErr(err)
        .setExecutionExceptionHandler(LoadMain::refused)
        .execute(args);
  }

  /**
   * A run that cannot keep its pre-signed callbacks fresh ends with its reason on one line of
   * stderr and {@link #EXIT_REFUSED}: it is the operator's choice of options, not a bug, so no
   * stack trace. Anything else is a bug and keeps picocli's full report.
   */
  private static int refused(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof ReplayScenario.DoesNotFit doesNotFit) {
        command.getErr().println("clearing-load " + command.getCommandName() + ": " + doesNotFit.getMessage());
        return EXIT_REFUSED;
      }
    }
    throw e;
  }

  /** Signed order creation at a fixed arrival rate. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Signed order creation (with QR) at a fixed rate; prints rates and latency.")
  static final class Create implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "500", description = "Requests per second (default ${DEFAULT-VALUE}).")
    double ratePerS;

    @Option(names = "--duration", converter = DurationConverter.class, defaultValue = "20s", description = "Timed window, e.g. 30s (default ${DEFAULT-VALUE}).")
    Duration duration;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", description = "A running engine; default: start the engine jar in a fresh data directory.")
    String url;

    @Option(names = "--client-file", description = "Registration client key file (default: <engine data dir>/clients/registration.json;"
        + " required with --url).")
    Path clientFile;

    @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar")
    Path engineJar;

    @Option(names = "--inflight-max", defaultValue = "512", description = "Bound on requests in flight.")
    int inFlightMax;

    @Option(names = "--report", description = "Write the JSON report here.")
    Path report;

    @Override
    public Integer call() throws Exception {
      // A running engine's data directory is not ours to guess: its client key must be named.
      if (url != null && clientFile == null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--url needs --client-file (the registration client's key file of that engine)");
      }
      Path dataDir = url == null ? TempDirectories.create() : null;
      try {
        return run(dataDir);
      } finally {
        if (dataDir != null) {
          TempDirectories.delete(dataDir);
        }
      }
    }

    private Integer run(Path dataDir) throws Exception {
      long seconds = duration.toSeconds();
      int count = (int) Math.max(1, Math.round(ratePerS * seconds));
      EngineProcess engine = dataDir != null ? EngineProcess.start(engineJar, dataDir, List.of()) : null;
      Vertx vertx = Vertx.vertx();
      try {
        String base = url != null ? url : engine.baseUrl();
        Path keyFile = clientFile != null ? clientFile : engine.dataDir().resolve("clients/registration.json");
        System.out.printf("preparing %d signed requests...%n", count);
        var requests = CreateScenario.prepare(CreateScenario.signer(keyFile), count,
            Long.toString(System.currentTimeMillis(), 36));
        java.net.URI uri = java.net.URI.create(base);
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()).setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(inFlightMax));
        // A short warm-up lets the JIT compile the hot path before the timed window.
        new OpenLoopDriver(vertx, client, inFlightMax).run(
            CreateScenario.prepare(CreateScenario.signer(keyFile), (int) Math.min(2_000, ratePerS * 3), "warm"
                + System.nanoTime()), ratePerS, status -> status == 201);
        CpuInWindow cpu = engine != null ? CpuInWindow.start(engine) : null;
        OpenLoopDriver.Result result = new OpenLoopDriver(vertx, client, inFlightMax)
            .run(requests, ratePerS, status -> status == 201);
        JsonObject json = LatencyReport.json("create", result);
        System.out.println(LatencyReport.text("create", result));
        if (engine != null) {
          cpu.end(result.ok(), json);
          System.out.printf("engine RSS %d MiB%n", engine.rssKib() / 1024);
        }
        if (report != null) {
          Files.writeString(report, json.encodePrettily());
        }
        return result.ok() == result.offered() ? 0 : 1;
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get();
        if (engine != null) {
          engine.close();
        }
      }
    }
  }

  /**
   * The CPU the engine (by thread) and its embedded PostgreSQL spent in {@code create}'s timed
   * window, per order created: a figure that a machine shared with other work disturbs far less
   * than a rate does.
   */
  record CpuInWindow(EngineProcess engine, long engineMs, java.util.Map<String, Long> byThreadMs, long childrenMs) {

    static CpuInWindow start(EngineProcess engine) {
      return new CpuInWindow(engine, engine.cpuMs(), engine.cpuMsByThread(), engine.databaseCpuMs());
    }

    void end(long created, JsonObject json) {
      long engineInWindowMs = engine.cpuMs() - engineMs;
      long childrenInWindowMs = engine.databaseCpuMs() - childrenMs;
      java.util.Map<String, Long> byThread = new java.util.TreeMap<>(engine.cpuMsByThread());
      byThreadMs.forEach((name, ms) -> byThread.merge(name, -ms, Long::sum));
      byThread.values().removeIf(ms -> ms <= 0);
      double perOrder = created == 0 ? 0 : (double) engineInWindowMs / created;
      double childrenPerOrder = created == 0 ? 0 : (double) childrenInWindowMs / created;
      System.out.printf(java.util.Locale.ROOT, "create: engine CPU in the window %.1f s, %.3f ms per order created;"
          + " its PostgreSQL %.1f s, %.3f ms per order%n", engineInWindowMs / 1000.0, perOrder,
          childrenInWindowMs / 1000.0, childrenPerOrder);
      System.out.println("create: engine CPU ms in the window by thread: " + byThread);
      json.put("engine_cpu_ms_in_window", engineInWindowMs)
          .put("engine_cpu_ms_per_order", Math.round(perOrder * 1000) / 1000.0)
          .put("engine_cpu_ms_by_thread", new JsonObject(new java.util.LinkedHashMap<>(byThread)))
          .put("postgres_cpu_ms_in_window", childrenInWindowMs)
          .put("postgres_cpu_ms_per_order", Math.round(childrenPerOrder * 1000) / 1000.0);
    }
  }

  /** What every payment scenario takes: rate, timed window, bounds, where to write the report. */
  abstract static class PayCommand implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "400", description = "Payments per second (default ${DEFAULT-VALUE}).")
    double ratePerS;

    @Option(names = "--duration", converter = DurationConverter.class, defaultValue = "15s", description = "Timed window (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar")
    Path engineJar;

    @Option(names = "--inflight-max", defaultValue = "512", description = "Bound on requests in flight.")
    int inFlightMax;

    @Option(names = "--baseline-connections", defaultValue = "8,32,64", split = ",",
        description = "Connections of the baseline's runs, one run each, comma-separated; the ratio is"
            + " against the best run (default ${DEFAULT-VALUE}; each 1 to " + Baseline.CONNECTIONS_MAX + ").")
    List<Integer> baselineConnections;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--report", description = "Write the JSON report here.")
    Path report;

    @Option(names = "--sandboxes", defaultValue = "inside", converter = SandboxesConverter.class,
        description = "inside: the engine in demo mode hosts the three sandboxes; apart: the sandboxes run as"
            + " their own process and the engine with --no-sandboxes --config, as in production, so its"
            + " memory is its own (default ${DEFAULT-VALUE}).")
    Harness.Sandboxes sandboxes;

    abstract JsonObject run(Harness harness, Runs.Settings settings) throws Exception;

    /** Refuses, before PostgreSQL and the engine are started, a run that cannot fit; most cannot fail so. */
    void checkWindow(Runs.Settings settings) {}

    @Override
    public Integer call() throws Exception {
      if (baselineConnections.isEmpty()
          || baselineConnections.stream().anyMatch(c -> c < 1 || c > Baseline.CONNECTIONS_MAX)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--baseline-connections must each be 1 to "
            + Baseline.CONNECTIONS_MAX + " (PostgreSQL's connections are shared with the engine), not "
            + baselineConnections);
      }
      checkWindow(settings());
      try (var harness = Harness.start(engineJar, Harness.PAYMENT_QUERY_AFTER, sandboxes)) {
        var section = run(harness, settings());
        if (report != null) {
          Files.writeString(report, section.encodePrettily());
        }
        return section.getJsonObject("audit").getBoolean("clean") ? 0 : 1;
      }
    }

    Runs.Settings settings() {
      long seconds = duration.toSeconds();
      return new Runs.Settings(ratePerS, (int) Math.max(3, Math.round(ratePerS * seconds)),
          inFlightMax, baselineConnections, System.out);
    }
  }

  /** {@code inside} or {@code apart}, in lower case as the other options' values are. */
  static final class SandboxesConverter implements CommandLine.ITypeConverter<Harness.Sandboxes> {
    @Override
    public Harness.Sandboxes convert(String value) {
      return switch (value) {
        case "inside" -> Harness.Sandboxes.INSIDE;
        case "apart" -> Harness.Sandboxes.APART;
        default -> throw new CommandLine.TypeConversionException("expected inside or apart, not " + value);
      };
    }
  }

  @Command(name = "pay", mixinStandardHelpOptions = true,
      description = "Orders paid through all three sandboxes; then the one-transaction-per-callback baseline and the audit.")
  static final class Pay extends PayCommand {
    @Override
    void checkWindow(Runs.Settings settings) {
      Runs.checkPayWindow(settings);
    }

    @Override
    JsonObject run(Harness h, Runs.Settings s)
        throws Exception {
      return Runs.pay(h, s);
    }
  }

  @Command(name = "storm", mixinStandardHelpOptions = true,
      description = "Callbacks x3, 10% out of order, 5% dropped (healed by the active query, >= 60 s), 1% forged; audit.")
  static final class Storm extends PayCommand {
    @Override
    JsonObject run(Harness h, Runs.Settings s)
        throws Exception {
      return Runs.storm(h, s);
    }
  }

  @Command(name = "kill", mixinStandardHelpOptions = true,
      description = "SIGKILL the engine in the middle of a storm, restart it on the same data; audit.")
  static final class Kill extends PayCommand {
    @Override
    JsonObject run(Harness h, Runs.Settings s)
        throws Exception {
      return Runs.kill(h, s);
    }
  }

  @Command(name = "pg-restart", mixinStandardHelpOptions = true,
      description = "Restart PostgreSQL in the middle of a run; audit.")
  static final class PgRestart extends PayCommand {
    @Override
    JsonObject run(Harness h, Runs.Settings s)
        throws Exception {
      return Runs.pgRestart(h, s);
    }
  }

  @Command(name = "slow-channel", mixinStandardHelpOptions = true,
      description = "Sandbox APIs answer after 1.5 s and 10% with 503, 10% of callbacks dropped; then healed; audit.")
  static final class SlowChannel extends PayCommand {
    @Override
    JsonObject run(Harness h, Runs.Settings s)
        throws Exception {
      return Runs.slowChannel(h, s);
    }
  }

  @Command(name = "overload", mixinStandardHelpOptions = true,
      description = "Payments at 4x the rate with every callback x5, past the intake's bounds; the engine must"
          + " refuse with a retry and stay up; audit.")
  static final class Overload extends PayCommand {
    @Override
    void checkWindow(Runs.Settings settings) {
      Runs.checkOverloadWindow(settings);
    }

    @Override
    JsonObject run(Harness h, Runs.Settings s)
        throws Exception {
      return Runs.overload(h, s);
    }
  }
}
