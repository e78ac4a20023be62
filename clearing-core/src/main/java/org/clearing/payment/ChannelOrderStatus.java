package org.clearing.payment;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A channel order's status and its one transition table. The row is OPENING before the channel is
 * called, OPEN once the channel answered (OPEN again on a re-open, which sends the request anew),
 * PAID when money came through it, CLOSED when the channel confirmed it closed. A payment that
 * still arrives on a CLOSED order is money the channel took, so CLOSED may become PAID (the intake
 * books it and, where the order could not take it, gives it back); PAID is never closed. Nothing
 * else assigns a channel order status: {@link ChannelOrders#transition} writes only what this
 * table allows.
 */
public enum ChannelOrderStatus {
  OPENING,
  OPEN,
  PAID,
  CLOSED;

  private static final Map<ChannelOrderStatus, Set<ChannelOrderStatus>> NEXT =
      new EnumMap<>(ChannelOrderStatus.class);

  static {
    NEXT.put(OPENING, EnumSet.of(OPEN, PAID, CLOSED));
    NEXT.put(OPEN, EnumSet.of(OPEN, PAID, CLOSED));
    NEXT.put(CLOSED, EnumSet.of(PAID));
    NEXT.put(PAID, EnumSet.noneOf(ChannelOrderStatus.class));
  }

  public boolean canMoveTo(ChannelOrderStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<ChannelOrderStatus> from(ChannelOrderStatus next) {
    Set<ChannelOrderStatus> from = EnumSet.noneOf(ChannelOrderStatus.class);
    NEXT.forEach((status, targets) -> {
      if (targets.contains(next)) {
        from.add(status);
      }
    });
    return from;
  }

  /** Statuses in which the channel may still take a payment: the query and close jobs look at these. */
  public static final Set<ChannelOrderStatus> UNFINISHED = EnumSet.of(OPENING, OPEN);
}
