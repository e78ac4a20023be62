package org.clearing.load.driver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;

/**
 * The three channel sandboxes as a process of their own ({@code clearing-engine.jar sandboxes}),
 * as in production where the channels are outside parties: the engine then hosts none of their
 * classes, keys or journals, so its memory and CPU are its own. They write the merchant
 * configuration the engine reads ({@code --no-sandboxes --config}).
 */
public final class SandboxProcess implements AutoCloseable {

  private static final Pattern SANDBOX_LINE = Pattern.compile("Sandbox (\\w+)\\s+(http://\\S+)");
  private static final String RUNNING = "Sandboxes are running";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  /**
   * The sandboxes' own heap bound: every order, payment, refund and callback attempt of a run lives
   * in it, a 100,000-payment soak's too. Not the engine's options: the figures are the engine's.
   */
  private static final String HEAP_MAX = "-Xmx1g";

  private final Process process;
  /** Stops the process on close, and on the harness's own exit. */
  private final StoppedOnExit stopper;
  private final Path dataDir;
  private final Map<Channel, String> urls;

  private SandboxProcess(Process process, Path dataDir, Map<Channel, String> urls) {
    this.process = process;
    this.stopper = new StoppedOnExit(process, "sandboxes");
    this.dataDir = dataDir;
    this.urls = urls;
  }

  /**
   * Starts the sandboxes of {@code jar} with WeChat Pay on {@code basePort} (Alipay and UnionPay on
   * the next two) and their data in {@code dataDir}; returns once they say they are running.
   */
  public static SandboxProcess start(Path jar, Path dataDir, int basePort) throws Exception {
    Files.createDirectories(dataDir);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP_MAX,
        "-jar", jar.toString(), "sandboxes", "--port", Integer.toString(basePort),
        "--data-dir", dataDir.toString()));
    Path log = dataDir.resolve("sandboxes.log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    SandboxProcess sandboxes = new SandboxProcess(process, dataDir, new EnumMap<>(Channel.class));
    try {
      sandboxes.awaitRunning(log);
    } catch (Exception e) {
      sandboxes.close();
      throw e;
    }
    return sandboxes;
  }

  private void awaitRunning(Path log) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      if (text.contains(RUNNING)) {
        Matcher m = SANDBOX_LINE.matcher(text);
        while (m.find()) {
          Channel.fromCode(m.group(1)).ifPresent(c -> urls.put(c, m.group(2)));
        }
        if (urls.size() != Channel.values().length) {
          throw new IllegalStateException("the sandbox process's log names " + urls.keySet() + " only:\n" + text);
        }
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the sandbox process exited; its log:\n" + text);
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the sandbox process not running after " + START_TIMEOUT);
  }

  /** The base URL of a channel's sandbox, as its log names it. */
  public String url(Channel channel) {
    return urls.get(channel);
  }

  /** The merchant configuration the sandboxes wrote for the engine. */
  public Path merchantConfig() {
    return dataDir.resolve("merchant-config.yaml");
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM, then wait for the orderly shutdown. */
  @Override
  public void close() throws Exception {
    stopper.close();
  }
}
