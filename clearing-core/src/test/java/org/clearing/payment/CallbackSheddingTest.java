package org.clearing.payment;

// Proves that when the intake's queue is full, or too many callbacks are in flight, a valid callback
// is refused at once in its channel's "try again" form (not a hang, not a crash), nothing of it is
// recorded, and its resend is booked once.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.Role;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CallbackSheddingTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  private static JsonObject newOrder(String caseNo) {
    return registration.post("/api/v1/orders", OrderBodies.typical(caseNo).encode(), caseNo).json();
  }

  /** Opens a new order at {@code channel}, pays it with notify=return and keeps the callback. */
  private static CallbackDispatcher.Callback prepaid(Channel channel) {
    JsonObject order = newOrder("SHED-" + channel.code());
    new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url") + "/pay/" + channel.code());
    ApiCaller.Answer paid = new ApiCaller(engine.sandboxUrl(channel), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", OutTradeNumbers.of(channel, order.getString("order_no")))
            .put("notify", "return").encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    assertEquals(200, paid.status(), paid.text());
    return CallbackDispatcher.Callback.fromJson(paid.json().getJsonObject("callback"));
  }

  private static ApiCaller.Answer deliver(CallbackDispatcher.Callback callback) {
    URI url = URI.create(callback.url());
    return new ApiCaller(url.getScheme() + "://" + url.getAuthority(), null)
        .raw("POST", url.getRawPath(), callback.body(), callback.headers());
  }

  private static long applied(CallbackDispatcher.Callback callback, Channel channel) {
    return engine.count("SELECT count(*) FROM channel_inbox WHERE channel = '" + channel.code()
        + "' AND kind = 'PAYMENT' AND outcome = 'APPLIED' AND order_no IN (SELECT order_no FROM orders"
        + " WHERE case_no = 'SHED-" + channel.code() + "')");
  }

  @Test
  void aFullIntakeAnswersEachChannelsTryAgainAndTheResendIsBookedOnce() throws Exception {
    Map<Channel, CallbackDispatcher.Callback> callbacks = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      callbacks.put(channel, prepaid(channel));
    }
    String blockedOrderNo = newOrder("SHED-BLOCKED").getString("order_no");
    PaymentNotification blocked = new PaymentNotification(Channel.WECHAT, "EV-SHED",
        OutTradeNumbers.of(Channel.WECHAT, blockedOrderNo), "4200000000SHED", Money.ofFen(1_509_000), "CNY", true,
        Instant.now(), "payer", org.clearing.channel.PayeeIdentity.of("test-merchant", "", ""));
    PaymentIntake intake = engine.engine().intake();
    List<Future<PaymentIntake.Recorded>> held = new ArrayList<>();
    Map<Channel, ApiCaller.Answer> refused = new EnumMap<>(Channel.class);
    try (Connection lock = DriverManager.getConnection("jdbc:" + engine.pgUrl().replace("postgres@", ""),
        "postgres", ""); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      // Every group that touches this order waits for the lock: the groups in flight stall, and
      // what comes after them fills the queue.
      sql.execute("SELECT 1 FROM orders WHERE order_no = '" + blockedOrderNo + "' FOR UPDATE");
      for (int i = 0; i < PaymentIntake.GROUPS_IN_FLIGHT_MAX + PaymentIntake.QUEUED_MAX; i++) {
        held.add(intake.recordPayment(blocked, PaymentIntake.Source.CALLBACK));
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (intake.committer().queued() < PaymentIntake.QUEUED_MAX && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(PaymentIntake.QUEUED_MAX, intake.committer().queued());

      for (Channel channel : Channel.values()) {
        refused.put(channel, deliver(callbacks.get(channel)));
      }
      lock.rollback();
    }

    ApiCaller.Answer wechat = refused.get(Channel.WECHAT);
    assertEquals(500, wechat.status());
    assertEquals("FAIL", wechat.json().getString("code"));
    assertEquals(200, refused.get(Channel.ALIPAY).status());
    assertEquals("fail", refused.get(Channel.ALIPAY).text());
    assertEquals(503, refused.get(Channel.UNIONPAY).status());
    for (Channel channel : Channel.values()) {
      assertEquals(0, applied(callbacks.get(channel), channel), channel + ": nothing recorded while refused");
    }
    for (Future<PaymentIntake.Recorded> f : held) {
      f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    for (Channel channel : Channel.values()) {
      ApiCaller.Answer resent = deliver(callbacks.get(channel));
      assertTrue(resent.status() == 200 || resent.status() == 204, channel + ": " + resent.status());
      assertEquals(1, applied(callbacks.get(channel), channel), channel + ": booked once after the resend");
    }
    assertTrue(new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of()).text()
        .contains("outcome=\"overloaded\""), "the refusals are counted as overloaded");
  }

  @Test
  void pastTheInFlightBoundCallbacksAreRefusedAtTheDoorAndTheRestFinish() throws Exception {
    JsonObject order = newOrder("SHED-DOOR");
    new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url") + "/pay/wechat");
    ApiCaller.Answer paid = new ApiCaller(engine.sandboxUrl(Channel.WECHAT), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", OutTradeNumbers.of(Channel.WECHAT, order.getString("order_no")))
            .put("notify", "return").encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    CallbackDispatcher.Callback callback = CallbackDispatcher.Callback.fromJson(paid.json().getJsonObject("callback"));
    int copies = CallbackRoutes.IN_FLIGHT_MAX + 40;
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
    try (Connection lock = DriverManager.getConnection("jdbc:" + engine.pgUrl().replace("postgres@", ""),
        "postgres", ""); Statement sql = lock.createStatement()) {
      URI url = URI.create(callback.url());
      io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
          .setDefaultHost(url.getHost()).setDefaultPort(url.getPort()),
          new io.vertx.core.http.PoolOptions().setHttp1MaxSize(copies).setMaxWaitQueueSize(copies));
      lock.setAutoCommit(false);
      // The order's row is locked: every copy that reaches the intake waits there, in flight.
      sql.execute("SELECT 1 FROM orders WHERE order_no = '" + order.getString("order_no") + "' FOR UPDATE");
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < copies; i++) {
        io.vertx.core.http.RequestOptions options = new io.vertx.core.http.RequestOptions()
            .setMethod(io.vertx.core.http.HttpMethod.POST).setURI(url.getRawPath()).setTimeout(120_000);
        callback.headers().forEach(options::putHeader);
        answers.add(client.request(options)
            .compose(request -> request.send(io.vertx.core.buffer.Buffer.buffer(callback.body())))
            .compose(response -> response.body().map(b -> response.statusCode()))
            .onSuccess(statuses::add));
      }
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (statuses.size() < copies - CallbackRoutes.IN_FLIGHT_MAX && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // Only refusals can have come back while the lock is held.
      assertEquals(copies - CallbackRoutes.IN_FLIGHT_MAX, statuses.size(), statuses.toString());
      assertTrue(statuses.stream().allMatch(s -> s == 500), "WeChat's try-again: " + statuses);
      lock.rollback();
      for (Future<Integer> answer : answers) {
        answer.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    assertEquals(CallbackRoutes.IN_FLIGHT_MAX, statuses.stream().filter(s -> s == 200 || s == 204).count(),
        "every callback let in is acknowledged once the lock goes");
    assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND outcome = 'APPLIED'"
        + " AND order_no = '" + order.getString("order_no") + "'"), "booked once");
  }
}
