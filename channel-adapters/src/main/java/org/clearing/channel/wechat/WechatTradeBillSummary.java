package org.clearing.channel.wechat;

import org.clearing.channel.Money;

/**
 * The summary row of a trade bill (WeChat Pay's documentation): 总交易单数, 应结订单总金额, 退款总金额,
 * 充值券退款总金额, 手续费总金额, 订单总金额, 申请退款总金额. Columns a bill type lacks are zero.
 */
public record WechatTradeBillSummary(
    long count,
    Money settlementTotal,
    Money refundTotal,
    Money rechargeCouponRefundTotal,
    Money feeTotal,
    Money orderTotal,
    Money refundRequestTotal) {

  public static final WechatTradeBillSummary EMPTY =
      new WechatTradeBillSummary(0, Money.ZERO, Money.ZERO, Money.ZERO, Money.ZERO, Money.ZERO,
          Money.ZERO);

  WechatTradeBillSummary add(
      Money settlement, Money refund, Money rechargeCouponRefund, Money fee, Money order,
      Money refundRequest) {
    return new WechatTradeBillSummary(
        Math.addExact(count, 1),
        settlementTotal.plus(settlement),
        refundTotal.plus(refund),
        rechargeCouponRefundTotal.plus(rechargeCouponRefund),
        feeTotal.plus(fee),
        orderTotal.plus(order),
        refundRequestTotal.plus(refundRequest));
  }
}
