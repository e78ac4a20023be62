package org.clearing.split;

/**
 * A leg's status: planned at order creation, paid with the order, settled when the channel
 * reports the money reached the account, booked when the authority confirms it entered the
 * treasury or the non-tax system, reconciled when the daily run agrees.
 */
public enum LegStatus {
  PLANNED,
  PAID,
  SETTLED,
  BOOKED,
  RECONCILED,
  REFUNDED
}
