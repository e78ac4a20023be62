package org.clearing.channel.wechat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** WeChat's Unix-seconds timestamps and the freshness window around them (WeChat Pay's documentation). */
final class WechatTimestamp {

  private WechatTimestamp() {}

  static boolean isUnixSeconds(String text) {
    if (text.isEmpty() || text.length() > 12) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Fresh when strictly less than {@code window} away from now, like the SDK's 5-minute check. */
  static boolean isFresh(String unixSeconds, Clock clock, Duration window) {
    Duration skew =
        Duration.between(Instant.ofEpochSecond(Long.parseLong(unixSeconds)), clock.instant());
    return skew.abs().compareTo(window) < 0;
  }
}
