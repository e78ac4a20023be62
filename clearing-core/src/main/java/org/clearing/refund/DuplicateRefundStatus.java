package org.clearing.refund;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

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

  private static final Map<DuplicateRefundStatus, Set<DuplicateRefundStatus>> NEXT =
      new EnumMap<>(DuplicateRefundStatus.class);

  static {
    NEXT.put(REQUESTED, EnumSet.of(ACCEPTED, UNKNOWN, SUCCEEDED, FAILED));
    NEXT.put(UNKNOWN, EnumSet.of(ACCEPTED, UNKNOWN, SUCCEEDED, FAILED));
    NEXT.put(ACCEPTED, EnumSet.of(ACCEPTED, SUCCEEDED, FAILED));
    NEXT.put(FAILED, EnumSet.of(SUCCEEDED));
    NEXT.put(SUCCEEDED, EnumSet.noneOf(DuplicateRefundStatus.class));
  }

  public boolean canMoveTo(DuplicateRefundStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<DuplicateRefundStatus> from(DuplicateRefundStatus next) {
    Set<DuplicateRefundStatus> from = EnumSet.noneOf(DuplicateRefundStatus.class);
    NEXT.forEach((status, targets) -> {
      if (targets.contains(next)) {
        from.add(status);
      }
    });
    return from;
  }

  /** Statuses the job still works on: it asks the channel (or sends the refund) for these. */
  public static final Set<DuplicateRefundStatus> DUE = EnumSet.of(REQUESTED, UNKNOWN, ACCEPTED);
}
