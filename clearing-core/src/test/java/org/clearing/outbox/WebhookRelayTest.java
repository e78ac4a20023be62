package org.clearing.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.net.Cidr;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.ClientRepository;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.lease.JobLease;
import org.clearing.lease.JobsVerticle;
import org.clearing.lease.LeasedJob;
import org.clearing.payment.PaymentIntake;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.clearing.testing.TestEngine;
import org.clearing.tls.OutboundTrust;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The relay delivers outbox events over real HTTP to the receiver of the client that created the
 * order, signed with the engine's key so the receiver can verify them; it retries with backoff,
 * gives up after its schedule and redelivers on an admin's request, keeps each order's events in
 * order, parks events until their client has an endpoint, and logs every attempt.
 */
class WebhookRelayTest {

  /** Fast schedule: retries after 100 ms, then every 200 ms; four attempts, then give up. */
  static final RetrySchedule FAST = new RetrySchedule(List.of(100L, 200L), 4, 0.2);

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  /** The receivers listen on 127.0.0.1, which an operator would allow for this test. */
  private static WebhookTargets loopbackAllowed;
  private static Vertx vertx;
  private static Pool pool;
  private static WorkerExecutor cryptoPool;
  private static PaymentIntake intake;
  private static EngineKey engineKey;
  private static WebhookRelay relay;
  private static TestApi api;
  private static String relayJobs;
  private static final AtomicInteger CASES = new AtomicInteger();
  /**
   * Well under the minute a parked event waits before it is looked at again, so a delivery in
   * time proves the relay was woken, not that it came round by itself.
   */
  private static final Duration PROMPTLY = Duration.ofSeconds(20);

  @BeforeAll
  static void start() throws Exception {
    vertx = engine.engine().vertx();
    pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(engine.pgUrl())).using(vertx).build();
    cryptoPool = vertx.createSharedWorkerExecutor("test-webhook-crypto", 2);
    intake = new PaymentIntake(vertx, pool);
    // The engine's own relay may deliver too (it runs under the same lease): sign alike.
    engineKey = engine.engine().identity().signingKey();
    loopbackAllowed = new WebhookTargets(List.of(Cidr.parse(TestEngine.WEBHOOK_ALLOW_CIDR)), false,
        WebhookTargets.systemResolver(vertx));
    // Parked events are looked at again only after a minute, so a prompt delivery after an
    // endpoint is set proves that setting it woke them.
    relay = new WebhookRelay(vertx, pool, cryptoPool, engineKey, Clock.systemUTC(),
        new WebhookRelay.Options(50, 8, 1_000, 60_000, FAST), loopbackAllowed,
        OutboundTrust.system());
    // The engine's loop, looking every 50 ms instead of the relay's 500, so the tests run quickly.
    relayJobs = Await.result(vertx.deployVerticle(new JobsVerticle(new JobLease(pool),
        List.of(LeasedJob.of(WebhookRelay.JOB, 50, relay::runOnce)))));
    api = new TestApi(vertx, pool, cryptoPool, new WebhookRoutes(new WebhookRepository(pool), engineKey, loopbackAllowed));
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(vertx.undeploy(relayJobs));
    api.close();
    relay.close();
    cryptoPool.close().toCompletionStage().toCompletableFuture().get();
    pool.close().toCompletionStage().toCompletableFuture().get();
  }

  /** A fresh registration client (own key), so each test sees only its own orders' events. */
  private static ApiCaller newClient(Role role) throws Exception {
    String clientId = "wh-" + role.code() + "-" + CASES.incrementAndGet();
    KeyPair pair = Crypto.generateSm2();
    new ClientRepository(vertx, pool).register(clientId, role, KeyType.SM2, Pem.write(pair.getPublic()))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new ApiCaller(api.baseUrl(), new RequestSigner(clientId, KeyType.SM2, pair.getPrivate(), Clock.systemUTC()));
  }

  private static String clientId(ApiCaller caller) {
    return caller.signer().authorization("GET", "/", new byte[0]).replaceAll(".*client_id=\"([^\"]+)\".*", "$1");
  }

  /** An order created through the API for {@code client}, paid through WeChat: one order.paid event. */
  private static String paidOrder(ApiCaller client) throws Exception {
    int n = CASES.incrementAndGet();
    String orderNo = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical("WH-" + n).encode(), "wh-" + n).json().getString("order_no");
    TestDatabase.execute(engine.pgUrl(),
        "UPDATE orders SET client_id = '" + clientId(client) + "' WHERE order_no = '" + orderNo + "'");
    intake.recordPayment(new PaymentNotification(Channel.WECHAT, "EV-WH" + n,
            OutTradeNumbers.of(Channel.WECHAT, orderNo), "42000077" + n, Money.ofFen(1_509_000), "CNY",
            true, Instant.now(), "openid", org.clearing.channel.PayeeIdentity.of("test-merchant", "", "")), PaymentIntake.Source.CALLBACK)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return orderNo;
  }

  private static long eventId(String orderNo, String type) {
    return engine.count("SELECT event_id FROM outbox WHERE order_no = '" + orderNo
        + "' AND event_type = '" + type + "'");
  }

  private static long addEvent(String orderNo, String type) {
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO outbox (event_type, order_no, payload) VALUES ('"
        + type + "', " + (orderNo == null ? "NULL" : "'" + orderNo + "'") + ", '{\"type\":\"" + type + "\"}')");
    return engine.count("SELECT max(event_id) FROM outbox");
  }

  private static ApiCaller.Answer putEndpoint(ApiCaller client, String body) {
    return client.send("PUT", "/api/v1/webhook-endpoint", body.getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true);
  }

  private static void setEndpoint(ApiCaller client, String url) {
    ApiCaller.Answer answer = putEndpoint(client, new JsonObject().put("url", url).encode());
    assertEquals(200, answer.status(), answer.text());
  }

  private static boolean delivered(long eventId) {
    return engine.count("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL AND event_id = " + eventId) == 1;
  }

  private static ApiCaller admin() {
    return new ApiCaller(api.baseUrl(), TestEngine.demoSigner(engine.dataDir(), Role.ADMIN));
  }

  @Test
  void aPaidOrderIsDeliveredOnceSignedByTheEngine() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    try (Receiver receiver = Receiver.answering(vertx, 204)) {
      setEndpoint(client, receiver.url("/hooks/clearing?tenant=340100"));
      String orderNo = paidOrder(client);
      long eventId = eventId(orderNo, "order.paid");

      Await.until("the event is delivered", PROMPTLY, () -> delivered(eventId));
      Thread.sleep(300);

      List<Receiver.Request> received = receiver.requestsFor(eventId);
      assertEquals(1, received.size(), "delivered exactly once");
      Receiver.Request request = received.get(0);
      assertEquals("POST", request.method());
      assertEquals("/hooks/clearing?tenant=340100", request.pathWithQuery());
      JsonObject body = request.json();
      assertEquals(eventId, body.getLong("event_id"));
      assertEquals("order.paid", body.getString("type"));
      assertEquals(orderNo, body.getString("order_no"));
      assertEquals(1_509_000L, body.getJsonObject("payload").getLong("amount_fen"));
      assertTrue(body.containsKey("created_at"));
      JsonObject published = new JsonObject(client.get("/api/v1/engine/public-key").text());
      assertTrue(Receiver.verifies(Pem.readPublicKey(published.getString("public_key_pem")), request),
          "the receiver verifies the signature with the published key");
      assertEquals(1, engine.count("SELECT attempts FROM outbox WHERE event_id = " + eventId));
    }
  }

  @Test
  void theSignatureCoversTheBodyThePathAndTheSigner() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    try (Receiver receiver = Receiver.answering(vertx, 200)) {
      setEndpoint(client, receiver.url("/hooks"));
      long eventId = eventId(paidOrder(client), "order.paid");
      Await.until("the event is delivered", PROMPTLY, () -> delivered(eventId));
      Receiver.Request request = receiver.requestsFor(eventId).get(0);
      assertTrue(Receiver.verifies(engineKey.publicKey(), request));

      byte[] altered = request.body().clone();
      String text = new String(altered, StandardCharsets.UTF_8).replace("1509000", "1509001");
      assertFalse(Receiver.verifies(engineKey.publicKey(), request.method(), request.pathWithQuery(),
          request.authorization(), text.getBytes(StandardCharsets.UTF_8)), "one digit of the amount changed");
      assertFalse(Receiver.verifies(engineKey.publicKey(), request.method(), "/other",
          request.authorization(), request.body()), "another path");
      assertFalse(Receiver.verifies(engineKey.publicKey(), request.method(), request.pathWithQuery(),
          null, request.body()), "unsigned");
      assertFalse(Receiver.verifies(Crypto.generateSm2().getPublic(), request), "another key");
      String forged = client.signer().authorization("POST", request.pathWithQuery(), request.body());
      assertFalse(Receiver.verifies(engineKey.publicKey(), request.method(), request.pathWithQuery(),
          forged, request.body()), "signed by a client, not by the engine");
    }
  }

  @Test
  void aReceiverFailingTwiceGetsTheEventOnTheThirdAttemptAfterBackoff() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    AtomicInteger calls = new AtomicInteger();
    try (Receiver receiver = Receiver.start(vertx, 0, r -> calls.incrementAndGet() <= 2 ? 503 : 200)) {
      setEndpoint(client, receiver.url("/hooks"));
      long eventId = eventId(paidOrder(client), "order.paid");

      Await.until("the event is delivered", PROMPTLY, () -> delivered(eventId));

      List<Receiver.Request> received = receiver.requestsFor(eventId);
      assertEquals(3, received.size());
      long firstGapMs = (received.get(1).arrivedNs() - received.get(0).arrivedNs()) / 1_000_000;
      long secondGapMs = (received.get(2).arrivedNs() - received.get(1).arrivedNs()) / 1_000_000;
      assertTrue(firstGapMs >= 80, "first retry after 100 ms less at most 20 % jitter: " + firstGapMs);
      assertTrue(secondGapMs >= 160, "second retry after 200 ms less at most 20 % jitter: " + secondGapMs);
      assertEquals(3, engine.count("SELECT attempts FROM outbox WHERE event_id = " + eventId));
      assertEquals("503,503,200", TestDatabase.queryString(engine.pgUrl(),
          "SELECT string_agg(status::text, ',' ORDER BY attempt) FROM webhook_delivery WHERE event_id = " + eventId));
      for (Receiver.Request request : received) {
        assertTrue(Receiver.verifies(engineKey.publicKey(), request), "each attempt is freshly signed");
      }
      assertEquals(3, received.stream().map(Receiver.Request::authorization).distinct().count(),
          "each attempt has its own nonce");
    }
  }

  @Test
  void aReceiverThatIsDownIsRetriedUntilTheScheduleEndsThenRedeliveredByAnAdmin() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    int port;
    try (Receiver probe = Receiver.answering(vertx, 200)) {
      port = probe.port();
    }
    setEndpoint(client, "http://127.0.0.1:" + port + "/hooks");
    long eventId = eventId(paidOrder(client), "order.paid");

    Await.until("the relay gives up", PROMPTLY, () -> engine.count(
        "SELECT count(*) FROM outbox WHERE gave_up_at IS NOT NULL AND event_id = " + eventId) == 1);
    assertEquals(FAST.attemptsMax(), engine.count("SELECT attempts FROM outbox WHERE event_id = " + eventId));
    assertEquals(FAST.attemptsMax(), engine.count(
        "SELECT count(*) FROM webhook_delivery WHERE status = -1 AND event_id = " + eventId));

    ApiCaller.Answer givenUp = admin().get("/api/v1/admin/webhooks/" + eventId + "/deliveries");
    assertEquals(200, givenUp.status(), givenUp.text());
    assertEquals("gave_up", givenUp.json().getString("state"));
    assertNull(givenUp.json().getString("next_attempt_at"));

    try (Receiver receiver = Receiver.start(vertx, port, r -> 200)) {
      Thread.sleep(500);
      assertTrue(receiver.requestsFor(eventId).isEmpty(), "a given-up event waits for an admin");
      ApiCaller.Answer redelivered = admin().post("/api/v1/admin/webhooks/" + eventId + "/redeliver", "", null);
      assertEquals(202, redelivered.status(), redelivered.text());
      assertEquals("pending", redelivered.json().getString("state"));

      Await.until("the redelivered event arrives", PROMPTLY, () -> delivered(eventId));
      assertEquals(1, receiver.requestsFor(eventId).size());

      ApiCaller.Answer log = admin().get("/api/v1/admin/webhooks/" + eventId + "/deliveries");
      assertEquals(200, log.status(), log.text());
      assertEquals("delivered", log.json().getString("state"));
      assertEquals(FAST.attemptsMax() + 1, log.json().getInteger("attempts"));
      JsonArray deliveries = log.json().getJsonArray("deliveries");
      assertEquals(FAST.attemptsMax() + 1, deliveries.size(), "the history is kept: " + deliveries.encode());
      for (int i = 0; i < FAST.attemptsMax(); i++) {
        JsonObject row = deliveries.getJsonObject(i);
        assertEquals(i + 1, row.getInteger("attempt"));
        assertEquals(-1, row.getInteger("status"));
        assertEquals(clientId(client), row.getString("client_id"));
      }
      JsonObject last = deliveries.getJsonObject(FAST.attemptsMax());
      assertEquals(200, last.getInteger("status"));
      assertEquals("delivered", last.getString("outcome"));
      assertTrue(last.getLong("latency_ms") >= 0);
    }
  }

  @Test
  void anEventWaitsForItsClientsEndpointAndIsDeliveredOnceOneIsSet() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    long eventId = eventId(paidOrder(client), "order.paid");
    Thread.sleep(600);
    assertEquals(0, engine.count("SELECT attempts FROM outbox WHERE event_id = " + eventId), "not attempted");
    assertEquals(0, engine.count("SELECT count(*) FROM webhook_delivery WHERE event_id = " + eventId));
    assertNull(TestDatabase.queryString(engine.pgUrl(),
        "SELECT gave_up_at FROM outbox WHERE event_id = " + eventId), "not given up either");
    assertEquals(404, client.get("/api/v1/webhook-endpoint").status());

    try (Receiver receiver = Receiver.answering(vertx, 200)) {
      long setNs = System.nanoTime();
      setEndpoint(client, receiver.url("/hooks"));
      Await.until("the waiting event is delivered", PROMPTLY, () -> delivered(eventId));
      assertTrue(System.nanoTime() - setNs < TimeUnit.SECONDS.toNanos(10),
          "woken by the new endpoint, not by the one-minute recheck");
      assertEquals(1, receiver.requestsFor(eventId).size());
    }
  }

  @Test
  void anOrdersLaterEventWaitsUntilTheEarlierOneIsDelivered() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    String orderNo = paidOrder(client);
    String otherOrderNo = paidOrder(client);
    long paid = eventId(orderNo, "order.paid");
    long otherPaid = eventId(otherOrderNo, "order.paid");
    long complete = addEvent(orderNo, "order.complete");
    AtomicInteger paidCalls = new AtomicInteger();
    try (Receiver receiver = Receiver.start(vertx, 0,
        r -> r.eventId() == paid && paidCalls.incrementAndGet() <= 2 ? 500 : 200)) {
      setEndpoint(client, receiver.url("/hooks"));

      Await.until("both orders' events are delivered", PROMPTLY, () -> delivered(complete) && delivered(otherPaid));

      List<Long> arrivals = receiver.requests().stream().map(Receiver.Request::eventId).toList();
      assertEquals(List.of(paid, paid, paid), arrivals.stream().filter(id -> id == paid).toList());
      assertEquals(1, arrivals.stream().filter(id -> id == complete).count());
      assertTrue(arrivals.indexOf(complete) > arrivals.lastIndexOf(paid),
          "order.complete is first sent after order.paid succeeded: " + arrivals);
      assertTrue(arrivals.indexOf(otherPaid) < arrivals.lastIndexOf(paid),
          "another order's event is not held back: " + arrivals);
    }
  }

  @Test
  void anEventWithoutAnOrderGoesToEveryAdminWithAnEndpointAndToNoOneElse() throws Exception {
    ApiCaller admin1 = admin();
    ApiCaller admin2 = newClient(Role.ADMIN);
    ApiCaller registration = newClient(Role.REGISTRATION);
    try (Receiver first = Receiver.answering(vertx, 200);
        Receiver second = Receiver.answering(vertx, 200);
        Receiver other = Receiver.answering(vertx, 200)) {
      setEndpoint(admin1, first.url("/admin-hooks"));
      setEndpoint(admin2, second.url("/admin-hooks"));
      setEndpoint(registration, other.url("/hooks"));

      long suspense = addEvent(null, "payment.suspense");

      Await.until("the suspense event is delivered", PROMPTLY, () -> delivered(suspense));
      assertEquals(1, first.requestsFor(suspense).size());
      assertEquals(1, second.requestsFor(suspense).size());
      assertTrue(other.requestsFor(suspense).isEmpty());
      assertTrue(Receiver.verifies(engineKey.publicKey(), second.requestsFor(suspense).get(0)));
      assertEquals(2, engine.count("SELECT count(*) FROM webhook_delivery WHERE event_id = " + suspense));
    }
  }

  @Test
  void badEndpointUrlsAreRefusedNamingTheFieldAndChangeNothing() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    setEndpoint(client, "https://registration.example.test/hooks");
    String tooLong = "https://registration.example.test/" + "a".repeat(WebhookRepository.URL_LENGTH_MAX);
    for (String body : new String[] {
        "{}", "{\"url\":\"ftp://registration.example.test/hooks\"}", "{\"url\":\"/hooks\"}",
        "{\"url\":\"https://registration.example.test/hooks#top\"}", "{\"url\":\"https://user:pw@example.test/\"}",
        "{\"url\":\"https:///nohost\"}", "{\"url\":\"https://exa mple.test/\"}", "{\"url\":\"" + tooLong + "\"}",
        "{\"url\":42}", "{\"url\":\"https://ok.example.test/\",\"enabled\":\"yes\"}",
        "{\"url\":\"https://ok.example.test/\",\"secret\":\"x\"}"}) {
      ApiCaller.Answer answer = putEndpoint(client, body);
      assertEquals(422, answer.status(), body + " -> " + answer.text());
      assertEquals("application/problem+json", answer.contentType());
      String field = answer.json().getJsonArray("errors").getJsonObject(0).getString("field");
      assertTrue(List.of("url", "enabled", "secret").contains(field), answer.text());
    }
    assertEquals(400, putEndpoint(client, "not json").status());
    assertEquals(415, client.send("PUT", "/api/v1/webhook-endpoint", "{}".getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "text/plain"), true).status());

    JsonObject stored = client.get("/api/v1/webhook-endpoint").json();
    assertEquals("https://registration.example.test/hooks", stored.getString("url"));
    assertTrue(stored.getBoolean("enabled"));
    assertEquals(1, engine.count("SELECT count(*) FROM webhook_endpoint WHERE client_id = '" + clientId(client) + "'"));
  }

  @Test
  void aDisabledEndpointHoldsEventsBackLikeAMissingOne() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    try (Receiver receiver = Receiver.answering(vertx, 200)) {
      ApiCaller.Answer disabled = putEndpoint(client,
          new JsonObject().put("url", receiver.url("/hooks")).put("enabled", false).encode());
      assertEquals(200, disabled.status(), disabled.text());
      assertFalse(disabled.json().getBoolean("enabled"));
      long eventId = eventId(paidOrder(client), "order.paid");
      Thread.sleep(500);
      assertTrue(receiver.requestsFor(eventId).isEmpty());

      setEndpoint(client, receiver.url("/hooks"));
      Await.until("delivered once enabled", PROMPTLY, () -> delivered(eventId));
    }
  }

  @Test
  void theAdminEndpointsAnswer404ForUnknownEventsAndRefuseOtherRoles() throws Exception {
    ApiCaller registration = newClient(Role.REGISTRATION);
    assertEquals(404, admin().post("/api/v1/admin/webhooks/999999999/redeliver", "", null).status());
    assertEquals(404, admin().get("/api/v1/admin/webhooks/999999999/deliveries").status());
    assertEquals(404, admin().get("/api/v1/admin/webhooks/nope/deliveries").status());
    assertEquals(403, registration.post("/api/v1/admin/webhooks/1/redeliver", "", null).status());
  }

  @Test
  void aReceiverThatNeverAnswersTimesOutAndIsRetried() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    AtomicInteger calls = new AtomicInteger();
    try (Receiver receiver = Receiver.start(vertx, 0, r -> calls.incrementAndGet() == 1 ? Receiver.SILENT : 200)) {
      setEndpoint(client, receiver.url("/hooks"));
      long eventId = eventId(paidOrder(client), "order.paid");

      Await.until("delivered on the retry", PROMPTLY, () -> delivered(eventId));

      assertEquals("timeout", TestDatabase.queryString(engine.pgUrl(),
          "SELECT outcome FROM webhook_delivery WHERE attempt = 1 AND event_id = " + eventId));
      long latencyMs = engine.count("SELECT latency_ms FROM webhook_delivery WHERE attempt = 1 AND event_id = " + eventId);
      assertTrue(latencyMs >= 900 && latencyMs < 3_000, "bounded by the 1 s timeout: " + latencyMs);
      assertEquals(-1, engine.count("SELECT status FROM webhook_delivery WHERE attempt = 1 AND event_id = " + eventId));
    }
  }

  @Test
  void relaysRunningAtOnceOnOneDatabaseDeliverEachEventOnce() throws Exception {
    ApiCaller client = newClient(Role.REGISTRATION);
    try (Receiver receiver = Receiver.answering(vertx, 200)) {
      List<Long> events = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String orderNo = paidOrder(client);
        events.add(eventId(orderNo, "order.paid"));
        events.add(addEvent(orderNo, "order.complete"));
      }
      WebhookRelay second = new WebhookRelay(vertx, pool, cryptoPool, engineKey, Clock.systemUTC(),
          new WebhookRelay.Options(50, 8, 1_000, 60_000, FAST), loopbackAllowed,
          OutboundTrust.system());
      WebhookRelay third = new WebhookRelay(vertx, pool, cryptoPool, engineKey, Clock.systemUTC(),
          new WebhookRelay.Options(50, 8, 1_000, 60_000, FAST), loopbackAllowed,
          OutboundTrust.system());
      setEndpoint(client, receiver.url("/hooks"));
      // The leased relay keeps running too; these two ignore the lease, as an instance whose lease
      // lapsed mid-run would.
      for (int round = 0; round < 20; round++) {
        io.vertx.core.Future.all(second.runOnce(), third.runOnce(), relay.runOnce())
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      Await.until("all delivered", PROMPTLY, () -> events.stream().allMatch(WebhookRelayTest::delivered));
      for (long eventId : events) {
        assertEquals(1, receiver.requestsFor(eventId).size(), "event " + eventId + " once");
      }
      second.close();
      third.close();
    }
  }
}
