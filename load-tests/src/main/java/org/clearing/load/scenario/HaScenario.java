package org.clearing.load.scenario;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.clearing.channel.Channel;
import org.clearing.client.RequestSigner;
import org.clearing.load.driver.HaCluster;
import org.clearing.load.driver.OpenLoopDriver;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.sandbox.CallbackDispatcher;

/**
 * The {@code ha} scenario: through HAProxy's HTTP front over two engines on the Patroni cluster,
 * signed order creation and payment callbacks at a steady rate; half way the leader's PostgreSQL
 * and Patroni are SIGKILLed, at three quarters one engine. It reports how long writes were
 * unavailable, the answers before, during and after, and throughput before and after. Audit:
 * no answer is a 500; every callback acknowledged in the window is booked on the new leader
 * before anything is resent; after the driver resends what was refused (callbacks as channels
 * do, orders signed afresh under the same idempotency key) every order exists once, every payment
 * is booked exactly once (one applied inbox row, one journal entry, the order PAID), every entry
 * balances and the journal's seal chain verifies on the new leader.
 *
 * <p>The payments are opened at engine1's demo sandboxes (engine2 shares its channel keys, so
 * either engine verifies the callbacks) and paid there before the window with {@code "notify":
 * "return"}; their signed callbacks are replayed through the front. Not here yet, waiting for the
 * merchant configuration from a file (one sandbox process for both engines): the storm's faults
 * (duplicates, reordering, drops, forgeries, which are the sandbox's own switches) and the day's
 * reconciliation.
 */
public final class HaScenario {

  /** What the run is given. */
  public record Settings(double ratePerS, int orders, int inFlightMax, PrintStream out) {}

  private HaScenario() {}

  /** A payment opened at engine1's sandbox and paid there, its signed callback kept. */
  record Paid(String orderNo, Channel channel, CallbackDispatcher.Callback callback, String notPaid) {}

  public static JsonObject run(HaCluster cluster, Settings settings) throws Exception {
    String runId = Long.toString(System.currentTimeMillis(), 36);
    RequestSigner signer = CreateScenario.signer(cluster.engineDataDir(1).resolve("clients/registration.json"));
    settings.out().printf("ha: preparing %d payments at engine1's sandboxes%n", settings.orders());
    List<Paid> paid = preparePayments(cluster, signer, settings.orders(), "PAY-" + runId, settings.out());
    List<OpenLoopDriver.PreparedRequest> callbacks = paid.stream().map(p -> new OpenLoopDriver.PreparedRequest(
        HttpMethod.POST, p.callback().url(), p.callback().headers(), Buffer.buffer(p.callback().body()))).toList();
    List<OpenLoopDriver.PreparedRequest> requests = CreateScenario.prepare(signer, settings.orders(), "HA-" + runId);
    double windowMs = settings.orders() * 1000.0 / settings.ratePerS();
    Vertx vertx = Vertx.vertx();
    try {
      URI front = URI.create(cluster.frontUrl());
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(front.getHost())
          .setDefaultPort(front.getPort()).setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(settings.inFlightMax()));
      CompletableFuture<OpenLoopDriver.Result> driving = CompletableFuture.supplyAsync(() -> {
        try {
          return new OpenLoopDriver(vertx, client, settings.inFlightMax()).run(requests, settings.ratePerS(),
              status -> status == 201);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      CompletableFuture<OpenLoopDriver.Result> replaying = CompletableFuture.supplyAsync(() -> {
        try {
          return new OpenLoopDriver(vertx, client, settings.inFlightMax()).run(callbacks, settings.ratePerS(),
              (index, status, body) -> ReplayScenario.acknowledges(paid.get(index).channel(), status, body));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long startMs = System.currentTimeMillis();
      Thread.sleep((long) (windowMs / 2));
      long killedAtMs = System.currentTimeMillis();
      settings.out().print("ha: " + cluster.killLeader());
      while (!cluster.writable()) {
        Thread.sleep(200);
      }
      long writableAtMs = System.currentTimeMillis();
      settings.out().printf("ha: writes through HAProxy unavailable for %d ms%n", writableAtMs - killedAtMs);
      long engineKillAtMs = startMs + (long) (windowMs * 3 / 4);
      Thread.sleep(Math.max(0, engineKillAtMs - System.currentTimeMillis()));
      cluster.killEngine(2);
      settings.out().println("ha: SIGKILL engine2");
      OpenLoopDriver.Result result = driving.get();
      OpenLoopDriver.Result replayed = replaying.get();
      JsonObject section = new JsonObject().put("scenario", "ha").put("offered", requests.size())
          .put("callbacks_offered", callbacks.size())
          .put("rate_per_s", settings.ratePerS()).put("writes_unavailable_ms", writableAtMs - killedAtMs)
          .put("answers", answers(result, killedAtMs, writableAtMs))
          .put("created_per_s_before", perSecond(result, result.startEpochMs(), killedAtMs))
          .put("created_per_s_after", perSecond(result, writableAtMs, result.startEpochMs() + result.durationMs()))
          .put("callback_answers", callbackAnswers(replayed, paid, killedAtMs, writableAtMs))
          .put("callbacks_acknowledged_per_s_before", acknowledgedPerSecond(replayed, replayed.startEpochMs(), killedAtMs))
          .put("callbacks_acknowledged_per_s_after", acknowledgedPerSecond(replayed, writableAtMs,
              replayed.startEpochMs() + replayed.durationMs()));
      List<String> findings = new ArrayList<>();
      for (int i = 0; i < result.statuses().length; i++) {
        if (result.statuses()[i] == 500) {
          findings.add("order request " + i + " answered 500");
        }
      }
      // A callback answer that is not the channel's acknowledgement is resent by every channel
      // (HAProxy's own 503 while no engine answers included); the danger is an acknowledgement
      // without a commit, which the audit below looks for on the new leader.
      auditAcknowledgedAreBooked(cluster, paid, replayed, findings);
      resendCallbacks(client, paid, replayed, findings);
      resend(client, requests, result, signer, findings);
      audit(cluster, "LOAD-HA-" + runId + "-", requests.size(), findings);
      auditPayments(cluster, paid, findings);
      section.put("audit", new JsonObject().put("clean", findings.isEmpty()).put("findings", new JsonArray(findings)));
      settings.out().println("ha: " + section.encode());
      return section;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * Creates {@code count} orders at engine1 and opens each at one channel there (so its channel
   * order lives in engine1's sandbox), then pays each at that sandbox with {@code "notify":
   * "return"}: the money is taken and the signed callback handed back, not sent.
   */
  private static List<Paid> preparePayments(HaCluster cluster, RequestSigner signer, int count, String runId,
      PrintStream out) throws Exception {
    List<OpenLoopDriver.PreparedRequest> creations = CreateScenario.prepare(signer, count, runId);
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService workers = Executors.newFixedThreadPool(PREPARE_CONCURRENCY);
    try {
      List<Future<Paid>> paid = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        OpenLoopDriver.PreparedRequest creation = creations.get(i);
        Channel channel = Channel.values()[i % Channel.values().length];
        paid.add(workers.submit(() -> payAtEngine1(cluster, http, creation, channel)));
      }
      List<Paid> all = new ArrayList<>();
      Map<String, Integer> notPaid = new TreeMap<>();
      for (Future<Paid> p : paid) {
        Paid one = p.get();
        if (one.callback() != null) {
          all.add(one);
        } else {
          notPaid.merge(one.notPaid(), 1, Integer::sum);
        }
      }
      if (!notPaid.isEmpty()) {
        out.println("ha: left out before the window (their orders stay unpaid): " + notPaid);
      }
      return all;
    } finally {
      workers.shutdown();
    }
  }

  private static final int PREPARE_CONCURRENCY = 8;
  private static final String DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
      + " (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

  private static Paid payAtEngine1(HaCluster cluster, java.net.http.HttpClient http,
      OpenLoopDriver.PreparedRequest creation, Channel channel) throws Exception {
    String engine1 = cluster.engineUrl(1);
    HttpRequest.Builder create = HttpRequest.newBuilder(URI.create(engine1 + creation.path()))
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(creation.body().getBytes()));
    creation.headers().forEach(create::header);
    HttpResponse<String> created = http.send(create.build(), HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 201) {
      throw new IllegalStateException("order not created: " + created.statusCode() + " " + created.body());
    }
    JsonObject order = new JsonObject(created.body());
    String orderNo = order.getString("order_no");
    // The QR code points at the front; opened at engine1 itself, the channel order is engine1's sandbox's.
    String qr = order.getJsonObject("qr").getString("url").replace(cluster.frontUrl(), engine1);
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(qr + "/pay/" + channel.code()))
        .timeout(Duration.ofSeconds(60)).header("User-Agent", DESKTOP).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (page.statusCode() != 200) {
      // As in the other scenarios, an order the cashier could not open is left out (and named).
      return new Paid(orderNo, channel, null, "not opened at " + channel.code() + ": HTTP " + page.statusCode());
    }
    String body = new JsonObject().put("out_trade_no", OutTradeNumbers.of(channel, orderNo)).put("payer", "ha")
        .put("notify", "return").encode();
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(cluster.sandboxUrl(channel) + "/sandbox/pay"))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      return new Paid(orderNo, channel, null, "not paid at the sandbox: HTTP " + answer.statusCode());
    }
    return new Paid(orderNo, channel,
        CallbackDispatcher.Callback.fromJson(new JsonObject(answer.body()).getJsonObject("callback")), null);
  }

  /** Callback answers by phase and kind: ack, try_again, another status, or io (no answer). */
  private static JsonObject callbackAnswers(OpenLoopDriver.Result result, List<Paid> paid, long killedAtMs,
      long writableAtMs) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < result.statuses().length; i++) {
      double due = result.dueEpochMs(i);
      String phase = due < killedAtMs ? "before" : due < writableAtMs ? "failover" : "after";
      int status = result.statuses()[i];
      String kind = kind(result, paid, i);
      counts.merge(phase + " " + kind, 1, Integer::sum);
    }
    JsonObject json = new JsonObject();
    counts.forEach(json::put);
    return json;
  }

  /** ack, try_again (the channel's own form), io (no answer: an engine killed), or the status. */
  private static String kind(OpenLoopDriver.Result result, List<Paid> paid, int i) {
    int status = result.statuses()[i];
    if (result.succeeded()[i]) {
      return "ack";
    }
    if (status <= 0) {
      return "io";
    }
    // The driver keeps statuses, not bodies: Alipay's 200 that is not "success" is its try-again.
    boolean tryAgain = switch (paid.get(i).channel()) {
      case WECHAT -> status == 500;
      case ALIPAY -> status == 200;
      case UNIONPAY -> status == 503;
    };
    return tryAgain ? "try_again" : "http_" + status;
  }

  private static double acknowledgedPerSecond(OpenLoopDriver.Result result, double fromMs, double toMs) {
    long acknowledged = 0;
    for (int i = 0; i < result.statuses().length; i++) {
      double due = result.dueEpochMs(i);
      if (due >= fromMs && due < toMs && result.succeeded()[i]) {
        acknowledged++;
      }
    }
    return toMs > fromMs ? acknowledged * 1000.0 / (toMs - fromMs) : 0;
  }

  /** Before anything is resent: every callback acknowledged in the window is booked on the new leader. */
  private static void auditAcknowledgedAreBooked(HaCluster cluster, List<Paid> paid, OpenLoopDriver.Result replayed,
      List<String> findings) throws Exception {
    java.util.Set<String> booked = new java.util.HashSet<>();
    try (Connection connection = cluster.writeConnection();
        java.sql.PreparedStatement query = connection.prepareStatement("SELECT order_no FROM channel_inbox"
            + " WHERE kind = 'PAYMENT' AND outcome = 'APPLIED' AND order_no = ANY(?)")) {
      query.setArray(1, connection.createArrayOf("text", paid.stream().map(Paid::orderNo).toArray()));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          booked.add(rows.getString(1));
        }
      }
    }
    for (int i = 0; i < paid.size(); i++) {
      if (replayed.succeeded()[i] && !booked.contains(paid.get(i).orderNo())) {
        findings.add("callback of " + paid.get(i).orderNo() + " acknowledged but not booked on the new leader");
      }
    }
  }

  /** Resends, as a channel does, each callback not acknowledged, a second apart, until it is. */
  private static void resendCallbacks(HttpClient client, List<Paid> paid, OpenLoopDriver.Result replayed,
      List<String> findings) throws Exception {
    for (int i = 0; i < paid.size(); i++) {
      if (replayed.succeeded()[i]) {
        continue;
      }
      Paid p = paid.get(i);
      boolean acknowledged = false;
      for (int attempt = 0; attempt < CALLBACK_RESENDS_MAX && !acknowledged; attempt++) {
        if (attempt > 0) {
          Thread.sleep(1_000);
        }
        io.vertx.core.http.RequestOptions options = new io.vertx.core.http.RequestOptions()
            .setMethod(HttpMethod.POST).setAbsoluteURI(p.callback().url()).setTimeout(30_000);
        p.callback().headers().forEach(options::putHeader);
        acknowledged = client.request(options)
            .compose(request -> request.send(Buffer.buffer(p.callback().body())))
            .compose(response -> response.body().map(b -> ReplayScenario.acknowledges(p.channel(), response.statusCode(), b)))
            .otherwise(false)
            .toCompletionStage().toCompletableFuture().get();
      }
      if (!acknowledged) {
        findings.add("callback of " + p.orderNo() + " not acknowledged after " + CALLBACK_RESENDS_MAX + " resends");
      }
    }
  }

  /** Resends of one refused callback at most, a second apart (WeChat's own schedule is longer). */
  private static final int CALLBACK_RESENDS_MAX = 30;

  /**
   * Every payment booked exactly once on the new leader, every entry balanced, and the journal's
   * seal chain verified (after a few seconds, so the sealer has sealed the window's entries).
   */
  private static void auditPayments(HaCluster cluster, List<Paid> paid, List<String> findings) throws Exception {
    Thread.sleep(3_000);
    Object[] orderNos = paid.stream().map(Paid::orderNo).toArray();
    try (Connection connection = cluster.writeConnection()) {
      java.sql.Array orders = connection.createArrayOf("text", orderNos);
      // Paid and, in demo mode, perhaps settled already (the settlement job reads the demo bills).
      expect(connection, findings, "orders paid", paid.size(), "SELECT count(*) FROM orders"
          + " WHERE status IN ('PAID', 'SETTLED', 'COMPLETE') AND order_no = ANY(?)", orders);
      expect(connection, findings, "payment inbox rows", paid.size(),
          "SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = ANY(?)", orders);
      expect(connection, findings, "orders with an applied payment", paid.size(), "SELECT count(DISTINCT order_no)"
          + " FROM channel_inbox WHERE kind = 'PAYMENT' AND outcome = 'APPLIED' AND order_no = ANY(?)", orders);
      expect(connection, findings, "payment journal entries", paid.size(),
          "SELECT count(*) FROM journal_entry WHERE kind = 'PAYMENT' AND order_no = ANY(?)", orders);
      expect(connection, findings, "orders with a payment journal entry", paid.size(),
          "SELECT count(DISTINCT order_no) FROM journal_entry WHERE kind = 'PAYMENT' AND order_no = ANY(?)", orders);
      expect(connection, findings, "unbalanced journal entries", 0, "SELECT count(*) FROM (SELECT entry_id"
          + " FROM journal_posting GROUP BY entry_id HAVING sum(debit_fen) <> sum(credit_fen)) unbalanced", null);
      org.clearing.journal.JournalVerifier.Result chain = org.clearing.journal.JournalVerifier.verify(connection);
      if (!chain.ok()) {
        findings.add("the journal's seal chain breaks on the new leader: " + chain);
      }
    }
  }

  private static void expect(Connection connection, List<String> findings, String what, long expected, String sql,
      java.sql.Array parameter) throws Exception {
    try (java.sql.PreparedStatement query = connection.prepareStatement(sql)) {
      if (parameter != null) {
        query.setArray(1, parameter);
      }
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        if (rows.getLong(1) != expected) {
          findings.add(what + ": " + rows.getLong(1) + ", expected " + expected);
        }
      }
    }
  }

  /** Answers by phase (before the kill, while writes were unavailable, after) and status. */
  private static JsonObject answers(OpenLoopDriver.Result result, long killedAtMs, long writableAtMs) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < result.statuses().length; i++) {
      double due = result.dueEpochMs(i);
      String phase = due < killedAtMs ? "before" : due < writableAtMs ? "failover" : "after";
      counts.merge(phase + " " + result.statuses()[i], 1, Integer::sum);
    }
    JsonObject json = new JsonObject();
    counts.forEach(json::put);
    return json;
  }

  private static double perSecond(OpenLoopDriver.Result result, double fromMs, double toMs) {
    long created = 0;
    for (int i = 0; i < result.statuses().length; i++) {
      double due = result.dueEpochMs(i);
      if (due >= fromMs && due < toMs && result.statuses()[i] == 201) {
        created++;
      }
    }
    return toMs > fromMs ? created * 1000.0 / (toMs - fromMs) : 0;
  }

  /** Every request not answered 201 is sent again, signed afresh (nonces are single-use). */
  private static void resend(HttpClient client, List<OpenLoopDriver.PreparedRequest> requests,
      OpenLoopDriver.Result result, RequestSigner signer, List<String> findings) throws Exception {
    for (int i = 0; i < requests.size(); i++) {
      if (result.statuses()[i] == 201) {
        continue;
      }
      OpenLoopDriver.PreparedRequest request = requests.get(i);
      byte[] body = request.body().getBytes();
      int status = client.request(io.vertx.core.http.HttpMethod.POST, request.path())
          .compose(r -> {
            r.putHeader("Content-Type", "application/json")
                .putHeader("Idempotency-Key", request.headers().get("Idempotency-Key"))
                .putHeader("Authorization", signer.authorization("POST", request.path(), body));
            return r.send(io.vertx.core.buffer.Buffer.buffer(body));
          })
          .map(io.vertx.core.http.HttpClientResponse::statusCode)
          .toCompletionStage().toCompletableFuture().get();
      if (status != 200 && status != 201) {
        findings.add("request " + i + " resent after the window answered " + status);
      }
    }
  }

  /** Each case of the run exists exactly once on the (new) leader. */
  private static void audit(HaCluster cluster, String casePrefix, int expected, List<String> findings) throws Exception {
    try (Connection connection = cluster.writeConnection(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*), count(DISTINCT case_no) FROM orders"
            + " WHERE case_no LIKE '" + casePrefix + "%'")) {
      rows.next();
      if (rows.getLong(1) != expected || rows.getLong(2) != expected) {
        findings.add("orders of the run on the leader: " + rows.getLong(1) + " (" + rows.getLong(2)
            + " distinct cases), expected " + expected);
      }
    }
  }
}
