package org.clearing.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.clearing.cli.DurationConverter;
import org.clearing.load.report.FlameGraph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flame}: a JFR recording's CPU samples as an SVG flame graph (and folded stacks, and shares). */
@Command(name = "flame", mixinStandardHelpOptions = true,
    description = "Renders the CPU samples (jdk.ExecutionSample) of a JFR recording as an SVG flame graph;"
        + " optionally only some threads and a window of the recording.")
final class FlameCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--jfr", required = true, description = "The JFR recording to read.")
  Path jfr;

  @Option(names = "--out", required = true, description = "The SVG file to write.")
  Path out;

  @Option(names = "--thread-prefix", description = "Keep only threads whose name starts with this;"
      + " repeatable (default: every thread).")
  List<String> threadPrefixes = new ArrayList<>();

  @Option(names = "--from", converter = DurationConverter.class,
      description = "Keep samples from this long after the recording's first event, e.g. 30s (default: its start).")
  Duration from;

  @Option(names = "--to", converter = DurationConverter.class,
      description = "Keep samples until this long after the recording's first event (default: its end).")
  Duration to;

  @Option(names = "--title", defaultValue = "CPU samples", description = "The graph's title (default ${DEFAULT-VALUE}).")
  String title;

  @Option(names = "--min-width-percent", defaultValue = "0.1",
      description = "Leave out frames narrower than this share of the samples, in percent (default ${DEFAULT-VALUE}).")
  double minWidthPercent;

  @Option(names = "--folded", description = "Also write the folded stacks (flamegraph.pl's input) here.")
  Path folded;

  @Option(names = "--share", description = "Print the share of the kept samples with a frame containing this"
      + " text; repeatable.")
  List<String> shares = new ArrayList<>();

  @Option(names = "--timeline", converter = DurationConverter.class,
      description = "Also print the kept samples per slice of this length (e.g. 5s), with the --share shares per"
          + " slice: where the timed window lies.")
  Duration timeline;

  @Override
  public Integer call() throws Exception {
    if (!Files.isReadable(jfr)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--jfr: cannot read " + jfr);
    }
    if (from != null && to != null && to.compareTo(from) <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--to must be after --from");
    }
    if (timeline != null && timeline.toSeconds() < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--timeline must be at least 1s");
    }
    if (minWidthPercent < 0 || minWidthPercent >= 100) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--min-width-percent must be 0 to below 100");
    }
    FlameGraph graph = FlameGraph.read(jfr, new FlameGraph.Filter(List.copyOf(threadPrefixes), from, to));
    String subtitle = String.format(Locale.ROOT, "%d samples%s%s%s", graph.samples(),
        threadPrefixes.isEmpty() ? "" : ", threads " + String.join(", ", threadPrefixes),
        from == null && to == null ? "" : ", window " + (from == null ? "start" : from.toSeconds() + " s")
            + " to " + (to == null ? "end" : to.toSeconds() + " s"),
        graph.truncatedSamples() == 0 ? "" : ", " + graph.truncatedSamples() + " stacks truncated");
    graph.writeSvg(out, title, subtitle, minWidthPercent);
    if (folded != null) {
      Files.writeString(folded, graph.folded());
    }
    println(String.format(Locale.ROOT, "flame: %s -> %s (%s)", jfr, out, subtitle));
    if (timeline != null) {
      spec.commandLine().getOut().print(graph.timeline(timeline, shares));
    }
    for (String part : shares) {
      println(String.format(Locale.ROOT, "%6.1f %%  %s", 100 * graph.share(part), part));
    }
    return graph.samples() == 0 ? 1 : 0;
  }

  /** Through picocli's own writer, so tests can read what the command printed. */
  private void println(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
