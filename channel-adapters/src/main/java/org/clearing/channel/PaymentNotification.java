package org.clearing.channel;

import java.time.Instant;
import java.util.Objects;

/**
 * A verified payment notification (or query result): the channel says this merchant order was
 * paid by this channel transaction.
 *
 * @param eventId the channel's id for this delivery's event, stable across resends (WeChat's
 *     envelope {@code id}, Alipay's {@code notify_id}, UnionPay's {@code queryId}); the inbox key
 * @param outTradeNo our order number at the channel (as we sent it)
 * @param transactionId the channel's transaction id ({@code transaction_id}, {@code trade_no},
 *     {@code queryId}); booked at most once
 * @param amount what the order asked for, exactly, in fen
 * @param currency ISO 4217 code as the channel reports it ({@code CNY}; UnionPay's 156 maps here)
 * @param successful whether the channel reports the payment as successful
 * @param paidAt when the channel says the payment succeeded
 * @param payerRef a display-only payer reference (openid, buyer id, masked card), may be empty
 * @param payee who the channel says was paid, as the message names it; the engine books the
 *     payment only if this is the payee it sent when it opened the order
 */
public record PaymentNotification(
    Channel channel,
    String eventId,
    String outTradeNo,
    String transactionId,
    Money amount,
    String currency,
    boolean successful,
    Instant paidAt,
    String payerRef,
    PayeeIdentity payee)
    implements Notification {

  public PaymentNotification {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(paidAt, "paidAt");
    payerRef = payerRef == null ? "" : payerRef;
    Objects.requireNonNull(payee, "payee");
  }
}
