package org.clearing.metrics;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.stream.LongStream;

/**
 * Latency timers published as Prometheus histograms with one fixed ladder of bucket boundaries,
 * so p50 and p99 come out of {@code histogram_quantile} on the management port's {@code /metrics}.
 *
 * <p>Why a ladder of our own rather than Micrometer's percentile buckets: between 1 ms and 30 s
 * those are 70 per series, and with a series per channel and operation a scrape grew by well over
 * a thousand lines. These 24 boundaries are close together around the 20 ms target (each at most
 * 1.5 times the one before up to a second, so the interpolated p99 is off by less than that step)
 * and sparse where only "slow" matters. 20 ms is a boundary of its own, so the share of requests
 * within the target is read off one bucket without interpolation.
 */
public final class LatencyTimers {

  /** The target p99 of order creation and callback confirmation. */
  public static final Duration TARGET = Duration.ofMillis(20);

  static final long[] BOUNDARIES_MS = {1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700,
      1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 30_000};

  private static final Duration[] BOUNDARIES =
      LongStream.of(BOUNDARIES_MS).mapToObj(Duration::ofMillis).toArray(Duration[]::new);

  private LatencyTimers() {}

  /**
   * A timer builder with the ladder's buckets; the caller adds its tags and registers it once,
   * not per request.
   */
  public static Timer.Builder histogram(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(BOUNDARIES);
  }
}
