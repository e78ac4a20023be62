package org.clearing.refund;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A refund's status and its one transition table. A channel refund is REQUESTED, then SUCCEEDED
 * (the channel gave the money back) or FAILED (it refused; the lines can be refunded again), or
 * ACCEPTED meanwhile and UNKNOWN when the channel's answer was lost (resolved by query, never
 * guessed). An authority refund is REQUESTED, CONFIRMED by the authority, then PAID_BACK.
 */
public enum RefundStatus {
  REQUESTED,
  ACCEPTED,
  UNKNOWN,
  SUCCEEDED,
  FAILED,
  CONFIRMED,
  PAID_BACK;

  private static final Map<RefundStatus, Set<RefundStatus>> NEXT = new EnumMap<>(RefundStatus.class);

  static {
    NEXT.put(REQUESTED, Set.of(ACCEPTED, UNKNOWN, SUCCEEDED, FAILED, CONFIRMED));
    NEXT.put(ACCEPTED, Set.of(SUCCEEDED, FAILED));
    NEXT.put(UNKNOWN, Set.of(ACCEPTED, SUCCEEDED, FAILED));
    NEXT.put(CONFIRMED, Set.of(PAID_BACK));
    NEXT.put(SUCCEEDED, Set.of());
    NEXT.put(FAILED, Set.of());
    NEXT.put(PAID_BACK, Set.of());
  }

  public boolean canMoveTo(RefundStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The statuses from which {@code next} may be reached, for guarded updates. */
  public static String[] from(RefundStatus next) {
    return NEXT.entrySet().stream().filter(e -> e.getValue().contains(next))
        .map(e -> e.getKey().name()).toArray(String[]::new);
  }

  public static Optional<RefundStatus> parse(String name) {
    for (RefundStatus status : values()) {
      if (status.name().equals(name)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }

  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == PAID_BACK;
  }
}
