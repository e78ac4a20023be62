package org.clearing.store;

import io.vertx.sqlclient.DatabaseException;
import java.net.SocketException;
import java.util.Locale;

/**
 * Recognises a failure that means the database cannot be written right now, as while its leader
 * fails over: the connection was lost, reset or refused, the server is shutting down or starting, or
 * the node reached is a standby (read-only). Such a failure is "try again shortly", never a bug;
 * nothing was committed by the statement that failed (a commit whose answer was lost is found
 * by the retry's unique key).
 */
public final class DatabaseUnreachable {

  private DatabaseUnreachable() {}

  public static boolean is(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      // Refused or reset (a SocketException, ConnectException included; Netty's native transport
      // says "Connection reset by peer" in an IOException): the server is down, or went down
      // under a running statement, as at a PostgreSQL restart.
      if (t instanceof SocketException
          || t.getClass().getSimpleName().equals("ClosedConnectionException")
          || (t instanceof DatabaseException db && unreachable(db.getSqlState()))) {
        return true;
      }
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      // "Connection is not active now, current status: CLOSED": the next statement of a
      // transaction whose connection the dying leader (or HAProxy) already closed.
      if (message.contains("pool closed") || message.contains("connection refused")
          || message.contains("connection is not active now") || message.contains("connection reset")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Class 08 (connection exception); 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
   * cannot_connect_now (the server is going down or still starting); 25006
   * read_only_sql_transaction (a former leader, now a standby, still reached for a moment).
   */
  static boolean unreachable(String sqlState) {
    return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01")
        || sqlState.equals("57P02") || sqlState.equals("57P03") || sqlState.equals("25006"));
  }
}
