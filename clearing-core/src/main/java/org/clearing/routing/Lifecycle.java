package org.clearing.routing;

/**
 * Whether a region or a payee account takes new orders. Neither is ever deleted: orders created
 * before point at them, and are paid, refunded and settled through them to the end.
 */
public enum Lifecycle {
  ACTIVE,
  /** No new orders (a region) or no new routes (an account); existing orders carry on. */
  RETIRED
}
