package org.clearing.recon.match;

/** What a reconciliation item is about. */
public enum ItemKind {
  /** A channel payment (all sub-orders of a WeChat combined payment together). */
  PAYMENT,
  /** One refund, identified by our refund number (all of its per-leg parts together). */
  REFUND,
  /** One leg of a payment's split: where a share of the money went. */
  LEG
}
