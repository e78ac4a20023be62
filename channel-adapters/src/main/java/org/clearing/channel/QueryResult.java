package org.clearing.channel;

/** What a channel says of an order when asked. */
public sealed interface QueryResult {

  /** Paid: the payment, in the same form a notification would give (it takes the same path). */
  record Paid(PaymentNotification payment) implements QueryResult {}

  /** Known to the channel, not paid (yet): waiting, closed, failed; {@code state} is the channel's word. */
  record NotPaid(String state, boolean closed) implements QueryResult {}

  /** The channel has no such order. */
  record NotFound() implements QueryResult {}

  /** No usable answer (timeout, transport error, unreadable or unverifiable answer): ask again later. */
  record Unknown(String reason) implements QueryResult {}
}
