package org.clearing.load.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A flame graph of a JFR recording's CPU samples ({@code jdk.ExecutionSample}): stacks folded
 * into a tree (root at the bottom, each frame as wide as the share of samples it appears in),
 * written as a self-contained SVG with a tooltip per frame — no JavaScript, no other tool. The
 * folded stacks ({@code frame;frame;… count}, the format of Brendan Gregg's {@code flamegraph.pl})
 * can be written too, for other tools or for grep.
 *
 * <p>Samples can be kept to some threads (by name prefix) and to a window of the recording (from
 * its first event), so that a graph shows the timed window of a run rather than the engine's
 * start-up. Each stack starts with its thread's name, numbers removed ({@code
 * vert.x-eventloop-thread-N}), so event loops and worker pools stand apart.
 */
public final class FlameGraph {

  /** Which samples to keep. {@code from}/{@code to} are offsets from the recording's first event; null: no bound. */
  public record Filter(List<String> threadPrefixes, Duration from, Duration to) {
    public static final Filter ALL = new Filter(List.of(), null, null);

    boolean keeps(String thread, Duration at) {
      if (from != null && at.compareTo(from) < 0 || to != null && at.compareTo(to) > 0) {
        return false;
      }
      return threadPrefixes.isEmpty() || threadPrefixes.stream().anyMatch(thread::startsWith);
    }
  }

  /** A frame of the tree: its samples (its own and its callees') and its callees by name. */
  public static final class Node {
    final String name;
    long samples;
    final Map<String, Node> children = new TreeMap<>();

    Node(String name) {
      this.name = name;
    }

    public String name() {
      return name;
    }

    public long samples() {
      return samples;
    }

    /** The callee of that name, or null. */
    public Node child(String name) {
      return children.get(name);
    }
  }

  /** Frames shown in a graph; deeper ones are cut (JFR's own default stack depth is 64). */
  static final int DEPTH_MAX = 256;
  static final int WIDTH_PX = 1200;
  static final int FRAME_HEIGHT_PX = 16;
  static final int MARGIN_PX = 10;
  static final int HEADER_PX = 44;
  private static final double CHAR_WIDTH_PX = 6.6;

  private final Node root = new Node("all");
  private final List<String> folded = new ArrayList<>();
  /** When each kept sample was taken, from the recording's first event, beside {@link #folded}. */
  private final List<Duration> offsets = new ArrayList<>();
  private long truncated;

  private FlameGraph() {}

  /** Reads the samples of {@code jfr} that {@code filter} keeps. */
  public static FlameGraph read(Path jfr, Filter filter) throws IOException {
    record Sample(Instant at, String thread, List<String> frames, boolean truncated) {}
    List<Sample> samples = new ArrayList<>();
    Instant first = null;
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        if (first == null || event.getStartTime().isBefore(first)) {
          first = event.getStartTime();
        }
        if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        RecordedStackTrace stack = event.getStackTrace();
        RecordedThread thread = event.getThread("sampledThread");
        if (stack == null || thread == null) {
          continue;
        }
        List<String> frames = new ArrayList<>(stack.getFrames().size());
        for (RecordedFrame frame : stack.getFrames()) {
          frames.add(frameName(frame.getMethod().getType().getName(), frame.getMethod().getName()));
        }
        samples.add(new Sample(event.getStartTime(), threadGroup(thread), frames, stack.isTruncated()));
      }
    }
    FlameGraph graph = new FlameGraph();
    for (Sample sample : samples) {
      Duration at = Duration.between(first, sample.at());
      if (filter.keeps(sample.thread(), at)) {
        graph.add(sample.thread(), sample.frames(), sample.truncated());
        graph.offsets.add(at);
      }
    }
    return graph;
  }

  /**
   * {@code Class.method}, with the numbers the JVM gives a lambda's hidden class taken out
   * ({@code Foo$$Lambda$1447+0x00007f01…​.call} → {@code Foo$$Lambda.call}): they differ from run to
   * run and would keep one path in two frames.
   */
  public static String frameName(String type, String method) {
    return HIDDEN_CLASS_NUMBERS.matcher(type).replaceAll("\\$\\$Lambda") + "." + method;
  }

  private static final java.util.regex.Pattern HIDDEN_CLASS_NUMBERS =
      java.util.regex.Pattern.compile("\\$\\$Lambda\\$?[0-9]*(\\+0x[0-9a-f]+)?(/0x[0-9a-f]+)?(\\.[0-9]+)?");

  /** A thread's name without its numbers, so the threads of one pool share a frame. */
  static String threadGroup(RecordedThread thread) {
    String name = thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
    return name == null ? "?" : name.replaceAll("[0-9]+", "N");
  }

  /** Adds one sample; {@code framesTopFirst} as JFR gives them, the running method first. */
  void add(String thread, List<String> framesTopFirst, boolean stackTruncated) {
    List<String> path = new ArrayList<>(framesTopFirst.size() + 2);
    path.add(thread);
    if (stackTruncated) {
      // The bottom of the stack is missing: kept apart rather than mistaken for a root.
      path.add("[stack truncated]");
      truncated++;
    }
    for (int i = framesTopFirst.size() - 1; i >= 0 && path.size() < DEPTH_MAX; i--) {
      path.add(framesTopFirst.get(i));
    }
    Node node = root;
    node.samples++;
    for (String frame : path) {
      node = node.children.computeIfAbsent(frame, Node::new);
      node.samples++;
    }
    folded.add(String.join(";", path));
  }

  public Node root() {
    return root;
  }

  public long samples() {
    return root.samples;
  }

  /** Samples whose stack JFR cut at its depth limit ({@code -XX:FlightRecorderOptions:stackdepth=…}). */
  public long truncatedSamples() {
    return truncated;
  }

  /** The share (0..1) of samples with a frame whose name contains {@code part}. */
  public double share(String part) {
    if (root.samples == 0) {
      return 0;
    }
    long with = folded.stream().filter(stack -> stack.contains(part)).count();
    return (double) with / root.samples;
  }

  /**
   * The kept samples slice by slice of the recording, with the share of each slice's samples that
   * has a frame containing each of {@code parts}: where a run's timed window lies (say, where
   * {@code CallbackRoutes} appears), to choose {@code --from} and {@code --to}.
   */
  public String timeline(Duration slice, List<String> parts) {
    Map<Long, long[]> bySlice = new TreeMap<>();
    for (int i = 0; i < folded.size(); i++) {
      long[] counts = bySlice.computeIfAbsent(offsets.get(i).toMillis() / slice.toMillis(),
          k -> new long[parts.size() + 1]);
      counts[0]++;
      for (int p = 0; p < parts.size(); p++) {
        if (folded.get(i).contains(parts.get(p))) {
          counts[p + 1]++;
        }
      }
    }
    StringBuilder out = new StringBuilder();
    bySlice.forEach((index, counts) -> {
      long fromS = index * slice.toSeconds();
      out.append(String.format(Locale.ROOT, "%5d s to %5d s: %6d samples", fromS, fromS + slice.toSeconds(), counts[0]));
      for (int p = 0; p < parts.size(); p++) {
        out.append(String.format(Locale.ROOT, ", %5.1f %% %s", 100.0 * counts[p + 1] / counts[0], parts.get(p)));
      }
      out.append('\n');
    });
    return out.toString();
  }

  /** The folded stacks, one distinct stack per line with its count, sorted. */
  public String folded() {
    Map<String, Long> counts = new TreeMap<>();
    folded.forEach(stack -> counts.merge(stack, 1L, Long::sum));
    StringBuilder out = new StringBuilder();
    counts.forEach((stack, count) -> out.append(stack).append(' ').append(count).append('\n'));
    return out.toString();
  }

  /**
   * The SVG. Frames narrower than {@code minWidthPercent} of the whole are left out (and so their
   * callees): they could not be read anyway, and they are what makes a graph large.
   */
  public String svg(String title, String subtitle, double minWidthPercent) {
    int depth = depth(root, 0);
    int height = HEADER_PX + (depth + 1) * FRAME_HEIGHT_PX + 2 * MARGIN_PX;
    StringBuilder out = new StringBuilder(64 * 1024);
    out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(WIDTH_PX)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH_PX).append(' ')
        .append(height).append("\" font-family=\"monospace\" font-size=\"11\">\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"#f8f8f4\"/>\n")
        .append("<text x=\"").append(WIDTH_PX / 2).append("\" y=\"18\" text-anchor=\"middle\" font-size=\"15\">")
        .append(escape(title)).append("</text>\n")
        .append("<text x=\"").append(WIDTH_PX / 2).append("\" y=\"34\" text-anchor=\"middle\" fill=\"#555\">")
        .append(escape(subtitle)).append("</text>\n");
    if (root.samples > 0) {
      double pxPerSample = (double) (WIDTH_PX - 2 * MARGIN_PX) / root.samples;
      long minSamples = (long) Math.ceil(root.samples * minWidthPercent / 100.0);
      frame(out, root, MARGIN_PX, 0, height, pxPerSample, Math.max(1, minSamples));
    }
    return out.append("</svg>\n").toString();
  }

  private static int depth(Node node, int level) {
    int deepest = level;
    for (Node child : node.children.values()) {
      deepest = Math.max(deepest, depth(child, level + 1));
    }
    return deepest;
  }

  private void frame(StringBuilder out, Node node, double x, int level, int height, double pxPerSample,
      long minSamples) {
    double width = node.samples * pxPerSample;
    double y = height - MARGIN_PX - (level + 1) * FRAME_HEIGHT_PX;
    String tip = String.format(Locale.ROOT, "%s (%d samples, %.2f%%)", node.name, node.samples,
        100.0 * node.samples / root.samples);
    out.append("<g><title>").append(escape(tip)).append("</title><rect x=\"").append(px(x)).append("\" y=\"")
        .append(px(y)).append("\" width=\"").append(px(width)).append("\" height=\"").append(FRAME_HEIGHT_PX - 1)
        .append("\" rx=\"2\" fill=\"").append(color(node.name, level)).append("\"/>");
    int chars = (int) ((width - 6) / CHAR_WIDTH_PX);
    if (chars >= 3) {
      String label = node.name.length() <= chars ? node.name : node.name.substring(0, chars - 2) + "..";
      out.append("<text x=\"").append(px(x + 3)).append("\" y=\"").append(px(y + FRAME_HEIGHT_PX - 4.5))
          .append("\">").append(escape(label)).append("</text>");
    }
    out.append("</g>\n");
    double childX = x;
    for (Node child : node.children.values()) {
      if (child.samples >= minSamples) {
        frame(out, child, childX, level + 1, height, pxPerSample, minSamples);
      }
      childX += child.samples * pxPerSample;
    }
  }

  /** A warm colour per frame, its hue by the code's origin, its shade by the name (stable across graphs). */
  static String color(String name, int level) {
    if (level <= 1) {
      return "rgb(200,200,200)";
    }
    int hash = Math.abs(name.hashCode() % 40);
    if (name.startsWith("org.clearing.")) {
      return "rgb(240," + (90 + hash) + ",40)";
    }
    if (name.startsWith("io.vertx.") || name.startsWith("io.netty.")) {
      return "rgb(" + (80 + hash) + "," + (150 + hash) + ",220)";
    }
    if (name.startsWith("org.bouncycastle.")) {
      return "rgb(" + (170 + hash) + ",110,210)";
    }
    if (name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.")) {
      return "rgb(" + (60 + hash) + ",190," + (60 + hash) + ")";
    }
    return "rgb(230," + (190 + hash) + ",60)";
  }

  private static String px(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  /** Text made safe for XML content and attributes. */
  public static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        default -> out.append(c < 0x20 ? ' ' : c);
      }
    }
    return out.toString();
  }

  /** Writes the SVG to {@code out}. */
  public void writeSvg(Path out, String title, String subtitle, double minWidthPercent) throws IOException {
    Files.writeString(out, svg(title, subtitle, minWidthPercent), StandardCharsets.UTF_8);
  }
}
