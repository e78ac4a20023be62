package org.clearing.order;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of allowed order transitions. Nothing else assigns an order status:
 * repositories write only what {@link #next} returns, and guard the write with the status it
 * started from.
 */
public final class OrderTransitions {

  private static final Map<OrderStatus, Map<OrderEvent, OrderStatus>> TABLE =
      new EnumMap<>(OrderStatus.class);

  static {
    allow(OrderStatus.OPEN, OrderEvent.PAY, OrderStatus.PAID);
    allow(OrderStatus.OPEN, OrderEvent.EXPIRE, OrderStatus.EXPIRED);
    allow(OrderStatus.OPEN, OrderEvent.CANCEL, OrderStatus.CANCELLED);
    allow(OrderStatus.PAID, OrderEvent.ALL_LEGS_SETTLED, OrderStatus.SETTLED);
    allow(OrderStatus.PAID, OrderEvent.REFUND, OrderStatus.REFUNDING);
    allow(OrderStatus.SETTLED, OrderEvent.ALL_CONFIRMED, OrderStatus.COMPLETE);
    allow(OrderStatus.SETTLED, OrderEvent.REFUND, OrderStatus.REFUNDING);
    allow(OrderStatus.REFUNDING, OrderEvent.REFUND_COMPLETED, OrderStatus.REFUNDED);
    // A whole refund the channel refused leaves the order paid, as it was: channel refunds
    // happen only before settlement.
    allow(OrderStatus.REFUNDING, OrderEvent.REFUND_FAILED, OrderStatus.PAID);
    // An exception is left only by a person's decision (ExceptionResolutions): the payment held in
    // suspense is accepted (the order is paid) or given back (the order is refunded, like any
    // refunded order, once the channel confirms).
    allow(OrderStatus.EXCEPTION, OrderEvent.ACCEPT_PAYMENT, OrderStatus.PAID);
    allow(OrderStatus.EXCEPTION, OrderEvent.RETURN_PAYMENT, OrderStatus.REFUNDING);
    for (OrderStatus status : OrderStatus.values()) {
      if (status != OrderStatus.EXCEPTION) {
        allow(status, OrderEvent.FAULT, OrderStatus.EXCEPTION);
      }
    }
  }

  private OrderTransitions() {}

  private static void allow(OrderStatus from, OrderEvent event, OrderStatus to) {
    TABLE.computeIfAbsent(from, f -> new EnumMap<>(OrderEvent.class)).put(event, to);
  }

  /** The status {@code event} leads to from {@code from}, or empty if the table forbids it. */
  public static Optional<OrderStatus> next(OrderStatus from, OrderEvent event) {
    return Optional.ofNullable(TABLE.getOrDefault(from, Map.of()).get(event));
  }

  /** Whether some event leads from {@code from} to {@code to}. */
  public static boolean allows(OrderStatus from, OrderStatus to) {
    return TABLE.getOrDefault(from, Map.of()).containsValue(to);
  }
}
