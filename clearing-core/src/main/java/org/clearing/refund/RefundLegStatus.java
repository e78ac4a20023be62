package org.clearing.refund;

import java.util.Set;
import org.clearing.state.TransitionTable;

/**
 * A refund leg's status and its one transition table. Every leg of a refund is REQUESTED with it.
 * A channel refund's leg becomes SUCCEEDED when the channel gave its part back (leg by leg for
 * WeChat's combined payments, or all at once with the refund) or FAILED when the channel refused
 * the refund. An authority refund's leg is CONFIRMED by the authority, then PAID_BACK. Nothing else
 * assigns a refund leg status: {@link RefundLegs#transition} writes only what this table allows.
 */
public enum RefundLegStatus {
  REQUESTED,
  SUCCEEDED,
  FAILED,
  CONFIRMED,
  PAID_BACK;

  private static final TransitionTable<RefundLegStatus> TABLE = TransitionTable.of(RefundLegStatus.class)
      .allow(REQUESTED, SUCCEEDED, FAILED, CONFIRMED)
      .allow(CONFIRMED, PAID_BACK)
      .isFinal(SUCCEEDED)
      .isFinal(FAILED)
      .isFinal(PAID_BACK)
      .build();

  public boolean canMoveTo(RefundLegStatus next) {
    return TABLE.allows(this, next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<RefundLegStatus> from(RefundLegStatus next) {
    return TABLE.from(next);
  }

  /** Whether nothing further will happen to the leg. */
  public boolean isFinal() {
    return TABLE.isFinal(this);
  }
}
