package org.clearing.outbox;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * When the relay tries an undelivered event again. After attempt n of a schedule (n = 1 for the
 * first), the next comes {@code delays[n-1]} later (the last delay repeats), shortened by up to
 * {@code jitterFraction} at random so that receivers coming back from an outage are not hit by
 * every event at the same instant. After {@code attemptsMax} attempts the relay gives up.
 *
 * @param delaysMs the delay after each attempt; the last one repeats
 * @param attemptsMax attempts in one schedule, the first included
 * @param jitterFraction 0 ≤ f < 1; a delay d becomes a uniform value in [d·(1−f), d]
 */
public record RetrySchedule(List<Long> delaysMs, int attemptsMax, double jitterFraction) {

  /**
   * 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h, 2 h, 4 h, then every 6 h, for 16 attempts:
   * the last attempt comes about 44 h after the first (at least 35 h with the largest jitter), so a
   * receiver that is down for a day and a night still gets every event without anyone's help.
   */
  public static RetrySchedule standard() {
    return new RetrySchedule(List.of(
        Duration.ofSeconds(30).toMillis(), Duration.ofMinutes(1).toMillis(), Duration.ofMinutes(2).toMillis(),
        Duration.ofMinutes(5).toMillis(), Duration.ofMinutes(10).toMillis(), Duration.ofMinutes(30).toMillis(),
        Duration.ofHours(1).toMillis(), Duration.ofHours(2).toMillis(), Duration.ofHours(4).toMillis(),
        Duration.ofHours(6).toMillis()), 16, 0.2);
  }

  public RetrySchedule {
    delaysMs = List.copyOf(delaysMs);
    if (delaysMs.isEmpty() || delaysMs.stream().anyMatch(d -> d < 0)) {
      throw new IllegalArgumentException("delays must be given and not negative: " + delaysMs);
    }
    if (attemptsMax < 1) {
      throw new IllegalArgumentException("attemptsMax must be at least 1, not " + attemptsMax);
    }
    if (!(jitterFraction >= 0 && jitterFraction < 1)) {
      throw new IllegalArgumentException("jitterFraction must be in [0, 1), not " + jitterFraction);
    }
  }

  /**
   * The delay before the next attempt after {@code attemptsDone} failed attempts of this schedule,
   * or empty when the schedule is over and the event is given up.
   *
   * @param random a uniform value in [0, 1) choosing the jitter
   */
  public OptionalLong nextDelayMs(int attemptsDone, double random) {
    if (attemptsDone < 1) {
      throw new IllegalArgumentException("a delay follows an attempt; attemptsDone = " + attemptsDone);
    }
    if (attemptsDone >= attemptsMax) {
      return OptionalLong.empty();
    }
    long delayMs = delaysMs.get(Math.min(attemptsDone, delaysMs.size()) - 1);
    return OptionalLong.of(delayMs - (long) (delayMs * jitterFraction * random));
  }

  /** The longest time from the first attempt to the last, without jitter (for documentation and tests). */
  public long spanMsMax() {
    long total = 0;
    for (int n = 1; n < attemptsMax; n++) {
      total = Math.addExact(total, delaysMs.get(Math.min(n, delaysMs.size()) - 1));
    }
    return total;
  }
}
