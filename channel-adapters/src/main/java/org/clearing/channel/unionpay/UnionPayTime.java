package org.clearing.channel.unionpay;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;

/** UnionPay's time fields, all in Beijing time (UTC+8) with no zone on the wire (§3.1, §3.2). */
final class UnionPayTime {

  static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  /** {@code txnTime}, {@code payTimeout}: yyyyMMddHHmmss. */
  static final DateTimeFormatter TXN_TIME =
      DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withResolverStyle(ResolverStyle.STRICT);

  /** {@code traceTime}: MMddHHmmss, no year. */
  static final DateTimeFormatter TRACE_TIME = DateTimeFormatter.ofPattern("MMddHHmmss");

  /** {@code settleDate}: MMdd, no year. */
  static final DateTimeFormatter SETTLE_DATE = DateTimeFormatter.ofPattern("MMdd");

  private UnionPayTime() {}

  static LocalDateTime beijingNow(Clock clock) {
    return LocalDateTime.ofInstant(clock.instant(), BEIJING);
  }

  static String txnTime(Instant instant) {
    return TXN_TIME.format(LocalDateTime.ofInstant(instant, BEIJING));
  }

  /**
   * Parses a {@code txnTime}.
   *
   * @throws IllegalArgumentException unless it is 14 digits forming a real date and time
   */
  static Instant parseTxnTime(String text) {
    if (text == null || !text.matches("[0-9]{14}")) {
      throw new IllegalArgumentException("txnTime is not yyyyMMddHHmmss");
    }
    try {
      return LocalDateTime.parse(text, TXN_TIME).toInstant(BEIJING);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("txnTime is not a real time: " + text, e);
    }
  }
}
