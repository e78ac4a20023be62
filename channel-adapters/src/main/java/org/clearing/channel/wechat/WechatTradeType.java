package org.clearing.channel.wechat;

import java.util.Locale;

/** The two ways the engine opens a WeChat order: in the WeChat browser (JSAPI) or by QR (Native). */
public enum WechatTradeType {
  JSAPI,
  NATIVE;

  /** The last path segment, e.g. {@code /v3/pay/transactions/jsapi}. */
  public String pathSegment() {
    return name().toLowerCase(Locale.ROOT);
  }
}
