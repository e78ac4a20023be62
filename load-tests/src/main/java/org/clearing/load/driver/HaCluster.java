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
 * PostgreSQL nodes under Patroni, HAProxy, one sandbox process, two engines), driven from the
 * harness: the script does all starting, killing and stopping; this class only calls it and reads
 * its state directory (ports from {@code HA_PORT_BASE}, passwords under {@code secrets/}, the API
 * clients' keys under {@code clients/}, PIDs under {@code pids/}, logs under {@code logs/}).
 */
public final class HaCluster implements SystemUnderTest, AutoCloseable {

  /** What the script's {@code up} may take on a busy machine: bootstrap, a standby, two engines. */
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(8);

  private final Path script;
  private final Path stateDir;
  private final int portBase;
  private String engineExtraFlags = "";
  private Path engineJar = Path.of("clearing-core/target/clearing-engine.jar");
  private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final java.util.Map<String, org.clearing.client.RequestSigner> signers =
      new java.util.concurrent.ConcurrentHashMap<>();

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
      Path engineJar, String engineExtraFlags) throws Exception {
    HaCluster cluster = new HaCluster(script, stateDir, portBase);
    cluster.engineJar = engineJar;
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

  /** A sandbox of the one sandbox process, as its log names it ("Sandbox wechat http://..."). */
  public String sandboxUrl(org.clearing.channel.Channel channel) throws IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Sandbox (\\w+)\\s+(http://\\S+)")
        .matcher(Files.readString(stateDir.resolve("logs/sandboxes.log")));
    while (m.find()) {
      if (m.group(1).equalsIgnoreCase(channel.code())) {
        return m.group(2);
      }
    }
    throw new IllegalStateException("the sandbox process's log names no " + channel.code() + " sandbox");
  }

  /** Sets the same fault switches on the three sandboxes ({@code {}} clears them). */
  public void setFaults(io.vertx.core.json.JsonObject faults) throws Exception {
    for (org.clearing.channel.Channel channel : org.clearing.channel.Channel.values()) {
      java.net.http.HttpResponse<String> answer = http.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(sandboxUrl(channel) + "/sandbox/faults"))
          .header("Content-Type", "application/json")
          .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(faults.encode())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("faults refused by " + channel + ": " + answer.body());
      }
    }
  }

  @Override
  public java.net.http.HttpResponse<String> sandboxGet(org.clearing.channel.Channel channel, String path)
      throws Exception {
    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(sandboxUrl(channel) + path))
        .timeout(Duration.ofSeconds(30)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The signer of the client {@code ha-<role>} the script registered (its SM2 private key in
   * {@code clients/<role>.pem}).
   */
  @Override
  public org.clearing.client.RequestSigner signer(String role) throws Exception {
    org.clearing.client.RequestSigner signer = signers.get(role);
    if (signer == null) {
      signer = new org.clearing.client.RequestSigner("ha-" + role, org.clearing.client.KeyType.SM2,
          org.clearing.crypto.Pem.readPrivateKey(Files.readString(stateDir.resolve("clients/" + role + ".pem"))),
          java.time.Clock.systemUTC());
      signers.put(role, signer);
    }
    return signer;
  }

  @Override
  public java.net.http.HttpResponse<String> signedGet(String role, String path) throws Exception {
    String authorization = signer(role).authorization("GET", path, new byte[0]);
    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(frontUrl() + path))
        .timeout(Duration.ofSeconds(60)).header("Authorization", authorization).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public String baseUrl() {
    return frontUrl();
  }

  @Override
  public Connection jdbc() throws SQLException {
    try {
      return writeConnection();
    } catch (IOException e) {
      throw new SQLException("the engine's password is unreadable", e);
    }
  }

  /** An engine's log (1 or 2), kept after the engine is killed. */
  public Path engineLog(int engine) {
    return stateDir.resolve("logs/engine" + engine + ".log");
  }

  /** What {@code verify-journal} printed, and its exit code. */
  public record Verified(int exitCode, String output) {}

  /**
   * The engine jar's own {@code verify-journal} against the leader through HAProxy's write port,
   * as an operator would run it after a failover.
   */
  public Verified verifyJournal() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-jar", engineJar.toString(), "verify-journal",
        "--data-dir", stateDir.resolve("verify-journal").toString()).redirectErrorStream(true);
    // The URL carries the password: in the environment, not on a command line.
    builder.environment().put("CLEARING_PG_URL", "postgresql://clearing:"
        + Files.readString(stateDir.resolve("secrets/clearing")).trim() + "@127.0.0.1:" + (portBase + 500)
        + "/clearing?connect_timeout=2");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)) {
      process.destroyForcibly();
      return new Verified(-1, output + "\n(timed out)");
    }
    return new Verified(process.exitValue(), output.strip());
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
    builder.environment().put("ENGINE_JAR", engineJar.toString());
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
