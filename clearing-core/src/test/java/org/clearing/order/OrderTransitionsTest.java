package org.clearing.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one transition table allows exactly the paths the order life cycle defines and nothing else. */
class OrderTransitionsTest {

  @Test
  void anOpenOrderCanBePaidExpiredOrCancelled() {
    assertEquals(Optional.of(OrderStatus.PAID), OrderTransitions.next(OrderStatus.OPEN, OrderEvent.PAY));
    assertEquals(Optional.of(OrderStatus.EXPIRED), OrderTransitions.next(OrderStatus.OPEN, OrderEvent.EXPIRE));
    assertEquals(Optional.of(OrderStatus.CANCELLED), OrderTransitions.next(OrderStatus.OPEN, OrderEvent.CANCEL));
  }

  @Test
  void finalStatusesLeadNowhereButToAnException() {
    for (OrderStatus status : OrderStatus.values()) {
      if (!status.isFinal()) {
        continue;
      }
      for (OrderEvent event : OrderEvent.values()) {
        Optional<OrderStatus> next = OrderTransitions.next(status, event);
        assertTrue(next.isEmpty() || next.get() == OrderStatus.EXCEPTION, status + " " + event);
      }
    }
  }

  @Test
  void aPaidOrderCannotBeCancelledOrPaidAgain() {
    assertTrue(OrderTransitions.next(OrderStatus.PAID, OrderEvent.CANCEL).isEmpty());
    assertTrue(OrderTransitions.next(OrderStatus.PAID, OrderEvent.PAY).isEmpty());
    assertTrue(OrderTransitions.next(OrderStatus.CANCELLED, OrderEvent.PAY).isEmpty());
  }

  @Test
  void theHappyPathEndsComplete() {
    OrderStatus status = OrderStatus.OPEN;
    for (OrderEvent event : new OrderEvent[] {OrderEvent.PAY, OrderEvent.ALL_LEGS_SETTLED, OrderEvent.ALL_CONFIRMED}) {
      status = OrderTransitions.next(status, event).orElseThrow();
    }
    assertEquals(OrderStatus.COMPLETE, status);
  }

  @Test
  void anExceptionIsLeftOnlyByAPersonsAcceptOrReturn() {
    for (OrderEvent event : OrderEvent.values()) {
      if (event != OrderEvent.ACCEPT_PAYMENT && event != OrderEvent.RETURN_PAYMENT) {
        assertTrue(OrderTransitions.next(OrderStatus.EXCEPTION, event).isEmpty(), event.name());
      }
    }
    assertEquals(Optional.of(OrderStatus.PAID), OrderTransitions.next(OrderStatus.EXCEPTION, OrderEvent.ACCEPT_PAYMENT));
    assertEquals(Optional.of(OrderStatus.REFUNDING), OrderTransitions.next(OrderStatus.EXCEPTION, OrderEvent.RETURN_PAYMENT));
    assertTrue(OrderTransitions.next(OrderStatus.OPEN, OrderEvent.ACCEPT_PAYMENT).isEmpty());
  }

  @Test
  void aMoveIsAllowedExactlyWhenSomeEventMakesIt() {
    for (OrderStatus from : OrderStatus.values()) {
      for (OrderStatus to : OrderStatus.values()) {
        boolean byEvent = false;
        for (OrderEvent event : OrderEvent.values()) {
          byEvent |= OrderTransitions.next(from, event).equals(Optional.of(to));
        }
        assertEquals(byEvent, OrderTransitions.allows(from, to), from + " -> " + to);
      }
    }
    assertTrue(OrderTransitions.allows(OrderStatus.OPEN, OrderStatus.PAID));
    assertTrue(!OrderTransitions.allows(OrderStatus.OPEN, OrderStatus.SETTLED));
  }
}
