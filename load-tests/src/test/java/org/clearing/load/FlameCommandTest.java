package org.clearing.load;

// Proves that `flame` turns a real JFR recording (made here, of two named threads burning CPU in
// two known methods) into a well-formed SVG flame graph and folded stacks that show those methods
// under their threads, that the thread and window filters keep only what they name, and that bad
// options are refused with exit 2.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import jdk.jfr.Recording;
import org.clearing.load.report.FlameGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class FlameCommandTest {

  @TempDir
  static Path dir;

  static Path recording;

  @BeforeAll
  static void recordTwoBusyThreads() throws Exception {
    recording = dir.resolve("small.jfr");
    try (Recording jfr = new Recording()) {
      jfr.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      jfr.start();
      Thread hot = new Thread(() -> flameTestHotLoop(System.nanoTime() + 1_500_000_000L), "flame-hot-1");
      Thread other = new Thread(() -> flameTestOtherLoop(System.nanoTime() + 1_500_000_000L), "flame-other-2");
      hot.start();
      other.start();
      hot.join();
      other.join();
      jfr.stop();
      jfr.dump(recording);
    }
  }

  static long flameTestHotLoop(long untilNs) {
    long x = 1;
    while (System.nanoTime() < untilNs) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    return x;
  }

  static long flameTestOtherLoop(long untilNs) {
    long x = 7;
    while (System.nanoTime() < untilNs) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
    }
    return x;
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    return LoadMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void aRecordingBecomesAWellFormedSvgWithEachThreadsHotMethodUnderIt() throws Exception {
    Path svg = dir.resolve("all.svg");
    Path folded = dir.resolve("all.folded");
    StringWriter out = new StringWriter();
    int exit = run(out, new StringWriter(), "flame", "--jfr", recording.toString(), "--out", svg.toString(),
        "--folded", folded.toString(), "--title", "two threads", "--min-width-percent", "0",
        "--share", "flameTestHotLoop", "--share", "noSuchMethodAnywhere", "--timeline", "1s");

    assertEquals(0, exit, out.toString());
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
    assertEquals("svg", doc.getDocumentElement().getTagName());
    String titles = textOf(doc.getElementsByTagName("title"));
    assertTrue(titles.contains("flame-hot-N ("), titles);
    assertTrue(titles.contains("flame-other-N ("), titles);
    assertTrue(titles.contains("FlameCommandTest.flameTestHotLoop ("), titles);
    assertTrue(titles.contains("FlameCommandTest.flameTestOtherLoop ("), titles);
    assertTrue(textOf(doc.getElementsByTagName("text")).contains("two threads"));

    List<String> lines = Files.readAllLines(folded);
    long counted = lines.stream().mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).sum();
    FlameGraph graph = FlameGraph.read(recording, FlameGraph.Filter.ALL);
    assertEquals(graph.samples(), counted);
    assertTrue(lines.stream().anyMatch(line -> line.startsWith("flame-hot-N;") && line.contains("flameTestHotLoop")));
    // The hot method runs at the top of its stacks: the thread's run() calls it, not the reverse.
    assertTrue(lines.stream().filter(line -> line.contains("flameTestHotLoop"))
        .allMatch(line -> line.indexOf("java.lang.Thread.run") < line.indexOf("flameTestHotLoop")));
    assertTrue(out.toString().contains("0.0 %  noSuchMethodAnywhere"), out.toString());
    // The timeline: slices of one second, each with its samples and shares.
    assertTrue(out.toString().matches("(?s).*\\d+ s to +\\d+ s: +\\d+ samples, +[0-9.]+ % flameTestHotLoop.*"),
        out.toString());
  }

  @Test
  void aThreadPrefixKeepsOnlyThoseThreads() throws Exception {
    FlameGraph hotOnly = FlameGraph.read(recording, new FlameGraph.Filter(List.of("flame-hot"), null, null));

    assertTrue(hotOnly.samples() > 0);
    assertTrue(hotOnly.share("flameTestHotLoop") > 0.5, "share " + hotOnly.share("flameTestHotLoop"));
    assertEquals(0.0, hotOnly.share("flameTestOtherLoop"));
    assertEquals(null, hotOnly.root().child("flame-other-N"));
    assertEquals(hotOnly.samples(), hotOnly.root().child("flame-hot-N").samples());
  }

  @Test
  void aWindowAfterTheRecordingKeepsNothingAndTheCommandSaysSoWithExit1() throws Exception {
    FlameGraph whole = FlameGraph.read(recording, FlameGraph.Filter.ALL);
    FlameGraph late = FlameGraph.read(recording, new FlameGraph.Filter(List.of(), Duration.ofHours(1), null));
    FlameGraph early = FlameGraph.read(recording, new FlameGraph.Filter(List.of(), null, Duration.ofHours(1)));

    assertTrue(whole.samples() > 0);
    assertEquals(0, late.samples());
    assertEquals(whole.samples(), early.samples());
    Path svg = dir.resolve("late.svg");
    StringWriter out = new StringWriter();
    assertEquals(1, run(out, new StringWriter(), "flame", "--jfr", recording.toString(), "--out", svg.toString(),
        "--from", "1h"));
    assertTrue(out.toString().contains("0 samples"), out.toString());
    DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
  }

  @Test
  void framesBelowTheMinimumWidthAreLeftOutOfTheSvg() throws Exception {
    FlameGraph graph = FlameGraph.read(recording, FlameGraph.Filter.ALL);

    String everything = graph.svg("t", "s", 0);
    String onlyWide = graph.svg("t", "s", 99);

    // No thread has 99 % of the samples, so only the root is left.
    assertTrue(everything.contains("flameTestHotLoop"));
    assertFalse(onlyWide.contains("flame-hot-N"));
    assertTrue(onlyWide.contains("all ("));
  }

  @Test
  void aLambdasNumbersAreTakenOutOfItsFrameSoRunsCompare() {
    assertEquals("org.x.Foo$$Lambda.call",
        FlameGraph.frameName("org.x.Foo$$Lambda$1447+0x00007f0198607a28.2039087052", "call"));
    assertEquals("org.x.Foo$$Lambda.run", FlameGraph.frameName("org.x.Foo$$Lambda$12/0x0000000800c0b2d0", "run"));
    assertEquals("org.x.Foo$Inner.lambda$go$0", FlameGraph.frameName("org.x.Foo$Inner", "lambda$go$0"));
  }

  @Test
  void namesAreEscapedForXml() {
    assertEquals("a.&lt;init&gt; &amp; &quot;x&quot;", FlameGraph.escape("a.<init> & \"x\""));
  }

  @Test
  void badOptionsAreRefusedWithExit2BeforeReadingAnything() {
    StringWriter err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "flame", "--jfr", dir.resolve("missing.jfr").toString(),
        "--out", dir.resolve("x.svg").toString()));
    assertTrue(err.toString().contains("--jfr"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "flame", "--jfr", recording.toString(),
        "--out", dir.resolve("x.svg").toString(), "--from", "20s", "--to", "10s"));
    assertTrue(err.toString().contains("--to"), err.toString());
    assertFalse(Files.exists(dir.resolve("x.svg")));
  }

  private static String textOf(NodeList nodes) {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < nodes.getLength(); i++) {
      all.append(nodes.item(i).getTextContent()).append('\n');
    }
    return all.toString();
  }
}
