package org.clearing.recon.match;

import java.util.Objects;
import org.clearing.channel.Channel;

/**
 * One classified item: what the channel said, what the engine said, and why they were judged as
 * they were. Amounts follow the bill's sign convention on both sides: payments and legs positive,
 * refunds negative. A side that has nothing shows zero lines, zero fen and an empty reference.
 *
 * <p>Every statement line and every engine record is counted in exactly one item's {@code
 * channelLines} or {@code engineRecords}. A WeChat sub-order row is counted under its payment; the
 * leg items of that payment refer to the same row again without counting it (the rows are both the
 * payment and its split, WeChat Pay's documentation).
 *
 * @param key the refund number for refunds, the leg's number or receiver for legs, "" for payments
 */
public record ReconItem(
    ReconClass reconClass,
    ItemKind kind,
    Channel channel,
    String outTradeNo,
    String key,
    String transactionId,
    String channelReference,
    long channelAmountFen,
    int channelLines,
    String engineReference,
    long engineAmountFen,
    int engineRecords,
    String reason) {

  public ReconItem {
    Objects.requireNonNull(reconClass, "reconClass");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(channelReference, "channelReference");
    Objects.requireNonNull(engineReference, "engineReference");
    Objects.requireNonNull(reason, "reason");
  }
}
