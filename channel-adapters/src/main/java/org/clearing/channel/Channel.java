package org.clearing.channel;

import java.util.Locale;
import java.util.Optional;

/** The payment channels the engine speaks to. */
public enum Channel {
  WECHAT,
  ALIPAY,
  UNIONPAY;

  /** The lowercase name used in URLs, journal account names and metrics labels. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Channel> fromCode(String code) {
    for (Channel channel : values()) {
      if (channel.code().equals(code)) {
        return Optional.of(channel);
      }
    }
    return Optional.empty();
  }
}
