package org.clearing.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.security.KeyPair;
import org.clearing.Engine;
import org.clearing.cli.ClientsCommand;
import org.clearing.client.DemoClients;
import org.clearing.crypto.Crypto;
import org.clearing.store.Database;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.config.EngineConfig;
import org.clearing.config.Network;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;

/**
 * A real engine for a test class: its own database on the shared test PostgreSQL, a free port,
 * and one client per role read back from its key file as a newcomer would. With the sandboxes on
 * (demo mode) the engine writes those demo clients itself; without them it makes none, so they
 * are registered before it starts the way an operator would, with {@code clients add}.
 */
public final class TestEngine implements AutoCloseable {

  public static final String PUBLIC_BASE_URL = "https://pay.example.test";
  /**
   * Event-loop tasks here take microseconds; 500 ms leaves room for a GC pause or a starved CPU on
   * a busy two-core machine while still catching anything that blocks (a JDBC call, a sleep, a
   * key generation, a burst of class loading).
   */
  static final long EVENT_LOOP_BLOCK_WARN_MS = 500;
  private static final BlockedThreadWarnings BLOCKED_THREAD_WARNINGS = new BlockedThreadWarnings();

  private final Engine engine;
  private final String pgUrl;
  private final Path dataDir;
  /** Null: the callers' default client (plain HTTP, or a TLS engine a test reaches its own way). */
  private final java.net.http.HttpClient http;

  private TestEngine(Engine engine, String pgUrl, Path dataDir, java.net.http.HttpClient http) {
    this.engine = engine;
    this.pgUrl = pgUrl;
    this.dataDir = dataDir;
    this.http = http;
  }

  public static TestEngine start() {
    return start(false);
  }

  /**
   * Test receivers listen on 127.0.0.1, so the usual test engine allows webhooks to loopback,
   * the way an operator would allow a range with {@code --webhook-allow-cidr}.
   */
  public static final String WEBHOOK_ALLOW_CIDR = "127.0.0.0/8";

  /** An engine as {@link #start()} makes it, with {@code adjust} applied to its settings last. */
  public static TestEngine startWith(java.util.function.UnaryOperator<EngineConfig> adjust) {
    return start(false, Clock.systemUTC(), network -> network, adjust, null);
  }

  /**
   * An engine with the three channel sandboxes on free ports, their retry schedules compressed
   * {@value #SANDBOX_TIME_COMPRESSION}-fold, and QR codes pointing at the engine itself so a test
   * browser can follow the whole payment.
   */
  public static TestEngine startWithSandboxes() {
    return start(true);
  }

  /** An engine as {@link #startWithSandboxes()} makes it, with {@code adjust} applied to its settings last. */
  public static TestEngine startWithSandboxes(java.util.function.UnaryOperator<EngineConfig> adjust) {
    return start(true, Clock.systemUTC(), network -> network, adjust, null);
  }

  /** A 24-hour retry schedule runs in about 86 seconds. */
  public static final double SANDBOX_TIME_COMPRESSION = 1_000;

  /** An engine without sandboxes whose request authentication and nonce sweep read {@code clock}. */
  public static TestEngine startWithClock(Clock clock) {
    return start(false, clock, network -> network, config -> config, null);
  }

  /** An engine with the sandboxes, as {@link #startWithSandboxes()}, whose engine clock is {@code clock}. */
  public static TestEngine startWithSandboxes(Clock clock) {
    return start(true, clock, network -> network, config -> config, null);
  }

  private static TestEngine start(boolean sandboxes) {
    return start(sandboxes, Clock.systemUTC(), network -> network, config -> config, null);
  }

  /**
   * An engine without sandboxes whose network settings {@code network} adjusts (TLS files, CA
   * bundle); {@code http} is the client its callers use, e.g. one trusting the test CA.
   */
  public static TestEngine startWith(java.util.function.UnaryOperator<Network> network,
      java.net.http.HttpClient http) {
    return start(false, Clock.systemUTC(), network, config -> config, http);
  }

  private static TestEngine start(boolean sandboxes, Clock clock,
      java.util.function.UnaryOperator<Network> network,
      java.util.function.UnaryOperator<EngineConfig> adjust, java.net.http.HttpClient http) {
    try {
      Path dataDir = Files.createTempDirectory("clearing-test-");
      String pgUrl = TestDatabase.newDatabase();
      if (!sandboxes) {
        registerClients(dataDir, pgUrl);
      }
      int port = freePort();
      EngineConfig config = EngineConfig.defaults(dataDir)
          .withHttpPort(port)
          .withPgUrl(pgUrl)
          .withPublicBaseUrl(sandboxes ? "http://127.0.0.1:" + port : PUBLIC_BASE_URL)
          .withEventLoopBlockWarnMs(EVENT_LOOP_BLOCK_WARN_MS)
          .withSandboxes(sandboxes, 0, SANDBOX_TIME_COMPRESSION)
          .withWebhookTargets(java.util.List.of(WEBHOOK_ALLOW_CIDR), false)
          // Any free management port: test engines run side by side.
          .withNetwork(network.apply(Network.defaults().withManagement(Network.LOOPBACK, 0)));
      config = adjust.apply(config);
      BLOCKED_THREAD_WARNINGS.start();
      return new TestEngine(Engine.start(config, clock), pgUrl, dataDir, http);
    } catch (Exception e) {
      throw new IllegalStateException("engine did not start", e);
    }
  }

  /**
   * One client per role under the demo clients' ids and in their file format, registered through
   * the offline {@code clients add} path on the engine's database before it starts.
   */
  private static void registerClients(Path dataDir, String pgUrl) throws Exception {
    SecretFiles.createDirectories(dataDir.resolve("clients"));
    try (Database database = Database.open(dataDir, pgUrl)) {
      for (Role role : Role.values()) {
        KeyPair pair = Crypto.generateSm2();
        ClientsCommand.Outcome outcome = ClientsCommand.register(database, DemoClients.clientId(role), role,
            Pem.write(pair.getPublic()));
        if (outcome.exitCode() != 0) {
          throw new IllegalStateException(outcome.message());
        }
        SecretFiles.writeString(dataDir.resolve("clients").resolve(role.code() + ".json"), new JsonObject()
            .put("client_id", DemoClients.clientId(role)).put("role", role.code())
            .put("key_type", KeyType.SM2.name()).put("private_key_pem", Pem.write(pair.getPrivate()))
            .encodePrettily());
      }
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The base URL of a channel's sandbox (engines started with sandboxes only). */
  public String sandboxUrl(org.clearing.channel.Channel channel) {
    return engine.sandboxes().orElseThrow().started().stream()
        .filter(s -> s.channel() == channel).findFirst().orElseThrow().baseUrl();
  }

  public String baseUrl() {
    return (engine.tls() ? "https" : "http") + "://localhost:" + engine.httpPort();
  }

  /** The management port's base URL, where {@code /metrics} is served. */
  public String managementUrl() {
    return engine.managementUrl();
  }

  public String pgUrl() {
    return pgUrl;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A caller signing as the demo client of {@code role}, with the key from its file. */
  public ApiCaller as(Role role) {
    return http == null ? new ApiCaller(baseUrl(), demoSigner(dataDir, role))
        : new ApiCaller(baseUrl(), demoSigner(dataDir, role), http);
  }

  public static RequestSigner demoSigner(Path dataDir, Role role) {
    return demoSigner(dataDir, role, Clock.systemUTC());
  }

  /** The demo client's signer, stamping its requests with {@code clock}'s time. */
  public static RequestSigner demoSigner(Path dataDir, Role role, Clock clock) {
    try {
      JsonObject file = new JsonObject(
          Files.readString(dataDir.resolve("clients").resolve(role.code() + ".json")));
      return new RequestSigner(file.getString("client_id"), KeyType.valueOf(file.getString("key_type")),
          Pem.readPrivateKey(file.getString("private_key_pem")), clock);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long count(String sql) {
    return TestDatabase.queryLong(pgUrl, sql);
  }

  public Engine engine() {
    return engine;
  }

  private boolean checkInvariants = true;

  /** For a test that breaks the books on purpose. */
  public void skipInvariantCheck() {
    checkInvariants = false;
  }

  /**
   * Stops the engine and fails if any event loop was blocked while it ran, or if its books break
   * an invariant — every test's engine ends with balanced, consistent books.
   */
  @Override
  public void close() throws Exception {
    JsonObject invariants = checkInvariants ? as(org.clearing.client.Role.ADMIN)
        .get("/api/v1/admin/invariants").json() : null;
    engine.stop();
    BLOCKED_THREAD_WARNINGS.assertNone();
    if (invariants != null && !invariants.getBoolean("ok")) {
      throw new AssertionError("the engine's books break an invariant: " + invariants.encode());
    }
  }
}
