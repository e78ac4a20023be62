package org.clearing.load.driver;

import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.cli.ClientsCommand;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.load.scenario.CreateScenario;
import org.clearing.store.Database;

/**
 * The system under test as the harness owns it: a PostgreSQL the harness starts (so it can restart
 * it), the engine jar as its own process on that database with its three sandboxes (in its
 * process, or in a sandbox process of their own: {@link Sandboxes}), and signed callers for the
 * engine's API. Killing and restarting either side keeps the data.
 */
public final class Harness implements SystemUnderTest, AutoCloseable {

  /**
   * How long after a channel order opens the engine first asks the channel when no callback came
   * ({@code --payment-query-after}). Long enough to cover preparing a run's orders, pre-paying
   * them and replaying their callbacks, so the active query never books a pre-paid payment before
   * its callback is replayed; the fault scenarios' settle waits ({@code Runs.SETTLE_FAULTS}) count
   * from it.
   */
  public static final Duration PAYMENT_QUERY_AFTER = Duration.ofSeconds(180);
  /**
   * The engine's own default, for runs whose dropped callbacks are meant to be healed by the
   * active query without a long wait and that pre-pay nothing (the business day).
   */
  public static final Duration PAYMENT_QUERY_AFTER_DEFAULT = Duration.ofSeconds(60);

  private static final Pattern SANDBOX_LINE = Pattern.compile("Sandbox (\\w+)\\s+(http://\\S+)");

  private final Path engineJar;
  private final Path dataDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private EmbeddedPostgres postgres;
  private int pgPort;
  /** Fixed for the harness's life so a restarted engine's sandboxes answer at the same URLs. */
  private int sandboxBasePort;
  private Duration paymentQueryAfter = PAYMENT_QUERY_AFTER;
  private EngineProcess engine;
  private Map<Channel, String> sandboxUrls = new EnumMap<>(Channel.class);

  /** Where the channel sandboxes run: in the engine's process (demo mode) or in their own. */
  public enum Sandboxes {
    /** The engine in demo mode: its process hosts the sandboxes too (their classes, keys, journals). */
    INSIDE,
    /**
     * The sandboxes as their own process and the engine with {@code --no-sandboxes --config}, as
     * in production: what the engine's process measures is the engine alone.
     */
    APART
  }

  private Sandboxes sandboxesMode = Sandboxes.INSIDE;
  private SandboxProcess sandboxProcess;

  private Harness(Path engineJar, Path dataDir) {
    this.engineJar = engineJar;
    this.dataDir = dataDir;
  }

  /** Starts PostgreSQL and the engine in a fresh data directory, for replayed callbacks. */
  public static Harness start(Path engineJar) throws Exception {
    return start(engineJar, PAYMENT_QUERY_AFTER);
  }

  /** The same, with the engine first asking for a silent payment {@code paymentQueryAfter} after opening. */
  public static Harness start(Path engineJar, Duration paymentQueryAfter) throws Exception {
    return start(engineJar, paymentQueryAfter, Sandboxes.INSIDE);
  }

  /** The same, with the sandboxes inside the engine's process or in their own. */
  public static Harness start(Path engineJar, Duration paymentQueryAfter, Sandboxes sandboxes) throws Exception {
    Harness harness = new Harness(engineJar, TempDirectories.create());
    harness.paymentQueryAfter = paymentQueryAfter;
    harness.sandboxesMode = sandboxes;
    // A run stopped with Ctrl-C or SIGTERM stops its engine and PostgreSQL too: they are separate
    // processes and would otherwise outlive the harness, holding ports, CPU and the data directory.
    Runtime.getRuntime().addShutdownHook(harness.onExit);
    try {
      harness.startPostgres();
      if (sandboxes == Sandboxes.APART) {
        harness.startSandboxesApart();
      }
      harness.startEngine();
      return harness;
    } catch (Exception e) {
      try {
        harness.close();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * Stops the engine in order (SIGTERM) and starts it again on the same data and ports, asking for
   * silent payments {@code paymentQueryAfter} after opening from then on.
   */
  public void restartEngine(Duration paymentQueryAfter) throws Exception {
    engine.close();
    this.paymentQueryAfter = paymentQueryAfter;
    startEngine();
  }

  private void startPostgres() throws Exception {
    // A kept data directory of an earlier PostgreSQL major is refused, as the engine refuses it.
    Database.requireEmbeddedMajor(dataDir.resolve("pg"));
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir.resolve("pg"))
        .setCleanDataDirectory(false)
        .setServerConfig("max_connections", "100")
        .setPGStartupWait(Duration.ofSeconds(60));
    // As durable as the engine's own embedded database: the figures are for confirmed commits.
    Database.DURABLE_SERVER_CONFIG.forEach(builder::setServerConfig);
    if (pgPort != 0) {
      builder.setPort(pgPort);
    }
    postgres = builder.start();
    pgPort = postgres.getPort();
  }

  /**
   * The sandbox process on free ports with its data under the run's directory, and the API
   * clients an operator would register offline (outside demo mode the engine makes none): one
   * per role, its SM2 private key written where demo mode writes it, {@code
   * <engine data dir>/clients/<role>.json}, so every scenario signs the same way.
   */
  private void startSandboxesApart() throws Exception {
    sandboxProcess = SandboxProcess.start(engineJar, dataDir.resolve("sandboxes"),
        freeConsecutivePorts(Channel.values().length));
    sandboxUrls = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      sandboxUrls.put(channel, sandboxProcess.url(channel));
    }
    Path clients = org.clearing.crypto.SecretFiles.createDirectories(dataDir.resolve("engine").resolve("clients"));
    // The migrations run here, before the engine's first start, as `clients add` runs them.
    try (Database database = Database.open(dataDir.resolve("clients-setup"), pgUrl())) {
      for (Role role : Role.values()) {
        java.security.KeyPair pair = Crypto.generateSm2();
        String clientId = "load-" + role.code();
        ClientsCommand.Outcome outcome = ClientsCommand.register(database, clientId, role, Pem.write(pair.getPublic()));
        if (outcome.exitCode() != 0) {
          throw new IllegalStateException("client " + clientId + " not registered: " + outcome.message());
        }
        org.clearing.crypto.SecretFiles.writeString(clients.resolve(role.code() + ".json"), new JsonObject()
            .put("client_id", clientId)
            .put("role", role.code())
            .put("key_type", KeyType.SM2.name())
            .put("private_key_pem", Pem.write(pair.getPrivate())).encodePrettily() + "\n");
      }
    }
  }

  public void startEngine() throws Exception {
    if (sandboxesMode == Sandboxes.APART) {
      List<String> args = List.of("--pg-url", pgUrl(), "--no-sandboxes",
          "--config", sandboxProcess.merchantConfig().toString(),
          "--payment-query-after", paymentQueryAfter.toSeconds() + "s");
      engine = engine == null
          ? EngineProcess.start(engineJar, dataDir.resolve("engine"), args)
          : EngineProcess.start(engineJar, dataDir.resolve("engine"), args, engine.port());
      return;
    }
    if (sandboxBasePort == 0) {
      sandboxBasePort = freeConsecutivePorts(Channel.values().length);
    }
    List<String> args = List.of("--pg-url", pgUrl(), "--sandbox-port", Integer.toString(sandboxBasePort),
        "--payment-query-after", paymentQueryAfter.toSeconds() + "s");
    Path log = dataDir.resolve("engine").resolve("engine.log");
    long logOffset = Files.exists(log) ? Files.size(log) : 0;
    engine = engine == null
        ? EngineProcess.start(engineJar, dataDir.resolve("engine"), args)
        : EngineProcess.start(engineJar, dataDir.resolve("engine"), args, engine.port());
    sandboxUrls = readSandboxUrls(log, logOffset);
  }

  private static Map<Channel, String> readSandboxUrls(Path log, long offset) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Map<Channel, String> urls = new EnumMap<>(Channel.class);
      byte[] bytes = Files.readAllBytes(log);
      Matcher m = SANDBOX_LINE.matcher(new String(bytes, (int) offset, bytes.length - (int) offset,
          StandardCharsets.UTF_8));
      while (m.find()) {
        Channel.fromCode(m.group(1)).ifPresent(c -> urls.put(c, m.group(2)));
      }
      if (urls.size() == Channel.values().length) {
        return urls;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the engine log names no sandboxes: " + log);
      }
      Thread.sleep(100);
    }
  }

  private static int freeConsecutivePorts(int count) throws Exception {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 20_000 + random.nextInt(30_000);
      List<java.net.ServerSocket> held = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          held.add(new java.net.ServerSocket(base + i));
        }
        return base;
      } catch (java.io.IOException taken) {
        // Try another base.
      } finally {
        for (java.net.ServerSocket socket : held) {
          socket.close();
        }
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports");
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is lost as in a power cut. */
  public void killEngine() throws Exception {
    engine.kill();
  }

  public void restartPostgres() throws Exception {
    postgres.close();
    startPostgres();
  }

  public String pgUrl() {
    return "postgresql://postgres:postgres@127.0.0.1:" + pgPort + "/postgres";
  }

  public int pgPort() {
    return pgPort;
  }

  @Override
  public Connection jdbc() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "postgres");
  }

  /** Where this run's sandboxes are: in the engine's process or their own. */
  public Sandboxes sandboxes() {
    return sandboxesMode;
  }

  public EngineProcess engine() {
    return engine;
  }

  @Override
  public String baseUrl() {
    return engine.baseUrl();
  }

  /** The engine's management port, where {@code /metrics} is served. */
  public String managementUrl() {
    return engine.managementUrl();
  }

  public String sandboxUrl(Channel channel) {
    return sandboxUrls.get(channel);
  }

  @Override
  public RequestSigner signer(String role) throws Exception {
    return CreateScenario.signer(engine.dataDir().resolve("clients").resolve(role + ".json"));
  }

  @Override
  public HttpResponse<String> signedGet(String role, String path) throws Exception {
    String authorization = signer(role).authorization("GET", path, new byte[0]);
    return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sets the same fault switches on all three sandboxes ({@code {}} clears them). */
  public void setFaults(JsonObject faults) throws Exception {
    for (Channel channel : Channel.values()) {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(sandboxUrl(channel) + "/sandbox/faults"))
          .header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(faults.encode())).build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("faults refused by " + channel + ": " + answer.body());
      }
    }
  }

  @Override
  public HttpResponse<String> sandboxGet(Channel channel, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(sandboxUrl(channel) + path)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public Path dataDir() {
    return dataDir;
  }

  private final Thread onExit = new Thread(() -> {
    try {
      closeOnce();
    } catch (Exception e) {
      System.err.println("harness: stopping the engine and PostgreSQL on exit: " + e);
    }
  }, "harness-exit");
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private static final int ERROR_LINES_SHOWN_MAX = 80;

  /**
   * Stops the engine, the sandbox process (if any) and PostgreSQL, then removes the data directory
   * (see {@link TempDirectories}).
   */
  @Override
  public void close() throws Exception {
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException shuttingDown) {
      // Already exiting: the hook itself does the closing.
    }
    closeOnce();
  }

  private void closeOnce() throws Exception {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (engine != null) {
        engine.close();
        // The log goes with the data directory: what went wrong is said before it does.
        String errors = engine.errorReport(ERROR_LINES_SHOWN_MAX);
        if (!errors.isEmpty()) {
          System.err.println("harness: " + errors);
        }
      }
    } finally {
      try {
        if (sandboxProcess != null) {
          sandboxProcess.close();
        }
      } finally {
        try {
          if (postgres != null) {
            postgres.close();
          }
        } finally {
          TempDirectories.delete(dataDir);
        }
      }
    }
  }
}
