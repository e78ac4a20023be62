package org.clearing.recon.match;

/** How a reconciliation item came out. Every line and every record ends in one. */
public enum ReconClass {
  /** Both sides agree on id, amount and status. */
  MATCHED,
  /** One side only, but close enough to the day's boundary that the other may be in the next bill. */
  PENDING,
  /** 长款: the channel has it, the engine does not (a lost callback, or money to refund). */
  LONG,
  /** 短款: the engine has it, the channel does not; a security review, never a silent reversal. */
  SHORT,
  /** Both sides have it with different amounts; never adjusted automatically. */
  AMOUNT_MISMATCH,
  /** Both sides know the transaction but disagree on what happened to it, e.g. refunded there only. */
  STATUS_MISMATCH,
  /** The payment's total agrees but a leg's settlement (amount or receiver) differs. */
  SPLIT_MISMATCH,
  /** Two engine payments for one channel transaction, or the same channel line twice. */
  DUPLICATE
}
