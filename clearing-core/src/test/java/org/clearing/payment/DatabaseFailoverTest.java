package org.clearing.payment;

// While the engine's database is unreachable (its connections cut, mid-group too, as HAProxy cuts
// them when the leader dies, or killed by the server) callbacks get each channel's "try again",
// never an acknowledgement; orders get 503 with Retry-After and /health says DOWN. The pool
// reconnects without a restart, no payment is ever half-booked, and the channels' resends are
// booked exactly once.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.client.Role;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TcpProxy;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

class DatabaseFailoverTest {

  private static TcpProxy proxy;

  /** Declared before the engine, so it runs after the engine's own end (which reads invariants). */
  @RegisterExtension
  static final AfterAllCallback closeProxy = context -> proxy.close();

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes(config -> {
    proxy = TcpProxy.to(config.pgUrl());
    return config.withPgUrl(proxy.url(config.pgUrl()));
  });

  private static int cases;

  /** A paid order's callback, signed by its sandbox and handed back unsent. */
  private record Paid(Channel channel, String outTradeNo, String orderNo, CallbackDispatcher.Callback callback) {}

  private static List<Paid> paidOrders(int count) {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    List<Paid> paid = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Channel channel = Channel.values()[i % Channel.values().length];
      cases++;
      JsonObject order = registration.post("/api/v1/orders",
          OrderBodies.typical("FAILOVER-" + cases).encode(), "failover-" + cases).json();
      String orderNo = order.getString("order_no");
      Browser.Page page = new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url")
          + "/pay/" + channel.code());
      assertEquals(200, page.status(), page.html());
      String outTradeNo = OutTradeNumbers.of(channel, orderNo);
      ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(channel), null).raw("POST", "/sandbox/pay",
          new JsonObject().put("out_trade_no", outTradeNo).put("payer", "payer1").put("notify", "return")
              .encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
      assertEquals(200, answer.status(), answer.text());
      paid.add(new Paid(channel, outTradeNo, orderNo,
          CallbackDispatcher.Callback.fromJson(answer.json().getJsonObject("callback"))));
    }
    return paid;
  }

  /** Delivers a callback as the channel would: exactly its URL, headers and body. */
  private static ApiCaller.Answer deliver(Paid paid) {
    URI url = URI.create(paid.callback().url());
    return new ApiCaller(url.getScheme() + "://" + url.getAuthority(), null)
        .raw("POST", url.getRawPath(), paid.callback().body(), paid.callback().headers());
  }

  private static boolean acknowledged(Channel channel, ApiCaller.Answer answer) {
    return switch (channel) {
      case WECHAT -> answer.status() == 200 || answer.status() == 204;
      case ALIPAY -> answer.status() == 200 && "success".equals(answer.text());
      case UNIONPAY -> answer.status() == 200;
    };
  }

  /** Each channel's own "try again": WeChat 500 FAIL, Alipay {@code fail}, UnionPay 503. */
  private static boolean tryAgain(Channel channel, ApiCaller.Answer answer) {
    return switch (channel) {
      case WECHAT -> answer.status() == 500 && answer.text().contains("\"FAIL\"");
      case ALIPAY -> answer.status() == 200 && "fail".equals(answer.text());
      case UNIONPAY -> answer.status() == 503;
    };
  }

  private static long count(String sql) {
    return TestDatabase.queryLong(engine.pgUrl(), sql);
  }

  /**
   * Every order is booked wholly or not at all: PAID exactly when it has one applied inbox row,
   * one payment entry for its total, all legs paid and its paid event; and the journal balances.
   * Returns the orders booked.
   */
  private static List<String> bookedWholeOrNotAtAll(List<Paid> orders) {
    List<String> booked = new ArrayList<>();
    for (Paid paid : orders) {
      String o = "'" + paid.orderNo() + "'";
      long isPaid = count("SELECT count(*) FROM orders WHERE status = 'PAID' AND order_no = " + o);
      long inbox = count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND outcome = 'APPLIED'"
          + " AND order_no = " + o);
      long entries = count("SELECT count(*) FROM journal_entry WHERE kind = 'PAYMENT' AND order_no = " + o);
      long unpaidLegs = count("SELECT count(*) FROM leg WHERE status <> 'PAID' AND order_no = " + o);
      long legs = count("SELECT count(*) FROM leg WHERE order_no = " + o);
      long events = count("SELECT count(*) FROM outbox WHERE event_type = 'order.paid' AND order_no = " + o);
      String state = paid.orderNo() + ": paid " + isPaid + ", inbox " + inbox + ", entries " + entries
          + ", unpaid legs " + unpaidLegs + "/" + legs + ", events " + events;
      if (isPaid == 1) {
        assertTrue(inbox == 1 && entries == 1 && unpaidLegs == 0 && events == 1, "half-applied: " + state);
        booked.add(paid.orderNo());
      } else {
        assertTrue(inbox == 0 && entries == 0 && unpaidLegs == legs && events == 0, "half-applied: " + state);
      }
    }
    assertEquals(0, count("SELECT count(*) FROM (SELECT entry_id FROM journal_posting GROUP BY entry_id"
        + " HAVING sum(debit_fen) <> sum(credit_fen)) unbalanced"), "every entry balances");
    assertEquals(0, count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND outcome <> 'APPLIED'"),
        "no payment recorded twice");
    return booked;
  }

  /** A signed order creation, with the answer's headers (Retry-After) kept. */
  private static HttpResponse<String> createOrder(String caseNo) throws Exception {
    byte[] body = OrderBodies.typical(caseNo).encode().getBytes(StandardCharsets.UTF_8);
    String path = "/api/v1/orders";
    HttpRequest request = HttpRequest.newBuilder(URI.create(engine.baseUrl() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", caseNo.toLowerCase(java.util.Locale.ROOT))
        .header("Authorization", engine.as(Role.REGISTRATION).signer().authorization("POST", path, body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitHealthy() {
    Await.until("the engine reconnected to its database", Duration.ofSeconds(60),
        () -> new ApiCaller(engine.baseUrl(), null).raw("GET", "/health", new byte[0], Map.of()).status() == 200);
  }

  /** Resends, as channels do, every callback not yet acknowledged; all must be in the end. */
  private static void resendUntilAcknowledged(List<Paid> orders) {
    for (Paid paid : orders) {
      ApiCaller.Answer answer = deliver(paid);
      assertTrue(acknowledged(paid.channel(), answer),
          "a resend after the database came back is acknowledged: " + answer.status() + " " + answer.text());
    }
  }

  @Test
  void whileTheDatabaseIsUnreachableCallbacksGetTryAgainOrdersA503AndTheResendsAreBookedOnce() throws Exception {
    List<Paid> orders = paidOrders(12);
    for (Paid paid : orders.subList(0, 3)) {
      assertTrue(acknowledged(paid.channel(), deliver(paid)));
    }

    proxy.cut();
    try {
      for (Paid paid : orders.subList(3, 9)) {
        ApiCaller.Answer answer = deliver(paid);
        assertTrue(tryAgain(paid.channel(), answer), paid.channel() + " while the database is gone: "
            + answer.status() + " " + answer.text());
      }
      ApiCaller.Answer health = new ApiCaller(engine.baseUrl(), null).raw("GET", "/health", new byte[0], Map.of());
      assertEquals(503, health.status(), health.text());
      assertEquals("DOWN", health.json().getJsonObject("database").getString("status"));
      HttpResponse<String> order = createOrder("FAILOVER-DOWN");
      assertEquals(503, order.statusCode(), order.body());
      assertTrue(order.headers().firstValue("Retry-After").isPresent(), "503 names when to try again");
      assertTrue(order.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
      assertEquals(3, bookedWholeOrNotAtAll(orders).size(), "nothing booked while the database was gone");
      String metrics = new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text();
      assertTrue(metrics.contains("clearing_callbacks_total{channel=\"wechat\",outcome=\"unavailable\"}"),
          "counted as the database being unavailable, not as an engine error");
    } finally {
      proxy.restore();
    }

    awaitHealthy();
    resendUntilAcknowledged(orders); // the refused ones, the never sent ones and the first three again

    assertEquals(12, bookedWholeOrNotAtAll(orders).size());
    assertEquals(0, count("SELECT count(*) FROM orders WHERE case_no = 'FAILOVER-DOWN'"),
        "the refused order was not created");
  }

  @Test
  void connectionsKilledMidGroupLeaveEveryPaymentWholeOrNotAtAllAndEveryAcknowledgedOneBooked() throws Exception {
    List<Paid> orders = paidOrders(36);
    AtomicBoolean storm = new AtomicBoolean(true);
    AtomicLong killed = new AtomicLong();
    ExecutorService threads = Executors.newFixedThreadPool(13);
    // From an owner connection, past the relay, as a database going down kills its backends.
    Future<?> killer = threads.submit(() -> {
      while (storm.get()) {
        killed.addAndGet(TestDatabase.queryLong(engine.pgUrl(), "SELECT count(pg_terminate_backend(pid))"
            + " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"));
        Thread.sleep(25);
      }
      return null;
    });
    List<Future<ApiCaller.Answer>> answers = new ArrayList<>();
    for (Paid paid : orders) {
      answers.add(threads.submit(() -> deliver(paid)));
    }
    List<Paid> acknowledged = new ArrayList<>();
    for (int i = 0; i < orders.size(); i++) {
      ApiCaller.Answer answer = answers.get(i).get();
      Channel channel = orders.get(i).channel();
      assertTrue(acknowledged(channel, answer) || tryAgain(channel, answer),
          "only an acknowledgement or the channel's try-again: " + answer.status() + " " + answer.text());
      if (acknowledged(channel, answer)) {
        acknowledged.add(orders.get(i));
      }
    }
    storm.set(false);
    killer.get();
    threads.shutdown();

    assertTrue(killed.get() > 0, "the storm killed the engine's connections");
    List<String> booked = bookedWholeOrNotAtAll(orders);
    for (Paid paid : acknowledged) {
      assertTrue(booked.contains(paid.orderNo()), "acknowledged only after its durable commit: " + paid.orderNo());
    }
    awaitHealthy();
    resendUntilAcknowledged(orders);
    assertEquals(36, bookedWholeOrNotAtAll(orders).size());
  }
}
