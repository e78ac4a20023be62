package org.clearing.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects Vert.x's blocked-thread warnings so a test can fail on them. */
final class BlockedThreadWarnings {

  private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
  private static final String INTERNAL_CHECKER = "io.vertx.core.internal.threadchecker.BlockedThreadChecker";

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  synchronized void start() {
    if (appender.isStarted()) {
      return;
    }
    appender.start();
    for (String name : List.of(CHECKER, INTERNAL_CHECKER)) {
      ((Logger) LoggerFactory.getLogger(name)).addAppender(appender);
    }
  }

  synchronized void assertNone() {
    List<ILoggingEvent> events = List.copyOf(appender.list);
    appender.list.clear();
    if (!events.isEmpty()) {
      throw new AssertionError("an event loop was blocked: " + events.get(0).getFormattedMessage());
    }
  }
}
