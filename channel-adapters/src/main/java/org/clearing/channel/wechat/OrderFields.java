package org.clearing.channel.wechat;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Pattern;
import org.clearing.channel.Money;

/** Checks and formats shared by the order request builders (WeChat Pay's documentation). */
final class OrderFields {

  /** 6–32 characters of letters, digits and {@code _-|*@} (§1.2, combine docs). */
  private static final Pattern OUT_TRADE_NO = Pattern.compile("[A-Za-z0-9_\\-|*@]{6,32}");

  private OrderFields() {}

  static String outTradeNo(String value, String name) {
    if (value == null || !OUT_TRADE_NO.matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must be 6-32 of [A-Za-z0-9_-|*@]: " + value);
    }
    return value;
  }

  /**
   * WeChat wants https with no query string (§1.2). Plain http is let through because the
   * sandboxes listen on http://127.0.0.1; the query string is refused everywhere, since WeChat
   * would refuse it too.
   */
  static String notifyUrl(String value) {
    URI uri;
    try {
      uri = new URI(OrderFields.text(value, "notify_url"));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("notify_url is not a URL: " + value);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException("notify_url must be https (or http for a sandbox)");
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("notify_url needs a host and no query or fragment");
    }
    return value;
  }

  /** RFC 3339 in Beijing time, e.g. {@code 2018-06-08T10:34:56+08:00} (§1.2). */
  static String timeExpire(Instant instant) {
    if (instant == null) {
      throw new IllegalArgumentException("time_expire is required");
    }
    return WechatNotificationSigner.RFC3339.format(instant.atOffset(ZoneOffset.ofHours(8)));
  }

  static long positiveFen(Money amount, String name) {
    if (amount == null || !amount.isPositive()) {
      throw new IllegalArgumentException(name + " must be a positive amount");
    }
    return amount.fen();
  }

  static String text(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required");
    }
    return value;
  }
}
