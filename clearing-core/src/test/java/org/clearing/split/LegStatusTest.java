package org.clearing.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The legs' one transition table: planned, paid, then settled or refunded, and nothing else. */
class LegStatusTest {

  @Test
  void aPlannedLegCanOnlyBePaid() {
    assertEquals(EnumSet.of(LegStatus.PAID), reachable(LegStatus.PLANNED));
  }

  @Test
  void aPaidLegIsEitherSettledOrRefunded() {
    assertEquals(EnumSet.of(LegStatus.SETTLED, LegStatus.REFUNDED), reachable(LegStatus.PAID));
  }

  @Test
  void settledAndRefundedLegsAreFinal() {
    for (LegStatus status : EnumSet.of(LegStatus.SETTLED, LegStatus.REFUNDED)) {
      assertTrue(status.isFinal());
      assertTrue(reachable(status).isEmpty(), status.toString());
    }
    assertFalse(LegStatus.PAID.isFinal());
  }

  @Test
  void noLegSkipsPaymentOrComesBack() {
    assertFalse(LegStatus.PLANNED.canMoveTo(LegStatus.SETTLED));
    assertFalse(LegStatus.PLANNED.canMoveTo(LegStatus.REFUNDED));
    assertFalse(LegStatus.SETTLED.canMoveTo(LegStatus.PAID));
    assertFalse(LegStatus.REFUNDED.canMoveTo(LegStatus.SETTLED));
  }

  @Test
  void theGuardOfEachMoveIsExactlyTheStatusesThatMayMakeIt() {
    assertEquals(EnumSet.of(LegStatus.PLANNED), LegStatus.from(LegStatus.PAID));
    assertEquals(EnumSet.of(LegStatus.PAID), LegStatus.from(LegStatus.SETTLED));
    assertEquals(EnumSet.of(LegStatus.PAID), LegStatus.from(LegStatus.REFUNDED));
    assertTrue(LegStatus.from(LegStatus.PLANNED).isEmpty());
  }

  private static EnumSet<LegStatus> reachable(LegStatus from) {
    EnumSet<LegStatus> to = EnumSet.noneOf(LegStatus.class);
    for (LegStatus next : LegStatus.values()) {
      if (from.canMoveTo(next)) {
        to.add(next);
      }
    }
    return to;
  }
}
