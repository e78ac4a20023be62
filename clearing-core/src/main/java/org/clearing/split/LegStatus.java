package org.clearing.split;

import java.util.Set;
import org.clearing.state.TransitionTable;

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

  private static final TransitionTable<LegStatus> TABLE = TransitionTable.of(LegStatus.class)
      .allow(PLANNED, PAID)
      .allow(PAID, SETTLED, REFUNDED)
      .isFinal(SETTLED)
      .isFinal(REFUNDED)
      .build();

  public boolean canMoveTo(LegStatus next) {
    return TABLE.allows(this, next);
  }

  /** The statuses from which {@code next} may be reached, for the guarded update. */
  public static Set<LegStatus> from(LegStatus next) {
    return TABLE.from(next);
  }

  /** Whether nothing further will happen to the leg's money in the engine. */
  public boolean isFinal() {
    return TABLE.isFinal(this);
  }
}
