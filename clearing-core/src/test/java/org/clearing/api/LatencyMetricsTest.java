package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After one order paid through a sandbox, the management port's /metrics carries latency
 * histograms (buckets, counts) of order creation, callback confirmation and channel calls, with a
 * small number of buckets each; and every metric the Grafana dashboard in the repository queries
 * is one a running engine exports, so the dashboard cannot silently rot.
 */
class LatencyMetricsTest {

  /** The dashboard, kept with the load harness that produces its figures. */
  static final Path DASHBOARD = Path.of("..", "load-tests", "grafana", "clearing-engine.json");
  /** Buckets one histogram series may have: enough for p50/p99, few enough to scrape often. */
  static final int BUCKETS_PER_SERIES_MAX = 40;

  private static TestEngine engine;
  private static String metrics;

  @BeforeAll
  static void payOneOrder() throws Exception {
    engine = TestEngine.startWithSandboxes();
    ApiCaller registration = engine.as(Role.REGISTRATION);
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical("LATENCY-1").encode(), "latency-1");
    assertEquals(201, created.status(), created.text());
    JsonObject order = created.json();

    Browser wallet = new Browser(Browser.WECHAT);
    Browser.Page page = wallet.open(order.getJsonObject("qr").getString("url"));
    assertEquals(200, page.status(), page.html());
    assertEquals(200, wallet.submitForm(page).status());
    String orderNo = order.getString("order_no");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!"PAID".equals(registration.get("/api/v1/orders/" + orderNo).json().getString("status"))) {
      assertTrue(System.nanoTime() < deadline, "the sandbox's callback did not pay " + orderNo);
      Thread.sleep(100);
    }
    metrics = new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text();
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void orderCreationCallbackConfirmationAndChannelCallsShowTheirHistogramsOnTheManagementPort() {
    assertHistogram("clearing_order_creation_latency_seconds", "outcome=\"created\"");
    assertHistogram("clearing_callback_latency_seconds", "channel=\"wechat\",result=\"answered\"");
    assertHistogram("clearing_channel_call_latency_seconds", "channel=\"wechat\",operation=\"open_order\"");
  }

  @Test
  void eachHistogramKeepsItsBucketsFew() {
    Map<String, Integer> bucketsPerSeries = new TreeMap<>();
    Matcher bucket = Pattern.compile("(?m)^(clearing_\\w+)_bucket\\{(.*?),?le=\"[^\"]+\"").matcher(metrics);
    while (bucket.find()) {
      bucketsPerSeries.merge(bucket.group(1) + "{" + bucket.group(2) + "}", 1, Integer::sum);
    }
    assertFalse(bucketsPerSeries.isEmpty(), metrics);
    bucketsPerSeries.forEach((series, buckets) ->
        assertTrue(buckets <= BUCKETS_PER_SERIES_MAX, series + " has " + buckets + " buckets"));
  }

  @Test
  void everyMetricTheDashboardQueriesIsExportedByARunningEngine() throws Exception {
    assertTrue(Files.exists(DASHBOARD), "the dashboard is at " + DASHBOARD.toAbsolutePath());
    Set<String> exported = exportedNames(metrics);
    Set<String> queried = new TreeSet<>();
    JsonArray panels = new JsonObject(Files.readString(DASHBOARD)).getJsonArray("panels");
    Set<String> boundaries = new TreeSet<>();
    for (Object panel : panels) {
      for (Object target : ((JsonObject) panel).getJsonArray("targets")) {
        String expr = ((JsonObject) target).getString("expr");
        queried.addAll(metricNames(expr));
        Matcher le = Pattern.compile("le=\"([^\"]+)\"").matcher(expr);
        while (le.find()) {
          boundaries.add(le.group(1));
        }
      }
    }
    // A bucket picked by its boundary (the 20 ms target) must be one the engine publishes.
    boundaries.forEach(le -> assertTrue(metrics.contains("le=\"" + le + "\""), "no bucket le=\"" + le + "\""));
    assertTrue(queried.containsAll(Set.of("clearing_order_creation_latency_seconds_bucket",
        "clearing_callback_latency_seconds_bucket", "clearing_channel_call_latency_seconds_bucket",
        "clearing_order_requests_total", "clearing_callbacks_total", "clearing_intake_queued")), queried.toString());
    Set<String> missing = new TreeSet<>(queried);
    missing.removeAll(exported);
    assertTrue(missing.isEmpty(), "the dashboard queries metrics the engine does not export: " + missing);
  }

  @Test
  void theMetricNameReaderFindsEveryNameInAQuery() {
    assertEquals(Set.of("a_bucket", "b_count"), metricNames(
        "histogram_quantile(0.99, sum by (le, channel) (rate(a_bucket{result=\"x\",le=\"0.02\"}[1m])))"
            + " / sum without (channel) (rate(b_count[5m] offset 1m))"));
  }

  private static void assertHistogram(String name, String labels) {
    Pattern buckets = Pattern.compile("(?m)^" + name + "_bucket\\{" + Pattern.quote(labels) + ",le=\"[^\"]+\"} ");
    Matcher bucket = buckets.matcher(metrics);
    int found = 0;
    while (bucket.find()) {
      found++;
    }
    assertTrue(found > 2, name + "{" + labels + "} has " + found + " buckets:\n" + metrics);
    Matcher count = Pattern.compile("(?m)^" + name + "_count\\{" + Pattern.quote(labels) + "} (\\S+)$").matcher(metrics);
    assertTrue(count.find(), name + "_count{" + labels + "} missing");
    assertTrue(Double.parseDouble(count.group(1)) >= 1, name + "{" + labels + "} counted nothing");
  }

  /** The names of the samples in a Prometheus text exposition. */
  static Set<String> exportedNames(String exposition) {
    Set<String> names = new TreeSet<>();
    Matcher sample = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(exposition);
    while (sample.find()) {
      names.add(sample.group(1));
    }
    return names;
  }

  private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan");

  /**
   * The metric names a PromQL expression reads: what is left once label matchers, ranges,
   * grouping clauses and strings are taken out, except function names and PromQL's own words.
   */
  static Set<String> metricNames(String expr) {
    String bare = expr.replaceAll("\"[^\"]*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\boffset\\s+\\w+", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher word = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?").matcher(bare);
    while (word.find()) {
      String name = word.group().replaceAll("[\\s(]", "");
      if (word.group(1) == null && !PROMQL_WORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        names.add(name);
      }
    }
    return names;
  }
}
