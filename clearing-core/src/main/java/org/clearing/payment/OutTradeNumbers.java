package org.clearing.payment;

import java.util.Optional;
import org.clearing.channel.Channel;

/**
 * Our order numbers at the channels: a one-letter channel prefix and the order number, e.g.
 * {@code WTF202611270000000001}. Order numbers are 20 alphanumerics, so the result fits every
 * channel's rules (WeChat 6–32, Alipay ≤ 64, UnionPay 8–40 alphanumerics without '-' or '_'), and
 * the order can be found from a callback even before its channel order was recorded.
 */
public final class OutTradeNumbers {

  private OutTradeNumbers() {}

  public static String of(Channel channel, String orderNo) {
    return prefix(channel) + orderNo;
  }

  public static Optional<String> orderNo(Channel channel, String outTradeNo) {
    String prefix = prefix(channel);
    if (outTradeNo == null || !outTradeNo.startsWith(prefix) || outTradeNo.length() <= prefix.length()) {
      return Optional.empty();
    }
    return Optional.of(outTradeNo.substring(prefix.length()));
  }

  private static String prefix(Channel channel) {
    return switch (channel) {
      case WECHAT -> "W";
      case ALIPAY -> "A";
      case UNIONPAY -> "U";
    };
  }
}
