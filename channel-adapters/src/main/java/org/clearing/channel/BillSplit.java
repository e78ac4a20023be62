package org.clearing.channel;

/**
 * How a channel's daily bill shows where a payment's legs went, so that settlement and the
 * reconciliation read every bill the same way without knowing which channel wrote it.
 */
public enum BillSplit {
  /**
   * The bill does not show legs: one row per trade, and the legs went as the settle plan fixed
   * when the order was opened said (Alipay, Alipay's documentation).
   */
  NONE,
  /**
   * The payment rows are the legs: one row per combined-payment sub-order, each naming its leg
   * number in {@link StatementLine#legNo()} (WeChat, WeChat Pay's documentation).
   */
  BY_LEG_NO,
  /**
   * Separate {@link StatementLine.Kind#SPLIT_SETTLEMENT} lines name each receiver in {@link
   * StatementLine#subAccount()} with its share; the payment line itself settles nothing
   * (UnionPay, UnionPay's documentation).
   */
  BY_RECEIVER;

  /** How the channel's bill shows the split. */
  public static BillSplit of(Channel channel) {
    return switch (channel) {
      case WECHAT -> BY_LEG_NO;
      case ALIPAY -> NONE;
      case UNIONPAY -> BY_RECEIVER;
    };
  }

  /** Whether the bill says, leg by leg, what each payee account was paid. */
  public boolean showsLegs() {
    return this != NONE;
  }
}
