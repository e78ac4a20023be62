package org.clearing.channel.alipay;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.clearing.channel.Money;

/**
 * What the engine asks Alipay to collect for one order: the fields of {@code
 * alipay.trade.precreate} and {@code alipay.trade.wap.pay} that we use (Alipay's documentation), with the
 * split plan as settle legs. Invalid values are the caller's bug and throw.
 *
 * @param outTradeNo our order number, at most 64 of {@code [A-Za-z0-9_]}
 * @param total the order amount, positive
 * @param subject the order title shown to the payer
 * @param expiresAt when the order stops accepting payment ({@code time_expire})
 * @param legs one settle leg per receiving account; empty for no split, otherwise summing to total
 * @param royaltyFreeze whether to freeze the funds until split ({@code
 *     extend_params.royalty_freeze}, §2.6)
 */
public record AlipayOrder(
    String outTradeNo,
    Money total,
    String subject,
    Instant expiresAt,
    List<SettleLeg> legs,
    boolean royaltyFreeze) {

  static final Pattern OUT_TRADE_NO = Pattern.compile("[A-Za-z0-9_]{1,64}");

  /** The subject length Alipay accepts. */
  public static final int SUBJECT_CHARS_MAX = 256;

  /**
   * One entry of {@code settle_info.settle_detail_infos}.
   *
   * @param transInType the kind of receiving account, e.g. {@code cardAliasNo} or {@code userId}
   * @param transIn the receiving account
   * @param amount the amount for that account, positive
   */
  public record SettleLeg(String transInType, String transIn, Money amount) {
    public SettleLeg {
      requireText(transInType, "transInType");
      requireText(transIn, "transIn");
      Objects.requireNonNull(amount, "amount");
      if (!amount.isPositive()) {
        throw new IllegalArgumentException("settle leg amount must be positive: " + amount);
      }
    }
  }

  public AlipayOrder {
    requireOutTradeNo(outTradeNo);
    Objects.requireNonNull(total, "total");
    if (!total.isPositive()) {
      throw new IllegalArgumentException("order total must be positive: " + total);
    }
    requireText(subject, "subject");
    if (subject.length() > SUBJECT_CHARS_MAX) {
      throw new IllegalArgumentException("subject longer than " + SUBJECT_CHARS_MAX);
    }
    Objects.requireNonNull(expiresAt, "expiresAt");
    legs = List.copyOf(legs);
    if (!legs.isEmpty()) {
      Money sum = Money.ZERO;
      for (SettleLeg leg : legs) {
        sum = sum.plus(leg.amount());
      }
      if (!sum.equals(total)) {
        throw new IllegalArgumentException("settle legs sum to " + sum + ", order is " + total);
      }
    }
  }

  static void requireOutTradeNo(String outTradeNo) {
    if (outTradeNo == null || !OUT_TRADE_NO.matcher(outTradeNo).matches()) {
      throw new IllegalArgumentException(
          "out_trade_no must be 1-64 of [A-Za-z0-9_]: " + outTradeNo);
    }
  }

  static void requireText(String text, String name) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(name + " is empty");
    }
  }
}
