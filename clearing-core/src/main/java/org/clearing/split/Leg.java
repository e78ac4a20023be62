package org.clearing.split;

import org.clearing.channel.Money;

/** One part of the split plan: everything an order owes one payee account. */
public record Leg(int legNo, String payeeAccountId, Money amount, LegStatus status) {}
