package org.clearing.channel.alipay;

import java.time.Instant;
import java.util.Objects;
import org.clearing.channel.Money;

/**
 * What the sandbox tells a merchant about one trade in a {@code trade_status_sync} notification
 * (Alipay's documentation): the trade's state at the channel, plus the refund fields when the
 * notification reports a refund.
 *
 * @param notifyId the event id; the same across resends of this event
 * @param tradeStatus WAIT_BUYER_PAY, TRADE_CLOSED, TRADE_SUCCESS or TRADE_FINISHED
 * @param gmtPayment when the payer paid; null before payment
 * @param refund the refund this notification reports, or null for a payment notification
 */
public record AlipayTradeNotice(
    String appId,
    String notifyId,
    String tradeNo,
    String outTradeNo,
    String buyerId,
    String sellerId,
    Money totalAmount,
    Money receiptAmount,
    Money buyerPayAmount,
    String tradeStatus,
    Instant gmtCreate,
    Instant gmtPayment,
    String subject,
    Refund refund) {

  /**
   * The refund fields of a refund notification.
   *
   * @param refundFee the total refunded on the trade so far, this refund included
   * @param gmtRefund when the refund happened
   * @param outBizNo the refund's {@code out_request_no}
   */
  public record Refund(Money refundFee, Instant gmtRefund, String outBizNo) {
    public Refund {
      Objects.requireNonNull(refundFee, "refundFee");
      Objects.requireNonNull(gmtRefund, "gmtRefund");
      Objects.requireNonNull(outBizNo, "outBizNo");
    }
  }

  public AlipayTradeNotice {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(notifyId, "notifyId");
    Objects.requireNonNull(tradeNo, "tradeNo");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(sellerId, "sellerId");
    Objects.requireNonNull(totalAmount, "totalAmount");
    Objects.requireNonNull(tradeStatus, "tradeStatus");
    Objects.requireNonNull(gmtCreate, "gmtCreate");
    buyerId = buyerId == null ? "" : buyerId;
    subject = subject == null ? "" : subject;
  }
}
