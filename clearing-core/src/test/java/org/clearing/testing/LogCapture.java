package org.clearing.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's log as an operator's terminal receives it: every event written with the very
 * pattern of the console appender in {@code logback.xml}, into memory, split into lines.
 */
public final class LogCapture implements AutoCloseable {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
  private final ch.qos.logback.classic.Logger root;

  private LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>) root.getAppender("CONSOLE");
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(((PatternLayoutEncoder) console.getEncoder()).getPattern());
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.start();
    appender.setContext(context);
    appender.setName("test-capture");
    appender.setEncoder(encoder);
    appender.setOutputStream(bytes);
    appender.start();
    root.addAppender(appender);
  }

  public static LogCapture start() {
    return new LogCapture();
  }

  /** Every line written so far, split where a terminal or a log shipper would split it. */
  public List<String> lines() {
    String text = bytes.toString(StandardCharsets.UTF_8);
    return Arrays.stream(text.split("\r\n|\r|\n|\u0085|\u2028|\u2029")).filter(l -> !l.isEmpty()).toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
