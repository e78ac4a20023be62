package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The channel orders' one transition table: opening, open (again on a re-open), then paid or
 * closed; a payment on a closed order is still money, and a paid order is never closed.
 */
class ChannelOrderStatusTest {

  @Test
  void anOpeningOrOpenChannelOrderCanBeOpenedPaidOrClosed() {
    for (ChannelOrderStatus from : EnumSet.of(ChannelOrderStatus.OPENING, ChannelOrderStatus.OPEN)) {
      assertTrue(from.canMoveTo(ChannelOrderStatus.OPEN), from.toString());
      assertTrue(from.canMoveTo(ChannelOrderStatus.PAID), from.toString());
      assertTrue(from.canMoveTo(ChannelOrderStatus.CLOSED), from.toString());
      assertFalse(from.canMoveTo(ChannelOrderStatus.OPENING), from.toString());
    }
  }

  @Test
  void aPaidChannelOrderIsFinal() {
    for (ChannelOrderStatus next : ChannelOrderStatus.values()) {
      assertFalse(ChannelOrderStatus.PAID.canMoveTo(next), next.toString());
    }
  }

  @Test
  void aClosedChannelOrderCanOnlyStillBePaid() {
    assertTrue(ChannelOrderStatus.CLOSED.canMoveTo(ChannelOrderStatus.PAID));
    assertFalse(ChannelOrderStatus.CLOSED.canMoveTo(ChannelOrderStatus.OPEN));
    assertFalse(ChannelOrderStatus.CLOSED.canMoveTo(ChannelOrderStatus.CLOSED));
  }

  @Test
  void theGuardOfEachMoveIsExactlyTheStatusesThatMayMakeIt() {
    assertEquals(EnumSet.of(ChannelOrderStatus.OPENING, ChannelOrderStatus.OPEN, ChannelOrderStatus.CLOSED),
        ChannelOrderStatus.from(ChannelOrderStatus.PAID));
    assertEquals(EnumSet.of(ChannelOrderStatus.OPENING, ChannelOrderStatus.OPEN),
        ChannelOrderStatus.from(ChannelOrderStatus.CLOSED));
    assertEquals(EnumSet.of(ChannelOrderStatus.OPENING, ChannelOrderStatus.OPEN),
        ChannelOrderStatus.from(ChannelOrderStatus.OPEN));
    assertTrue(ChannelOrderStatus.from(ChannelOrderStatus.OPENING).isEmpty());
  }
}
