package org.clearing.api;

import java.net.ConnectException;
import org.clearing.store.DatabaseUnreachable;
import org.clearing.store.GroupCommitter;

/** Recognises failures that mean "try again later" rather than "the engine is broken". */
final class Unavailable {

  private Unavailable() {}

  static boolean isUnavailable(Throwable error) {
    if (DatabaseUnreachable.is(error)) {
      return true;
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
      if (t instanceof ConnectException
          || t instanceof GroupCommitter.Overloaded
          || t instanceof io.vertx.core.http.HttpClosedException
          || t instanceof io.vertx.core.impl.NoStackTraceTimeoutException
          || t instanceof java.util.concurrent.TimeoutException
          || t.getClass().getSimpleName().equals("ClosedConnectionException")
          || (t instanceof io.vertx.sqlclient.DatabaseException db && retryable(db.getSqlState()))
          || message.contains("wait queue")
          || message.contains("pool closed")
          || message.contains("connection refused")) {
        return true;
      }
    }
    return false;
  }

  /**
   * 40P01 deadlock_detected, 40001 serialization_failure: PostgreSQL rolled the transaction back
   * and the same request may simply be sent again.
   */
  static boolean retryable(String sqlState) {
    return "40P01".equals(sqlState) || "40001".equals(sqlState);
  }
}
