package org.clearing.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Reads a command-line duration as people write it: {@code 90s}, {@code 2m}, {@code 1h}, or an
 * ISO-8601 duration such as {@code PT90S}. A negative or unreadable one is refused with the
 * option named (picocli then exits 2 before anything starts).
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    String text = value.trim().toUpperCase(Locale.ROOT);
    try {
      Duration duration = Duration.parse(text.startsWith("P") ? text : "PT" + text);
      if (duration.isNegative()) {
        throw new CommandLine.TypeConversionException("must not be negative: " + value);
      }
      return duration;
    } catch (DateTimeParseException e) {
      throw new CommandLine.TypeConversionException("not a duration such as 60s or 2m: " + value);
    }
  }
}
