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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.load.driver.Harness;
import org.clearing.load.driver.OpenLoopDriver;
import org.clearing.load.driver.SystemUnderTest;

/**
 * Orders paid through all three sandboxes. Before the timed window the orders are created and
 * opened at their channel through the cashier (as a desktop browser would), one channel per
 * order in turn; inside the window only the payers' {@code POST /sandbox/pay} are replayed at a
 * fixed rate, and each sandbox sends its callback to the engine. A callback is confirmed when its
 * inbox row is committed: the end-to-end latency is the inbox row's {@code received_at} minus the
 * moment the payment was due.
 */
public final class PayScenario {

  /** One order of the run and what happened to it at the channel. */
  public record Story(String orderNo, Channel channel, String outTradeNo, long totalFen,
      boolean opened, int payStatus) {}

  /**
   * The timed window's figures; {@code takenAfterWindow} are the payments the sandboxes took after
   * the window, when the payer tried again (or asked, when its first answer was lost).
   */
  public record Outcome(OpenLoopDriver.Result payRequests, long confirmed, double confirmedPerS,
      Histogram confirmLatencyUs, long rssMaxKib, List<Story> stories, long takenAfterWindow) {}

  private static final String DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
      + " (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
  private static final int PREPARE_CONCURRENCY = 32;
  private static final int SIGNED_AHEAD = 256;

  private PayScenario() {}

  /** Creates {@code count} orders and opens each at one channel; returns them in order. */
  public static List<Story> prepare(SystemUnderTest harness, int count, String runId) throws Exception {
    var signer = harness.signer("registration");
    List<OpenLoopDriver.PreparedRequest> requests = new ArrayList<>();
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .followRedirects(java.net.http.HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(5)).build();
    Semaphore slots = new Semaphore(PREPARE_CONCURRENCY);
    List<CompletableFuture<Story>> stories = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i % SIGNED_AHEAD == 0) {
        // Signed a batch at a time: a slow channel makes opening slow, and a signature is only
        // good for 300 s.
        requests = CreateScenario.prepare(signer, Math.min(SIGNED_AHEAD, count - i), runId + "-" + i / SIGNED_AHEAD);
      }
      OpenLoopDriver.PreparedRequest request = requests.get(i % SIGNED_AHEAD);
      Channel channel = Channel.values()[i % Channel.values().length];
      slots.acquire();
      java.util.function.IntFunction<HttpRequest> create = attempt -> {
        byte[] body = request.body().getBytes();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(harness.baseUrl() + request.path()))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        request.headers().forEach((name, value) -> builder.header(name, attempt == 0 || !name.equals("Authorization")
            ? value : signer.authorization("POST", request.path(), body)));
        return builder.build();
      };
      stories.add(createResending(http, create, 0)
          .thenCompose(created -> {
            // 200: a resent request answered with the order its first attempt made.
            if (created.statusCode() != 201 && created.statusCode() != 200) {
              throw new IllegalStateException("order not created: " + created.statusCode() + " " + created.body());
            }
            JsonObject order = new JsonObject(created.body());
            String orderNo = order.getString("order_no");
            String qr = order.getJsonObject("qr").getString("url");
            return http.sendAsync(HttpRequest.newBuilder(URI.create(qr + "/pay/" + channel.code()))
                    .timeout(Duration.ofSeconds(60)).header("User-Agent", DESKTOP).GET().build(),
                    HttpResponse.BodyHandlers.discarding())
                .handle((page, error) -> new Story(orderNo, channel, OutTradeNumbers.of(channel, orderNo),
                    order.getLong("total_fen"), error == null && page.statusCode() == 200, 0));
          })
          .whenComplete((s, e) -> slots.release()));
    }
    List<Story> prepared = new ArrayList<>(count);
    for (CompletableFuture<Story> story : stories) {
      prepared.add(story.get());
    }
    return prepared;
  }

  /**
   * Sends a signed order request, and again when the driver gave up waiting: the same body and
   * idempotency key, signed anew (a nonce is good once), so the engine answers with the order it
   * may already have made. On a saturated machine an answer can take longer than the driver's
   * timeout, and that says nothing about the engine's books.
   */
  private static CompletableFuture<HttpResponse<String>> createResending(java.net.http.HttpClient http,
      java.util.function.IntFunction<HttpRequest> attempt, int n) {
    return http.sendAsync(attempt.apply(n), HttpResponse.BodyHandlers.ofString())
        .handle((answer, error) -> {
          if (error == null) {
            return CompletableFuture.completedFuture(answer);
          }
          Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
          if (n + 1 < CREATE_ATTEMPTS && cause instanceof java.io.IOException) {
            return createResending(http, attempt, n + 1);
          }
          return CompletableFuture.<HttpResponse<String>>failedFuture(cause);
        })
        .thenCompose(answer -> answer);
  }

  /** Tries per order creation before preparation gives up (timeouts and dropped connections). */
  private static final int CREATE_ATTEMPTS = 3;

  /**
   * Pays every opened story at {@code ratePerS}, then waits up to {@code settle} for every
   * accepted payment to be confirmed (longer under faults: dropped callbacks wait for the active
   * query). {@code midway}, if not null, runs once half the payments are due (fault injection).
   */
  public static Outcome run(Harness harness, List<Story> stories, double ratePerS, int inFlightMax,
      Duration settle, Runnable midway) throws Exception {
    List<Story> payable = stories.stream().filter(Story::opened).toList();
    List<OpenLoopDriver.PreparedRequest> pays = payable.stream().map(s -> new OpenLoopDriver.PreparedRequest(
        HttpMethod.POST, harness.sandboxUrl(s.channel()) + "/sandbox/pay",
        Map.of("Content-Type", "application/json"),
        Buffer.buffer(new JsonObject().put("out_trade_no", s.outTradeNo()).put("payer", "load").encode())))
        .toList();
    Vertx vertx = Vertx.vertx();
    AtomicLong rssMaxKib = new AtomicLong(harness.engine().rssKib());
    long sampler = vertx.setPeriodic(250, id -> rssMaxKib.accumulateAndGet(harness.engine().rssKib(), Math::max));
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(inFlightMax));
      if (midway != null) {
        long halfMs = (long) (payable.size() / ratePerS * 500);
        vertx.setTimer(Math.max(1, halfMs), id -> vertx.executeBlocking(() -> {
          midway.run();
          return null;
        }, false));
      }
      OpenLoopDriver.Result result = new OpenLoopDriver(vertx, client, inFlightMax).run(pays, ratePerS, s -> s == 200);
      List<Story> paid = new ArrayList<>(payable.size());
      for (int i = 0; i < payable.size(); i++) {
        Story s = payable.get(i);
        paid.add(new Story(s.orderNo(), s.channel(), s.outTradeNo(), s.totalFen(), true, result.statuses()[i]));
      }
      long takenAfterWindow = payAgain(harness, paid, pays);
      long expected = paid.stream().filter(s -> s.payStatus() == 200).count();
      Map<String, Long> receivedMs = awaitConfirmed(harness, paid, expected, settle);
      Histogram latency = new Histogram(3_600_000_000L, 3);
      double lastMs = result.startEpochMs();
      for (int i = 0; i < paid.size(); i++) {
        Long at = receivedMs.get(paid.get(i).orderNo());
        if (at != null) {
          latency.recordValue(Math.max(1, (long) ((at - result.dueEpochMs(i)) * 1000)));
          lastMs = Math.max(lastMs, at);
        }
      }
      double seconds = Math.max(0.001, (lastMs - result.startEpochMs()) / 1000.0);
      List<Story> all = new ArrayList<>(paid);
      stories.stream().filter(s -> !s.opened()).forEach(all::add);
      return new Outcome(result, receivedMs.size(), receivedMs.size() / seconds, latency,
          rssMaxKib.get(), all, takenAfterWindow);
    } finally {
      vertx.cancelTimer(sampler);
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * After the window, a payer whose payment was not taken tries again, as a person at the cashier
   * would: a saturated or restarting sandbox may have answered nothing, or failed. Before trying,
   * the sandbox is asked whether it already took the payment (its answer was lost); a 409 on the
   * new try means it did meanwhile. Replaces each such story by one with status 200 when its
   * sandbox holds the payment; returns how many.
   */
  private static long payAgain(Harness harness, List<Story> paid, List<OpenLoopDriver.PreparedRequest> pays)
      throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    java.util.concurrent.ExecutorService payers = java.util.concurrent.Executors.newFixedThreadPool(PAY_AGAIN_PAYERS);
    try {
      List<java.util.concurrent.Future<Boolean>> retried = new ArrayList<>();
      List<Integer> indices = new ArrayList<>();
      for (int i = 0; i < paid.size(); i++) {
        if (paid.get(i).payStatus() == 200) {
          continue;
        }
        Story story = paid.get(i);
        OpenLoopDriver.PreparedRequest pay = pays.get(i);
        indices.add(i);
        retried.add(payers.submit(() -> takenOnRetry(harness, http, story, pay)));
      }
      long taken = 0;
      for (int k = 0; k < indices.size(); k++) {
        if (retried.get(k).get()) {
          Story s = paid.get(indices.get(k));
          paid.set(indices.get(k), new Story(s.orderNo(), s.channel(), s.outTradeNo(), s.totalFen(), true, 200));
          taken++;
        }
      }
      return taken;
    } finally {
      payers.shutdownNow();
    }
  }

  /** One payer's further tries: whether the sandbox holds the payment at the end. */
  private static boolean takenOnRetry(Harness harness, java.net.http.HttpClient http, Story story,
      OpenLoopDriver.PreparedRequest pay) throws Exception {
    for (int attempt = 0; attempt < PAY_AGAIN_ATTEMPTS; attempt++) {
      try {
        if (org.clearing.load.audit.MoneyAudit.paidAtSandbox(harness, story)) {
          return true;
        }
        int status = http.send(HttpRequest.newBuilder(URI.create(pay.path())).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(pay.body().getBytes())).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200) {
          return true;
        }
        if (status == 404) {
          // The sandbox no longer knows the order (its records died with it): nothing to pay.
          return false;
        }
      } catch (java.io.IOException | IllegalStateException e) {
        // No answer, or not a readable one: the sandbox may be restarting; try again below.
      }
      // 1, 2, 4, 8, 16 s: long enough for an engine restarted with its sandboxes to be back.
      Thread.sleep(1_000L << attempt);
    }
    try {
      return org.clearing.load.audit.MoneyAudit.paidAtSandbox(harness, story);
    } catch (java.io.IOException | IllegalStateException e) {
      // Still unreadable: counted as not taken here; the money audit reads the sandbox again.
      return false;
    }
  }

  /** Payers trying again at once after a window, and tries each. */
  private static final int PAY_AGAIN_PAYERS = 16;
  private static final int PAY_AGAIN_ATTEMPTS = 6;

  /** Polls the inbox until {@code expected} of the stories are confirmed or {@code settle} passes. */
  private static Map<String, Long> awaitConfirmed(Harness harness, List<Story> stories, long expected,
      Duration settle) throws Exception {
    String[] orderNos = stories.stream().map(Story::orderNo).toArray(String[]::new);
    long deadline = System.nanoTime() + settle.toNanos();
    Map<String, Long> received = new HashMap<>();
    while (true) {
      try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement(
          "SELECT order_no, (extract(epoch FROM min(received_at)) * 1000)::float8 FROM channel_inbox"
              + " WHERE order_no = ANY(?) AND kind = 'PAYMENT' AND outcome = 'APPLIED' GROUP BY order_no")) {
        q.setArray(1, db.createArrayOf("text", orderNos));
        received.clear();
        try (ResultSet rows = q.executeQuery()) {
          while (rows.next()) {
            received.put(rows.getString(1), (long) rows.getDouble(2));
          }
        }
      } catch (java.sql.SQLException e) {
        // The database may be restarting (fault scenario): ask again.
      }
      if (received.size() >= expected || System.nanoTime() > deadline) {
        return received;
      }
      Thread.sleep(500);
    }
  }
}
