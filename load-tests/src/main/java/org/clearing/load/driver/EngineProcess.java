package org.clearing.load.driver;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine jar run as its own process, as in production, so that the driver does not share its
 * JVM (and the engine's memory can be read from the operating system).
 */
public final class EngineProcess implements AutoCloseable {

  private final Process process;
  /** Stops the process on close, and on the harness's own exit. */
  private final StoppedOnExit stopper;
  private final int port;
  private final int managementPort;
  private final Path dataDir;

  private EngineProcess(Process process, int port, int managementPort, Path dataDir) {
    this.process = process;
    this.stopper = new StoppedOnExit(process, "engine");
    this.port = port;
    this.managementPort = managementPort;
    this.dataDir = dataDir;
  }

  public static EngineProcess start(Path jar, Path dataDir, List<String> extraArgs) throws Exception {
    return start(jar, dataDir, extraArgs, freePort());
  }

  /** Starts on a given port, e.g. the port of a killed engine, so QR codes keep their address. */
  public static EngineProcess start(Path jar, Path dataDir, List<String> extraArgs, int port) throws Exception {
    if (!Files.exists(jar)) {
      throw new IllegalArgumentException("engine jar not found: " + jar
          + " (build it with: mvn -B -DskipTests package)");
    }
    Files.createDirectories(dataDir);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m"));
    // Extra JVM options for the engine, e.g. to profile it with JFR:
    // CLEARING_ENGINE_JVM_OPTS="-XX:StartFlightRecording=settings=profile,filename=engine.jfr"
    String extraJvmOptions = System.getenv().getOrDefault("CLEARING_ENGINE_JVM_OPTS", "").strip();
    if (!extraJvmOptions.isEmpty()) {
      command.addAll(List.of(extraJvmOptions.split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(),
        "--http-port", Integer.toString(port),
        "--data-dir", dataDir.toString(),
        "--public-base-url", "http://127.0.0.1:" + port));
    if (!extraArgs.contains("--sandbox-port")) {
      command.addAll(List.of("--sandbox-port", "0"));
    }
    // /metrics is served on the management port; a free one, as engines may run side by side.
    int managementPort = freePort();
    if (!extraArgs.contains("--management-port")) {
      command.addAll(List.of("--management-port", Integer.toString(managementPort)));
    } else {
      managementPort = Integer.parseInt(extraArgs.get(extraArgs.indexOf("--management-port") + 1));
    }
    command.addAll(extraArgs);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("engine.log").toFile()))
        .start();
    EngineProcess engine = new EngineProcess(process, port, managementPort, dataDir);
    try {
      engine.awaitHealthy(Duration.ofSeconds(120));
    } catch (Exception e) {
      engine.close();
      throw e;
    }
    return engine;
  }

  private void awaitHealthy(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        // The data directory, log included, is removed after a run: say here what the log said.
        throw new IllegalStateException("engine exited; the end of its log:\n" + logTail(LOG_TAIL_LINES));
      }
      try {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(
            URI.create(baseUrl() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("engine not healthy after " + timeout);
  }

  private static final int LOG_TAIL_LINES = 20;

  private String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(dataDir.resolve("engine.log"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "(no engine log: " + e + ")";
    }
  }

  /**
   * The log's {@code level=ERROR} events and refunds a channel refused, each with the stack trace
   * lines after it, at most
   * {@code linesMax} lines, headed by how many there were; empty when there were none. The
   * harness prints it before the data directory (log included) is removed.
   */
  public String errorReport(int linesMax) {
    List<String> errorLines = new java.util.ArrayList<>();
    List<String> refundLines = new java.util.ArrayList<>();
    long errors = 0;
    long refundWarnings = 0;
    // Read line by line: a soak's log runs to hundreds of thousands of lines.
    try (java.io.BufferedReader log = Files.newBufferedReader(dataDir.resolve("engine.log"))) {
      List<String> into = null;
      for (String line = log.readLine(); line != null; line = log.readLine()) {
        if (line.contains(" level=")) {
          // A refund the channel refused, whose answer was lost or that ended FAILED is a WARN
          // line: the reason an audit finding needs. Kept apart so errors cannot crowd it out.
          if (line.contains(" level=ERROR ")) {
            errors++;
            into = errorLines;
          } else if (line.contains(" level=WARN ") && line.contains(" event=refund.")) {
            refundWarnings++;
            into = refundLines;
          } else {
            into = null;
          }
        }
        if (into != null && into.size() < linesMax) {
          into.add(line);
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
    StringBuilder report = new StringBuilder();
    if (errors > 0) {
      report.append("the engine logged ").append(errors).append(" errors; the first lines:\n")
          .append(String.join("\n", errorLines)).append('\n');
    }
    if (refundWarnings > 0) {
      report.append("the engine warned of ").append(refundWarnings).append(" refunds; the first lines:\n")
          .append(String.join("\n", refundLines)).append('\n');
    }
    return report.toString().stripTrailing();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Where the engine's {@code /metrics} is served (the management port, on loopback). */
  public String managementUrl() {
    return "http://127.0.0.1:" + managementPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  public long pid() {
    return process.pid();
  }

  /** Resident set size of the engine process in KiB, from /proc (Linux); -1 elsewhere. */
  public long rssKib() {
    return statusKib("VmRSS:");
  }

  /**
   * The most the engine process has ever held resident (VmHWM) in KiB, start-up included: a peak
   * between two samples of {@link #rssKib} is not missed. From /proc (Linux); -1 elsewhere.
   */
  public long rssPeakKib() {
    return statusKib("VmHWM:");
  }

  private long statusKib(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /**
   * CPU time the engine process has used (user + system), in milliseconds, from /proc (Linux,
   * whose USER_HZ is 100 ticks per second); -1 elsewhere.
   */
  public long cpuMs() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // The command name may hold spaces; the fields counted here start after its ')'.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks * 10;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * CPU milliseconds used so far by the engine's threads, summed by thread name without its
   * number ({@code vert.x-eventloo}, {@code clearing-crypto}, {@code C2 CompilerThre}, …; Linux
   * keeps 15 characters of a name); empty where /proc is missing.
   */
  public java.util.Map<String, Long> cpuMsByThread() {
    java.util.Map<String, Long> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[#-]?[0-9]+$", "");
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          byName.merge(name, (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10, Long::sum);
        } catch (IOException | RuntimeException threadEnded) {
          // The thread ended while being read: its time is no longer counted anywhere.
        }
      }
    } catch (IOException e) {
      return java.util.Map.of();
    }
    return byName;
  }

  /**
   * CPU milliseconds (user + system) of the other processes working on the engine's data
   * directory — its embedded PostgreSQL: the postmaster (started through {@code pg_ctl}, so no
   * child of the engine), found by the directory in its command line, and its backends, including
   * those already ended — and of the engine's own children; from /proc, -1 elsewhere.
   */
  public long databaseCpuMs() {
    java.util.Map<Long, Long> parentOf = new java.util.HashMap<>();
    java.util.Map<Long, Long> ticksOf = new java.util.HashMap<>();
    java.util.Set<Long> roots = new java.util.HashSet<>(List.of(process.pid()));
    String directory = dataDir.toAbsolutePath().toString();
    try (var all = Files.list(Path.of("/proc"))) {
      for (Path dir : (Iterable<Path>) all::iterator) {
        if (!dir.getFileName().toString().matches("[0-9]+")) {
          continue;
        }
        try {
          long pid = Long.parseLong(dir.getFileName().toString());
          String stat = Files.readString(dir.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          parentOf.put(pid, Long.parseLong(fields[1]));
          // Its own time and that of the children it has reaped (backends that ended).
          ticksOf.put(pid, Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
              + Long.parseLong(fields[14]));
          if (pid != process.pid() && new String(Files.readAllBytes(dir.resolve("cmdline")),
              java.nio.charset.StandardCharsets.UTF_8).contains(directory)) {
            roots.add(pid);
          }
        } catch (IOException | RuntimeException processEnded) {
          // Gone while being read: its parent counts it once it is reaped.
        }
      }
    } catch (IOException e) {
      return -1;
    }
    long ticks = 0;
    for (var entry : ticksOf.entrySet()) {
      long pid = entry.getKey();
      if (pid == process.pid()) {
        continue;
      }
      for (Long up = pid; up != null && up > 1; up = parentOf.get(up)) {
        if (roots.contains(up)) {
          ticks += entry.getValue();
          break;
        }
      }
    }
    return ticks * 10;
  }

  /** SIGKILL (on Linux {@code destroyForcibly}): no shutdown hook, nothing flushed. */
  public void kill() throws Exception {
    process.destroyForcibly();
    process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGTERM, then wait for the orderly shutdown. */
  @Override
  public void close() throws Exception {
    stopper.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
