package org.clearing;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.clearing.cli.CidrConverter;
import org.clearing.cli.ClientsCommand;
import org.clearing.cli.DurationConverter;
import org.clearing.cli.ReconcileCommand;
import org.clearing.cli.SandboxesCommand;
import org.clearing.cli.UsersCommand;
import org.clearing.cli.VerifyJournalCommand;
import org.clearing.cli.VerifyReportCommand;
import org.clearing.config.EngineConfig;
import org.clearing.config.Network;
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
    subcommands = {VerifyJournalCommand.class, ReconcileCommand.class, ClientsCommand.class,
        VerifyReportCommand.class, SandboxesCommand.class,
        UsersCommand.class},
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
          + " optional ?sslmode=…&sslrootcert=<CA PEM>&application_name=…&connect_timeout=<seconds> as in libpq, for the"
          + " pool and the migrations alike; when set, no embedded database starts (env CLEARING_PG_URL)."
          + " Migrations run as this user (it must own the schema and, on the first start, may create the role"
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

  // TLS, outbound trust, the management port, the sandboxes' address.

  @Option(names = "--tls-cert", defaultValue = "${env:CLEARING_TLS_CERT}",
      description = "PEM certificate chain (leaf first) for HTTPS on the public port; reloaded when"
          + " the file changes (env CLEARING_TLS_CERT; default: plain HTTP).")
  String tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:CLEARING_TLS_KEY}",
      description = "PEM private key of --tls-cert, RSA or EC; reloaded with it (env CLEARING_TLS_KEY).")
  String tlsKey;

  @Option(names = "--tls-client-ca", defaultValue = "${env:CLEARING_TLS_CLIENT_CA}",
      description = "PEM CA certificate(s) issuing API clients' TLS certificates: every /api/ request"
          + " must then come with one (env CLEARING_TLS_CLIENT_CA).")
  String tlsClientCa;

  @Option(names = "--channel-ca-bundle", defaultValue = "${env:CLEARING_CHANNEL_CA_BUNDLE}",
      description = "PEM CA certificates trusted for calls to channels and webhook receivers, in"
          + " addition to the JVM's trust store (env CLEARING_CHANNEL_CA_BUNDLE).")
  String channelCaBundle;

  @Option(names = "--management-port", defaultValue = "${env:CLEARING_MANAGEMENT_PORT:-9464}",
      description = "Port serving /metrics, apart from the public port (env CLEARING_MANAGEMENT_PORT,"
          + " default ${DEFAULT-VALUE}).")
  int managementPort;

  @Option(names = "--management-host", defaultValue = "${env:CLEARING_MANAGEMENT_HOST:-127.0.0.1}",
      description = "Address of the management port (env CLEARING_MANAGEMENT_HOST, default"
          + " ${DEFAULT-VALUE}: this machine only).")
  String managementHost;

  @Option(names = "--sandbox-host", defaultValue = "${env:CLEARING_SANDBOX_HOST:-127.0.0.1}",
      description = "Address the demo sandboxes bind to and name in their URLs; a LAN address shows"
          + " their pay pages to a phone (env CLEARING_SANDBOX_HOST, default ${DEFAULT-VALUE}).")
  String sandboxHost;

  // The engine's own keys (issue 11 §6).

  @Option(names = "--master-key-file", defaultValue = "${env:CLEARING_MASTER_KEY_FILE}",
      description = "The master key (SM4, 32 hex digits or base64 of 16 bytes; owner-only file) sealing the"
          + " signing and payer-ID keys kept in the database; every engine on one database needs the same."
          + " Or set the key itself in CLEARING_MASTER_KEY (env CLEARING_MASTER_KEY_FILE; default: a key"
          + " made in <data-dir>/keys/master.sm4).")
  String masterKeyFile;

  @Option(names = "--signing-key-file", defaultValue = "${env:CLEARING_SIGNING_KEY_FILE}",
      description = "The SM2 key signing webhooks and reports (PKCS#8 PEM, owner-only), instead of the one"
          + " kept in the database (env CLEARING_SIGNING_KEY_FILE).")
  String signingKeyFile;

  @Option(names = "--payer-key-file", defaultValue = "${env:CLEARING_PAYER_KEY_FILE}",
      description = "The SM4 keys of payers' ID numbers, 32 hex digits per line, the current one first and"
          + " older ones after it (owner-only), instead of the ones kept in the database"
          + " (env CLEARING_PAYER_KEY_FILE).")
  String payerKeyFile;

  // Go-live merchant configuration (issue 11 §1).

  @Option(names = "--config", defaultValue = "${env:CLEARING_CONFIG}",
      description = "Merchant configuration file (YAML): the WeChat Pay, Alipay and UnionPay merchants,"
          + " their keys and certificates (see channel-adapters/docs/merchant-config.md); with --no-sandboxes"
          + " the channels come from it. Checked at start-up: the engine refuses to start naming the field at fault"
          + " (env CLEARING_CONFIG).")
  String merchantConfig;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Engine engine;
    try {
      engine = Engine.start(config());
    } catch (Exception e) {
      java.util.Optional<org.clearing.merchant.MerchantConfigException> configProblem = merchantConfigProblem(e);
      if (configProblem.isPresent()) {
        // An operator's mistake, not a crash: one line naming the field, no stack trace.
        System.err.println("The engine did not start: merchant configuration: " + configProblem.get().getMessage());
        return EXIT_BAD_CONFIG;
      }
      throw e;
    }
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

  /** The exit code of a start refused for its merchant configuration. */
  public static final int EXIT_BAD_CONFIG = 3;

  private static java.util.Optional<org.clearing.merchant.MerchantConfigException> merchantConfigProblem(
      Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof org.clearing.merchant.MerchantConfigException problem) {
        return java.util.Optional.of(problem);
      }
    }
    return java.util.Optional.empty();
  }

  /** The engine's settings from the options. */
  public EngineConfig config() {
    Network network = network();
    return new EngineConfig(httpHost, httpPort, dataDir.toAbsolutePath().normalize(), blankToNull(pgUrl),
        blankToNull(publicBaseUrl), dbPoolSize, EngineConfig.DB_WAIT_QUEUE_SIZE_DEFAULT,
        EngineConfig.EVENT_LOOP_BLOCK_WARN_MS_DEFAULT, sandboxes, sandboxPort, sandboxTimeCompression,
        EngineConfig.SETTLEMENT_INTERVAL_MS_DEFAULT, paymentQueryAfter.toMillis(),
        webhookAllowCidrs == null ? java.util.List.of() : webhookAllowCidrs,
        // An engine serving HTTPS sends its webhooks over HTTPS only: a signed event about
        // payments should not cross a network in clear when the engine itself does not.
        network.tlsEnabled(),
        network,
        keySources(),
        pathOrNull(merchantConfig));
  }

  /** The key options, and the master key from the environment (never an option: {@code ps} shows options). */
  public org.clearing.config.KeySources keySources() {
    return new org.clearing.config.KeySources(pathOrNull(masterKeyFile),
        blankToNull(System.getenv(org.clearing.crypto.MasterKey.ENVIRONMENT_VARIABLE)),
        pathOrNull(signingKeyFile), pathOrNull(payerKeyFile));
  }

  /** The TLS, outbound-trust, management and sandbox options as one value. */
  public Network network() {
    return Network.defaults()
        .withTls(pathOrNull(tlsCert), pathOrNull(tlsKey), pathOrNull(tlsClientCa))
        .withChannelCaBundle(pathOrNull(channelCaBundle))
        .withManagement(managementHost, managementPort)
        .withSandboxHost(sandboxHost);
  }

  private static Path pathOrNull(String value) {
    String path = blankToNull(value);
    return path == null ? null : Path.of(path).toAbsolutePath().normalize();
  }

  private static void printWelcome(Engine engine) {
    String local = (engine.tls() ? "https" : "http") + "://localhost:" + engine.httpPort();
    System.out.println();
    System.out.println("Clearing engine is running.");
    System.out.println("  API             " + local + "/api/v1/orders  (signed requests; see README)");
    System.out.println("  Health          " + local + "/health");
    System.out.println("  Consoles        " + local + "/console/  (sign in as a person)");
    engine.demoAdminPassword().ifPresent(password -> System.out.println("  Console admin   "
        + Engine.DEMO_ADMIN_LOGIN + " / " + password + "  (one-time password: change it at the first sign-in)"));
    System.out.println("  Metrics         " + engine.managementUrl() + "/metrics  (management port)");
    System.out.println("  QR codes open   " + engine.publicBaseUrl() + "/q/<token>");
    System.out.println("  Database        " + engine.database().description());
    if (engine.sandboxes().isPresent()) {
      System.out.println("  Demo clients    " + engine.clientsDirectory().toAbsolutePath()
          + "/{registration,tax,finance,admin}.json");
    } else {
      System.out.println("  Clients         none made here; with the engine stopped, add an administrator:"
          + " clients add --role admin --client-id ID --public-key FILE");
    }
    engine.sandboxes().ifPresent(sandboxes -> System.out.println("  Merchant config " + sandboxes.merchantConfig()
        + "  (what the sandboxes handed over; --config reads the same format)"));
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
