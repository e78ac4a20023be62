package org.clearing.load.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The loopback high-availability cluster as {@code load-tests/ha/cluster} runs it (etcd, three
 * PostgreSQL nodes under Patroni, HAProxy, two engines), driven from the harness: the script does
 * all starting, killing and stopping; this class only calls it and reads its state directory
 * (ports from {@code HA_PORT_BASE}, passwords under {@code secrets/}, PIDs under {@code pids/}).
 */
public final class HaCluster implements AutoCloseable {

  /** What the script's {@code up} may take on a busy machine: bootstrap, a standby, two engines. */
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(8);

  private final Path script;
  private final Path stateDir;
  private final int portBase;
  private String engineExtraFlags = "";

  private HaCluster(Path script, Path stateDir, int portBase) {
    this.script = script;
    this.stateDir = stateDir;
    this.portBase = portBase;
  }

  /**
   * Runs {@code cluster up} in {@code stateDir} on ports from {@code portBase}; fails with the
   * script's own words (e.g. which Debian package is missing) when it cannot.
   */
  public static HaCluster up(Path script, Path stateDir, int portBase, List<String> upOptions,
      String engineExtraFlags) throws Exception {
    HaCluster cluster = new HaCluster(script, stateDir, portBase);
    cluster.engineExtraFlags = engineExtraFlags;
    List<String> command = new ArrayList<>(List.of("up"));
    command.addAll(upOptions);
    try {
      cluster.run(UP_TIMEOUT, command.toArray(String[]::new));
    } catch (Exception e) {
      // Whatever did start is stopped again; the script's words stay the failure.
      try {
        cluster.close();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return cluster;
  }

  /** One engine directly, not through the front (1 or 2). */
  public String engineUrl(int engine) {
    return "http://127.0.0.1:" + (portBase + 80 + engine);
  }

  /** A demo sandbox of engine1, as its log names it ("Sandbox wechat http://..."). */
  public String sandboxUrl(org.clearing.channel.Channel channel) throws IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Sandbox (\\w+)\\s+(http://\\S+)")
        .matcher(Files.readString(stateDir.resolve("logs/engine1.log")));
    while (m.find()) {
      if (m.group(1).equalsIgnoreCase(channel.code())) {
        return m.group(2);
      }
    }
    throw new IllegalStateException("engine1's log names no " + channel.code() + " sandbox (demo mode only)");
  }

  /** The HTTP front over the engines. */
  public String frontUrl() {
    return "http://127.0.0.1:" + (portBase + 80);
  }

  public Path engineDataDir(int engine) {
    return stateDir.resolve("engine" + engine);
  }

  /** SIGKILL of the current leader's Patroni and postmaster, as when its machine dies. */
  public String killLeader() throws Exception {
    return run(Duration.ofSeconds(30), "kill-leader");
  }

  /** SIGKILL of one engine by the PID the script recorded. */
  public void killEngine(int engine) throws IOException {
    long pid = Long.parseLong(Files.readString(stateDir.resolve("pids/engine" + engine)).trim());
    ProcessHandle.of(pid).filter(p -> p.info().commandLine().orElse("").contains(stateDir.toString()))
        .ifPresent(ProcessHandle::destroyForcibly);
  }

  /** A connection to the leader through HAProxy's write port, as the engine's login. */
  public Connection writeConnection() throws SQLException, IOException {
    Properties properties = new Properties();
    properties.setProperty("user", "clearing");
    properties.setProperty("password", Files.readString(stateDir.resolve("secrets/clearing")).trim());
    properties.setProperty("connectTimeout", "1");
    properties.setProperty("socketTimeout", "5");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + (portBase + 500) + "/clearing", properties);
  }

  /** True when one write commits through HAProxy now (the script's own probe table). */
  public boolean writable() {
    try (Connection connection = writeConnection(); Statement statement = connection.createStatement()) {
      statement.execute("INSERT INTO ha.probe (written_at) VALUES (now())");
      return true;
    } catch (SQLException | IOException e) {
      return false;
    }
  }

  private String run(Duration timeout, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("HA_DIR", stateDir.toString());
    builder.environment().put("HA_PORT_BASE", Integer.toString(portBase));
    builder.environment().put("ENGINE_EXTRA_FLAGS", engineExtraFlags);
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("cluster " + String.join(" ", arguments) + " took over " + timeout);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IllegalStateException("cluster " + String.join(" ", arguments) + " failed (exit "
          + process.exitValue() + "):\n" + output);
    }
    return output;
  }

  private Path keepLogsIn;

  /** At {@link #close}, the cluster's logs (engines, nodes, etcd, HAProxy) are copied here first. */
  public void keepLogsIn(Path directory) {
    this.keepLogsIn = directory;
  }

  /** {@code cluster down}: everything stopped by PID, the state directory removed. */
  @Override
  public void close() throws Exception {
    try {
      if (keepLogsIn != null && Files.isDirectory(stateDir.resolve("logs"))) {
        Files.createDirectories(keepLogsIn);
        try (var logs = Files.list(stateDir.resolve("logs"))) {
          for (Path log : logs.toList()) {
            Files.copy(log, keepLogsIn.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    } finally {
      run(Duration.ofMinutes(3), "down");
    }
  }
}
