package org.clearing.channel.alipay;

/**
 * Why a gateway call that returns no result value (opening an order, fetching a bill) did not
 * succeed: a verified refusal by Alipay ({@link #outcomeUnknown()} false, nothing happened) or no
 * trustworthy answer at all (timeout, transport error, bad signature: the outcome is unknown).
 */
public final class AlipayGatewayException extends RuntimeException {

  private final String subCode;
  private final boolean outcomeUnknown;

  public AlipayGatewayException(String subCode, String message, boolean outcomeUnknown) {
    super(message);
    this.subCode = subCode == null ? "" : subCode;
    this.outcomeUnknown = outcomeUnknown;
  }

  /** Alipay's sub_code when Alipay refused (e.g. ACQ.TRADE_HAS_CLOSE), empty otherwise. */
  public String subCode() {
    return subCode;
  }

  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
