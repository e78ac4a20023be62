package org.clearing.split;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A leg's status and its one transition table. A leg is PLANNED when its order is created, PAID
 * with the order, then either SETTLED (the channel reports its money reached the payee account)
 * or REFUNDED (the channel gave all of it back before settlement, so nothing of it will settle).
 * Nothing else assigns a leg status: {@link Legs#transition} writes only what this table allows.
 *
 * <p>There is no BOOKED or RECONCILED leg: an authority's confirmation is recorded on the order
 * line it confirms ({@code order_line.confirmation_no}) and a reconciliation's verdict on its
 * item ({@code recon_item}), and no code ever moved a leg into either; the statuses were removed
 * rather than kept as states nothing reaches.
 */
public enum LegStatus {
  PLANNED,
  PAID,
  SETTLED,
  REFUNDED;

  private static final Map<LegStatus, Set<LegStatus>> NEXT = new EnumMap<>(LegStatus.class);

  static {
    NEXT.put(PLANNED, EnumSet.of(PAID));
    NEXT.put(PAID, EnumSet.of(SETTLED, REFUNDED));
    NEXT.put(SETTLED, EnumSet.noneOf(LegStatus.class));
    NEXT.put(REFUNDED, EnumSet.noneOf(LegStatus.class));
  }

  public boolean canMoveTo(LegStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<LegStatus> from(LegStatus next) {
    Set<LegStatus> from = EnumSet.noneOf(LegStatus.class);
    NEXT.forEach((status, targets) -> {
      if (targets.contains(next)) {
        from.add(status);
      }
    });
    return from;
  }

  /** Whether nothing further will happen to the leg's money in the engine. */
  public boolean isFinal() {
    return NEXT.get(this).isEmpty();
  }
}
