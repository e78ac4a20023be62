package org.clearing.outbox;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Clients' webhook endpoints, manual redelivery and the delivery log, in PostgreSQL. */
public final class WebhookRepository {

  /** A URL longer than this is not an endpoint anyone typed; also the column's CHECK. */
  public static final int URL_LENGTH_MAX = 2048;
  /** The most log rows one answer carries; a schedule has 16 attempts, redeliveries add more. */
  public static final int LOG_ROWS_MAX = 1_000;

  private static final String SELECT_ENDPOINT =
      "SELECT client_id, url, enabled, updated_at FROM webhook_endpoint WHERE client_id = $1";
  private static final String UPSERT_ENDPOINT = """
      INSERT INTO webhook_endpoint (client_id, url, enabled, updated_at) VALUES ($1, $2, $3, now())
      ON CONFLICT (client_id) DO UPDATE SET url = EXCLUDED.url, enabled = EXCLUDED.enabled,
        updated_at = EXCLUDED.updated_at
      RETURNING client_id, url, enabled, updated_at
      """;
  /**
   * A new or changed endpoint is tried at once: the client's waiting events (parked for want of an
   * endpoint, or backing off from a dead one) become due now. Given-up events wait for an admin.
   * Admins receive the events that name no order, or an order that does not exist.
   */
  private static final String WAKE_EVENTS = """
      UPDATE outbox o SET next_attempt_at = now()
      WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at > now()
        AND (o.order_no IN (SELECT order_no FROM orders WHERE client_id = $1)
          OR ($2 AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.order_no = o.order_no)))
      """;
  private static final String REDELIVER = """
      UPDATE outbox SET next_attempt_at = now(), delivered_at = NULL, gave_up_at = NULL,
        schedule_start_attempts = attempts
      WHERE event_id = $1
      RETURNING event_id, event_type, order_no, attempts, next_attempt_at, delivered_at, gave_up_at, created_at
      """;
  private static final String SELECT_EVENT = """
      SELECT event_id, event_type, order_no, attempts, next_attempt_at, delivered_at, gave_up_at, created_at
      FROM outbox WHERE event_id = $1
      """;
  private static final String SELECT_LOG = """
      SELECT attempt, client_id, url, attempted_at, status, outcome, latency_ms FROM webhook_delivery
      WHERE event_id = $1 ORDER BY attempt, client_id LIMIT $2
      """;

  private final Pool pool;

  public WebhookRepository(Pool pool) {
    this.pool = pool;
  }

  /** A client's endpoint. */
  public record Endpoint(String clientId, String url, boolean enabled, OffsetDateTime updatedAt) {
    public JsonObject toJson() {
      return new JsonObject().put("client_id", clientId).put("url", url).put("enabled", enabled)
          .put("updated_at", updatedAt.toString());
    }
  }

  /**
   * Why {@code url} cannot be an endpoint, or empty when it can: an absolute http(s) URL with a
   * host, at most {@value #URL_LENGTH_MAX} characters, no fragment (it would not be sent) and no
   * user:password (it would sit in the database and the delivery log).
   */
  public static Optional<String> urlProblem(String url) {
    if (url == null || url.isEmpty()) {
      return Optional.of("is required");
    }
    if (url.length() > URL_LENGTH_MAX) {
      return Optional.of("must be at most " + URL_LENGTH_MAX + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || !url.startsWith(scheme + "://")) {
      return Optional.of("must be an http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("must name a host");
    }
    if (uri.getRawFragment() != null || url.contains("#")) {
      return Optional.of("must not have a fragment");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry a user name or password");
    }
    return Optional.empty();
  }

  public Future<Optional<Endpoint>> endpoint(String clientId) {
    return pool.preparedQuery(SELECT_ENDPOINT).execute(Tuple.of(clientId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(endpoint(rows.iterator().next())));
  }

  /** Sets a client's endpoint (validated by the caller) and makes its waiting events due now. */
  public Future<Endpoint> putEndpoint(String clientId, boolean admin, String url, boolean enabled) {
    return pool.withTransaction(conn -> conn.preparedQuery(UPSERT_ENDPOINT)
        .execute(Tuple.of(clientId, url, enabled))
        .compose(rows -> conn.preparedQuery(WAKE_EVENTS).execute(Tuple.of(clientId, admin))
            .map(woken -> endpoint(rows.iterator().next()))));
  }

  /** An event's delivery state. */
  public record EventState(long eventId, String type, String orderNo, int attempts,
      OffsetDateTime nextAttemptAt, OffsetDateTime deliveredAt, OffsetDateTime gaveUpAt,
      OffsetDateTime createdAt) {
    public JsonObject toJson() {
      return new JsonObject().put("event_id", eventId).put("type", type).put("order_no", orderNo)
          .put("attempts", attempts)
          .put("state", deliveredAt != null ? "delivered" : gaveUpAt != null ? "gave_up" : "pending")
          .put("next_attempt_at", deliveredAt != null || gaveUpAt != null ? null : nextAttemptAt.toString())
          .put("delivered_at", deliveredAt == null ? null : deliveredAt.toString())
          .put("gave_up_at", gaveUpAt == null ? null : gaveUpAt.toString())
          .put("created_at", createdAt.toString());
    }
  }

  /** One POST of an event to one client. */
  public record Delivery(int attempt, String clientId, String url, OffsetDateTime attemptedAt,
      int status, String outcome, long latencyMs) {
    public JsonObject toJson() {
      return new JsonObject().put("attempt", attempt).put("client_id", clientId).put("url", url)
          .put("attempted_at", attemptedAt.toString()).put("status", status).put("outcome", outcome)
          .put("latency_ms", latencyMs);
    }
  }

  /**
   * Makes an event due now with a fresh retry schedule, whether it was delivered, given up or
   * still pending; its attempt numbers and log continue. Empty when there is no such event.
   */
  public Future<Optional<EventState>> redeliver(long eventId) {
    return pool.preparedQuery(REDELIVER).execute(Tuple.of(eventId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(state(rows.iterator().next())));
  }

  /**
   * As above, with {@code record} (a person's audit of the redelivery) run in the same transaction
   * when there is such an event, so the two commit together or not at all.
   */
  public Future<Optional<EventState>> redeliver(long eventId,
      java.util.function.Function<io.vertx.sqlclient.SqlConnection, Future<Void>> record) {
    return pool.withTransaction(conn -> conn.preparedQuery(REDELIVER).execute(Tuple.of(eventId))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(Optional.<EventState>empty())
            : record.apply(conn).map(Optional.of(state(rows.iterator().next())))));
  }

  public Future<Optional<EventState>> event(long eventId) {
    return pool.preparedQuery(SELECT_EVENT).execute(Tuple.of(eventId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(state(rows.iterator().next())));
  }

  /** The first {@value #LOG_ROWS_MAX} deliveries of an event, in attempt order. */
  public Future<List<Delivery>> deliveries(long eventId) {
    return pool.preparedQuery(SELECT_LOG).execute(Tuple.of(eventId, LOG_ROWS_MAX)).map(rows -> {
      List<Delivery> log = new ArrayList<>();
      for (Row row : rows) {
        log.add(new Delivery(row.getInteger("attempt"), row.getString("client_id"), row.getString("url"),
            row.getOffsetDateTime("attempted_at"), row.getInteger("status"), row.getString("outcome"),
            row.getLong("latency_ms")));
      }
      return log;
    });
  }

  private static Endpoint endpoint(Row row) {
    return new Endpoint(row.getString("client_id"), row.getString("url"), row.getBoolean("enabled"),
        row.getOffsetDateTime("updated_at"));
  }

  private static EventState state(Row row) {
    return new EventState(row.getLong("event_id"), row.getString("event_type"), row.getString("order_no"),
        row.getInteger("attempts"), row.getOffsetDateTime("next_attempt_at"),
        row.getOffsetDateTime("delivered_at"), row.getOffsetDateTime("gave_up_at"),
        row.getOffsetDateTime("created_at"));
  }
}
