package org.clearing.split;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Money;

/**
 * Builds the split plan of an order: one leg per payee account, in the order the accounts first
 * appear among the lines, each the exact sum of that account's lines. Rounding happens nowhere:
 * lines are whole fen and legs are sums of lines.
 */
public final class SplitPlan {

  private SplitPlan() {}

  /** A line as the split needs it: which account receives it and how much. */
  public record Share(String payeeAccountId, Money amount) {}

  public static List<Leg> legsOf(List<Share> shares) {
    Map<String, Money> byAccount = new LinkedHashMap<>();
    for (Share share : shares) {
      byAccount.merge(share.payeeAccountId(), share.amount(), Money::plus);
    }
    List<Leg> legs = new ArrayList<>(byAccount.size());
    int legNo = 1;
    for (Map.Entry<String, Money> entry : byAccount.entrySet()) {
      legs.add(new Leg(legNo++, entry.getKey(), entry.getValue(), LegStatus.PLANNED));
    }
    Money total = shares.stream().map(Share::amount).reduce(Money.ZERO, Money::plus);
    Money legTotal = legs.stream().map(Leg::amount).reduce(Money.ZERO, Money::plus);
    if (!total.equals(legTotal)) {
      throw new IllegalStateException("legs sum to " + legTotal + " but lines to " + total);
    }
    return legs;
  }
}
