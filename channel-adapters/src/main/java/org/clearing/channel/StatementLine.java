package org.clearing.channel;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;

/**
 * One line of a channel's daily bill, normalized: the same shape whichever channel and file
 * format it came from, so the reconciliation matcher needs to know nothing of the formats.
 *
 * @param kind what the line records
 * @param businessDate the bill's business day (WeChat and Alipay: the calendar day in Beijing
 *     time; UnionPay: the clearing date {@code settleDate})
 * @param outTradeNo our order number at the channel
 * @param transactionId the channel's transaction id of the payment (refund lines repeat it)
 * @param outRefundNo our refund number for refund lines, empty otherwise
 * @param amount the line's amount in fen: positive for payments, negative for refunds
 * @param fee the channel's fee for this line in fen (as a positive number when charged)
 * @param subAccount for split settlement lines, the receiving account; empty otherwise
 * @param occurredAt when the payment or refund happened
 */
public record StatementLine(
    Channel channel,
    Kind kind,
    LocalDate businessDate,
    String outTradeNo,
    String transactionId,
    String outRefundNo,
    Money amount,
    Money fee,
    String subAccount,
    Instant occurredAt) {

  /** What a statement line records. */
  public enum Kind {
    PAYMENT,
    REFUND,
    SPLIT_SETTLEMENT
  }

  public StatementLine {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(businessDate, "businessDate");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(amount, "amount");
    transactionId = transactionId == null ? "" : transactionId;
    outRefundNo = outRefundNo == null ? "" : outRefundNo;
    fee = fee == null ? Money.ZERO : fee;
    subAccount = subAccount == null ? "" : subAccount;
  }
}
