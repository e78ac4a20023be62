package org.clearing.refund;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The duplicate refunds' one transition table: asked about until answered, never un-refunded. */
class DuplicateRefundStatusTest {

  @Test
  void aRequestedOrUnknownRefundCanTakeAnyAnswer() {
    EnumSet<DuplicateRefundStatus> answers = EnumSet.of(DuplicateRefundStatus.ACCEPTED,
        DuplicateRefundStatus.UNKNOWN, DuplicateRefundStatus.SUCCEEDED, DuplicateRefundStatus.FAILED);
    assertEquals(answers, reachable(DuplicateRefundStatus.REQUESTED));
    assertEquals(answers, reachable(DuplicateRefundStatus.UNKNOWN));
  }

  @Test
  void anAcceptedRefundNeverBecomesUnknownAgain() {
    assertEquals(EnumSet.of(DuplicateRefundStatus.ACCEPTED, DuplicateRefundStatus.SUCCEEDED,
        DuplicateRefundStatus.FAILED), reachable(DuplicateRefundStatus.ACCEPTED));
  }

  @Test
  void aRefusedRefundCanOnlyStillBeConfirmedAndASucceededOneIsFinal() {
    assertEquals(EnumSet.of(DuplicateRefundStatus.SUCCEEDED), reachable(DuplicateRefundStatus.FAILED));
    assertTrue(reachable(DuplicateRefundStatus.SUCCEEDED).isEmpty());
    assertFalse(DuplicateRefundStatus.SUCCEEDED.canMoveTo(DuplicateRefundStatus.FAILED));
    assertFalse(DuplicateRefundStatus.FAILED.canMoveTo(DuplicateRefundStatus.UNKNOWN));
  }

  @Test
  void nothingGoesBackToRequestedAndTheJobWorksOnlyOnUnansweredRefunds() {
    for (DuplicateRefundStatus from : DuplicateRefundStatus.values()) {
      assertFalse(from.canMoveTo(DuplicateRefundStatus.REQUESTED), from.toString());
    }
    assertEquals(EnumSet.of(DuplicateRefundStatus.REQUESTED, DuplicateRefundStatus.UNKNOWN,
        DuplicateRefundStatus.ACCEPTED), DuplicateRefundStatus.DUE);
  }

  @Test
  void theGuardOfEachTargetIsExactlyTheStatusesThatMayReachIt() {
    for (DuplicateRefundStatus to : DuplicateRefundStatus.values()) {
      EnumSet<DuplicateRefundStatus> expected = EnumSet.noneOf(DuplicateRefundStatus.class);
      for (DuplicateRefundStatus from : DuplicateRefundStatus.values()) {
        if (from.canMoveTo(to)) {
          expected.add(from);
        }
      }
      assertEquals(expected, DuplicateRefundStatus.from(to), to.toString());
    }
  }

  private static EnumSet<DuplicateRefundStatus> reachable(DuplicateRefundStatus from) {
    EnumSet<DuplicateRefundStatus> next = EnumSet.noneOf(DuplicateRefundStatus.class);
    for (DuplicateRefundStatus to : DuplicateRefundStatus.values()) {
      if (from.canMoveTo(to)) {
        next.add(to);
      }
    }
    return next;
  }
}
