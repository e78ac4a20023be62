package org.clearing.routing;

/** Which public body receives the money of a payee account. */
public enum PayeeSide {
  /** The state treasury, through the tax authority; lines carry tax codes. */
  TREASURY,
  /** The finance bureau's non-tax settlement account; lines carry non-tax codes. */
  NON_TAX
}
