package org.clearing.load.driver;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * An open-loop load driver: requests are due at a fixed arrival rate whatever the server does,
 * and latency is measured from when a request was <em>due</em>, not when it was sent, so a slow
 * server shows as latency rather than as a politely reduced load (no coordinated omission). A
 * bound on requests in flight keeps the driver itself from falling over; a request due while the
 * bound is reached is counted as an error of kind {@code inflight_limit}.
 *
 * <p>Requests are prepared before the timed window (signing costs CPU the driver must not spend
 * while measuring) and only replayed inside it.
 */
public final class OpenLoopDriver {

  /** One prepared request. */
  public record PreparedRequest(HttpMethod method, String path, Map<String, String> headers, Buffer body) {}

  /** Whether an answer is a success; {@code index} is the request's place in the run. */
  public interface AnswerCheck {
    boolean ok(int index, int status, Buffer body);
  }

  /**
   * The outcome of a run. {@code statuses[i]} is request i's HTTP status (-1: no answer, 0: never
   * sent), {@code latenciesUs[i]} its answer time from when it was due (-1 when none came).
   */
  public record Result(long offered, long completed, long ok, double offeredPerS, double achievedPerS,
      org.HdrHistogram.Histogram latencyUs, Map<String, Long> errors, long durationMs,
      long startEpochMs, int[] statuses, long[] latenciesUs, boolean[] succeeded) {

    /** When request {@code index} was due, in epoch milliseconds. */
    public double dueEpochMs(int index) {
      return startEpochMs + index * 1000.0 / offeredPerS;
    }
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final int inFlightMax;

  public OpenLoopDriver(Vertx vertx, HttpClient client, int inFlightMax) {
    this.vertx = vertx;
    this.client = client;
    this.inFlightMax = inFlightMax;
  }

  /**
   * Sends {@code requests} at {@code ratePerS}; {@code ok} says which statuses count as success.
   * Blocks the calling (non-event-loop) thread until every request has completed or failed.
   */
  public Result run(List<PreparedRequest> requests, double ratePerS,
      java.util.function.IntPredicate ok) throws Exception {
    return run(requests, ratePerS, (index, status, body) -> ok.test(status));
  }

  /**
   * As {@link #run(List, double, java.util.function.IntPredicate)}, with a check that also reads
   * the answer's body (a channel whose acknowledgement is a body, as Alipay's {@code success}).
   * A 200 that the check refuses is counted as {@code http_200_refused}.
   */
  public Result run(List<PreparedRequest> requests, double ratePerS, AnswerCheck ok) throws Exception {
    Recorder recorder = new Recorder(3_600_000_000L, 3);
    Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong completed = new AtomicLong();
    AtomicLong succeeded = new AtomicLong();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger next = new AtomicInteger();
    int[] statuses = new int[requests.size()];
    long[] latenciesUs = new long[requests.size()];
    boolean[] succeededAt = new boolean[requests.size()];
    java.util.Arrays.fill(latenciesUs, -1);
    long startEpochMs = System.currentTimeMillis();
    long startNs = System.nanoTime();
    double intervalNs = 1e9 / ratePerS;
    long timer = vertx.setPeriodic(1, id -> {
      long elapsedNs = System.nanoTime() - startNs;
      while (next.get() < requests.size() && next.get() * intervalNs <= elapsedNs) {
        int index = next.getAndIncrement();
        long dueNs = startNs + (long) (index * intervalNs);
        if (inFlight.get() >= inFlightMax) {
          errors.computeIfAbsent("inflight_limit", k -> new AtomicLong()).incrementAndGet();
          finish(completed, requests.size(), done);
          continue;
        }
        inFlight.incrementAndGet();
        send(requests.get(index)).onComplete(result -> {
          inFlight.decrementAndGet();
          long latencyUs = Math.max(1, (System.nanoTime() - dueNs) / 1_000);
          recorder.recordValue(latencyUs);
          statuses[index] = result.succeeded() ? result.result().status() : -1;
          latenciesUs[index] = result.succeeded() ? latencyUs : -1;
          if (result.succeeded() && ok.ok(index, result.result().status(), result.result().body())) {
            succeeded.incrementAndGet();
            succeededAt[index] = true;
          } else {
            String kind = !result.succeeded() ? "io_" + result.cause().getClass().getSimpleName()
                : "http_" + result.result().status() + (result.result().status() == 200 ? "_refused" : "");
            errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
          }
          finish(completed, requests.size(), done);
        });
      }
    });
    done.get();
    vertx.cancelTimer(timer);
    long durationNs = System.nanoTime() - startNs;
    Map<String, Long> errorCounts = new java.util.TreeMap<>();
    errors.forEach((k, v) -> errorCounts.put(k, v.get()));
    return new Result(requests.size(), completed.get(), succeeded.get(), ratePerS,
        succeeded.get() / (durationNs / 1e9), recorder.getIntervalHistogram(), errorCounts,
        durationNs / 1_000_000, startEpochMs, statuses, latenciesUs, succeededAt);
  }

  private static void finish(AtomicLong completed, int total, CompletableFuture<Void> done) {
    if (completed.incrementAndGet() == total) {
      done.complete(null);
    }
  }

  private record Answer(int status, Buffer body) {}

  private Future<Answer> send(PreparedRequest request) {
    RequestOptions options = new RequestOptions().setMethod(request.method()).setTimeout(30_000);
    if (request.path().startsWith("http")) {
      // Another server than the client's default (a sandbox): an absolute URL.
      options.setAbsoluteURI(request.path());
    } else {
      options.setURI(request.path());
    }
    request.headers().forEach(options::putHeader);
    return client.request(options)
        .compose(req -> req.send(request.body()))
        .compose(response -> response.body().map(b -> new Answer(response.statusCode(), b)));
  }
}
