package org.clearing.channel.alipay;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Optional;

/**
 * Alipay's wall-clock times: {@code yyyy-MM-dd HH:mm:ss} in Beijing time (Alipay's documentation).
 * Refund times ({@code gmt_refund}) may carry milliseconds ({@code 2015-04-28 15:45:57.320}), so
 * parsing accepts an optional fraction.
 */
final class AlipayTime {

  static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss").withZone(BEIJING);

  private static final DateTimeFormatter PARSE =
      new DateTimeFormatterBuilder()
          .appendPattern("uuuu-MM-dd HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
          .optionalEnd()
          .toFormatter()
          .withResolverStyle(ResolverStyle.STRICT);

  private AlipayTime() {}

  static String format(Instant instant) {
    return FORMAT.format(instant);
  }

  /** The instant, or empty when the text is not an Alipay time. */
  static Optional<Instant> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDateTime.parse(text, PARSE).toInstant(BEIJING));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
