package org.clearing.load.scenario;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.clearing.channel.Channel;
import org.clearing.channel.alipay.AlipayNotificationVerifier;
import org.clearing.load.driver.Harness;
import org.clearing.load.driver.OpenLoopDriver;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.sandbox.alipay.AlipaySandbox;
import org.clearing.sandbox.unionpay.UnionPaySandbox;
import org.clearing.sandbox.wechat.WechatSandbox;

/**
 * Callbacks pre-signed by the channels and replayed by the driver. Before the timed window every
 * opened order is paid at its sandbox with {@code "notify": "return"}: the sandbox takes the money
 * as always but hands the signed callback back instead of sending it. Inside the window the
 * driver only replays those callbacks (their URL, headers and body, as the channel would POST
 * them) at a fixed rate, so neither the channels' signing nor their sending is measured. The
 * engine acknowledges a callback only after its durable commit, so each answer's time from when
 * the callback was due is the end-to-end confirm latency.
 */
public final class ReplayScenario {

  /** A story paid before the window, and the callback its channel handed back (null if none). */
  public record Prepaid(PayScenario.Story story, CallbackDispatcher.Callback callback) {}

  /**
   * What the pre-payment produced, when it started and how long it took; {@code openedFromEpochMs}
   * is when the first of its channel orders was opened (the active query's clock starts there).
   */
  public record PrePayment(List<Prepaid> prepaid, long openedFromEpochMs, long startEpochMs, long durationMs) {

    public List<Prepaid> replayable() {
      return prepaid.stream().filter(p -> p.callback() != null).toList();
    }

    public List<PayScenario.Story> stories() {
      return prepaid.stream().map(Prepaid::story).toList();
    }

    /** Prepaid stories {@code from} (inclusive) to {@code to} (exclusive), same times. */
    public PrePayment slice(int from, int to) {
      return new PrePayment(prepaid.subList(from, to), openedFromEpochMs, startEpochMs, durationMs);
    }
  }

  /**
   * The timed window's figures. {@code successes} are callbacks the engine acknowledged in the
   * channel's success form (a callback replayed several times counts once, on its first
   * success); {@code appliedRows} is the count of APPLIED payment inbox rows for the replayed
   * orders after the window, which must equal {@code successes}.
   */
  public record Outcome(OpenLoopDriver.Result replays, long successes, double callbacksPerS,
      Histogram confirmLatencyUs, long appliedRows, long rssMaxKib, List<PayScenario.Story> stories,
      JsonObject answers, long engineCpuMs, java.util.Map<String, Long> engineCpuMsByThread) {

    /** The engine's CPU time in the window per callback request it answered. */
    public double engineCpuMsPerAnswer() {
      long answered = java.util.Arrays.stream(replays.statuses()).filter(s -> s > 0).count();
      return answered == 0 ? 0 : (double) engineCpuMs / answered;
    }

    /** CPU time of the JIT's compiler threads (C1 and C2) in the window. */
    public long compilerCpuMs() {
      return engineCpuMsByThread.entrySet().stream()
          .filter(e -> e.getKey().startsWith("C1 Compiler") || e.getKey().startsWith("C2 Compiler"))
          .mapToLong(java.util.Map.Entry::getValue).sum();
    }

    /** The compilers' share of the engine's CPU in the window (0 when none was measured). */
    public double compilerShare() {
      return engineCpuMs <= 0 ? 0 : Math.min(1, (double) compilerCpuMs() / engineCpuMs);
    }
  }

  /** WeChat refuses a notification whose timestamp is more than 5 minutes from its clock. */
  public static final Duration WECHAT_TIMESTAMP_WINDOW = Duration.ofMinutes(5);
  /** Room left inside that window for the driver's clock, the settle and a resend pass. */
  static final Duration TIMESTAMP_MARGIN = Duration.ofSeconds(45);
  /** Room left before the active query's first look for the window's last answers. */
  static final Duration QUERY_MARGIN = Duration.ofSeconds(15);
  private static final int PREPAY_CONCURRENCY = 16;

  private ReplayScenario() {}

  /**
   * The run asked for cannot keep its pre-signed callbacks fresh: an expected refusal with a
   * reason for the operator (the command prints its message as one line and exits 2), not a bug.
   */
  public static final class DoesNotFit extends IllegalStateException {
    DoesNotFit(String message) {
      super(message);
    }
  }

  /**
   * Refuses, before anything is prepared, a window so long that the first pre-signed WeChat
   * callback would be stale when the last is replayed.
   */
  public static void checkWindow(int callbacks, double ratePerS) {
    Duration window = Duration.ofMillis((long) (callbacks / ratePerS * 1000));
    if (window.plus(TIMESTAMP_MARGIN).compareTo(WECHAT_TIMESTAMP_WINDOW) > 0) {
      throw new DoesNotFit("a replay window of " + window.toSeconds() + " s does not fit in"
          + " WeChat's " + WECHAT_TIMESTAMP_WINDOW.toSeconds() + " s timestamp window: shorten --duration");
    }
  }

  /**
   * Pays every opened story at its sandbox with {@code "notify": "return"}, a bounded number at
   * a time, keeping each returned callback. A story whose payment was refused keeps the status
   * the sandbox answered (the audit then expects the order unpaid).
   */
  public static PrePayment prePay(Harness harness, List<PayScenario.Story> stories, long openedFromEpochMs)
      throws Exception {
    long startEpochMs = System.currentTimeMillis();
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    Semaphore slots = new Semaphore(PREPAY_CONCURRENCY);
    List<CompletableFuture<Prepaid>> pending = new ArrayList<>(stories.size());
    for (PayScenario.Story story : stories) {
      if (!story.opened()) {
        pending.add(CompletableFuture.completedFuture(new Prepaid(story, null)));
        continue;
      }
      slots.acquire();
      String body = new JsonObject().put("out_trade_no", story.outTradeNo()).put("payer", "load")
          .put("notify", "return").encode();
      pending.add(http.sendAsync(HttpRequest.newBuilder(URI.create(harness.sandboxUrl(story.channel()) + "/sandbox/pay"))
                  .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
              HttpResponse.BodyHandlers.ofString())
          .handle((answer, error) -> {
            int status = error != null ? -1 : answer.statusCode();
            PayScenario.Story paid = new PayScenario.Story(story.orderNo(), story.channel(), story.outTradeNo(),
                story.totalFen(), true, status);
            JsonObject callback = status == 200 ? new JsonObject(answer.body()).getJsonObject("callback") : null;
            return new Prepaid(paid, callback == null ? null : CallbackDispatcher.Callback.fromJson(callback));
          })
          .whenComplete((p, e) -> slots.release()));
    }
    List<Prepaid> prepaid = new ArrayList<>(stories.size());
    for (CompletableFuture<Prepaid> p : pending) {
      prepaid.add(p.get());
    }
    return new PrePayment(prepaid, openedFromEpochMs, startEpochMs, System.currentTimeMillis() - startEpochMs);
  }

  /**
   * Refuses a run whose oldest pre-signed callback would be outside WeChat's timestamp window by
   * the time the last one is replayed, or whose first channel orders would be asked for by the
   * engine's active query (which would book the pre-paid payments before their callbacks came).
   */
  public static void checkFresh(PrePayment prepayment, int requests, double ratePerS) {
    checkFresh(prepayment, requests, ratePerS, 0);
  }

  /** Whether {@link #checkFresh} would still pass after another {@code laterMs} of waiting. */
  public static boolean fresh(PrePayment prepayment, int requests, double ratePerS, long laterMs) {
    try {
      checkFresh(prepayment, requests, ratePerS, laterMs);
      return true;
    } catch (DoesNotFit e) {
      return false;
    }
  }

  private static void checkFresh(PrePayment prepayment, int requests, double ratePerS, long laterMs) {
    long windowMs = (long) (requests / ratePerS * 1000);
    long nowMs = System.currentTimeMillis() + laterMs;
    long ageAtLastMs = nowMs - prepayment.startEpochMs() + windowMs;
    if (ageAtLastMs + TIMESTAMP_MARGIN.toMillis() > WECHAT_TIMESTAMP_WINDOW.toMillis()) {
      throw new DoesNotFit("pre-payment took " + prepayment.durationMs() / 1000 + " s and the window"
          + " needs " + windowMs / 1000 + " s: the first WeChat callbacks would be older than "
          + WECHAT_TIMESTAMP_WINDOW.toSeconds() + " s when replayed; shorten --duration or lower --rate");
    }
    long openAtLastMs = nowMs - prepayment.openedFromEpochMs() + windowMs;
    if (openAtLastMs + QUERY_MARGIN.toMillis() > Harness.PAYMENT_QUERY_AFTER.toMillis()) {
      throw new DoesNotFit("preparing took " + (nowMs - prepayment.openedFromEpochMs()) / 1000
          + " s and the window needs " + windowMs / 1000 + " s: the engine's active query (after "
          + Harness.PAYMENT_QUERY_AFTER.toSeconds() + " s) would find the pre-paid payments before their"
          + " callbacks are replayed; shorten --duration or lower --rate");
    }
  }

  /**
   * Whether this answer is the engine's "try again" in the channel's own form, the answer the
   * engine gives a verified callback it could not commit (its adapters' {@code retryLater}):
   * WeChat 500 with {@code {"code":"FAIL"}}, Alipay 200 with a body other than
   * {@code success} (its refusal of a forged callback looks the same, so the engine's
   * counters tell those apart), UnionPay 503 (any status but 200/302 is resent).
   */
  static boolean retryForm(Channel channel, int status, Buffer body) {
    String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
    return switch (channel) {
      case WECHAT -> status == 500 && text.contains("\"FAIL\"");
      case ALIPAY -> status == 200 && AlipayNotificationVerifier.ACK_FAILURE.equals(text);
      case UNIONPAY -> status == 503;
    };
  }

  /** Whether {@code channel} takes this answer as the merchant's acknowledgement. */
  static boolean acknowledges(Channel channel, int status, Buffer body) {
    String text = body == null ? null : body.toString(StandardCharsets.UTF_8);
    return switch (channel) {
      case WECHAT -> WechatSandbox.acknowledges(status, text);
      case ALIPAY -> AlipaySandbox.acknowledges(status, text);
      case UNIONPAY -> UnionPaySandbox.acknowledges(status, text);
    };
  }

  /**
   * Replays each callback {@code copies} times in a row at {@code ratePerS} callbacks per second
   * (so {@code ratePerS * copies} requests per second), at most {@code inFlightMax} open at once,
   * each on its own connection when needed: the engine then sees as many concurrent callbacks as
   * the bound allows, as from many channel senders.
   */
  public static Outcome replay(Harness harness, PrePayment prepayment, double ratePerS, int copies,
      int inFlightMax) throws Exception {
    List<Prepaid> replayable = prepayment.replayable();
    List<OpenLoopDriver.PreparedRequest> requests = new ArrayList<>(replayable.size() * copies);
    List<Channel> channelOf = new ArrayList<>(replayable.size() * copies);
    for (Prepaid p : replayable) {
      CallbackDispatcher.Callback callback = p.callback();
      OpenLoopDriver.PreparedRequest request = new OpenLoopDriver.PreparedRequest(HttpMethod.POST,
          callback.url(), callback.headers(), Buffer.buffer(callback.body()));
      for (int copy = 0; copy < copies; copy++) {
        requests.add(request);
        channelOf.add(p.story().channel());
      }
    }
    checkFresh(prepayment, requests.size(), ratePerS * copies);
    Vertx vertx = Vertx.vertx();
    AtomicLong rssMaxKib = new AtomicLong(harness.engine().rssKib());
    long sampler = vertx.setPeriodic(250, id -> rssMaxKib.accumulateAndGet(harness.engine().rssKib(), Math::max));
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(inFlightMax).setMaxWaitQueueSize(inFlightMax));
      String[] kinds = new String[requests.size()];
      long cpuStartMs = harness.engine().cpuMs();
      java.util.Map<String, Long> cpuByThread = harness.engine().cpuMsByThread();
      OpenLoopDriver.Result result = new OpenLoopDriver(vertx, client, inFlightMax).run(requests, ratePerS * copies,
          (index, status, body) -> {
            Channel channel = channelOf.get(index);
            boolean ok = acknowledges(channel, status, body);
            kinds[index] = ok ? "ack" : retryForm(channel, status, body) ? "try_again" : "other";
            return ok;
          });
      long cpuMs = harness.engine().cpuMs() - cpuStartMs;
      java.util.Map<String, Long> cpuByThreadInWindow = new java.util.TreeMap<>(harness.engine().cpuMsByThread());
      cpuByThread.forEach((name, ms) -> cpuByThreadInWindow.merge(name, -ms, Long::sum));
      cpuByThreadInWindow.values().removeIf(ms -> ms <= 0);
      Histogram latency = new Histogram(3_600_000_000L, 3);
      long successes = 0;
      double lastMs = result.startEpochMs();
      for (int c = 0; c < replayable.size(); c++) {
        for (int copy = 0; copy < copies; copy++) {
          int i = c * copies + copy;
          if (result.succeeded()[i]) {
            successes++;
            latency.recordValue(result.latenciesUs()[i]);
            lastMs = Math.max(lastMs, result.dueEpochMs(i) + result.latenciesUs()[i] / 1000.0);
            break;
          }
        }
      }
      double seconds = Math.max(0.001, (lastMs - result.startEpochMs()) / 1000.0);
      long applied = appliedPayments(harness, replayable);
      return new Outcome(result, successes, successes / seconds, latency, applied, rssMaxKib.get(),
          prepayment.stories(), tally(result, channelOf, kinds), cpuMs, cpuByThreadInWindow);
    } finally {
      vertx.cancelTimer(sampler);
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * After an overloaded window: delivers again, one at a time per slot, every callback that no
   * copy got acknowledged, as the channel resends on its schedule; up to {@code attemptsMax}
   * rounds a second apart. Returns how many were still not acknowledged.
   */
  public static int resendRefused(PrePayment prepayment, Outcome outcome, int copies, int attemptsMax)
      throws Exception {
    List<Prepaid> replayable = prepayment.replayable();
    List<Prepaid> refused = new ArrayList<>();
    for (int c = 0; c < replayable.size(); c++) {
      boolean acknowledged = false;
      for (int copy = 0; copy < copies; copy++) {
        acknowledged |= outcome.replays().succeeded()[c * copies + copy];
      }
      if (!acknowledged) {
        refused.add(replayable.get(c));
      }
    }
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    for (int attempt = 1; attempt <= attemptsMax && !refused.isEmpty(); attempt++) {
      List<Prepaid> again = new ArrayList<>();
      for (Prepaid p : refused) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(p.callback().url()))
            .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(p.callback().body()));
        p.callback().headers().forEach((name, value) -> {
          if (!"content-length".equalsIgnoreCase(name)) {
            request.header(name, value);
          }
        });
        try {
          HttpResponse<byte[]> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
          if (!acknowledges(p.story().channel(), answer.statusCode(), Buffer.buffer(answer.body()))) {
            again.add(p);
          }
        } catch (java.io.IOException e) {
          again.add(p);
        }
      }
      refused = again;
      if (!refused.isEmpty()) {
        Thread.sleep(1_000);
      }
    }
    return refused.size();
  }

  /** The engine's answers by channel and kind: the channel's success, its "try again", or other. */
  private static JsonObject tally(OpenLoopDriver.Result result, List<Channel> channelOf, String[] kinds) {
    java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
    for (int i = 0; i < channelOf.size(); i++) {
      int status = result.statuses()[i];
      String kind = status == 0 ? "not_sent" : status < 0 ? "no_answer" : kinds[i];
      counts.merge(channelOf.get(i).code() + " " + status + " " + kind, 1, Integer::sum);
    }
    JsonObject json = new JsonObject();
    counts.forEach(json::put);
    return json;
  }

  /** APPLIED payment inbox rows for the replayed orders. */
  static long appliedPayments(Harness harness, List<Prepaid> replayable) throws Exception {
    String[] orderNos = replayable.stream().map(p -> p.story().orderNo()).toArray(String[]::new);
    try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT count(*) FROM channel_inbox WHERE order_no = ANY(?) AND kind = 'PAYMENT' AND outcome = 'APPLIED'")) {
      q.setArray(1, db.createArrayOf("text", orderNos));
      try (ResultSet rows = q.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
