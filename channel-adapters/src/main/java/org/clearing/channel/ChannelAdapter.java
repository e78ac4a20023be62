package org.clearing.channel;

import io.vertx.core.Future;
import java.time.LocalDate;

/**
 * What the engine asks of a payment channel. One implementation per channel speaks its wire
 * protocol; the engine never sees a channel's formats, keys or quirks.
 *
 * <p>Every call that crosses the network has a timeout. A call that times out or whose answer
 * cannot be read is <em>unknown</em>, never "failed": its outcome is found by a later query.
 * Methods that do CPU-heavy cryptography ({@link #verify}) are synchronous and must be called on a
 * worker thread; the others return futures and never block the calling event loop.
 */
public interface ChannelAdapter {

  Channel channel();

  /**
   * Opens the channel's order for an engine order, carrying the split plan. Opening the same
   * {@code outTradeNo} again must not create a second payable order at the channel.
   */
  Future<ChannelOrder> openOrder(OpenOrderRequest request);

  /**
   * Who {@link #openOrder} names as paid for an order with these legs: this adapter's merchant,
   * app and sub-merchant, and the legs' receivers as this channel's request carries them. The
   * engine records it when it opens the order and books a notification only if the notification
   * names the same payee. With no legs, the account's identity alone. Pure, no I/O.
   */
  PayeeIdentity payee(java.util.List<SplitLeg> legs);

  /**
   * Verifies an incoming notification before anything in it is trusted, then parses it: a
   * {@link PaymentNotification}, a {@link RefundNotification}, or a {@link Rejection} saying why
   * it cannot be trusted; a genuinely signed one naming another merchant than this adapter's is a
   * {@link Rejection.Reason#FOREIGN} rejection. Never throws on bad input. Blocking (signature checks, decryption).
   */
  Notification verify(IncomingNotification incoming);

  /** The answer the channel expects once a notification is durably recorded (or a duplicate). */
  Acknowledgement accepted();

  /** The answer that makes the channel send the notification again later (e.g. not committed). */
  Acknowledgement retryLater(String reason);

  /** The answer to a notification that was rejected. */
  Acknowledgement rejected(Rejection rejection);

  /** Asks the channel for the state of an order. */
  Future<QueryResult> query(String outTradeNo);

  /** Closes an unpaid order at the channel so it can no longer be paid. */
  Future<CloseResult> close(String outTradeNo);

  /** Refunds a payment, whole or in part. */
  Future<RefundResult> refund(RefundRequest request);

  /**
   * Asks the channel what became of a refund whose answer was lost or is still pending: {@link
   * RefundResult.Succeeded} (money given back), {@link RefundResult.Accepted} (still processing),
   * {@link RefundResult.Refused} (it failed or was closed), {@link RefundResult.NotFound} (no
   * refund under that number), or {@link RefundResult.Unknown} (no usable answer: ask again
   * later). The request is the one the refund was sent with (its legs name per-leg refunds).
   */
  Future<RefundResult> queryRefund(RefundRequest request);

  /**
   * Downloads a business day's bill in the channel's own format (byte for byte as the channel
   * serves it) to a temporary file.
   */
  Future<BillFile> downloadBill(LocalDate day);

  /** Reads a bill file of this channel's format as normalized lines, streaming. Blocking. */
  StatementReader readBill(BillFile bill);
}
