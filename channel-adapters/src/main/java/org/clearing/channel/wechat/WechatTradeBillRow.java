package org.clearing.channel.wechat;

import java.time.LocalDateTime;
import java.util.Objects;
import org.clearing.channel.Money;

/**
 * One detail row of an {@code ALL} trade bill as the sandbox writes it (WeChat Pay's documentation). A payment
 * row has {@code tradeState} SUCCESS and zero refund amounts; a refund row has REFUND, a zero
 * settlement amount and the refund fields.
 *
 * @param tradeTime Beijing time of the payment success or refund acceptance
 * @param settlementAmount 应结订单金额
 * @param couponAmount 代金券金额
 * @param refundAmount 退款金额
 * @param rechargeCouponRefundAmount 充值券退款金额
 * @param fee 手续费, negative when a refund gives the fee back
 * @param feeRateBp 费率 in basis points: 60 is printed {@code 0.60%}
 * @param orderAmount 订单金额
 * @param refundRequestAmount 申请退款金额
 */
public record WechatTradeBillRow(
    LocalDateTime tradeTime,
    String appid,
    String mchid,
    String subMchid,
    String deviceInfo,
    String transactionId,
    String outTradeNo,
    String openid,
    String tradeType,
    String tradeState,
    String bankType,
    String currency,
    Money settlementAmount,
    Money couponAmount,
    String refundId,
    String outRefundNo,
    Money refundAmount,
    Money rechargeCouponRefundAmount,
    String refundType,
    String refundStatus,
    String goodsName,
    String attach,
    Money fee,
    int feeRateBp,
    Money orderAmount,
    Money refundRequestAmount,
    String feeRateRemark) {

  public WechatTradeBillRow {
    Objects.requireNonNull(tradeTime, "tradeTime");
    Objects.requireNonNull(settlementAmount, "settlementAmount");
    Objects.requireNonNull(couponAmount, "couponAmount");
    Objects.requireNonNull(refundAmount, "refundAmount");
    Objects.requireNonNull(rechargeCouponRefundAmount, "rechargeCouponRefundAmount");
    Objects.requireNonNull(fee, "fee");
    Objects.requireNonNull(orderAmount, "orderAmount");
    Objects.requireNonNull(refundRequestAmount, "refundRequestAmount");
  }

  /**
   * The same row as a service provider's bill shows it: the sub-merchant paid in 特约商户号 (a
   * direct merchant's bill has {@code 0} there).
   */
  public WechatTradeBillRow forSubMerchant(String subMerchant) {
    return new WechatTradeBillRow(tradeTime, appid, mchid, subMerchant, deviceInfo, transactionId, outTradeNo,
        openid, tradeType, tradeState, bankType, currency, settlementAmount, couponAmount, refundId,
        outRefundNo, refundAmount, rechargeCouponRefundAmount, refundType, refundStatus, goodsName, attach,
        fee, feeRateBp, orderAmount, refundRequestAmount, feeRateRemark);
  }

  /** A direct merchant's payment row: 特约商户号 {@code 0}, refund columns {@code 0} / {@code 0.00}. */
  public static WechatTradeBillRow payment(
      LocalDateTime tradeTime, String appid, String mchid, String transactionId,
      String outTradeNo, String openid, String tradeType, Money amount, Money fee, int feeRateBp,
      String goodsName, String attach) {
    return new WechatTradeBillRow(
        tradeTime, appid, mchid, "0", "", transactionId, outTradeNo, openid, tradeType, "SUCCESS",
        "OTHERS", "CNY", amount, Money.ZERO, "0", "0", Money.ZERO, Money.ZERO, "", "",
        goodsName, attach, fee, feeRateBp, amount, Money.ZERO, "");
  }

  /** A direct merchant's refund row for an original-route refund that succeeded. */
  public static WechatTradeBillRow refund(
      LocalDateTime tradeTime, String appid, String mchid, String transactionId,
      String outTradeNo, String openid, String tradeType, Money orderAmount, String refundId,
      String outRefundNo, Money refundAmount, Money fee, int feeRateBp, String goodsName,
      String attach) {
    return new WechatTradeBillRow(
        tradeTime, appid, mchid, "0", "", transactionId, outTradeNo, openid, tradeType, "REFUND",
        "OTHERS", "CNY", Money.ZERO, Money.ZERO, refundId, outRefundNo, refundAmount, Money.ZERO,
        "ORIGINAL", "SUCCESS", goodsName, attach, fee, feeRateBp, orderAmount, refundAmount, "");
  }
}
