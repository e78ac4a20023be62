package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

// Proves when the daily job reconciles: yesterday in Beijing time, once the configured hour has passed there.
class DueDayTest {

  private static final LocalTime RUN_AT = LocalTime.of(10, 30);

  @Test
  void beforeTheHourInBeijingNothingIsDue() {
    // 02:29 UTC is 10:29 in Beijing.
    assertEquals(Optional.empty(), ReconciliationRun.dueDay(Instant.parse("2026-11-27T02:29:59Z"), RUN_AT));
  }

  @Test
  void fromTheHourInBeijingYesterdayIsDue() {
    assertEquals(Optional.of(LocalDate.of(2026, 11, 26)),
        ReconciliationRun.dueDay(Instant.parse("2026-11-27T02:30:00Z"), RUN_AT));
  }

  @Test
  void theBeijingDateCountsNotTheUtcOne() {
    // 17:00 UTC on the 27th is 01:00 on the 28th in Beijing: before the hour, nothing is due yet,
    // and at 23:00 UTC (07:00 Beijing, a later run hour of 06:00) the 27th is due.
    assertEquals(Optional.empty(), ReconciliationRun.dueDay(Instant.parse("2026-11-27T17:00:00Z"), RUN_AT));
    assertEquals(Optional.of(LocalDate.of(2026, 11, 27)),
        ReconciliationRun.dueDay(Instant.parse("2026-11-27T23:00:00Z"), LocalTime.of(6, 0)));
  }
}
