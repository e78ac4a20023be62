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
 * @param parentOutTradeNo our order's number at the channel as the engine opened it: for a WeChat
 *     combined-payment sub-order row the combined order's number, otherwise {@code outTradeNo}
 * @param parentOutRefundNo our refund number as the engine asked for it: for a WeChat refund of a
 *     sub-order the refund's number, otherwise {@code outRefundNo}
 * @param legNo the leg whose money the line is, for a bill whose rows are the legs ({@link
 *     BillSplit#BY_LEG_NO}: a plain order's row is its one leg, 1); 0 when the line names no leg
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
    Instant occurredAt,
    String parentOutTradeNo,
    String parentOutRefundNo,
    int legNo) {

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
    parentOutTradeNo = parentOutTradeNo == null || parentOutTradeNo.isEmpty() ? outTradeNo : parentOutTradeNo;
    parentOutRefundNo = parentOutRefundNo == null || parentOutRefundNo.isEmpty() ? outRefundNo : parentOutRefundNo;
    if (legNo < 0) {
      throw new IllegalArgumentException("leg number " + legNo);
    }
  }

  /**
   * A line with the numbers as the channel prints them: the parent numbers and the leg are read
   * from them ({@link OutTradeNumbers}). A row of a bill whose rows are the legs ({@link
   * BillSplit#BY_LEG_NO}) is a leg's, a plain order's row its one leg's (1).
   */
  public StatementLine(Channel channel, Kind kind, LocalDate businessDate, String outTradeNo,
      String transactionId, String outRefundNo, Money amount, Money fee, String subAccount,
      Instant occurredAt) {
    this(channel, kind, businessDate, outTradeNo, transactionId, outRefundNo, amount, fee, subAccount,
        occurredAt, OutTradeNumbers.parent(channel, outTradeNo),
        OutTradeNumbers.parent(channel, outRefundNo),
        BillSplit.of(channel) == BillSplit.BY_LEG_NO ? Math.max(1, OutTradeNumbers.legNo(channel, outTradeNo)) : 0);
  }
}
