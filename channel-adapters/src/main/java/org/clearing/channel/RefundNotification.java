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
 * @param parentOutTradeNo our order's number at the channel as the engine opened it (for a WeChat
 *     refund of a combined-payment sub-order, the combined order's number)
 * @param parentOutRefundNo our refund number as the engine asked for it (WeChat refunds a
 *     combined payment leg by leg, each with a number of its own)
 * @param legNo the leg this notification is about when the channel refunds leg by leg; 0 when it
 *     is about the whole refund
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
    PayeeIdentity payee,
    String parentOutTradeNo,
    String parentOutRefundNo,
    int legNo)
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
    parentOutTradeNo = parentOutTradeNo == null || parentOutTradeNo.isEmpty() ? outTradeNo : parentOutTradeNo;
    parentOutRefundNo = parentOutRefundNo == null || parentOutRefundNo.isEmpty() ? outRefundNo : parentOutRefundNo;
    if (legNo < 0) {
      throw new IllegalArgumentException("leg number " + legNo);
    }
  }

  /**
   * A notification with the numbers as the channel sends them: the parent numbers and the leg are
   * read from them ({@link OutTradeNumbers}); a refund of no part is about the whole refund.
   */
  public RefundNotification(Channel channel, String eventId, String outTradeNo, String transactionId,
      String outRefundNo, String refundId, Money amount, Status status, Instant occurredAt,
      PayeeIdentity payee) {
    this(channel, eventId, outTradeNo, transactionId, outRefundNo, refundId, amount, status, occurredAt,
        payee, OutTradeNumbers.parent(channel, outTradeNo), OutTradeNumbers.parent(channel, outRefundNo),
        OutTradeNumbers.legNo(channel, outRefundNo));
  }
}
