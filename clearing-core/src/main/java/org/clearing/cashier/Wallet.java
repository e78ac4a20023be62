package org.clearing.cashier;

import java.util.Locale;
import org.clearing.channel.Channel;

/**
 * Which wallet opened the QR page, read from the User-Agent: WeChat's webview says
 * {@code MicroMessenger}, Alipay's {@code AlipayClient}, UnionPay Cloud QuickPass's
 * {@code UnionPay/} (the wallets' documented behaviour). Anything else — a bank app, the phone camera, a desktop
 * browser — gets the page that offers all three.
 */
public enum Wallet {
  WECHAT(Channel.WECHAT),
  ALIPAY(Channel.ALIPAY),
  UNIONPAY(Channel.UNIONPAY),
  OTHER(null);

  private final Channel channel;

  Wallet(Channel channel) {
    this.channel = channel;
  }

  public Channel channel() {
    return channel;
  }

  public static Wallet of(String userAgent) {
    if (userAgent == null) {
      return OTHER;
    }
    String ua = userAgent.toLowerCase(Locale.ROOT);
    if (ua.contains("micromessenger")) {
      return WECHAT;
    }
    if (ua.contains("alipayclient")) {
      return ALIPAY;
    }
    if (ua.contains("unionpay/")) {
      return UNIONPAY;
    }
    return OTHER;
  }
}
