package org.clearing.channel;

import java.time.Instant;
import java.util.Objects;

/**
 * A verified refund notification: the channel reports the outcome of a refund we requested.
 *
 * @param eventId the channel's id for this event, the inbox key
 * @param outTradeNo our order number at the channel
 * @param transactionId the original payment's channel transaction id
 * @param outRefundNo our refund number ({@code out_refund_no}, {@code out_request_no}, UnionPay's
 *     refund {@code orderId})
 * @param refundId the channel's id of the refund
 * @param amount the refunded amount in fen
 * @param status the refund's outcome
 * @param occurredAt when the channel says it happened
 * @param payee who the channel says refunded, as the message names it; a refund of somebody
 *     else's payment is not applied
 */
public record RefundNotification(
    Channel channel,
    String eventId,
    String outTradeNo,
    String transactionId,
    String outRefundNo,
    String refundId,
    Money amount,
    Status status,
    Instant occurredAt,
    PayeeIdentity payee)
    implements Notification {

  /** A refund's outcome as the channel reports it. */
  public enum Status {
    SUCCEEDED,
    FAILED,
    PROCESSING
  }

  public RefundNotification {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(outRefundNo, "outRefundNo");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(payee, "payee");
    transactionId = transactionId == null ? "" : transactionId;
    refundId = refundId == null ? "" : refundId;
  }
}
