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
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.clearing.channel.Channel;
import org.clearing.client.RequestSigner;
import org.clearing.load.audit.MoneyAudit;
import org.clearing.load.driver.EngineApi;
import org.clearing.load.driver.HaCluster;
import org.clearing.load.driver.OpenLoopDriver;

/**
 * The {@code ha} scenario: on the Patroni cluster, through HAProxy's HTTP front over two engines
 * that reach the channels through one sandbox process, signed order creation and payments at a
 * steady rate, the payments' callbacks sent by the sandboxes under the storm of the other
 * scenarios (every callback three times, 10 % out of order, 5 % dropped and left to the engines'
 * active query, 1 % preceded by a forgery). Half way the leader's PostgreSQL and Patroni are
 * SIGKILLed, at three quarters one engine. It reports how long writes were unavailable, the
 * answers before, during and after (the callbacks' from the sandboxes' delivery logs), and
 * throughput before and after.
 *
 * <p>Audit, once the active query has healed the drops: {@link MoneyAudit} over every order of the
 * run (paid exactly when its channel took the money, booked once, the journal balanced, the
 * engines' invariants); every callback an engine acknowledged is booked exactly once on the new
 * leader, by a transaction that began before that acknowledgement (an acknowledgement without a
 * durable commit would show as a payment booked only later, by a resend or the query); nothing is
 * booked in the whole database that a channel did not take; every forgery was refused; the
 * journal's seals are contiguous, cover every entry and went on after the failover, and the engine
 * jar's {@code verify-journal} passes against the new leader; the day's reconciliation of each
 * channel, run through the API, leaves nothing unexplained.
 */
public final class HaScenario {

  /**
   * What the run is given; {@code paymentQueryAfter} is the engines' {@code --payment-query-after},
   * from which the wait for the active query is reckoned.
   */
  public record Settings(double ratePerS, int orders, int inFlightMax, Duration paymentQueryAfter, PrintStream out) {}

  /** The active query's second question comes a minute after its first (engine's Backoff.DEFAULT). */
  static final Duration QUERY_SECOND_STEP = Duration.ofSeconds(60);
  /** Room on a busy machine for the last queries and the sealer after the active query's steps. */
  static final Duration SETTLE_SLACK = Duration.ofSeconds(60);
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  private HaScenario() {}

  public static JsonObject run(HaCluster cluster, Settings settings) throws Exception {
    PrintStream out = settings.out();
    String runId = Long.toString(System.currentTimeMillis(), 36);
    RequestSigner signer = cluster.signer("registration");
    out.printf("ha: preparing %d payments: orders created and opened at their channel through the front%n",
        settings.orders());
    long prepareStartMs = System.currentTimeMillis();
    List<PayScenario.Story> prepared = PayScenario.prepare(cluster, settings.orders(), "HAPAY-" + runId);
    long openedMs = System.currentTimeMillis();
    List<PayScenario.Story> payable = prepared.stream().filter(PayScenario.Story::opened).toList();
    out.printf("ha: %d of %d opened in %d ms%n", payable.size(), prepared.size(), openedMs - prepareStartMs);
    List<OpenLoopDriver.PreparedRequest> pays = new ArrayList<>();
    for (PayScenario.Story s : payable) {
      pays.add(new OpenLoopDriver.PreparedRequest(HttpMethod.POST, cluster.sandboxUrl(s.channel()) + "/sandbox/pay",
          Map.of("Content-Type", "application/json"),
          Buffer.buffer(new JsonObject().put("out_trade_no", s.outTradeNo()).put("payer", "ha").encode())));
    }
    List<OpenLoopDriver.PreparedRequest> requests = CreateScenario.prepare(signer, settings.orders(), "HA-" + runId);
    double windowMs = settings.orders() * 1000.0 / settings.ratePerS();
    cluster.setFaults(Runs.STORM);
    out.println("ha: storm at the sandboxes " + Runs.STORM.encode());
    Vertx vertx = Vertx.vertx();
    List<String> findings = new ArrayList<>();
    JsonObject section = new JsonObject().put("scenario", "ha").put("rate_per_s", settings.ratePerS())
        .put("orders_offered", requests.size()).put("payments_offered", pays.size()).put("storm", Runs.STORM)
        .put("payment_query_after_s", settings.paymentQueryAfter().toSeconds());
    long killedAtMs;
    long writableAtMs;
    long windowEndMs;
    OpenLoopDriver.Result created;
    OpenLoopDriver.Result paid;
    try {
      URI front = URI.create(cluster.frontUrl());
      HttpClient frontClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(front.getHost())
          .setDefaultPort(front.getPort()).setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(settings.inFlightMax()));
      HttpClient sandboxClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(settings.inFlightMax()));
      CompletableFuture<OpenLoopDriver.Result> creating = CompletableFuture.supplyAsync(() -> drive(
          new OpenLoopDriver(vertx, frontClient, settings.inFlightMax()), requests, settings.ratePerS(), 201));
      CompletableFuture<OpenLoopDriver.Result> paying = CompletableFuture.supplyAsync(() -> drive(
          new OpenLoopDriver(vertx, sandboxClient, settings.inFlightMax()), pays, settings.ratePerS(), 200));
      long startMs = System.currentTimeMillis();
      Thread.sleep((long) (windowMs / 2));
      killedAtMs = System.currentTimeMillis();
      out.print("ha: " + cluster.killLeader());
      while (!cluster.writable()) {
        Thread.sleep(200);
      }
      writableAtMs = System.currentTimeMillis();
      out.printf("ha: writes through HAProxy unavailable for %d ms%n", writableAtMs - killedAtMs);
      Thread.sleep(Math.max(0, startMs + (long) (windowMs * 3 / 4) - System.currentTimeMillis()));
      cluster.killEngine(2);
      out.println("ha: SIGKILL engine2");
      created = creating.get();
      paid = paying.get();
      windowEndMs = System.currentTimeMillis();
      cluster.setFaults(new JsonObject());
      section.put("writes_unavailable_ms", writableAtMs - killedAtMs)
          .put("order_answers", answers(created, killedAtMs, writableAtMs))
          .put("orders_created_per_s_before", perSecond(created, created.startEpochMs(), killedAtMs))
          .put("orders_created_per_s_after", perSecond(created, writableAtMs, created.startEpochMs() + created.durationMs()))
          .put("pay_answers", answers(paid, killedAtMs, writableAtMs));
      for (int i = 0; i < created.statuses().length; i++) {
        if (created.statuses()[i] == 500) {
          findings.add("order request " + i + " answered 500");
        }
      }
      resend(frontClient, requests, created, signer, findings);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    List<PayScenario.Story> stories = new ArrayList<>();
    for (int i = 0; i < payable.size(); i++) {
      PayScenario.Story s = payable.get(i);
      stories.add(new PayScenario.Story(s.orderNo(), s.channel(), s.outTradeNo(), s.totalFen(), true, paid.statuses()[i]));
    }
    prepared.stream().filter(s -> !s.opened()).forEach(stories::add);
    List<PayScenario.Story> windowOrders = windowOrders(cluster, "LOAD-HA-" + runId + "-");
    List<PayScenario.Story> all = new ArrayList<>(stories);
    all.addAll(windowOrders);

    // Drops are healed by the active query: first asked paymentQueryAfter after each channel order
    // opened, again a minute later for one still unpaid then.
    long settleDeadlineMs = Math.max(openedMs + settings.paymentQueryAfter().toMillis(), windowEndMs)
        + QUERY_SECOND_STEP.toMillis() + SETTLE_SLACK.toMillis();
    out.printf("ha: window over; waiting up to %d s for the active query to heal the drops%n",
        (settleDeadlineMs - System.currentTimeMillis()) / 1000);
    long settleStartMs = System.currentTimeMillis();
    MoneyAudit.Verdict verdict = MoneyAudit.run(cluster, all);
    while (!verdict.clean() && System.currentTimeMillis() < settleDeadlineMs) {
      Thread.sleep(5_000);
      verdict = MoneyAudit.run(cluster, all);
    }
    section.put("settled_after_s", (System.currentTimeMillis() - settleStartMs) / 1000);
    findings.addAll(verdict.findings());
    section.put("money_audit", verdict.json());

    JsonObject callbacks = callbacks(cluster, stories, killedAtMs, writableAtMs, paid.startEpochMs(), windowEndMs,
        findings);
    callbacks.put("payments_booked_per_s_before", bookedPerSecond(cluster, paid.startEpochMs(), killedAtMs))
        .put("payments_booked_per_s_after", bookedPerSecond(cluster, writableAtMs, windowEndMs));
    section.put("callbacks", callbacks);
    auditOrders(cluster, "LOAD-HA-" + runId + "-", requests.size(), findings);
    nothingBookedUntaken(cluster, verdict, findings);
    section.put("journal", seals(cluster, writableAtMs, findings));
    section.put("reconciliation", DayReconciliation.reconcile(new EngineApi(cluster), LocalDate.now(BEIJING),
        findings, out));
    section.put("audit", new JsonObject().put("clean", findings.isEmpty()).put("findings", new JsonArray(findings)));
    out.println("ha: " + section.encode());
    out.println("ha audit: " + (findings.isEmpty() ? "clean" : "FAILED " + findings));
    return section;
  }

  private static OpenLoopDriver.Result drive(OpenLoopDriver driver, List<OpenLoopDriver.PreparedRequest> requests,
      double ratePerS, int okStatus) {
    try {
      return driver.run(requests, ratePerS, status -> status == okStatus);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The orders created in the window (never opened at a channel): they must stay OPEN. */
  private static List<PayScenario.Story> windowOrders(HaCluster cluster, String casePrefix) throws Exception {
    List<PayScenario.Story> orders = new ArrayList<>();
    try (Connection db = cluster.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT order_no, total_fen FROM orders WHERE case_no LIKE ?")) {
      q.setString(1, casePrefix + "%");
      try (ResultSet rows = q.executeQuery()) {
        while (rows.next()) {
          String orderNo = rows.getString(1);
          orders.add(new PayScenario.Story(orderNo, Channel.WECHAT,
              org.clearing.channel.OutTradeNumbers.of(Channel.WECHAT, orderNo), rows.getLong(2), false, 0));
        }
      }
    }
    return orders;
  }

  /**
   * The callbacks as the sandboxes sent them (their delivery logs): attempts by phase (by when
   * the answer came: before the kill, while writes were unavailable, after), outcome and status;
   * payments acknowledged per second before and after; every acknowledged payment booked once by
   * a transaction that began before its first acknowledgement; every forgery refused.
   */
  private static JsonObject callbacks(HaCluster cluster, List<PayScenario.Story> stories, long killedAtMs,
      long writableAtMs, double windowStartMs, long windowEndMs, List<String> findings) throws Exception {
    Map<String, Integer> tally = new TreeMap<>();
    Map<String, Long> firstAckMs = new HashMap<>();
    long forged = 0;
    long forgedAnsweredByAnEngine = 0;
    for (PayScenario.Story story : stories) {
      if (story.payStatus() != 200) {
        continue;
      }
      HttpResponse<String> log = cluster.sandboxGet(story.channel(), "/sandbox/callbacks/" + story.outTradeNo());
      if (log.statusCode() != 200) {
        findings.add(story.outTradeNo() + ": the sandbox's delivery log answered " + log.statusCode());
        continue;
      }
      for (Object o : new JsonObject(log.body()).getJsonArray("attempts")) {
        JsonObject attempt = (JsonObject) o;
        long atMs = Instant.parse(attempt.getString("at")).toEpochMilli();
        String outcome = attempt.getString("outcome");
        int status = attempt.getInteger("status");
        String phase = outcome.equals("dropped") ? "" : atMs < killedAtMs ? "before " : atMs < writableAtMs
            ? "failover " : "after ";
        tally.merge(phase + outcome + (outcome.equals("acknowledged") || outcome.equals("dropped") ? ""
            : " " + story.channel().code() + " " + status), 1, Integer::sum);
        if (outcome.equals("acknowledged")) {
          firstAckMs.merge(story.orderNo(), atMs, Math::min);
        } else if (outcome.equals("forged")) {
          forged++;
          if (status > 0 && status != 503) {
            forgedAnsweredByAnEngine++;
          }
          boolean ackStatus = switch (story.channel()) {
            case WECHAT -> status == 200 || status == 204;
            case UNIONPAY -> status == 200 || status == 302;
            case ALIPAY -> false; // 200 either way: the engines' logs below tell
          };
          if (ackStatus) {
            findings.add(story.outTradeNo() + ": a forged callback was answered " + status + " (acknowledged)");
          }
        }
      }
    }
    long rejected = 0;
    for (int engine = 1; engine <= 2; engine++) {
      try (var lines = Files.lines(cluster.engineLog(engine))) {
        rejected += lines.filter(l -> l.contains("event=callback.rejected")).count();
      }
    }
    if (rejected < forgedAnsweredByAnEngine) {
      findings.add("forged callbacks answered by an engine: " + forgedAnsweredByAnEngine
          + ", rejections in the engines' logs: " + rejected);
    }
    acknowledgedAreBooked(cluster, firstAckMs, findings);
    long before = firstAckMs.values().stream().filter(t -> t >= windowStartMs && t < killedAtMs).count();
    long after = firstAckMs.values().stream().filter(t -> t >= writableAtMs && t < windowEndMs).count();
    JsonObject json = new JsonObject();
    tally.forEach(json::put);
    return new JsonObject().put("attempts", json).put("payments_acknowledged", firstAckMs.size())
        .put("payments_acknowledged_per_s_before", round(before * 1000.0 / Math.max(1, killedAtMs - windowStartMs)))
        .put("payments_acknowledged_per_s_after", round(after * 1000.0 / Math.max(1, windowEndMs - writableAtMs)))
        .put("forged_sent", forged).put("forged_answered_by_an_engine", forgedAnsweredByAnEngine)
        .put("rejections_logged_by_the_engines", rejected);
  }

  /**
   * On the new leader, every payment whose callback an engine acknowledged has exactly one applied
   * payment row, written by a transaction that began before the first acknowledgement. A payment
   * acknowledged without a durable commit, lost with the old leader and booked again later from a
   * resend or the active query, would have begun after it.
   */
  private static void acknowledgedAreBooked(HaCluster cluster, Map<String, Long> firstAckMs, List<String> findings)
      throws Exception {
    Map<String, long[]> booked = new HashMap<>();
    try (Connection db = cluster.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT order_no, count(*), (extract(epoch FROM max(received_at)) * 1000)::int8 FROM channel_inbox"
            + " WHERE kind = 'PAYMENT' AND outcome = 'APPLIED' AND order_no = ANY(?) GROUP BY order_no")) {
      q.setArray(1, db.createArrayOf("text", firstAckMs.keySet().toArray()));
      try (ResultSet rows = q.executeQuery()) {
        while (rows.next()) {
          booked.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
        }
      }
    }
    firstAckMs.forEach((orderNo, ackMs) -> {
      long[] b = booked.get(orderNo);
      if (b == null || b[0] != 1) {
        findings.add(orderNo + ": its callback was acknowledged, " + (b == null ? 0 : b[0])
            + " applied payments on the new leader");
      } else if (b[1] > ackMs) {
        findings.add(orderNo + ": acknowledged at " + Instant.ofEpochMilli(ackMs) + " but booked by a transaction"
            + " begun at " + Instant.ofEpochMilli(b[1]));
      }
    });
  }

  /** Payments the engines committed (applied payment rows by their transaction's start) per second. */
  private static double bookedPerSecond(HaCluster cluster, double fromMs, double toMs) throws Exception {
    try (Connection db = cluster.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND outcome = 'APPLIED'"
            + " AND received_at >= to_timestamp(?::float8 / 1000) AND received_at < to_timestamp(?::float8 / 1000)")) {
      q.setDouble(1, fromMs);
      q.setDouble(2, toMs);
      try (ResultSet rows = q.executeQuery()) {
        rows.next();
        return toMs > fromMs ? round(rows.getLong(1) * 1000.0 / (toMs - fromMs)) : 0;
      }
    }
  }

  /** In the whole database (fresh for the run): applied payments equal what the channels took. */
  private static void nothingBookedUntaken(HaCluster cluster, MoneyAudit.Verdict verdict, List<String> findings)
      throws Exception {
    long takenCount = verdict.sandboxPaid().values().stream().mapToLong(v -> v[0]).sum();
    long takenFen = verdict.sandboxPaid().values().stream().mapToLong(v -> v[1]).sum();
    try (Connection db = cluster.jdbc(); Statement s = db.createStatement(); ResultSet rows = s.executeQuery(
        "SELECT count(*), coalesce(sum(amount_fen), 0) FROM channel_inbox WHERE kind = 'PAYMENT'"
            + " AND outcome = 'APPLIED'")) {
      rows.next();
      if (rows.getLong(1) != takenCount || rows.getLong(2) != takenFen) {
        findings.add("applied payments in the database: " + rows.getLong(1) + " for " + rows.getLong(2)
            + " fen; the channels took " + takenCount + " for " + takenFen + " fen");
      }
    }
  }

  /**
   * The seal chain on the new leader: numbered without a gap, each seal starting where the one
   * before ended, every entry written before the last seal's end inside a seal, nothing left
   * unsealed once the run is quiet, seals written after the failover; then the engine jar's
   * {@code verify-journal} recomputes the chain through HAProxy's write port.
   */
  private static JsonObject seals(HaCluster cluster, long writableAtMs, List<String> findings) throws Exception {
    JsonObject json = new JsonObject();
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try (Connection db = cluster.jdbc(); Statement s = db.createStatement(); ResultSet rows = s.executeQuery("""
          SELECT (SELECT count(*) FROM journal_seal),
                 (SELECT coalesce(max(seal_no), 0) FROM journal_seal),
                 (SELECT count(*) FROM journal_seal s JOIN journal_seal p ON p.seal_no = s.seal_no - 1
                    WHERE s.from_txid <> p.to_txid OR s.previous_seal <> p.seal),
                 (SELECT coalesce(sum(entry_count), 0) FROM journal_seal),
                 (SELECT count(*) FROM journal_entry
                    WHERE txid < (SELECT coalesce(max(to_txid), '0'::xid8) FROM journal_seal)),
                 (SELECT count(*) FROM journal_entry
                    WHERE txid >= (SELECT coalesce(max(to_txid), '0'::xid8) FROM journal_seal)),
                 (SELECT count(*) FROM journal_seal WHERE sealed_at > to_timestamp(? / 1000.0)),
                 (SELECT count(*) FROM journal_entry)
          """.replace("?", Long.toString(writableAtMs)))) {
        rows.next();
        json = new JsonObject().put("seals", rows.getLong(1)).put("last_seal_no", rows.getLong(2))
            .put("broken_links", rows.getLong(3)).put("entries_in_seals", rows.getLong(4))
            .put("entries_below_last_seal", rows.getLong(5)).put("entries_unsealed", rows.getLong(6))
            .put("seals_after_failover", rows.getLong(7)).put("entries", rows.getLong(8));
      }
      if (json.getLong("entries_unsealed") == 0 || System.currentTimeMillis() > deadline) {
        break;
      }
      Thread.sleep(1_000);
    }
    // Compared as long: JsonObject gives boxed Longs, which == compares by reference above 127.
    long seals = json.getLong("seals");
    long unsealed = json.getLong("entries_unsealed");
    if (seals != json.getLong("last_seal_no").longValue() || json.getLong("broken_links") != 0L
        || json.getLong("entries_in_seals").longValue() != json.getLong("entries_below_last_seal").longValue()) {
      findings.add("the seal chain has a gap: " + json.encode());
    }
    if (unsealed != 0) {
      findings.add(unsealed + " journal entries still unsealed 30 s after the run");
    }
    if (json.getLong("seals_after_failover") == 0L) {
      findings.add("no seal was written after the failover");
    }
    HaCluster.Verified verified = cluster.verifyJournal();
    // Its verdict lines, not the logging set-up around them.
    json.put("verify_journal_exit", verified.exitCode()).put("verify_journal", verified.output().lines()
        .filter(l -> l.startsWith("seals checked") || l.startsWith("journal chain")).toList().toString());
    if (verified.exitCode() != 0 || !verified.output().contains("journal chain: OK")) {
      findings.add("verify-journal on the new leader: exit " + verified.exitCode() + ": " + verified.output());
    }
    return json;
  }

  /** Answers by phase (by due time: before the kill, while writes were unavailable, after) and status. */
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
    return toMs > fromMs ? round(created * 1000.0 / (toMs - fromMs)) : 0;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
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
      int status = client.request(HttpMethod.POST, request.path())
          .compose(r -> {
            r.putHeader("Content-Type", "application/json")
                .putHeader("Idempotency-Key", request.headers().get("Idempotency-Key"))
                .putHeader("Authorization", signer.authorization("POST", request.path(), body));
            return r.send(Buffer.buffer(body));
          })
          .map(io.vertx.core.http.HttpClientResponse::statusCode)
          .toCompletionStage().toCompletableFuture().get();
      if (status != 200 && status != 201) {
        findings.add("order request " + i + " resent after the window answered " + status);
      }
    }
  }

  /** Each case of the run exists exactly once on the new leader. */
  private static void auditOrders(HaCluster cluster, String casePrefix, int expected, List<String> findings)
      throws Exception {
    try (Connection connection = cluster.jdbc(); PreparedStatement q = connection.prepareStatement(
        "SELECT count(*), count(DISTINCT case_no) FROM orders WHERE case_no LIKE ?")) {
      q.setString(1, casePrefix + "%");
      try (ResultSet rows = q.executeQuery()) {
        rows.next();
        if (rows.getLong(1) != expected || rows.getLong(2) != expected) {
          findings.add(String.format(Locale.ROOT, "orders of the run on the leader: %d (%d distinct cases), expected %d",
              rows.getLong(1), rows.getLong(2), expected));
        }
      }
    }
  }
}
