package org.clearing.sandbox;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a sandbox's signed callbacks the way its channel does: POST to the merchant's notify URL,
 * resend on the channel's retry schedule until acknowledged, and apply the fault switches. Time
 * can be compressed so that a 24-hour schedule runs in seconds in tests.
 *
 * <p>Each attempt is signed afresh by the {@link CallbackFactory} (a real channel signs each
 * resend with the current time). Every attempt is logged for tests and audits.
 */
public final class CallbackDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(CallbackDispatcher.class);
  /** Callbacks scheduled and not yet finished; beyond this the sandbox refuses to queue more. */
  public static final int PENDING_MAX = 200_000;
  /** Attempts kept per callback key in the log. */
  static final int ATTEMPTS_LOGGED_MAX = 64;
  /** Window within which an out-of-order callback is held back, before compression. */
  static final long OUT_OF_ORDER_WINDOW_MS = 20_000;

  /** One HTTP request of a callback. */
  public record Callback(String url, Map<String, String> headers, byte[] body) {

    /** As {@code POST /sandbox/pay} with {@code "notify": "return"} hands it to its caller. */
    public JsonObject toJson() {
      JsonObject headersJson = new JsonObject();
      headers.forEach(headersJson::put);
      return new JsonObject().put("url", url).put("headers", headersJson)
          .put("body_base64", Base64.getEncoder().encodeToString(body));
    }

    /** The inverse of {@link #toJson()}; throws on a missing field (a caller's bug). */
    public static Callback fromJson(JsonObject json) {
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      json.getJsonObject("headers").forEach(h -> headers.put(h.getKey(), String.valueOf(h.getValue())));
      return new Callback(Objects.requireNonNull(json.getString("url"), "url"), headers,
          Base64.getDecoder().decode(Objects.requireNonNull(json.getString("body_base64"), "body_base64")));
    }
  }

  /**
   * What {@code POST /sandbox/pay} does with the payment's callback: {@code "send"} (the default)
   * schedules it on the dispatcher as the channel would; {@code "return"} signs the first delivery
   * now and hands it to the caller instead, so that a load driver can replay pre-signed callbacks
   * without the channel's signing and sending inside its timed window.
   */
  public enum Notify {
    SEND, RETURN;

    /** The request's {@code notify} value: absent means SEND; empty for anything unknown. */
    public static Optional<Notify> of(Object value) {
      if (value == null) {
        return Optional.of(SEND);
      }
      return switch (String.valueOf(value)) {
        case "send" -> Optional.of(SEND);
        case "return" -> Optional.of(RETURN);
        default -> Optional.empty();
      };
    }
  }

  /** Builds a callback's request; called for each attempt so signatures carry a fresh time. */
  public interface CallbackFactory {
    Callback build(boolean forged, long skewSeconds);
  }

  /** One attempt to deliver a callback. {@code status} is -1 when no HTTP answer came. */
  /**
   * One send and what came of it; {@code acknowledged}: whether the answer was the channel's
   * acknowledgement (for a forged copy, the merchant fell for it).
   */
  public record Attempt(String key, int copy, int attemptNo, Instant at, int status, String outcome,
      boolean acknowledged) {}

  private final Vertx vertx;
  private final WebClient client;
  private final List<Duration> retrySchedule;
  private final double timeCompression;
  private final long timeoutMs;
  private final Predicate<HttpResponse<Buffer>> acknowledged;
  private final Supplier<SandboxFaults> faults;
  private final Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();
  private final AtomicInteger pending = new AtomicInteger();

  /**
   * @param retrySchedule the waits before the 2nd, 3rd, … sends (so schedule size + 1 sends)
   * @param timeCompression 1 = real time; 1000 = a 24 h schedule in 86 s
   * @param timeoutMs how long the channel waits for the merchant's answer
   * @param acknowledged which answers count as acknowledgement (per the channel's rules)
   */
  public CallbackDispatcher(Vertx vertx, WebClient client, List<Duration> retrySchedule,
      double timeCompression, long timeoutMs, Predicate<HttpResponse<Buffer>> acknowledged,
      Supplier<SandboxFaults> faults) {
    if (timeCompression < 1) {
      throw new IllegalArgumentException("time compression must be >= 1");
    }
    this.vertx = vertx;
    this.client = client;
    this.retrySchedule = List.copyOf(retrySchedule);
    this.timeCompression = timeCompression;
    this.timeoutMs = timeoutMs;
    this.acknowledged = acknowledged;
    this.faults = faults;
  }

  /**
   * Schedules a callback under the current fault switches. {@code probe}, when not null, is a
   * signature probe sent (once, never retried) before the real callback.
   */
  public void dispatch(String key, CallbackFactory factory, Callback probe) {
    SandboxFaults now = faults.get();
    if (SandboxFaults.roll(now.dropPercent())) {
      log(new Attempt(key, 0, 0, Instant.now(), -1, "dropped", false));
      return;
    }
    if (pending.get() >= PENDING_MAX) {
      log(new Attempt(key, 0, 0, Instant.now(), -1, "overflow", false));
      LOG.warn("event=sandbox.callback_overflow key={}", key);
      return;
    }
    long firstDelayMs = compress(now.delayMs());
    if (SandboxFaults.roll(now.outOfOrderPercent())) {
      firstDelayMs += ThreadLocalRandom.current().nextLong(1, compress(OUT_OF_ORDER_WINDOW_MS) + 2);
    }
    if (probe != null && now.probe()) {
      sendOnce(key, probe, "probe");
    }
    if (SandboxFaults.roll(now.forgePercent())) {
      // A forger's copy arrives first; the genuine callback follows as usual.
      sendOnce(key, factory.build(true, now.skewSeconds()), "forged");
    }
    for (int copy = 1; copy <= now.deliveries(); copy++) {
      int thisCopy = copy;
      pending.incrementAndGet();
      later(firstDelayMs, () -> attempt(key, thisCopy, 1, factory, now.skewSeconds()));
    }
  }

  /**
   * The delivery {@link #dispatch} would have sent first, signed now, for the caller to deliver
   * itself ({@link Notify#RETURN}). Nothing is scheduled or logged and the fault switches do not
   * apply: whoever takes the callback owns its delivery, resends included.
   */
  public Callback signedNow(CallbackFactory factory) {
    return factory.build(false, 0);
  }

  private void attempt(String key, int copy, int attemptNo, CallbackFactory factory, long skewSeconds) {
    Callback callback;
    try {
      callback = factory.build(false, skewSeconds);
    } catch (RuntimeException e) {
      LOG.error("event=sandbox.callback_build_failed key={}", key, e);
      pending.decrementAndGet();
      return;
    }
    post(callback).onComplete(result -> {
      boolean ok = result.succeeded() && acknowledged.test(result.result());
      int status = result.succeeded() ? result.result().statusCode() : -1;
      log(new Attempt(key, copy, attemptNo, Instant.now(), status, ok ? "acknowledged"
          : result.succeeded() ? "refused" : "no-answer", ok));
      if (ok) {
        pending.decrementAndGet();
      } else if (attemptNo <= retrySchedule.size()) {
        later(compress(retrySchedule.get(attemptNo - 1).toMillis()),
            () -> attempt(key, copy, attemptNo + 1, factory, skewSeconds));
      } else {
        pending.decrementAndGet();
        LOG.info("event=sandbox.callback_gave_up key={} attempts={}", key, attemptNo);
      }
    });
  }

  private void sendOnce(String key, Callback callback, String kind) {
    post(callback).onComplete(result -> log(new Attempt(key, 0, 0, Instant.now(),
        result.succeeded() ? result.result().statusCode() : -1, kind,
        result.succeeded() && acknowledged.test(result.result()))));
  }

  private io.vertx.core.Future<HttpResponse<Buffer>> post(Callback callback) {
    var request = client.postAbs(callback.url()).timeout(timeoutMs);
    MultiMap headers = request.headers();
    callback.headers().forEach(headers::set);
    return request.sendBuffer(Buffer.buffer(callback.body()));
  }

  private void later(long delayMs, Runnable action) {
    if (delayMs <= 0) {
      vertx.runOnContext(v -> action.run());
    } else {
      vertx.setTimer(delayMs, id -> action.run());
    }
  }

  private long compress(long ms) {
    return ms == 0 ? 0 : Math.max(1, (long) (ms / timeCompression));
  }

  private void log(Attempt attempt) {
    List<Attempt> list = attempts.computeIfAbsent(attempt.key(), k -> new ArrayList<>());
    synchronized (list) {
      if (list.size() < ATTEMPTS_LOGGED_MAX) {
        list.add(attempt);
      }
    }
  }

  /** Connections a sandbox keeps to a merchant's notify host, as a channel's senders do in parallel. */
  public static final int CONNECTIONS_PER_HOST_MAX = 64;
  /** Callbacks waiting for a connection beyond this fail at once and are retried on schedule. */
  public static final int WAIT_QUEUE_SIZE_MAX = 10_000;

  /**
   * The HTTP client a sandbox sends callbacks with: many connections per merchant host (the
   * default of 5 would make the merchant's group commit wait on the sender) and a bounded queue.
   */
  public static WebClient client(Vertx vertx) {
    return WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions().setConnectTimeout(5_000),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_HOST_MAX)
            .setMaxWaitQueueSize(WAIT_QUEUE_SIZE_MAX));
  }

  /** The attempts made so far for a callback key (e.g. an out_trade_no). */
  public List<Attempt> attempts(String key) {
    List<Attempt> list = attempts.getOrDefault(key, List.of());
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  /** Callbacks scheduled and not yet acknowledged or given up. */
  public int pending() {
    return pending.get();
  }
}
