package org.clearing.load.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.load.audit.DayAudit;
import org.clearing.load.driver.EngineApi;
import org.clearing.load.driver.Harness;

/**
 * {@code day}: a mixed business day through the real engine and its three sandboxes, then the
 * daily reconciliation, then the audit. The registration system creates the orders; applicants open
 * them at the three channels through the cashier; most pay (under a light storm of doubled,
 * late and dropped callbacks, the dropped ones healed by the engine's active query), some pay at two
 * channels (the engine books the second payment as a duplicate and gives it back by itself), some
 * are cancelled, some expire, some are never paid, and some are refunded whole or by a line as soon
 * as they are paid (by the channel before settlement, by the tax authority and the finance bureau
 * after). The admin then runs the day's reconciliation for every channel: nothing may be left
 * unexplained, and the finance and tax daily reports must agree with the journal.
 */
public final class DayScenario {

  /**
   * What the day is given; {@code settleMax} bounds each wait for the engine (payments booked,
   * orders settled, end states reached).
   */
  public record Settings(int orders, PrintStream out, Duration settleMax) {
    public Settings(int orders, PrintStream out) {
      this(orders, out, SETTLE_MAX);
    }
  }

  /** The fewest and most orders a day takes: every story at least once, and a bounded run. */
  public static final int ORDERS_MIN = 20;
  public static final int ORDERS_MAX = 5_000;
  /**
   * The stories of each run of twenty orders, in turn: most paid once; 10 % each paid twice,
   * refunded whole and refunded by a line; 5 % each cancelled, expired and never paid.
   */
  static final DayOrder.Story[] STORY_CYCLE = cycle();
  /** A light storm: every callback twice, 10 % late enough to be overtaken, 5 % never sent. */
  public static final JsonObject LIGHT_STORM = new JsonObject().put("deliveries", 2)
      .put("out_of_order_percent", 10).put("drop_percent", 5);
  /** The API's shortest expiry ({@code expires_in_s} minimum), so the expiring story ends within the day. */
  static final long EXPIRES_IN_S_SHORT = 60;
  /**
   * A dropped callback is healed by the active query, first asked a configured time after the
   * channel order opened (60 s by default), then backing off (1 min, 2 min, …); the settlement job
   * reads the sandboxes' bills every minute.
   */
  static final Duration SETTLE_MAX = Duration.ofSeconds(300);
  static final int CALLS_IN_FLIGHT_MAX = 16;
  static final long POLL_INTERVAL_MS = 1_000;
  private static final String DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
      + " (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  private DayScenario() {}

  private static DayOrder.Story[] cycle() {
    List<DayOrder.Story> stories = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      stories.add(DayOrder.Story.PAID);
    }
    for (DayOrder.Story twice : List.of(DayOrder.Story.PAID_TWICE, DayOrder.Story.REFUNDED,
        DayOrder.Story.PARTLY_REFUNDED)) {
      stories.add(twice);
      stories.add(twice);
    }
    stories.addAll(List.of(DayOrder.Story.CANCELLED, DayOrder.Story.EXPIRED, DayOrder.Story.UNPAID));
    return stories.toArray(DayOrder.Story[]::new);
  }

  /** The day's orders: stories in turn, channels in turn, a second channel for those paid twice. */
  static List<DayOrder> plan(int count, String runId) {
    Channel[] channels = Channel.values();
    List<DayOrder> orders = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      DayOrder.Story story = STORY_CYCLE[i % STORY_CYCLE.length];
      Channel first = channels[i % channels.length];
      List<Channel> at = story == DayOrder.Story.PAID_TWICE
          ? List.of(first, channels[(i + 1) % channels.length]) : List.of(first);
      DayOrder order = new DayOrder(i, story, at, "DAY-" + runId + "-" + i);
      if (story == DayOrder.Story.PARTLY_REFUNDED) {
        // Alternately the deed tax (the treasury leg whole) and the registration fee (part of the
        // non-tax leg).
        order.refundLines(List.of(i % 2 == 0 ? 1 : 2));
      }
      orders.add(order);
    }
    return orders;
  }

  /** The day's report section ({@code audit.clean} says whether it passed) and its orders as the driver saw them. */
  public record Day(JsonObject section, List<DayOrder> orders) {}

  /** Runs the day; returns its section of the report. */
  public static JsonObject run(Harness harness, Settings settings) throws Exception {
    return runDay(harness, settings).section();
  }

  /**
   * Runs the day: create, open, cancel, pay under the storm, refund, wait for the jobs, reconcile,
   * compare the reports with the journal, audit. Every finding is in {@code section.audit}.
   */
  public static Day runDay(Harness harness, Settings settings) throws Exception {
    if (settings.orders() < ORDERS_MIN || settings.orders() > ORDERS_MAX) {
      throw new IllegalArgumentException("a day takes " + ORDERS_MIN + " to " + ORDERS_MAX + " orders");
    }
    PrintStream out = settings.out();
    long startNs = System.nanoTime();
    EngineApi api = new EngineApi(harness);
    List<DayOrder> orders = plan(settings.orders(), Long.toString(System.currentTimeMillis(), 36));
    LocalDate day = LocalDate.now(BEIJING);
    ExecutorService pool = Executors.newFixedThreadPool(CALLS_IN_FLIGHT_MAX);
    JsonObject section = new JsonObject().put("scenario", "day").put("business_date", day.toString())
        .put("orders", orders.size()).put("stories", storyCounts(orders));
    try {
      out.printf("day: %d orders %s%n", orders.size(), section.getJsonObject("stories").encode());
      create(api, orders, pool);
      open(harness, orders, pool);
      cancel(api, orders, pool);
      out.printf("day: created and opened in %d ms; paying under a light storm %s%n",
          (System.nanoTime() - startNs) / 1_000_000, LIGHT_STORM.encode());
      harness.setFaults(LIGHT_STORM);
      try {
        pay(harness, orders, pool);
      } finally {
        harness.setFaults(new JsonObject());
      }
      long paidNs = System.nanoTime();
      awaitBookedAndRefund(harness, api, orders, pool, settings.settleMax(), out);
      awaitEndStates(harness, orders, settings.settleMax(), out);
      section.put("settled_after_pay_s", (System.nanoTime() - paidNs) / 1_000_000_000L)
          .put("callbacks", DayCounts.callbacks(harness, orders))
          .put("refunds", DayCounts.refunds(orders));
      out.println("day: callbacks " + section.getJsonObject("callbacks").encode());
      out.println("day: refunds " + section.getJsonObject("refunds").encode());
    } finally {
      pool.shutdownNow();
    }
    List<String> findings = new ArrayList<>();
    orders.stream().filter(o -> o.driverProblem() != null).limit(20)
        .forEach(o -> findings.add(o.caseNo() + " (" + o.story() + "): " + o.driverProblem()));
    section.put("reconciliation", DayReconciliation.reconcile(api, day, findings, out));
    section.put("reports", DayReconciliation.reportsAgainstJournal(harness, api, day, findings, out));
    DayAudit.Verdict verdict = DayAudit.run(harness, orders, findings);
    section.put("audit", verdict.json()).put("duration_s", (System.nanoTime() - startNs) / 1_000_000_000L);
    out.println("day audit: " + (verdict.clean() ? "clean" : "FAILED " + verdict.findings()) + " "
        + verdict.json().getJsonObject("channels"));
    return new Day(section, orders);
  }

  private static JsonObject storyCounts(List<DayOrder> orders) {
    Map<DayOrder.Story, Integer> counts = new EnumMap<>(DayOrder.Story.class);
    orders.forEach(o -> counts.merge(o.story(), 1, Integer::sum));
    JsonObject json = new JsonObject();
    counts.forEach((story, n) -> json.put(story.name(), n));
    return json.put("of_the_refunded_after_settlement", orders.stream().filter(DayOrder::refundAfterSettlement).count());
  }

  /** The registration system creates the orders, those that will expire first so their clock starts early. */
  private static void create(EngineApi api, List<DayOrder> orders, ExecutorService pool) throws Exception {
    List<DayOrder> expiringFirst = new ArrayList<>(orders);
    expiringFirst.sort(Comparator.comparing(o -> o.story() != DayOrder.Story.EXPIRED));
    forEach(pool, expiringFirst, order -> {
      EngineApi.Answer created = api.post(Role.REGISTRATION, "/api/v1/orders", body(order), order.caseNo()).get();
      if (created.status() != 201) {
        throw new IllegalStateException("order " + order.caseNo() + " not created: " + created);
      }
      JsonObject json = created.json();
      List<Long> lines = new ArrayList<>();
      for (Object line : json.getJsonArray("lines")) {
        lines.add(((JsonObject) line).getLong("amount_fen"));
      }
      order.created(json.getString("order_no"), json.getJsonObject("qr").getString("url"),
          json.getLong("total_fen"), lines);
    });
  }

  /** A three-line order (deed tax to the treasury, two fees to the non-tax account), amounts varied per order. */
  private static JsonObject body(DayOrder order) {
    int i = order.index();
    JsonObject body = new JsonObject().put("case_no", order.caseNo())
        .put("region", i % 2 == 0 ? "341500" : "341522")
        .put("payer", new JsonObject().put("name", "李四").put("id_no", "34150019900101123X"))
        .put("lines", new JsonArray()
            .add(new JsonObject().put("kind", "DEED_TAX").put("amount_fen", 1_200_000 + 7L * i))
            .add(new JsonObject().put("kind", "REGISTRATION_FEE").put("amount_fen", 8_000))
            .add(new JsonObject().put("kind", "CERTIFICATE_FEE").put("amount_fen", 1_000)));
    if (order.story() == DayOrder.Story.EXPIRED) {
      body.put("expires_in_s", EXPIRES_IN_S_SHORT);
    }
    return body;
  }

  /** Each applicant opens the QR on a desktop and picks a channel (two, for those who pay twice). */
  private static void open(Harness harness, List<DayOrder> orders, ExecutorService pool) throws Exception {
    HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(5)).build();
    forEach(pool, orders, order -> {
      for (Channel channel : order.channels()) {
        HttpResponse<Void> page = browser.send(HttpRequest.newBuilder(URI.create(order.qrUrl() + "/pay/" + channel.code()))
            .timeout(Duration.ofSeconds(60)).header("User-Agent", DESKTOP).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        order.openStatus().put(channel, page.statusCode());
        if (page.statusCode() != 200) {
          order.problem("opening at " + channel.code() + " answered " + page.statusCode());
        }
      }
    });
  }

  private static void cancel(EngineApi api, List<DayOrder> orders, ExecutorService pool) throws Exception {
    forEach(pool, orders.stream().filter(o -> o.story() == DayOrder.Story.CANCELLED).toList(), order -> {
      EngineApi.Answer answer = api.post(Role.REGISTRATION, "/api/v1/orders/" + order.orderNo() + "/cancel",
          new JsonObject(), null).get();
      if (answer.status() != 200) {
        order.problem("cancel answered " + answer);
      }
    });
  }

  /** The payers pay; one who pays twice pays at both channels at once, before either hears back. */
  private static void pay(Harness harness, List<DayOrder> orders, ExecutorService pool) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    forEach(pool, orders.stream().filter(o -> o.story().paid()).toList(), order -> {
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (Channel channel : order.channels()) {
        answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create(harness.sandboxUrl(channel) + "/sandbox/pay"))
            .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("out_trade_no", order.outTradeNo(channel))
                .put("payer", "day_" + order.index()).encode())).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (int c = 0; c < answers.size(); c++) {
        HttpResponse<String> answer = answers.get(c).get();
        order.payStatus().put(order.channels().get(c), answer.statusCode());
        if (answer.statusCode() != 200) {
          order.problem("paying at " + order.channels().get(c).code() + " answered " + answer.statusCode()
              + " " + answer.body());
        }
      }
    });
  }

  /**
   * Waits until every payment the sandboxes took is in the engine's inbox, refunding each order
   * whose story says so as soon as it is paid, or once it is settled, as a registration system
   * would.
   */
  private static void awaitBookedAndRefund(Harness harness, EngineApi api, List<DayOrder> orders,
      ExecutorService pool, Duration settleMax, PrintStream out) throws Exception {
    long deadline = System.nanoTime() + settleMax.toNanos();
    String[] orderNos = orders.stream().map(DayOrder::orderNo).toArray(String[]::new);
    Set<DayOrder> refunding = new HashSet<>();
    List<Future<?>> refunds = new ArrayList<>();
    long waiting;
    long unrefunded;
    do {
      Map<String, Booked> booked = booked(harness, orderNos);
      waiting = 0;
      unrefunded = 0;
      for (DayOrder order : orders) {
        long taken = order.payStatus().values().stream().filter(s -> s == 200).count();
        Booked b = booked.getOrDefault(order.orderNo(), new Booked(null, 0, 0));
        waiting += b.payments() < taken ? 1 : 0;
        boolean refund = order.story() == DayOrder.Story.REFUNDED || order.story() == DayOrder.Story.PARTLY_REFUNDED;
        boolean due = b.applied() > 0 && (!order.refundAfterSettlement() || "SETTLED".equals(b.status()));
        if (refund && due && refunding.add(order)) {
          refunds.add(pool.submit(() -> DayRefunds.refund(api, order)));
        }
        unrefunded += refund && !refunding.contains(order) && order.driverProblem() == null ? 1 : 0;
      }
      if (waiting > 0 || unrefunded > 0) {
        Thread.sleep(POLL_INTERVAL_MS);
      }
    } while ((waiting > 0 || unrefunded > 0) && System.nanoTime() < deadline);
    out.printf("day: every payment the sandboxes took is booked: %s; refunds asked: %s%n",
        waiting == 0 ? "yes" : "NO, " + waiting + " orders short", unrefunded == 0 ? "all" : "NOT " + unrefunded);
    orders.stream().filter(o -> !refunding.contains(o) && (o.story() == DayOrder.Story.REFUNDED
        || o.story() == DayOrder.Story.PARTLY_REFUNDED)).forEach(o -> o.problem("never paid and "
        + (o.refundAfterSettlement() ? "settled" : "booked") + " within " + settleMax.toSeconds() + " s, so not refunded"));
    for (Future<?> refund : refunds) {
      refund.get(DayRefunds.REFUND_WAIT_MAX.toSeconds() * 2, TimeUnit.SECONDS);
    }
  }

  /** An order's status, its payment rows in the inbox, and how many of them it took. */
  private record Booked(String status, long payments, long applied) {}

  private static Map<String, Booked> booked(Harness harness, String[] orderNos) throws Exception {
    Map<String, Booked> booked = new HashMap<>();
    try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT o.order_no, o.status, count(i.event_key), count(i.event_key) FILTER (WHERE i.outcome = 'APPLIED')"
            + " FROM orders o LEFT JOIN channel_inbox i ON i.order_no = o.order_no AND i.kind = 'PAYMENT'"
            + " WHERE o.order_no = ANY(?) GROUP BY o.order_no, o.status")) {
      q.setArray(1, db.createArrayOf("text", orderNos));
      try (ResultSet rows = q.executeQuery()) {
        while (rows.next()) {
          booked.put(rows.getString(1), new Booked(rows.getString(2), rows.getLong(3), rows.getLong(4)));
        }
      }
    }
    return booked;
  }

  /**
   * Waits for the background jobs the stories rely on: the expiring orders expired (the closer
   * runs every 2 s once their 60 s are up), every duplicate payment given back.
   */
  private static void awaitEndStates(Harness harness, List<DayOrder> orders, Duration settleMax, PrintStream out)
      throws Exception {
    long deadline = System.nanoTime() + settleMax.toNanos();
    String[] expiring = orders.stream().filter(o -> o.story() == DayOrder.Story.EXPIRED)
        .map(DayOrder::orderNo).toArray(String[]::new);
    String[] all = orders.stream().map(DayOrder::orderNo).toArray(String[]::new);
    long open;
    do {
      try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement(
          "SELECT (SELECT count(*) FROM orders WHERE order_no = ANY(?) AND status <> 'EXPIRED'),"
              + " (SELECT count(*) FROM channel_inbox i WHERE i.order_no = ANY(?) AND i.kind = 'PAYMENT'"
              + "   AND i.outcome = 'NOT_PAYABLE' AND NOT EXISTS (SELECT 1 FROM duplicate_refund d"
              + "   WHERE d.channel = i.channel AND d.transaction_id = i.transaction_id AND d.status = 'SUCCEEDED'))")) {
        q.setArray(1, db.createArrayOf("text", expiring));
        q.setArray(2, db.createArrayOf("text", all));
        try (ResultSet rows = q.executeQuery()) {
          rows.next();
          open = rows.getLong(1) + rows.getLong(2);
        }
      }
      if (open > 0) {
        Thread.sleep(POLL_INTERVAL_MS);
      }
    } while (open > 0 && System.nanoTime() < deadline);
    out.printf(Locale.ROOT, "day: expiries and duplicate refunds done: %s%n", open == 0 ? "yes" : "NO, " + open + " left");
  }

  /** Runs {@code step} for every item on the pool and waits; a step that throws marks its order. */
  private static void forEach(ExecutorService pool, List<DayOrder> orders, Step step) throws Exception {
    List<Future<?>> running = new ArrayList<>(orders.size());
    for (DayOrder order : orders) {
      running.add(pool.submit(() -> {
        try {
          step.run(order);
        } catch (Exception e) {
          order.problem(String.valueOf(e.getMessage()));
        }
        return null;
      }));
    }
    for (Future<?> f : running) {
      f.get();
    }
  }

  private interface Step {
    void run(DayOrder order) throws Exception;
  }

  /** Counts of {@code values} by key, ordered. */
  static JsonObject tally(Map<String, Long> values) {
    JsonObject json = new JsonObject();
    new TreeMap<>(values).forEach(json::put);
    return json;
  }
}
