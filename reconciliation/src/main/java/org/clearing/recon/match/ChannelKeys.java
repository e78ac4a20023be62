package org.clearing.recon.match;

import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;

/**
 * How each channel's bill lines are keyed, so that everything about one order lands in one group.
 *
 * <p>The group key is the order's out_trade_no at the channel as the engine knows it:
 *
 * <ul>
 *   <li><b>WeChat</b> bills list one row per combined-payment sub-order, numbered {@code
 *       <outTradeNo>L<legNo>}, with the sub-order's own amount and transaction id (channels.md
 *       §1.2 "Combined payment"; {@code WechatAdapter.subOrderNo}). The suffix is stripped for the
 *       group key and kept as the part number: the sub-order rows together are the payment, and
 *       each row is also the settlement of that leg. Refund rows are per sub-order too, with refund
 *       numbers {@code <refundNo>L<legNo>}; the suffix is stripped so that the parts of one refund
 *       add up. A plain (single-leg) order's row has no suffix and counts as leg 1. Only a suffix of
 *       one or two digits is taken (at most 50 sub-orders, §1.2); our order numbers end in digits
 *       without an {@code L}, so a plain number is never mistaken for a sub-order.
 *   <li><b>Alipay</b> bills have one row per trade and one per refund, identified by out_request_no
 *       (§2); the bill carries no split, so legs are not checked against it.
 *   <li><b>UnionPay</b> ZM files have the payment line plus one SPLIT_SETTLEMENT line per receiver
 *       (secondary merchant code and its share) with the same queryId (§3.5, §3.6); legs are
 *       matched by receiver. Split lines of a refund are kept with their refund, not summed twice.
 * </ul>
 */
public enum ChannelKeys {
  WECHAT(LegCheck.BY_LEG_NO),
  ALIPAY(LegCheck.NONE),
  UNIONPAY(LegCheck.BY_RECEIVER);

  /** How a channel's bill shows where a payment's legs went. */
  public enum LegCheck {
    /** The bill does not show legs; they are checked against the settlement report instead. */
    NONE,
    /** The payment rows are the legs, numbered by the sub-order suffix (WeChat). */
    BY_LEG_NO,
    /** Separate split lines name each receiver and its share (UnionPay). */
    BY_RECEIVER
  }

  private static final int LEG_SUFFIX_DIGITS_MAX = 2;

  private final LegCheck legCheck;

  ChannelKeys(LegCheck legCheck) {
    this.legCheck = legCheck;
  }

  public static ChannelKeys of(Channel channel) {
    return switch (channel) {
      case WECHAT -> WECHAT;
      case ALIPAY -> ALIPAY;
      case UNIONPAY -> UNIONPAY;
    };
  }

  public LegCheck legCheck() {
    return legCheck;
  }

  /** The group key of a bill line: the engine's out_trade_no for the order it belongs to. */
  public String groupKey(StatementLine line) {
    return this == WECHAT ? withoutLegSuffix(line.outTradeNo()) : line.outTradeNo();
  }

  /** The refund number of a refund line as the engine knows it ("" for other lines). */
  public String refundKey(StatementLine line) {
    return this == WECHAT ? withoutLegSuffix(line.outRefundNo()) : line.outRefundNo();
  }

  /** The leg number a WeChat row belongs to (1 for a plain order), 0 for other channels. */
  public int legNo(StatementLine line) {
    if (this != WECHAT) {
      return 0;
    }
    int suffix = legSuffixStart(line.outTradeNo());
    return suffix < 0 ? 1 : Integer.parseInt(line.outTradeNo().substring(suffix + 1));
  }

  Entry entry(StatementLine line) {
    Entry.Kind kind = switch (line.kind()) {
      case PAYMENT -> Entry.Kind.PAYMENT;
      case REFUND -> Entry.Kind.REFUND;
      case SPLIT_SETTLEMENT -> line.outRefundNo().isEmpty() ? Entry.Kind.LEG : Entry.Kind.REFUND_LEG;
    };
    String reference = kind == Entry.Kind.REFUND ? line.outRefundNo() : line.outTradeNo();
    return new Entry(groupKey(line), Entry.Side.CHANNEL, kind, refundKey(line), legNo(line),
        line.subAccount(), line.transactionId(), line.amount().fen(), line.fee().fen(),
        Entry.millis(line.occurredAt()), "", reference);
  }

  static Entry entry(EngineRecord record) {
    return switch (record.kind()) {
      case PAYMENT -> new Entry(record.outTradeNo(), Entry.Side.ENGINE, Entry.Kind.PAYMENT, "", 0,
          "", record.transactionId(), record.amountFen(), 0, Entry.millis(record.occurredAt()),
          record.status().name(), record.outTradeNo());
      case REFUND -> new Entry(record.outTradeNo(), Entry.Side.ENGINE, Entry.Kind.REFUND,
          record.refundNo(), 0, "", record.transactionId(), -record.amountFen(), 0,
          Entry.millis(record.occurredAt()), record.status().name(), record.refundNo());
      case LEG -> new Entry(record.outTradeNo(), Entry.Side.ENGINE, Entry.Kind.LEG, "",
          record.legNo(), record.channelAccount(), record.transactionId(), record.amountFen(), 0,
          Entry.millis(record.occurredAt()), record.status().name(),
          record.outTradeNo() + "#" + record.legNo());
    };
  }

  private static String withoutLegSuffix(String number) {
    int suffix = legSuffixStart(number);
    return suffix < 0 ? number : number.substring(0, suffix);
  }

  /** The index of the {@code L} of a trailing {@code L<1-2 digits>}, or -1. */
  private static int legSuffixStart(String number) {
    int digits = 0;
    int i = number.length() - 1;
    while (i >= 0 && digits <= LEG_SUFFIX_DIGITS_MAX && number.charAt(i) >= '0' && number.charAt(i) <= '9') {
      i--;
      digits++;
    }
    boolean suffix = digits >= 1 && digits <= LEG_SUFFIX_DIGITS_MAX && i > 0
        && number.charAt(i) == 'L';
    return suffix ? i : -1;
  }
}
