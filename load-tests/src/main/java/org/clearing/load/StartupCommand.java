package org.clearing.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.load.driver.TempDirectories;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code startup}: how long the engine jar takes to start again on an existing data directory
 * (embedded PostgreSQL, demo mode by default). The first start makes the data directory (database,
 * keys, migrations) and is not counted; then each of {@code --runs} restarts is timed from the
 * launch of {@code java} to the engine's banner ("Clearing engine is running."), one engine at a
 * time, each stopped with SIGTERM before the next. Prints each run (wall time, the process's CPU
 * time so far, the engine's own {@code startup_ms}, the load average) and the medians. A
 * command-line tool, so it prints to standard output.
 */
@Command(name = "startup", mixinStandardHelpOptions = true,
    description = "Time the engine jar's restart on an existing data directory; prints each run and the median.")
public final class StartupCommand implements Callable<Integer> {

  /** The line Main prints once the engine is up and listening. */
  static final String BANNER = "Clearing engine is running.";
  private static final Pattern STARTUP_MS = Pattern.compile("event=engine\\.started .*startup_ms=(\\d+)");
  /** The engine's own account of where a start's time went: its phases, and the database's start. */
  private static final Pattern PHASES_LINE = Pattern.compile("event=(engine\\.startup_phases|database\\.migrated) ");
  private static final Pattern MS_FIELD = Pattern.compile("\\b([a-z_]+_ms)=(\\d+)");
  private static final long START_TIMEOUT_S = 180;
  private static final long STOP_TIMEOUT_S = 60;
  /** Restarts a run may ask for: each takes seconds, and a median needs no more. */
  static final int RUNS_MAX = 100;

  @Spec
  CommandSpec spec;

  @Option(names = "--runs", defaultValue = "5", description = "Timed restarts (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--engine-jar", defaultValue = "clearing-core/target/clearing-engine.jar",
      description = "The engine jar (default ${DEFAULT-VALUE}).")
  Path engineJar;

  @Option(names = "--jvm-options", defaultValue = "-Xmx256m",
      description = "The engine's JVM options, space-separated (default ${DEFAULT-VALUE}, the README's run"
          + " command), e.g. \"-Xmx256m -XX:SharedArchiveFile=engine.jsa\".")
  String jvmOptions;

  @Option(names = "--no-sandboxes", description = "Start the engine with --no-sandboxes (no channels, no demo clients).")
  boolean noSandboxes;

  @Option(names = "--app-cds", description = "Class data sharing for the application's classes, as the README's"
      + " two-step run command: an untimed training start writes the archive (-XX:ArchiveClassesAtExit) when it"
      + " stops, and every timed restart maps it (-XX:SharedArchiveFile).")
  boolean appCds;

  @Option(names = "--data-dir", description = "Restart on this existing data directory (kept) instead of a fresh"
      + " temporary one that the first, untimed start makes (removed after the run).")
  Path dataDir;

  /**
   * One timed start; {@code phasesMs}: the engine's logged phases and the database's
   * {@code start_ms}/{@code migrate_ms}, in the order logged.
   */
  record Run(long wallMs, long cpuMs, long engineStartupMs, String loadAverage,
      java.util.LinkedHashMap<String, Long> phasesMs) {}

  @Override
  public Integer call() throws Exception {
    if (runs < 1 || runs > RUNS_MAX) {
      spec.commandLine().getErr().println("--runs must be 1 to " + RUNS_MAX + ", not " + runs);
      return LoadMain.EXIT_REFUSED;
    }
    if (!Files.isRegularFile(engineJar)) {
      spec.commandLine().getErr().println("--engine-jar: no such file " + engineJar
          + " (build it with: mvn -B -DskipTests package)");
      return LoadMain.EXIT_REFUSED;
    }
    if (dataDir != null && !Files.isDirectory(dataDir.resolve("pg"))) {
      spec.commandLine().getErr().println("--data-dir: " + dataDir + " is not an engine's data directory (no pg/)");
      return LoadMain.EXIT_REFUSED;
    }
    Path work = TempDirectories.create();
    Path directory = dataDir != null ? dataDir : work.resolve("data");
    Path archive = work.resolve("engine.jsa");
    try {
      if (dataDir == null || appCds) {
        Run first = start(directory, appCds ? List.of("-XX:ArchiveClassesAtExit=" + archive) : List.of());
        System.out.printf("first start (%s; not counted): %d ms%n", appCds
            ? "writes the class data archive when it stops" + (dataDir == null ? ", makes the data directory" : "")
            : "makes the data directory", first.wallMs());
      }
      List<String> sharing = appCds ? List.of("-XX:SharedArchiveFile=" + archive) : List.of();
      List<Run> timed = new ArrayList<>();
      for (int i = 1; i <= runs; i++) {
        Run run = start(directory, sharing);
        timed.add(run);
        System.out.printf("restart %d: %d ms to the banner, CPU %d ms (user+sys), engine startup_ms %d, load %s%n",
            i, run.wallMs(), run.cpuMs(), run.engineStartupMs(), run.loadAverage());
        System.out.printf("  phases: %s%n", phasesText(run.phasesMs()));
      }
      System.out.printf("median of %d restarts%s: %d ms to the banner, CPU %d ms, engine startup_ms %d%n", runs,
          appCds ? " with the application class data archive" : "",
          median(timed.stream().mapToLong(Run::wallMs).toArray()),
          median(timed.stream().mapToLong(Run::cpuMs).toArray()),
          median(timed.stream().mapToLong(Run::engineStartupMs).toArray()));
      System.out.printf("  median phases: %s%n", phasesText(medianPhases(timed)));
      return 0;
    } finally {
      TempDirectories.delete(work);
    }
  }

  private Run start(Path directory, List<String> extraJvmOptions) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.stream(jvmOptions.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    command.addAll(extraJvmOptions);
    command.addAll(List.of("-jar", engineJar.toString(), "--data-dir", directory.toString(),
        "--http-port", Integer.toString(freePort()), "--management-port", Integer.toString(freePort()),
        "--sandbox-port", "0"));
    if (noSandboxes) {
      command.add("--no-sandboxes");
    }
    long startNs = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (BufferedReader output = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      long engineStartupMs = -1;
      java.util.LinkedHashMap<String, Long> phasesMs = new java.util.LinkedHashMap<>();
      List<String> tail = new ArrayList<>();
      long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
      for (String line = output.readLine(); line != null; line = output.readLine()) {
        Matcher started = STARTUP_MS.matcher(line);
        if (started.find()) {
          engineStartupMs = Long.parseLong(started.group(1));
        }
        if (PHASES_LINE.matcher(line).find()) {
          phasesMs.putAll(msFields(line));
        }
        if (line.contains(BANNER)) {
          long wallMs = (System.nanoTime() - startNs) / 1_000_000;
          Run run = new Run(wallMs, cpuMs(process.pid()), engineStartupMs, loadAverage(), phasesMs);
          stop(process);
          return run;
        }
        tail.add(line);
        if (tail.size() > 20) {
          tail.remove(0);
        }
        if (System.nanoTime() > deadlineNs) {
          break;
        }
      }
      process.destroyForcibly();
      throw new IllegalStateException("the engine did not print its banner; the end of its output:\n"
          + String.join("\n", tail));
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * SIGTERM, and wait for the orderly shutdown. Process.destroy closes our end of the engine's
   * output, so what it prints while stopping is not read (its writes fail quietly).
   */
  private static void stop(Process process) throws Exception {
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the engine did not stop within " + STOP_TIMEOUT_S + " s of SIGTERM");
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** User + system CPU time of the process so far, in ms, from /proc (Linux, 100 ticks a second); -1 elsewhere. */
  static long cpuMs(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The load average of the last 1, 5 and 15 minutes, from /proc/loadavg (Linux). */
  public static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** The {@code name_ms=N} fields of a log line, in order. */
  static java.util.LinkedHashMap<String, Long> msFields(String line) {
    java.util.LinkedHashMap<String, Long> fields = new java.util.LinkedHashMap<>();
    Matcher field = MS_FIELD.matcher(line);
    while (field.find()) {
      fields.put(field.group(1), Long.parseLong(field.group(2)));
    }
    return fields;
  }

  /** Each phase's median over the runs that logged it, in the first run's order. */
  static java.util.LinkedHashMap<String, Long> medianPhases(List<Run> runs) {
    java.util.LinkedHashMap<String, Long> medians = new java.util.LinkedHashMap<>();
    runs.stream().flatMap(run -> run.phasesMs().keySet().stream()).distinct().forEach(phase ->
        medians.put(phase, median(runs.stream().filter(run -> run.phasesMs().containsKey(phase))
            .mapToLong(run -> run.phasesMs().get(phase)).toArray())));
    return medians;
  }

  private static String phasesText(java.util.Map<String, Long> phasesMs) {
    return phasesMs.isEmpty() ? "(none logged)" : String.join(" ", phasesMs.entrySet().stream()
        .map(phase -> phase.getKey() + "=" + phase.getValue()).toList());
  }

  static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
}
