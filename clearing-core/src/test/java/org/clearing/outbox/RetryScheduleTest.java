package org.clearing.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The standard retry schedule keeps trying for more than a day even with the largest jitter, grows
 * to a cap, gives up after its last attempt, and refuses nonsensical settings.
 */
class RetryScheduleTest {

  private final RetrySchedule standard = RetrySchedule.standard();

  @Test
  void theStandardScheduleRetriesForMoreThanADayEvenWithTheLargestJitter() {
    long shortestSpanMs = 0;
    for (int done = 1; done < standard.attemptsMax(); done++) {
      shortestSpanMs += standard.nextDelayMs(done, 0.999_999).getAsLong();
    }
    assertTrue(shortestSpanMs >= Duration.ofHours(24).toMillis(), "shortest span " + shortestSpanMs);
    assertTrue(standard.spanMsMax() <= Duration.ofHours(48).toMillis(), "longest span " + standard.spanMsMax());
  }

  @Test
  void delaysGrowFromThirtySecondsToACapOfSixHours() {
    assertEquals(30_000, standard.nextDelayMs(1, 0).getAsLong());
    assertEquals(60_000, standard.nextDelayMs(2, 0).getAsLong());
    assertEquals(Duration.ofHours(6).toMillis(), standard.nextDelayMs(10, 0).getAsLong());
    assertEquals(Duration.ofHours(6).toMillis(), standard.nextDelayMs(15, 0).getAsLong());
    for (int done = 2; done < standard.attemptsMax(); done++) {
      assertTrue(standard.nextDelayMs(done, 0).getAsLong() >= standard.nextDelayMs(done - 1, 0).getAsLong());
    }
  }

  @Test
  void jitterOnlyShortensADelayAndByAtMostItsFraction() {
    assertEquals(24_000, standard.nextDelayMs(1, 0.999_999_999).getAsLong(), 1);
    assertEquals(27_000, standard.nextDelayMs(1, 0.5).getAsLong());
  }

  @Test
  void afterTheLastAttemptTheScheduleGivesUp() {
    assertTrue(standard.nextDelayMs(standard.attemptsMax() - 1, 0).isPresent());
    assertEquals(OptionalLong.empty(), standard.nextDelayMs(standard.attemptsMax(), 0));
    assertEquals(OptionalLong.empty(), new RetrySchedule(List.of(10L), 1, 0).nextDelayMs(1, 0));
  }

  @Test
  void nonsensicalSchedulesAndCallsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(List.of(), 3, 0));
    assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(List.of(-1L), 3, 0));
    assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(List.of(1L), 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(List.of(1L), 3, 1.0));
    assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(List.of(1L), 3, -0.1));
    assertThrows(IllegalArgumentException.class, () -> standard.nextDelayMs(0, 0));
  }
}
