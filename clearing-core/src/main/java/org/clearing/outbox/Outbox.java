package org.clearing.outbox;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Objects;

/**
 * The one door for events: every event for the registration system (and the admins) is appended
 * here, in the same transaction as the change it reports, and relayed as a signed webhook after
 * the commit by {@link WebhookRelay}. Nothing else inserts into {@code outbox}.
 */
public final class Outbox {

  private static final String INSERT =
      "INSERT INTO outbox (event_type, order_no, payload)"
          + " SELECT t, o, p::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS x(t, o, p)";

  /**
   * One event.
   *
   * @param type e.g. {@code order.paid}
   * @param orderNo the order it is about; null for a payment no order took (then it goes to the
   *     admins)
   * @param payload the body the webhook carries
   */
  public record Event(String type, String orderNo, JsonObject payload) {
    public Event {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(payload, "payload");
    }
  }

  private Outbox() {}

  /** Appends events in the caller's transaction, all in one statement. */
  public static Future<Void> append(SqlConnection conn, List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(INSERT).execute(Tuple.tuple()
            .addArrayOfString(events.stream().map(Event::type).toArray(String[]::new))
            .addArrayOfString(events.stream().map(Event::orderNo).toArray(String[]::new))
            .addArrayOfString(events.stream().map(e -> e.payload().encode()).toArray(String[]::new)))
        .mapEmpty();
  }

  /** Appends one event in the caller's transaction. */
  public static Future<Void> append(SqlConnection conn, Event event) {
    return append(conn, List.of(event));
  }
}
