package org.clearing.refund;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The refund legs' one transition table: requested, then the channel's answer or the authority's two steps. */
class RefundLegStatusTest {

  @Test
  void aRequestedLegSucceedsFailsOrIsConfirmedByTheAuthority() {
    assertEquals(EnumSet.of(RefundLegStatus.SUCCEEDED, RefundLegStatus.FAILED, RefundLegStatus.CONFIRMED),
        reachable(RefundLegStatus.REQUESTED));
  }

  @Test
  void aConfirmedLegCanOnlyBePaidBack() {
    assertEquals(EnumSet.of(RefundLegStatus.PAID_BACK), reachable(RefundLegStatus.CONFIRMED));
  }

  @Test
  void succeededFailedAndPaidBackLegsAreFinal() {
    for (RefundLegStatus status : EnumSet.of(RefundLegStatus.SUCCEEDED, RefundLegStatus.FAILED, RefundLegStatus.PAID_BACK)) {
      assertTrue(status.isFinal(), status.toString());
      assertTrue(reachable(status).isEmpty(), status.toString());
    }
    assertFalse(RefundLegStatus.REQUESTED.isFinal());
    assertFalse(RefundLegStatus.CONFIRMED.isFinal());
  }

  @Test
  void noLegIsPaidBackUnconfirmedOrComesBackFromAnAnswer() {
    assertFalse(RefundLegStatus.REQUESTED.canMoveTo(RefundLegStatus.PAID_BACK));
    assertFalse(RefundLegStatus.SUCCEEDED.canMoveTo(RefundLegStatus.FAILED));
    assertFalse(RefundLegStatus.FAILED.canMoveTo(RefundLegStatus.SUCCEEDED));
    assertFalse(RefundLegStatus.PAID_BACK.canMoveTo(RefundLegStatus.CONFIRMED));
  }

  @Test
  void theGuardOfEachTargetIsExactlyTheStatusesThatMayReachIt() {
    for (RefundLegStatus to : RefundLegStatus.values()) {
      EnumSet<RefundLegStatus> expected = EnumSet.noneOf(RefundLegStatus.class);
      for (RefundLegStatus from : RefundLegStatus.values()) {
        if (from.canMoveTo(to)) {
          expected.add(from);
        }
      }
      assertEquals(expected, RefundLegStatus.from(to), to.toString());
    }
    assertEquals(EnumSet.of(RefundLegStatus.CONFIRMED), RefundLegStatus.from(RefundLegStatus.PAID_BACK));
  }

  private static EnumSet<RefundLegStatus> reachable(RefundLegStatus from) {
    EnumSet<RefundLegStatus> next = EnumSet.noneOf(RefundLegStatus.class);
    for (RefundLegStatus to : RefundLegStatus.values()) {
      if (from.canMoveTo(to)) {
        next.add(to);
      }
    }
    return next;
  }
}
