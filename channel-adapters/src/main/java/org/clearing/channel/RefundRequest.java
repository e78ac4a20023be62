package org.clearing.channel;

import java.util.List;
import java.util.Objects;

/**
 * A refund of (part of) a payment.
 *
 * @param outTradeNo our order number at the channel
 * @param transactionId the payment's channel transaction id
 * @param outRefundNo our refund number, the idempotency key at the channel
 * @param amount what to refund, in fen
 * @param paymentTotal the whole payment, in fen (WeChat and UnionPay want it)
 * @param legs for a per-leg refund the legs it takes back (amounts are the refunded parts);
 *     empty for a refund that is not split-aware
 * @param notifyUrl where refund notifications go
 * @param reason a short reason the payer may see
 */
public record RefundRequest(
    String outTradeNo,
    String transactionId,
    String outRefundNo,
    Money amount,
    Money paymentTotal,
    List<SplitLeg> legs,
    String notifyUrl,
    String reason) {

  public RefundRequest {
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(outRefundNo, "outRefundNo");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(paymentTotal, "paymentTotal");
    Objects.requireNonNull(notifyUrl, "notifyUrl");
    legs = List.copyOf(legs);
    reason = reason == null ? "" : reason;
    if (!amount.isPositive() || amount.compareTo(paymentTotal) > 0) {
      throw new IllegalArgumentException("refund " + amount + " of a payment of " + paymentTotal);
    }
  }
}
