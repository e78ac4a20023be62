package org.clearing.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.Engine;
import org.clearing.config.EngineConfig;

/**
 * Another engine instance on the database of a running {@link TestEngine}: its own data directory,
 * port and sandboxes, the same PostgreSQL and the same master key, as a second node of a
 * scaled-out deployment.
 */
public final class SecondEngine implements AutoCloseable {

  private final Engine engine;

  private SecondEngine(Engine engine) {
    this.engine = engine;
  }

  public static SecondEngine on(TestEngine first) {
    return on(first, config -> config);
  }

  /** A second engine as {@link #on(TestEngine)} makes it, with {@code adjust} applied to its settings last. */
  public static SecondEngine on(TestEngine first, java.util.function.UnaryOperator<EngineConfig> adjust) {
    try {
      Path dataDir = Files.createTempDirectory("clearing-test-second-");
      int port;
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      EngineConfig config = EngineConfig.defaults(dataDir)
          .withHttpPort(port)
          .withPgUrl(first.pgUrl())
          .withPublicBaseUrl("http://127.0.0.1:" + port)
          .withEventLoopBlockWarnMs(TestEngine.EVENT_LOOP_BLOCK_WARN_MS)
          .withSandboxes(true, 0, TestEngine.SANDBOX_TIME_COMPRESSION)
          .withWebhookTargets(java.util.List.of(TestEngine.WEBHOOK_ALLOW_CIDR), false)
          .withNetwork(org.clearing.config.Network.defaults()
              .withManagement(org.clearing.config.Network.LOOPBACK, 0))
          // One identity on one database: the first engine's master key opens the keys it made.
          .withKeys(org.clearing.config.KeySources.defaults()
              .withMasterKeyFile(first.dataDir().resolve("keys").resolve(org.clearing.Engine.GENERATED_MASTER_KEY_FILE)));
      return new SecondEngine(Engine.start(adjust.apply(config)));
    } catch (Exception e) {
      throw new IllegalStateException("second engine did not start", e);
    }
  }

  public Engine engine() {
    return engine;
  }

  /** A caller of this engine signing as {@code first}'s demo client of {@code role} (clients live in the database). */
  public ApiCaller as(TestEngine first, org.clearing.client.Role role) {
    return new ApiCaller("http://localhost:" + engine.httpPort(), TestEngine.demoSigner(first.dataDir(), role));
  }

  @Override
  public void close() throws Exception {
    engine.stop();
  }
}
