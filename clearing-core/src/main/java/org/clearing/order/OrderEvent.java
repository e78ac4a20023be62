package org.clearing.order;

/** What can happen to an order. */
public enum OrderEvent {
  PAY,
  ALL_LEGS_SETTLED,
  ALL_CONFIRMED,
  REFUND,
  REFUND_COMPLETED,
  REFUND_FAILED,
  EXPIRE,
  CANCEL,
  FAULT
}
