package org.clearing.payment;

import java.util.Optional;
import org.clearing.channel.PayeeIdentity;
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
    NOT_PAYABLE,
    /**
     * Paid to somebody else (another merchant, app, sub-merchant or receiver than the channel
     * order named): not our money, so it is booked nowhere, not even in suspense, and refused.
     */
    FOREIGN
  }

  /**
   * @param expectedPayee who the engine named as paid when it opened this channel order; empty
   *     when it recorded none (an unknown order, or one opened before payees were recorded),
   *     where the adapter's check of its own merchant and app is all there is
   */
  public static Outcome decide(OrderStatus status, long totalFen, Optional<PayeeIdentity> expectedPayee,
      PaymentNotification payment) {
    if (!payment.successful()) {
      return Outcome.NOT_SUCCESSFUL;
    }
    if (!isOurs(expectedPayee, payment.payee())) {
      return Outcome.FOREIGN;
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

  /**
   * Whether a notification (payment, refund or query answer) naming {@code reported} as paid is
   * ours: every field that says who was paid must equal what the channel order was opened with.
   */
  public static boolean isOurs(Optional<PayeeIdentity> expectedPayee, PayeeIdentity reported) {
    return expectedPayee.map(expected -> expected.admits(reported)).orElse(true);
  }
}
