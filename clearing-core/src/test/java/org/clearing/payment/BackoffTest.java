package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The wait before asking a channel again grows with each attempt, then repeats its last step. */
class BackoffTest {

  @Test
  void theDefaultWaitsGrowFromOneMinuteToAnHourAndStayThere() {
    Backoff backoff = Backoff.DEFAULT;
    assertEquals(60_000, backoff.delayMsAfter(1));
    assertEquals(120_000, backoff.delayMsAfter(2));
    assertEquals(300_000, backoff.delayMsAfter(3));
    assertEquals(3_600_000, backoff.delayMsAfter(6));
    assertEquals(3_600_000, backoff.delayMsAfter(29));
  }

  @Test
  void attemptsAreCountedFromOne() {
    assertThrows(IllegalArgumentException.class, () -> Backoff.DEFAULT.delayMsAfter(0));
  }

  @Test
  void emptyOrNonPositiveStepsAndNoAttemptsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(List.of(), 3));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(List.of(1_000L, 0L), 3));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(List.of(1_000L), 0));
  }
}
