package org.clearing.channel;

import java.util.Objects;

/**
 * One leg of the split plan as a channel sees it.
 *
 * @param legNo the leg's number within the order (1, 2, …)
 * @param payeeAccountId the engine's payee account
 * @param channelAccount who receives the leg at the channel: a WeChat sub-merchant id (combined
 *     payment sub-order {@code mchid}), an Alipay settle-in account, a UnionPay secondary
 *     merchant code ({@code accSplitMerId})
 * @param amount the leg's amount in fen
 */
public record SplitLeg(int legNo, String payeeAccountId, String channelAccount, Money amount) {

  public SplitLeg {
    Objects.requireNonNull(payeeAccountId, "payeeAccountId");
    Objects.requireNonNull(channelAccount, "channelAccount");
    Objects.requireNonNull(amount, "amount");
    if (!amount.isPositive()) {
      throw new IllegalArgumentException("a leg's amount must be positive: " + amount);
    }
  }
}
