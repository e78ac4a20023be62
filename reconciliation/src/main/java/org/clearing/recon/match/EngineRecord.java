package org.clearing.recon.match;

import java.time.Instant;
import java.util.Objects;
import org.clearing.channel.Channel;

/**
 * One of the engine's own records for a business day and channel, as the daily run reads it from
 * the database: a payment, a refund, or a leg of a payment's split.
 *
 * @param kind what the record is
 * @param channel the channel it was paid or refunded through
 * @param outTradeNo the order's number at the channel (for WeChat the combined order's number,
 *     without the {@code L<legNo>} suffix of its sub-orders)
 * @param transactionId the channel's transaction id of the payment, if known ("" otherwise)
 * @param refundNo our refund number for refunds ("" otherwise; for WeChat without the per-leg
 *     {@code L<legNo>} suffix)
 * @param amountFen the amount, always positive: paid, refunded, or the leg's share
 * @param status whether the engine considers the payment or refund done
 * @param legNo the leg's number for legs (1, 2, …), 0 otherwise
 * @param channelAccount for legs, the receiver's identity at the channel (WeChat sub-merchant id,
 *     UnionPay secondary merchant code); "" otherwise
 * @param occurredAt when the payment or refund happened (for legs, when the order was paid; may
 *     be null for legs)
 */
public record EngineRecord(
    Kind kind,
    Channel channel,
    String outTradeNo,
    String transactionId,
    String refundNo,
    long amountFen,
    Status status,
    int legNo,
    String channelAccount,
    Instant occurredAt) {

  /** What an engine record is. */
  public enum Kind {
    PAYMENT,
    REFUND,
    LEG
  }

  /** How far the engine got with a payment or refund. Legs are SUCCEEDED once their order is paid. */
  public enum Status {
    SUCCEEDED,
    /** Asked for but not yet confirmed (a refund in flight); not a discrepancy if the bill lacks it. */
    PENDING,
    /** The engine knows it did not happen. */
    FAILED
  }

  public EngineRecord {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(status, "status");
    transactionId = transactionId == null ? "" : transactionId;
    refundNo = refundNo == null ? "" : refundNo;
    channelAccount = channelAccount == null ? "" : channelAccount;
    if (outTradeNo.isEmpty()) {
      throw new IllegalArgumentException("an engine record needs its out_trade_no");
    }
    if (amountFen <= 0) {
      throw new IllegalArgumentException("engine amounts are positive, got " + amountFen);
    }
    if (kind == Kind.REFUND && refundNo.isEmpty()) {
      throw new IllegalArgumentException("an engine refund needs its refund number");
    }
    if (kind == Kind.LEG && legNo <= 0) {
      throw new IllegalArgumentException("an engine leg needs its leg number");
    }
    if (kind != Kind.LEG && occurredAt == null) {
      throw new IllegalArgumentException("an engine " + kind + " needs its time");
    }
  }

  public static EngineRecord payment(Channel channel, String outTradeNo, String transactionId,
      long amountFen, Status status, Instant occurredAt) {
    return new EngineRecord(
        Kind.PAYMENT, channel, outTradeNo, transactionId, "", amountFen, status, 0, "", occurredAt);
  }

  public static EngineRecord refund(Channel channel, String outTradeNo, String transactionId,
      String refundNo, long amountFen, Status status, Instant occurredAt) {
    return new EngineRecord(Kind.REFUND, channel, outTradeNo, transactionId, refundNo, amountFen,
        status, 0, "", occurredAt);
  }

  public static EngineRecord leg(Channel channel, String outTradeNo, int legNo,
      String channelAccount, long amountFen, Instant occurredAt) {
    return new EngineRecord(Kind.LEG, channel, outTradeNo, "", "", amountFen, Status.SUCCEEDED,
        legNo, channelAccount, occurredAt);
  }
}
