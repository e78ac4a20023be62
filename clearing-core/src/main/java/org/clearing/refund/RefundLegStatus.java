package org.clearing.refund;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

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

  private static final Map<RefundLegStatus, Set<RefundLegStatus>> NEXT = new EnumMap<>(RefundLegStatus.class);

  static {
    NEXT.put(REQUESTED, EnumSet.of(SUCCEEDED, FAILED, CONFIRMED));
    NEXT.put(CONFIRMED, EnumSet.of(PAID_BACK));
    NEXT.put(SUCCEEDED, EnumSet.noneOf(RefundLegStatus.class));
    NEXT.put(FAILED, EnumSet.noneOf(RefundLegStatus.class));
    NEXT.put(PAID_BACK, EnumSet.noneOf(RefundLegStatus.class));
  }

  public boolean canMoveTo(RefundLegStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<RefundLegStatus> from(RefundLegStatus next) {
    Set<RefundLegStatus> from = EnumSet.noneOf(RefundLegStatus.class);
    NEXT.forEach((status, targets) -> {
      if (targets.contains(next)) {
        from.add(status);
      }
    });
    return from;
  }

  /** Whether nothing further will happen to the leg. */
  public boolean isFinal() {
    return NEXT.get(this).isEmpty();
  }
}
