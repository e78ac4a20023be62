/**
 * Settlement: each channel's bill read for a business day, the legs it reports settled, and an
 * order whose legs are all settled moved on and given its receipts. It drives orders, payments'
 * out-trade numbers and receipts, so it sits above them; the split itself (legs and the plan that
 * makes them) stays in {@code split}, which orders and payments use.
 */
package org.clearing.settlement;
