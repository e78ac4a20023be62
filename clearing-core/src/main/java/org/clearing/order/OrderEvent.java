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
  FAULT,
  /** A person accepted the payment held in suspense against the order (it covers the total). */
  ACCEPT_PAYMENT,
  /** A person decided the payment held in suspense goes back to the payer through its channel. */
  RETURN_PAYMENT
}
