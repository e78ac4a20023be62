package org.clearing.outbox;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.clearing.crypto.Crypto;
import org.clearing.lease.LeasedJob;
import org.clearing.tls.OutboundTrust;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays outbox events as signed webhooks. Each run claims a bounded batch
 * of due events, POSTs each to its recipients, and records every attempt; a 2xx from every
 * recipient delivers the event, anything else schedules the next attempt by the
 * {@link RetrySchedule} until it gives up. A {@link LeasedJob}: the engine's job loop runs it.
 *
 * <p>Recipients: an event for an order goes to the endpoint of the client that created the order;
 * an event without an order (a payment for an unknown order) goes to every admin client with an
 * endpoint, and counts as delivered when all of them answered 2xx in one attempt (a retry goes to
 * all of them again; receivers dedupe by {@code event_id}, as with any at-least-once delivery). An
 * event whose recipients have no enabled endpoint is parked, not attempted and not lost; setting
 * an endpoint makes it due at once.
 *
 * <p>Order: an event is not claimed while an earlier event of the same order is undelivered
 * (pending, in flight or given up), so a receiver never sees {@code order.complete} before
 * {@code order.paid}. A given-up event therefore holds back its order's later events until an
 * admin redelivers it.
 *
 * <p>Claims: the job lease keeps one instance running the relay, but a lease can lapse while a
 * slow run is still posting. So each event is also claimed in the database ({@code FOR UPDATE SKIP
 * LOCKED}, then {@code next_attempt_at} pushed past the run's longest possible duration): a second
 * instance that takes the lease over never posts an event that is still in flight here. Setting an
 * endpoint or redelivering makes an in-flight event due again; another instance may then post it a
 * second time, which receivers absorb by {@code event_id} like any at-least-once delivery.
 */
public final class WebhookRelay implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookRelay.class);

  /** The job's name in {@code job_lease}. */
  public static final String JOB = "webhook-relay";
  /** How often the relay looks for due events: a webhook follows its event within about this. */
  public static final long INTERVAL_MS = 500;

  /**
   * @param batchSizeMax events claimed per run
   * @param inFlightMax POSTs outstanding at once
   * @param timeoutMs the whole POST, connect to last byte; a receiver slower than this is "no answer"
   * @param parkedRecheckMs how long an event without an endpoint waits before it is looked at again
   * @param schedule when failed attempts are retried, and when the relay gives up
   */
  public record Options(int batchSizeMax, int inFlightMax, long timeoutMs, long parkedRecheckMs,
      RetrySchedule schedule) {

    public static Options standard() {
      return new Options(100, 16, 5_000, 60_000, RetrySchedule.standard());
    }

    public Options {
      if (batchSizeMax < 1 || inFlightMax < 1 || timeoutMs < 1 || parkedRecheckMs < 1) {
        throw new IllegalArgumentException("bounds must be positive");
      }
    }

    /** How long a claim lasts: every POST of a batch, one lane after another, plus slack. */
    long claimMs() {
      return timeoutMs * ((batchSizeMax + inFlightMax - 1) / inFlightMax + 1) + 10_000;
    }
  }

  private static final String CLAIM = """
      WITH due AS (
        SELECT o.event_id FROM outbox o
        WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= now()
          AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_no = o.order_no
                            AND p.event_id < o.event_id AND p.delivered_at IS NULL)
        ORDER BY o.next_attempt_at, o.event_id
        LIMIT $1
        FOR UPDATE OF o SKIP LOCKED
      )
      UPDATE outbox o SET next_attempt_at = now() + make_interval(secs => $2::int8 / 1000.0)
      FROM due WHERE o.event_id = due.event_id
      RETURNING o.event_id, o.event_type, o.order_no, o.payload::text AS payload, o.created_at,
                o.attempts, o.schedule_start_attempts, o.next_attempt_at AS claimed_until
      """;
  /** Order events go to the order's creating client; events without an order to every admin. */
  private static final String RECIPIENTS = """
      SELECT x.event_id, e.client_id, e.url
      FROM unnest($1::int8[], $2::text[]) AS x(event_id, order_no)
      LEFT JOIN orders r ON r.order_no = x.order_no
      JOIN webhook_endpoint e ON e.enabled
      JOIN api_client c ON c.client_id = e.client_id
      WHERE (r.client_id IS NOT NULL AND e.client_id = r.client_id)
         OR (r.client_id IS NULL AND c.role = 'ADMIN')
      ORDER BY x.event_id, e.client_id
      """;
  /**
   * Parks an event without recipients, unless a new endpoint woke it while it was claimed (its
   * next_attempt_at is no longer the claim's): that wake-up must not be lost.
   */
  private static final String PARK =
      "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => $2::int8 / 1000.0)"
          + " WHERE event_id = $1 AND next_attempt_at = $3";
  /**
   * Records an attempt: its log rows and the event's next state. If a new endpoint or a manual
   * redelivery made the event due while this attempt was in flight ($11, the claim, no longer
   * matches), that wins over the backoff and over giving up. A given-up event is due at infinity,
   * so the claim's index scan never walks over given-up events again.
   */
  private static final String RECORD = """
      WITH log AS (
        INSERT INTO webhook_delivery (event_id, attempt, client_id, url, attempted_at, status, outcome, latency_ms)
        SELECT $1, $2, client_id, url, attempted_at, status, outcome, latency_ms
        FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::int4[], $7::text[], $8::int8[])
          AS d(client_id, url, attempted_at, status, outcome, latency_ms)
      )
      UPDATE outbox SET attempts = $2,
        delivered_at = CASE WHEN $9 THEN now() END,
        gave_up_at = CASE WHEN NOT $9 AND $10::int8 IS NULL AND next_attempt_at = $11 THEN now() END,
        next_attempt_at = CASE WHEN $9 OR next_attempt_at <> $11 THEN next_attempt_at
                               WHEN $10::int8 IS NULL THEN 'infinity'::timestamptz
                               ELSE now() + make_interval(secs => $10::int8 / 1000.0) END
      WHERE event_id = $1
      """;

  private final Pool pool;
  private final WorkerExecutor cryptoPool;
  private final java.util.function.Supplier<EngineKey> key;
  private final Clock clock;
  private final Options options;
  private final WebClient http;
  private final WebhookTargets targets;

  /**
   * @param cryptoPool where SM2 signing runs (heavy crypto stays off event loops)
   * @param targets which addresses webhooks may reach, checked again at every attempt
   * @param trust whose certificates an https receiver may present (the engine's outbound trust)
   */
  public WebhookRelay(Vertx vertx, Pool pool, WorkerExecutor cryptoPool, EngineKey key, Clock clock,
      Options options, WebhookTargets targets, OutboundTrust trust) {
    this(vertx, pool, cryptoPool, () -> key, clock, options, targets, trust);
  }

  /**
   * A relay signing each webhook with the key {@code key} gives at that moment: the engine's
   * current key, which a rotation (on any engine) replaces while the relay runs.
   */
  public WebhookRelay(Vertx vertx, Pool pool, WorkerExecutor cryptoPool, java.util.function.Supplier<EngineKey> key,
      Clock clock, Options options, WebhookTargets targets, OutboundTrust trust) {
    this.pool = pool;
    this.targets = targets;
    this.cryptoPool = cryptoPool;
    this.key = key;
    this.clock = clock;
    this.options = options;
    this.http = WebClient.create(vertx, trust.applyTo(new WebClientOptions()
            .setConnectTimeout((int) Math.min(options.timeoutMs(), Integer.MAX_VALUE))
            .setFollowRedirects(false)
            .setKeepAlive(true)
            .setUserAgent("clearing-engine-webhooks")),
        new PoolOptions().setHttp1MaxSize(options.inFlightMax()).setMaxWaitQueueSize(options.batchSizeMax()));
  }

  private record Event(long eventId, String type, String orderNo, String payloadJson,
      OffsetDateTime createdAt, int attempts, int scheduleStartAttempts, OffsetDateTime claimedUntil) {}

  private record Recipient(String clientId, String url) {}

  private record Attempt(Recipient recipient, OffsetDateTime attemptedAt, int status, String outcome,
      long latencyMs) {
    boolean delivered() {
      return status >= 200 && status < 300;
    }
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return INTERVAL_MS;
  }

  /** One run: claims due events, posts them, records the outcomes. Completes with the events tried. */
  @Override
  public Future<Integer> runOnce() {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(options.batchSizeMax(), options.claimMs()))
        .compose(rows -> {
          List<Event> events = new ArrayList<>();
          for (Row row : rows) {
            events.add(new Event(row.getLong("event_id"), row.getString("event_type"),
                row.getString("order_no"), row.getString("payload"), row.getOffsetDateTime("created_at"),
                row.getInteger("attempts"), row.getInteger("schedule_start_attempts"),
                row.getOffsetDateTime("claimed_until")));
          }
          events.sort((a, b) -> Long.compare(a.eventId(), b.eventId()));
          return events.isEmpty() ? Future.succeededFuture(0) : recipients(events)
              .compose(recipients -> inLanes(events, event -> relay(event,
                  recipients.getOrDefault(event.eventId(), List.of()))))
              .map(events.size());
        });
  }

  private Future<Map<Long, List<Recipient>>> recipients(List<Event> events) {
    Tuple args = Tuple.tuple()
        .addArrayOfLong(events.stream().map(Event::eventId).toArray(Long[]::new))
        .addArrayOfString(events.stream().map(Event::orderNo).toArray(String[]::new));
    return pool.preparedQuery(RECIPIENTS).execute(args).map(rows -> {
      Map<Long, List<Recipient>> byEvent = new HashMap<>();
      for (Row row : rows) {
        byEvent.computeIfAbsent(row.getLong("event_id"), k -> new ArrayList<>())
            .add(new Recipient(row.getString("client_id"), row.getString("url")));
      }
      return byEvent;
    });
  }

  /** Runs {@code work} over all events with at most {@code inFlightMax} at once; never fails. */
  private Future<Void> inLanes(List<Event> events, Function<Event, Future<?>> work) {
    int[] next = {0};
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < Math.min(options.inFlightMax(), events.size()); lane++) {
      Promise<Void> done = Promise.promise();
      lanes.add(done.future());
      runLane(events, next, work, done);
    }
    return Future.join(lanes).mapEmpty();
  }

  private void runLane(List<Event> events, int[] next, Function<Event, Future<?>> work,
      Promise<Void> done) {
    if (next[0] >= events.size()) {
      done.complete();
      return;
    }
    Event event = events.get(next[0]++);
    work.apply(event)
        .onFailure(e -> LOG.warn("event=webhook.relay_failed event_id={} order_no={} error={}",
            event.eventId(), event.orderNo(), e.toString()))
        .onComplete(ignored -> runLane(events, next, work, done));
  }

  private Future<Void> relay(Event event, List<Recipient> recipients) {
    if (recipients.isEmpty()) {
      LOG.debug("event=webhook.parked event_id={} order_no={}", event.eventId(), event.orderNo());
      return pool.preparedQuery(PARK).execute(Tuple.of(event.eventId(), options.parkedRecheckMs(), event.claimedUntil())).mapEmpty();
    }
    byte[] body = body(event);
    List<Future<Attempt>> posts = recipients.stream().map(r -> post(r, body)).toList();
    return Future.all(posts).compose(all -> record(event, posts.stream().map(Future::result).toList()));
  }

  /** The webhook body; its exact bytes are what the signature covers. */
  static byte[] body(long eventId, String type, String orderNo, String payloadJson, OffsetDateTime createdAt) {
    return new JsonObject().put("event_id", eventId).put("type", type).put("order_no", orderNo)
        .put("payload", new JsonObject(payloadJson)).put("created_at", createdAt.toInstant().toString())
        .encode().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] body(Event event) {
    return body(event.eventId(), event.type(), event.orderNo(), event.payloadJson(), event.createdAt());
  }

  /**
   * One POST; completes with the attempt whatever happened, never fails. The target is checked
   * now, on the address it resolves to now, and the connection goes to that checked address; a
   * refused target is recorded as refused, never contacted, so the log holds no status of it.
   */
  private Future<Attempt> post(Recipient recipient, byte[] body) {
    OffsetDateTime attemptedAt = OffsetDateTime.now(clock);
    long startNs = System.nanoTime();
    return targets.check(recipient.url())
        .compose(checked -> {
          if (checked instanceof WebhookTargets.Allowed target) {
            return post(target, body).map(response -> new Attempt(recipient, attemptedAt,
                response.statusCode(),
                response.statusCode() / 100 == 2 ? "delivered" : "http_" + response.statusCode(),
                elapsedMs(startNs)));
          }
          if (checked instanceof WebhookTargets.Refused refused) {
            LOG.warn("event=webhook.target_refused client_id={} reason=\"{}\"", recipient.clientId(),
                refused.reason());
            return Future.succeededFuture(new Attempt(recipient, attemptedAt, -1, "refused_target",
                elapsedMs(startNs)));
          }
          return Future.succeededFuture(new Attempt(recipient, attemptedAt, -1, "unresolved",
              elapsedMs(startNs)));
        })
        // Resolving and posting together within the bound the claim was sized for.
        .timeout(options.timeoutMs(), TimeUnit.MILLISECONDS)
        .otherwise(e -> new Attempt(recipient, attemptedAt, -1, noAnswer(e), elapsedMs(startNs)));
  }

  /** Signs and sends to the checked address, naming the endpoint's host in Host and SNI. */
  private Future<HttpResponse<Void>> post(WebhookTargets.Allowed target, byte[] body) {
    return cryptoPool.executeBlocking(() -> key.get().signer(clock).authorization("POST", target.pathWithQuery(), body), false)
        .compose(authorization -> http.request(HttpMethod.POST,
                SocketAddress.inetSocketAddress(new InetSocketAddress(target.address(), target.port())),
                target.port(), target.host(), target.pathWithQuery())
            .ssl(target.ssl())
            // An idle timeout; the caller bounds the whole exchange.
            .timeout(options.timeoutMs())
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", authorization)
            .as(BodyCodec.none())
            .sendBuffer(Buffer.buffer(body)));
  }

  private static String noAnswer(Throwable e) {
    if (e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
      return "timeout";
    }
    if (e instanceof java.net.ConnectException || String.valueOf(e.getMessage()).contains("Connection refused")) {
      return "connection_refused";
    }
    return "no_answer: " + e.getClass().getSimpleName();
  }

  private static long elapsedMs(long startNs) {
    return (System.nanoTime() - startNs) / 1_000_000;
  }

  private Future<Void> record(Event event, List<Attempt> attempts) {
    boolean delivered = attempts.stream().allMatch(Attempt::delivered);
    int attempt = event.attempts() + 1;
    OptionalLong retryMs = delivered ? OptionalLong.empty()
        : options.schedule().nextDelayMs(attempt - event.scheduleStartAttempts(), Crypto.random().nextDouble());
    Tuple args = Tuple.tuple().addLong(event.eventId()).addInteger(attempt)
        .addArrayOfString(attempts.stream().map(a -> a.recipient().clientId()).toArray(String[]::new))
        .addArrayOfString(attempts.stream().map(a -> a.recipient().url()).toArray(String[]::new))
        .addArrayOfOffsetDateTime(attempts.stream().map(Attempt::attemptedAt).toArray(OffsetDateTime[]::new))
        .addArrayOfInteger(attempts.stream().map(Attempt::status).toArray(Integer[]::new))
        .addArrayOfString(attempts.stream().map(Attempt::outcome).toArray(String[]::new))
        .addArrayOfLong(attempts.stream().map(Attempt::latencyMs).toArray(Long[]::new))
        .addBoolean(delivered)
        .addLong(retryMs.isPresent() ? retryMs.getAsLong() : null)
        .addOffsetDateTime(event.claimedUntil());
    String outcome = delivered ? "delivered" : retryMs.isPresent() ? "retry" : "gave_up";
    attempts.forEach(a -> LOG.info(
        "event=webhook.attempt event_id={} type={} order_no={} client_id={} attempt={} status={} outcome={} latency_ms={} next={}",
        event.eventId(), event.type(), event.orderNo(), a.recipient().clientId(), attempt, a.status(),
        a.outcome(), a.latencyMs(), outcome));
    return pool.preparedQuery(RECORD).execute(args).mapEmpty();
  }

  /** Closes the HTTP client; the pool and workers belong to the caller. */
  public Future<Void> close() {
    http.close();
    return Future.succeededFuture();
  }
}
