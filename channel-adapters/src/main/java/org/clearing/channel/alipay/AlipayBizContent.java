package org.clearing.channel.alipay;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import org.clearing.channel.Money;

/**
 * The {@code biz_content} JSON of each method we call (Alipay's documentation). Amounts go out as
 * exact two-decimal yuan strings from {@link Money}.
 */
public final class AlipayBizContent {

  /** The refund request number's length limit, the same as out_trade_no's. */
  private static final int OUT_REQUEST_NO_CHARS_MAX = 64;

  private AlipayBizContent() {}

  /** 当面付 QR order; {@code product_code} FACE_TO_FACE_PAYMENT. */
  public static String precreate(AlipayOrder order) {
    return order(order, "FACE_TO_FACE_PAYMENT").encode();
  }

  /** Mobile web order; {@code product_code} QUICK_WAP_WAY. */
  public static String wapPay(AlipayOrder order) {
    return order(order, "QUICK_WAP_WAY").encode();
  }

  public static String query(String outTradeNo) {
    AlipayOrder.requireOutTradeNo(outTradeNo);
    return new JsonObject().put("out_trade_no", outTradeNo).encode();
  }

  /** alipay.trade.fastpay.refund.query: a refund is named by its trade and its out_request_no. */
  public static String refundQuery(String outTradeNo, String outRequestNo) {
    AlipayOrder.requireOutTradeNo(outTradeNo);
    AlipayOrder.requireText(outRequestNo, "outRequestNo");
    return new JsonObject().put("out_trade_no", outTradeNo).put("out_request_no", outRequestNo).encode();
  }

  public static String close(String outTradeNo) {
    AlipayOrder.requireOutTradeNo(outTradeNo);
    return new JsonObject().put("out_trade_no", outTradeNo).encode();
  }

  /**
   * A refund of part or all of an order. {@code out_request_no} identifies the refund: Alipay
   * treats a repeat with the same number as the same refund, which makes retries safe.
   */
  public static String refund(String outTradeNo, Money refundAmount, String outRequestNo) {
    AlipayOrder.requireOutTradeNo(outTradeNo);
    if (!refundAmount.isPositive()) {
      throw new IllegalArgumentException("refund amount must be positive: " + refundAmount);
    }
    AlipayOrder.requireText(outRequestNo, "outRequestNo");
    if (outRequestNo.length() > OUT_REQUEST_NO_CHARS_MAX) {
      throw new IllegalArgumentException("out_request_no longer than " + OUT_REQUEST_NO_CHARS_MAX);
    }
    return new JsonObject()
        .put("out_trade_no", outTradeNo)
        .put("refund_amount", refundAmount.toYuanString())
        .put("out_request_no", outRequestNo)
        .encode();
  }

  /**
   * The daily trade bill's download URL ({@code bill_type} trade, {@code bill_date} yyyy-MM-dd).
   */
  public static String billDownloadUrl(LocalDate billDate) {
    return new JsonObject()
        .put("bill_type", "trade")
        .put("bill_date", billDate.toString())
        .encode();
  }

  private static JsonObject order(AlipayOrder order, String productCode) {
    JsonObject biz =
        new JsonObject()
            .put("out_trade_no", order.outTradeNo())
            .put("total_amount", order.total().toYuanString())
            .put("subject", order.subject())
            .put("product_code", productCode)
            .put("time_expire", AlipayTime.format(order.expiresAt()));
    if (!order.legs().isEmpty()) {
      JsonArray details = new JsonArray();
      for (AlipayOrder.SettleLeg leg : order.legs()) {
        details.add(
            new JsonObject()
                .put("trans_in_type", leg.transInType())
                .put("trans_in", leg.transIn())
                .put("amount", leg.amount().toYuanString()));
      }
      biz.put("settle_info", new JsonObject().put("settle_detail_infos", details));
    }
    if (order.royaltyFreeze()) {
      // Alipay's extend_params values are strings, "true" included (§2.6).
      biz.put("extend_params", new JsonObject().put("royalty_freeze", "true"));
    }
    return biz;
  }
}
