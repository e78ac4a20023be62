package org.clearing.order;

/** An order's status. Only {@link OrderTransitions} decides how one status leads to another. */
public enum OrderStatus {
  OPEN,
  PAID,
  SETTLED,
  COMPLETE,
  REFUNDING,
  REFUNDED,
  EXPIRED,
  CANCELLED,
  EXCEPTION;

  /** Whether nothing further is expected of the order, short of a person's resolution. */
  public boolean isFinal() {
    return this == COMPLETE || this == REFUNDED || this == EXPIRED || this == CANCELLED;
  }
}
