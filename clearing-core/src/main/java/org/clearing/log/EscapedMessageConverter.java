package org.clearing.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** {@code %escapedMsg}: the event's message written by {@link LogLine#format}. */
public final class EscapedMessageConverter extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return LogLine.format(event.getMessage(), event.getArgumentArray());
  }
}
