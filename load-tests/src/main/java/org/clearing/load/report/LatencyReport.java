package org.clearing.load.report;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import org.clearing.load.driver.OpenLoopDriver;

/** Renders a run's figures: rates, latency percentiles (ms) and errors by kind. */
public final class LatencyReport {

  private LatencyReport() {}

  public static JsonObject json(String scenario, OpenLoopDriver.Result result) {
    var h = result.latencyUs();
    return new JsonObject()
        .put("scenario", scenario)
        .put("offered", result.offered())
        .put("ok", result.ok())
        .put("offered_per_s", round(result.offeredPerS()))
        .put("achieved_per_s", round(result.achievedPerS()))
        .put("latency_ms", new JsonObject()
            .put("p50", ms(h.getValueAtPercentile(50)))
            .put("p90", ms(h.getValueAtPercentile(90)))
            .put("p99", ms(h.getValueAtPercentile(99)))
            .put("p99_9", ms(h.getValueAtPercentile(99.9)))
            .put("max", ms(h.getMaxValue())))
        .put("errors", new JsonObject(new java.util.HashMap<>(result.errors())))
        .put("duration_ms", result.durationMs());
  }

  public static String text(String scenario, OpenLoopDriver.Result result) {
    var h = result.latencyUs();
    return String.format(Locale.ROOT,
        "%s: offered %.0f/s, achieved %.0f/s (%d of %d ok) | latency ms p50 %.2f p90 %.2f p99 %.2f"
            + " p99.9 %.2f max %.2f | errors %s",
        scenario, result.offeredPerS(), result.achievedPerS(), result.ok(), result.offered(),
        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
        ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
        result.errors().isEmpty() ? "none" : result.errors());
  }

  private static double ms(long us) {
    return Math.round(us / 10.0) / 100.0;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
