package org.clearing.recon.match;

// Proves the cut-off window: one-sided items within the configured distance of midnight (Beijing
// time) are PENDING rather than LONG, SHORT or STATUS_MISMATCH, and only within that distance.

import static org.clearing.channel.Channel.ALIPAY;
import static org.clearing.recon.match.Fixtures.DAY;
import static org.clearing.recon.match.Fixtures.paid;
import static org.clearing.recon.match.Fixtures.payment;
import static org.clearing.recon.match.Fixtures.refund;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingWindowTest {

  @TempDir Path temp;

  private static Instant beijing(int dayOffset, int hour, int minute, int second) {
    return DAY.plusDays(dayOffset).atTime(LocalTime.of(hour, minute, second))
        .toInstant(MatchOptions.BEIJING);
  }

  private ReconClass enginePaymentAlone(Instant at, Duration window) {
    return Fixtures.run(Fixtures.options(ALIPAY, temp).withPendingWindow(window), List.of(),
        List.of(paid(ALIPAY, "ATF1", "T1", 100, at))).items().get(0).reconClass();
  }

  private ReconClass billPaymentAlone(Instant at, Duration window) {
    return Fixtures.run(Fixtures.options(ALIPAY, temp).withPendingWindow(window),
        List.of(payment(ALIPAY, "ATF1", "T1", 100, 0, at)), List.of()).items().get(0).reconClass();
  }

  @Test
  void anEnginePaymentTwoMinutesBeforeMidnightIsPendingNotShort() {
    assertEquals(ReconClass.PENDING,
        enginePaymentAlone(beijing(0, 23, 58, 0), Duration.ofMinutes(5)));
  }

  @Test
  void anEnginePaymentTenMinutesBeforeMidnightIsShort() {
    assertEquals(ReconClass.SHORT, enginePaymentAlone(beijing(0, 23, 50, 0), Duration.ofMinutes(5)));
  }

  @Test
  void theWindowIsConfigurable() {
    assertEquals(ReconClass.SHORT, enginePaymentAlone(beijing(0, 23, 58, 0), Duration.ofMinutes(1)));
    assertEquals(ReconClass.SHORT, enginePaymentAlone(beijing(0, 23, 59, 59), Duration.ZERO));
  }

  @Test
  void aBillPaymentJustAfterTheDayStartedIsPendingNotLong() {
    assertEquals(ReconClass.PENDING, billPaymentAlone(beijing(0, 0, 2, 0), Duration.ofMinutes(5)));
    assertEquals(ReconClass.LONG, billPaymentAlone(beijing(0, 0, 6, 0), Duration.ofMinutes(5)));
  }

  @Test
  void theBoundaryIsMidnightBeijingTimeNotUtc() {
    // 23:58 UTC is 07:58 Beijing the next day: far from any Beijing midnight.
    Instant utcNearMidnight = DAY.atTime(23, 58).toInstant(java.time.ZoneOffset.UTC);
    assertEquals(ReconClass.SHORT, enginePaymentAlone(utcNearMidnight.minus(Duration.ofDays(1)),
        Duration.ofMinutes(5)));
    assertEquals(ReconClass.PENDING, enginePaymentAlone(beijing(1, 0, 1, 0), Duration.ofMinutes(5)),
        "just after the day's end counts too: the bill may have taken it into this day");
  }

  @Test
  void aChannelRefundNearMidnightWithoutItsEngineRefundIsPending() {
    Fixtures.Run run = Fixtures.run(Fixtures.options(ALIPAY, temp),
        List.of(refund(ALIPAY, "ATF1", "T1", "RF1", 100, 0, beijing(0, 23, 59, 0))), List.of());

    assertEquals(ReconClass.PENDING, run.items().get(0).reconClass());
  }

  @Test
  void anEngineRefundStillInFlightIsPendingWhateverTheTime() {
    Fixtures.Run run = Fixtures.run(Fixtures.options(ALIPAY, temp), List.of(),
        List.of(EngineRecord.refund(ALIPAY, "ATF1", "T1", "RF1", 100, EngineRecord.Status.PENDING,
            beijing(0, 12, 0, 0))));

    assertEquals(ReconClass.PENDING, run.items().get(0).reconClass());
  }

  @Test
  void aNegativeWindowOrADayThatEndsBeforeItStartsIsRefused() {
    MatchOptions options = Fixtures.options(ALIPAY, temp);
    assertThrows(IllegalArgumentException.class,
        () -> options.withPendingWindow(Duration.ofMinutes(-1)));
    assertThrows(IllegalArgumentException.class, () -> new MatchOptions(ALIPAY, DAY,
        options.dayEnd(), options.dayStart(), Duration.ZERO, 10, 2, 10, temp, false));
  }


}
