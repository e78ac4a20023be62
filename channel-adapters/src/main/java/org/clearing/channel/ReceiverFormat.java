package org.clearing.channel;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The shape of a payee account's identity at a channel, checked when an administrator registers
 * it, so a mistyped receiver is refused then rather than by the channel at the first payment. The
 * channels' formats live here, with the adapters, not in the engine.
 */
public final class ReceiverFormat {

  /** WeChat Pay merchant ids (a combined payment's sub-order {@code mchid}) are all digits. */
  private static final Pattern WECHAT_MCHID = Pattern.compile("[0-9]{8,32}");
  /**
   * Alipay settle receivers are Alipay user ids, 2088 and 12 more digits: the adapter sends them
   * with {@code trans_in_type} userId.
   */
  private static final Pattern ALIPAY_USER_ID = Pattern.compile("2088[0-9]{12}");
  /** UnionPay's {@code accSplitMerId}: a secondary merchant code of 15 letters and digits. */
  private static final Pattern UNIONPAY_SPLIT_MER_ID = Pattern.compile("[0-9A-Za-z]{15}");

  private ReceiverFormat() {}

  /** Why {@code receiver} cannot be a receiver at {@code channel}; empty when it can. */
  public static Optional<String> problem(Channel channel, String receiver) {
    if (receiver == null || receiver.isEmpty()) {
      return Optional.of("is required");
    }
    return switch (channel) {
      case WECHAT -> WECHAT_MCHID.matcher(receiver).matches() ? Optional.empty()
          : Optional.of("must be a WeChat Pay merchant id of 8 to 32 digits");
      case ALIPAY -> ALIPAY_USER_ID.matcher(receiver).matches() ? Optional.empty()
          : Optional.of("must be an Alipay user id: 2088 and 12 more digits");
      case UNIONPAY -> UNIONPAY_SPLIT_MER_ID.matcher(receiver).matches() ? Optional.empty()
          : Optional.of("must be a UnionPay secondary merchant code of 15 letters and digits");
    };
  }
}
