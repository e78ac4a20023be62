package org.clearing.recon.match;

import org.clearing.channel.BillSplit;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;

/**
 * How bill lines are keyed, so that everything about one order lands in one group. The adapters'
 * statement lines carry what is needed, so nothing here reads a channel's number format.
 *
 * <p>The group key is the order's out_trade_no at the channel as the engine knows it ({@link
 * StatementLine#parentOutTradeNo()}):
 *
 * <ul>
 *   <li>{@link BillSplit#BY_LEG_NO} (WeChat): one row per combined-payment sub-order, each with
 *       its own amount and transaction id and its leg number (WeChat Pay's documentation): the sub-order rows
 *       together are the payment, and each row is also the settlement of that leg. Refund rows are
 *       per sub-order too and keyed by the refund's own number, so that the parts of one refund add
 *       up. A plain (single-leg) order's row is leg 1.
 *   <li>{@link BillSplit#NONE} (Alipay): one row per trade and one per refund, identified by
 *       out_request_no; the bill carries no split, so legs are not checked against it.
 *   <li>{@link BillSplit#BY_RECEIVER} (UnionPay): the payment line plus one SPLIT_SETTLEMENT line
 *       per receiver (secondary merchant code and its share) with the same queryId;
 *       legs are matched by receiver. Split lines of a refund are kept with their refund, not
 *       summed twice.
 * </ul>
 */
public final class ChannelKeys {

  private final BillSplit billSplit;

  private ChannelKeys(BillSplit billSplit) {
    this.billSplit = billSplit;
  }

  public static ChannelKeys of(Channel channel) {
    return new ChannelKeys(BillSplit.of(channel));
  }

  /** How the channel's bill shows where a payment's legs went. */
  public BillSplit billSplit() {
    return billSplit;
  }

  /** The group key of a bill line: the engine's out_trade_no for the order it belongs to. */
  public String groupKey(StatementLine line) {
    return line.parentOutTradeNo();
  }

  /** The refund number of a refund line as the engine knows it ("" for other lines). */
  public String refundKey(StatementLine line) {
    return line.parentOutRefundNo();
  }

  /** The leg number a row is the money of (1 for a plain WeChat order), 0 for a line naming none. */
  public int legNo(StatementLine line) {
    return line.legNo();
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
}
