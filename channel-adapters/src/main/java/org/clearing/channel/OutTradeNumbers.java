package org.clearing.channel;

import java.util.Optional;

/**
 * Our numbers at the channels, and the only place that knows their forms. An order is a one-letter
 * channel prefix and the order number, e.g. {@code WTF202611270000000001}. Order numbers are 20
 * alphanumerics, so the result fits every channel's rules (WeChat 6–32, Alipay ≤ 64, UnionPay
 * 8–40 alphanumerics without '-' or '_'), and the order can be found from a callback even before
 * its channel order was recorded.
 *
 * <p>WeChat pays a combined payment (合单, WeChat Pay's documentation) as one sub-order per leg, numbered
 * {@code <outTradeNo>L<legNo>}, and refunds it leg by leg with {@code <outRefundNo>L<legNo>}: a
 * <em>part</em>. Only a suffix of one or two digits is read as a part (at most 50 sub-orders,
 * §1.2); our order and refund numbers end in digits without an {@code L}, so a plain number is
 * never mistaken for one. The other channels take a number whole. The engine sees the parent
 * number and the leg number only, as statement lines and notifications carry them.
 */
public final class OutTradeNumbers {

  private static final int PART_SUFFIX_DIGITS_MAX = 2;

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

  /** The channel's prefix, for SQL that numbers orders in bulk (a benchmark's fixture day). */
  public static String prefix(Channel channel) {
    return switch (channel) {
      case WECHAT -> "W";
      case ALIPAY -> "A";
      case UNIONPAY -> "U";
    };
  }

  /** Whether the channel numbers the part of a payment or refund that is one leg's. */
  public static boolean numbersParts(Channel channel) {
    return switch (channel) {
      case WECHAT -> true;
      case ALIPAY, UNIONPAY -> false;
    };
  }

  /** The number of the part of an order or refund {@code number} that is leg {@code legNo}'s. */
  public static String part(Channel channel, String number, int legNo) {
    if (!numbersParts(channel)) {
      throw new IllegalArgumentException(channel.code() + " does not number the parts of a payment");
    }
    if (legNo <= 0) {
      throw new IllegalArgumentException("leg number " + legNo);
    }
    return number + "L" + legNo;
  }

  /** The number a printed number is a part of; a number that is no part (or null) is its own parent. */
  public static String parent(Channel channel, String printed) {
    int suffix = partSuffixStart(channel, printed);
    return suffix < 0 ? printed : printed.substring(0, suffix);
  }

  /** The leg a printed number is the part of, 0 for a number that is no part. */
  public static int legNo(Channel channel, String printed) {
    int suffix = partSuffixStart(channel, printed);
    return suffix < 0 ? 0 : Integer.parseInt(printed.substring(suffix + 1));
  }

  /** The index of the {@code L} of a trailing {@code L<1-2 digits>}, or -1. */
  private static int partSuffixStart(Channel channel, String number) {
    if (number == null || !numbersParts(channel)) {
      return -1;
    }
    int digits = 0;
    int i = number.length() - 1;
    while (i >= 0 && digits <= PART_SUFFIX_DIGITS_MAX && number.charAt(i) >= '0' && number.charAt(i) <= '9') {
      i--;
      digits++;
    }
    boolean suffix = digits >= 1 && digits <= PART_SUFFIX_DIGITS_MAX && i > 0 && number.charAt(i) == 'L';
    return suffix ? i : -1;
  }
}
