package org.clearing;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.clearing.cli.CidrConverter;
import org.clearing.cli.ClientsCommand;
import org.clearing.cli.DurationConverter;
import org.clearing.cli.ReconcileCommand;
import org.clearing.cli.VerifyJournalCommand;
import org.clearing.config.EngineConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar clearing-engine.jar}: starts the engine. Every option has an environment
 * variable of the same meaning, so containers and service managers need no arguments.
 */
@Command(
    name = "clearing-engine",
    mixinStandardHelpOptions = true,
    subcommands = {VerifyJournalCommand.class, ReconcileCommand.class, ClientsCommand.class},
    description = "Combined tax-and-fee payment clearing engine.")
public final class Main implements Callable<Integer> {

  @Option(names = "--http-port", defaultValue = "${env:CLEARING_HTTP_PORT:-8080}",
      description = "HTTP port (env CLEARING_HTTP_PORT, default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--http-host", defaultValue = "${env:CLEARING_HTTP_HOST:-0.0.0.0}",
      description = "Address to bind (env CLEARING_HTTP_HOST, default ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--data-dir", defaultValue = "${env:CLEARING_DATA_DIR:-./data}",
      description = "Data directory: embedded database, demo client keys, payer-ID key"
          + " (env CLEARING_DATA_DIR, default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--pg-url", defaultValue = "${env:CLEARING_PG_URL}",
      description = "External PostgreSQL, postgresql://user:password@host:port/database;"
          + " when set, no embedded database starts (env CLEARING_PG_URL). Migrations run as this"
          + " user (it must own the schema and, on the first start, may create the role"
          + " clearing_engine or be a member of it); the engine then serves as clearing_engine,"
          + " which cannot change or delete the journal.")
  String pgUrl;

  @Option(names = "--public-base-url", defaultValue = "${env:CLEARING_PUBLIC_BASE_URL}",
      description = "Base URL the QR codes point to, e.g. https://pay.example.gov.cn"
          + " (env CLEARING_PUBLIC_BASE_URL; default http://<LAN address>:<port>).")
  String publicBaseUrl;

  @Option(names = "--db-pool-size", defaultValue = "${env:CLEARING_DB_POOL_SIZE:-8}",
      description = "Database connections (env CLEARING_DB_POOL_SIZE, default ${DEFAULT-VALUE}).")
  int dbPoolSize;

  @Option(names = "--sandboxes", negatable = true, defaultValue = "${env:CLEARING_SANDBOXES:-true}",
      fallbackValue = "true",
      description = "Start the WeChat Pay, Alipay and UnionPay sandboxes in this process (demo mode;"
          + " env CLEARING_SANDBOXES, default ${DEFAULT-VALUE}).")
  boolean sandboxes;

  @Option(names = "--sandbox-port", defaultValue = "${env:CLEARING_SANDBOX_PORT:-8081}",
      description = "Port of the WeChat sandbox; Alipay's and UnionPay's are the next two"
          + " (env CLEARING_SANDBOX_PORT, default ${DEFAULT-VALUE}).")
  int sandboxPort;

  @Option(names = "--sandbox-time-compression", defaultValue = "${env:CLEARING_SANDBOX_TIME_COMPRESSION:-1}",
      description = "Run the sandboxes' callback retry schedules this many times faster than real"
          + " time (env CLEARING_SANDBOX_TIME_COMPRESSION, default ${DEFAULT-VALUE}).")
  double sandboxTimeCompression;

  @Option(names = "--payment-query-after", defaultValue = "${env:CLEARING_PAYMENT_QUERY_AFTER:-60s}",
      converter = DurationConverter.class,
      description = "Ask the channel for a payment this long after its channel order opened when no"
          + " callback has come, e.g. 60s or 2m (env CLEARING_PAYMENT_QUERY_AFTER, default ${DEFAULT-VALUE}).")
  java.time.Duration paymentQueryAfter;

  // Webhook targets (issue 10 §5).
  @Option(names = "--webhook-allow-cidr", split = ",", converter = CidrConverter.class, defaultValue = "${env:CLEARING_WEBHOOK_ALLOW_CIDR}",
      description = "An address range webhooks may reach although it is loopback, private, link-local or"
          + " otherwise special-purpose, e.g. 10.20.0.0/16; repeat or separate with commas"
          + " (env CLEARING_WEBHOOK_ALLOW_CIDR; default none: public addresses only).")
  java.util.List<String> webhookAllowCidrs;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    EngineConfig config = new EngineConfig(httpHost, httpPort, dataDir.toAbsolutePath().normalize(), blankToNull(pgUrl),
        blankToNull(publicBaseUrl), dbPoolSize, EngineConfig.DB_WAIT_QUEUE_SIZE_DEFAULT,
        EngineConfig.EVENT_LOOP_BLOCK_WARN_MS_DEFAULT, sandboxes, sandboxPort, sandboxTimeCompression,
        EngineConfig.SETTLEMENT_INTERVAL_MS_DEFAULT, paymentQueryAfter.toMillis(),
        webhookAllowCidrs == null ? java.util.List.of() : webhookAllowCidrs,
        // Set from the TLS options once the engine serves HTTPS itself.
        false);
    Engine engine = Engine.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        engine.stop();
      } catch (Exception e) {
        System.err.println("shutdown was not clean: " + e);
      } finally {
        stopped.countDown();
      }
    }, "clearing-shutdown"));
    printWelcome(engine);
    stopped.await();
    return 0;
  }

  private static void printWelcome(Engine engine) {
    String local = "http://localhost:" + engine.httpPort();
    System.out.println();
    System.out.println("Clearing engine is running.");
    System.out.println("  API             " + local + "/api/v1/orders  (signed requests; see README)");
    System.out.println("  Health          " + local + "/health");
    System.out.println("  Metrics         " + local + "/metrics");
    System.out.println("  QR codes open   " + engine.publicBaseUrl() + "/q/<token>");
    System.out.println("  Database        " + engine.database().description());
    if (engine.sandboxes().isPresent()) {
      System.out.println("  Demo clients    " + engine.clientsDirectory().toAbsolutePath()
          + "/{registration,tax,finance,admin}.json");
    } else {
      System.out.println("  Clients         none made here; with the engine stopped, add an administrator:"
          + " clients add --role admin --client-id ID --public-key FILE");
    }
    engine.sandboxes().ifPresent(sandboxes -> sandboxes.started().forEach(started ->
        System.out.printf("  Sandbox %-8s %s  (faults: %s/sandbox/faults)%n",
            started.channel().code(), started.baseUrl(), started.baseUrl())));
    System.out.println("Stop with Ctrl-C (SIGTERM): requests in flight finish first.");
    System.out.println();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
