package org.clearing.channel.alipay;

/** The gateway methods the engine calls (Alipay's documentation). */
public enum AlipayMethod {
  PRECREATE("alipay.trade.precreate"),
  WAP_PAY("alipay.trade.wap.pay"),
  QUERY("alipay.trade.query"),
  CLOSE("alipay.trade.close"),
  REFUND("alipay.trade.refund"),
  REFUND_QUERY("alipay.trade.fastpay.refund.query"),
  BILL_DOWNLOAD_URL_QUERY("alipay.data.dataservice.bill.downloadurl.query");

  private final String wireName;

  AlipayMethod(String wireName) {
    this.wireName = wireName;
  }

  /** The {@code method} parameter, e.g. {@code alipay.trade.precreate}. */
  public String wireName() {
    return wireName;
  }

  /** The key of this method's value in a synchronous response. */
  public String responseKey() {
    return responseKey(wireName);
  }

  /**
   * The key under which the gateway answers a method: dots become underscores and {@code _response}
   * is appended ({@code alipay_trade_precreate_response}, §2.1).
   */
  public static String responseKey(String method) {
    return method.replace('.', '_') + "_response";
  }
}
