package org.clearing.refund;

import java.util.EnumSet;
import java.util.Set;
import org.clearing.state.TransitionTable;

/**
 * A duplicate payment refund's status and its one transition table. It is REQUESTED when found,
 * UNKNOWN when the channel's answer was lost (asked again, never guessed), ACCEPTED when the
 * channel took it without confirming (it stays ACCEPTED while asked about), FAILED when refused
 * (held for a person), SUCCEEDED when the channel gave the money back. A refused refund may still
 * be confirmed by the channel (its notification is the truth about the money), so FAILED may
 * become SUCCEEDED; SUCCEEDED is final. Nothing else assigns the status:
 * {@link DuplicatePaymentRefunds#transition} writes only what this table allows.
 */
public enum DuplicateRefundStatus {
  REQUESTED,
  ACCEPTED,
  UNKNOWN,
  SUCCEEDED,
  FAILED;

  private static final TransitionTable<DuplicateRefundStatus> TABLE = TransitionTable.of(DuplicateRefundStatus.class)
      .allow(REQUESTED, ACCEPTED, UNKNOWN, SUCCEEDED, FAILED)
      .allow(UNKNOWN, ACCEPTED, UNKNOWN, SUCCEEDED, FAILED)
      .allow(ACCEPTED, ACCEPTED, SUCCEEDED, FAILED)
      .allow(FAILED, SUCCEEDED)
      .isFinal(SUCCEEDED)
      .build();

  public boolean canMoveTo(DuplicateRefundStatus next) {
    return TABLE.allows(this, next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<DuplicateRefundStatus> from(DuplicateRefundStatus next) {
    return TABLE.from(next);
  }

  /** Statuses the job still works on: it asks the channel (or sends the refund) for these. */
  public static final Set<DuplicateRefundStatus> DUE = EnumSet.of(REQUESTED, UNKNOWN, ACCEPTED);
}
