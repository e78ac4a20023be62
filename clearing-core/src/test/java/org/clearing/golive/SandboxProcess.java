package org.clearing.golive;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.testing.Await;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The three channel sandboxes as a separate JVM, started the way an operator starts them ({@code
 * org.clearing.Main sandboxes --port P --data-dir DIR}) on this test's class path, and stopped by
 * their process at the end. Register it before the engine's extension: the engine reads the
 * merchant configuration it writes.
 */
public final class SandboxProcess implements BeforeAllCallback, AfterAllCallback {

  /** A fresh JVM generating RSA keys on a busy two-core machine: give it time. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  private final List<String> extraArgs;
  private Process process;
  private Path dataDir;
  private Path log;
  private int port;

  public SandboxProcess() {
    this(List.of());
  }

  /** With options of the {@code sandboxes} command beyond port, data directory and time compression. */
  public SandboxProcess(List<String> extraArgs) {
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** The whole test class path, as Surefire gives it to the test JVM. */
  public static String testClassPath() {
    String path = System.getProperty("surefire.test.class.path");
    return path == null || path.isBlank() ? System.getProperty("java.class.path") : path;
  }

  /** A command running {@code org.clearing.Main} with {@code args} in a JVM of its own. */
  public static List<String> mainCommand(List<String> args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-cp", testClassPath(), "org.clearing.Main"));
    command.addAll(args);
    return command;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dataDir = Files.createTempDirectory("clearing-sandbox-process-");
    log = dataDir.resolve("sandboxes.log");
    port = threeFreePorts();
    List<String> args = new ArrayList<>(List.of("sandboxes", "--port", Integer.toString(port),
        "--data-dir", dataDir.toString(), "--time-compression", "1000"));
    args.addAll(extraArgs);
    process = new ProcessBuilder(mainCommand(args))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Await.until("the sandbox process writes its merchant configuration", START_TIMEOUT, () -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("the sandbox process ended: " + read(log));
      }
      return read(log).contains("Sandboxes are running");
    });
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (process != null) {
      // By its own handle (its PID), never by name: other JVMs on this machine are not ours.
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  public Path merchantConfig() {
    return dataDir.resolve("merchant-config.yaml");
  }

  public Path dataDir() {
    return dataDir;
  }

  public long pid() {
    return process.pid();
  }

  /** The sandbox's base URL: WeChat on the first port, Alipay and UnionPay on the next two. */
  public String baseUrl(Channel channel) {
    return "http://127.0.0.1:" + (port + channel.ordinal());
  }

  public String output() {
    return read(log);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** A base port whose next two are free too (the three sandboxes' ports). */
  private static int threeFreePorts() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base;
      try (ServerSocket socket = new ServerSocket(0)) {
        base = socket.getLocalPort();
      }
      if (base <= 65_533 && free(base) && free(base + 1) && free(base + 2)) {
        return base;
      }
    }
    throw new IllegalStateException("no three consecutive free ports");
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
