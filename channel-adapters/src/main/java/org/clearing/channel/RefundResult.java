package org.clearing.channel;

/** What a channel answered to a refund request. */
public sealed interface RefundResult {

  /** Accepted; the outcome follows in a refund notification (or a query). */
  record Accepted(String refundId) implements RefundResult {}

  /** Done synchronously (Alipay refunds are). */
  record Succeeded(String refundId) implements RefundResult {}

  /** Refused by the channel; nothing was refunded. {@code code} is the channel's own. */
  record Refused(String code, String message) implements RefundResult {}

  /**
   * Only from {@link ChannelAdapter#queryRefund}: the channel has no such refund, so nothing was
   * refunded under this number (the request never reached it).
   */
  record NotFound() implements RefundResult {}

  /** No usable answer: the refund may or may not have happened; query before retrying. */
  record Unknown(String reason) implements RefundResult {}
}
