package org.clearing.testing;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.clearing.Engine;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.config.EngineConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestEngine} per test class, started before the class's {@code @BeforeAll} methods and
 * closed after its {@code @AfterAll} methods (so a class's own pools and servers close first, and
 * the engine's closing checks — balanced books, no blocked event loop — run last):
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EngineExtension engine = EngineExtension.withSandboxes();
 * }</pre>
 *
 * It answers the test engine's everyday questions itself ({@link #as}, {@link #count}, ...);
 * {@link #get()} hands out the engine for anything else.
 */
public final class EngineExtension implements BeforeAllCallback, AfterAllCallback {

  private final Supplier<TestEngine> starter;
  private TestEngine engine;
  private Class<?> owner;

  private EngineExtension(Supplier<TestEngine> starter) {
    this.starter = starter;
  }

  /** An engine without sandboxes, as {@link TestEngine#start()} makes it. */
  public static EngineExtension plain() {
    return new EngineExtension(TestEngine::start);
  }

  /** An engine with the three channel sandboxes, as {@link TestEngine#startWithSandboxes()}. */
  public static EngineExtension withSandboxes() {
    return new EngineExtension(TestEngine::startWithSandboxes);
  }

  /** An engine with the sandboxes, with {@code adjust} applied to its settings last. */
  public static EngineExtension withSandboxes(UnaryOperator<EngineConfig> adjust) {
    return new EngineExtension(() -> TestEngine.startWithSandboxes(adjust));
  }

  /** A plain engine with {@code adjust} applied to its settings last. */
  public static EngineExtension with(UnaryOperator<EngineConfig> adjust) {
    return new EngineExtension(() -> TestEngine.startWith(adjust));
  }

  /**
   * An engine with the three sandboxes whose own clock (request authentication, nonce sweep, the
   * settlement job's today) is {@code clock}; the sandboxes keep real time.
   */
  public static EngineExtension withSandboxesAndClock(Clock clock) {
    return new EngineExtension(() -> TestEngine.startWithSandboxes(clock));
  }

  /** A plain engine whose request authentication and nonce sweep read {@code clock}. */
  public static EngineExtension withClock(Clock clock) {
    return new EngineExtension(() -> TestEngine.startWithClock(clock));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // A nested class inherits the extension; it shares its outer class's engine.
    if (engine == null) {
      owner = context.getRequiredTestClass();
      engine = starter.get();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (engine != null && context.getRequiredTestClass() == owner) {
      TestEngine closing = engine;
      engine = null;
      closing.close();
    }
  }

  /** The running engine; only between the class's first and last callbacks. */
  public TestEngine get() {
    if (engine == null) {
      throw new IllegalStateException("the test engine runs only while its test class does");
    }
    return engine;
  }

  public ApiCaller as(Role role) {
    return get().as(role);
  }

  public long count(String sql) {
    return get().count(sql);
  }

  public Engine engine() {
    return get().engine();
  }

  public String baseUrl() {
    return get().baseUrl();
  }

  public String managementUrl() {
    return get().managementUrl();
  }

  public String pgUrl() {
    return get().pgUrl();
  }

  public Path dataDir() {
    return get().dataDir();
  }

  public String sandboxUrl(Channel channel) {
    return get().sandboxUrl(channel);
  }

  public void skipInvariantCheck() {
    get().skipInvariantCheck();
  }
}
