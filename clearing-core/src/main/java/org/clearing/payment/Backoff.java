package org.clearing.payment;

import java.util.List;

/**
 * How long to wait before asking a channel again, by how many times it was asked already, and
 * how many times to ask at most. The last step repeats.
 *
 * @param stepsMs the waits after the first, second, … attempt
 * @param attemptsMax attempts after which a channel order is left alone (reconciliation of the
 *     day's bill still finds a payment the jobs missed)
 */
public record Backoff(List<Long> stepsMs, int attemptsMax) {

  /** 1 m, 2 m, 5 m, 10 m, 30 m, then hourly: a lost callback is usually found in the first minutes. */
  public static final Backoff DEFAULT =
      new Backoff(List.of(60_000L, 120_000L, 300_000L, 600_000L, 1_800_000L, 3_600_000L), 30);

  public Backoff {
    stepsMs = List.copyOf(stepsMs);
    if (stepsMs.isEmpty() || stepsMs.stream().anyMatch(ms -> ms <= 0)) {
      throw new IllegalArgumentException("backoff steps must be positive and at least one");
    }
    if (attemptsMax < 1) {
      throw new IllegalArgumentException("attemptsMax must be positive");
    }
  }

  /** The wait after attempt number {@code attempts} (1 = the first attempt has just failed). */
  public long delayMsAfter(int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts start at 1");
    }
    return stepsMs.get(Math.min(attempts, stepsMs.size()) - 1);
  }
}
