package org.clearing.payment;

import java.util.EnumSet;
import java.util.Set;
import org.clearing.state.TransitionTable;

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

  private static final TransitionTable<ChannelOrderStatus> TABLE = TransitionTable.of(ChannelOrderStatus.class)
      .allow(OPENING, OPEN, PAID, CLOSED)
      .allow(OPEN, OPEN, PAID, CLOSED)
      .allow(CLOSED, PAID)
      .isFinal(PAID)
      .build();

  public boolean canMoveTo(ChannelOrderStatus next) {
    return TABLE.allows(this, next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<ChannelOrderStatus> from(ChannelOrderStatus next) {
    return TABLE.from(next);
  }

  /** Statuses in which the channel may still take a payment: the query and close jobs look at these. */
  public static final Set<ChannelOrderStatus> UNFINISHED = EnumSet.of(OPENING, OPEN);
}
