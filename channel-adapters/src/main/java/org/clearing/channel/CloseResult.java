package org.clearing.channel;

/** What came of asking a channel to close an order. */
public sealed interface CloseResult {

  /** The order can no longer be paid at this channel (also when it was never opened there). */
  record Closed() implements CloseResult {}

  /** Too late: the order was paid at this channel; the payment must be booked (and maybe refunded). */
  record AlreadyPaid() implements CloseResult {}

  /**
   * The channel cannot close orders (UnionPay has no close; its orders lapse at {@code payTimeout}).
   */
  record NotSupported() implements CloseResult {}

  /** No usable answer; try again later. */
  record Unknown(String reason) implements CloseResult {}
}
