package org.clearing.payment;

import org.clearing.channel.PaymentNotification;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;

/**
 * What a verified payment does to its order, decided in one place. The order moves only through
 * the transition table; everything else is recorded in the inbox for a person or a later job.
 */
public final class PaymentDecision {

  private PaymentDecision() {}

  /** The decision for one payment. */
  public enum Outcome {
    /** The order is paid by this payment. */
    APPLIED,
    /** The channel reports no success; nothing to book. */
    NOT_SUCCESSFUL,
    /** Money arrived for an order we do not know: held in suspense. */
    UNKNOWN_ORDER,
    /** The amount or currency differs from the order: the order goes to EXCEPTION. */
    AMOUNT_MISMATCH,
    /** The order could not take it (already paid, cancelled, expired): money to give back. */
    NOT_PAYABLE
  }

  public static Outcome decide(OrderStatus status, long totalFen, PaymentNotification payment) {
    if (!payment.successful()) {
      return Outcome.NOT_SUCCESSFUL;
    }
    if (status == null) {
      return Outcome.UNKNOWN_ORDER;
    }
    if (OrderTransitions.next(status, OrderEvent.PAY).isEmpty()) {
      return Outcome.NOT_PAYABLE;
    }
    if (payment.amount().fen() != totalFen || !"CNY".equals(payment.currency())) {
      return Outcome.AMOUNT_MISMATCH;
    }
    return Outcome.APPLIED;
  }
}
