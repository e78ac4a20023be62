package org.clearing.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.net.Cidr;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
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
 * DNS names against the webhook target check, with a resolver the test controls (issue 10 §5): a
 * name resolving to loopback is refused when set; a name that resolved to a public address when
 * set and to loopback at delivery (DNS rebinding) is never contacted; and the relay connects to
 * the very address it checked, resolving once, with the endpoint's name in the Host header.
 */
class WebhookRebindingTest {

  private static final String PUBLIC = "93.184.216.34";
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Vertx vertx;
  private static Pool pool;
  private static WorkerExecutor cryptoPool;
  private static EngineKey engineKey;
  private static TestApi api;
  /** What each name resolves to next; the last answer repeats. */
  private static final Map<String, Deque<String>> ANSWERS = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();
  private static final AtomicInteger CASES = new AtomicInteger();

  private static final WebhookTargets.Resolver RESOLVER = host -> {
    LOOKUPS.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
    Deque<String> answers = ANSWERS.get(host);
    if (answers == null) {
      return Future.failedFuture(new java.net.UnknownHostException(host));
    }
    String next = answers.size() > 1 ? answers.poll() : answers.peek();
    try {
      return Future.succeededFuture(List.of(InetAddress.getByName(next)));
    } catch (java.net.UnknownHostException e) {
      return Future.failedFuture(e);
    }
  };

  @BeforeAll
  static void start() throws Exception {
    vertx = engine.engine().vertx();
    pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(engine.pgUrl())).using(vertx).build();
    cryptoPool = vertx.createSharedWorkerExecutor("test-rebinding-crypto", 2);
    // The engine's own relay may deliver too (it runs under the same lease): sign alike.
    engineKey = engine.engine().identity().signingKey();
    // The engine's own relay must not race the relays below: this test holds its lease.
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO job_lease (job, holder, expires_at) VALUES ('"
        + WebhookRelay.JOB + "', 'rebinding-test', 'infinity') ON CONFLICT (job) DO UPDATE"
        + " SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at");
    api = new TestApi(vertx, pool, cryptoPool, new WebhookRoutes(new WebhookRepository(pool), engineKey,
        new WebhookTargets(List.of(), false, RESOLVER)));
  }

  @AfterAll
  static void stop() throws Exception {
    api.close();
    cryptoPool.close().toCompletionStage().toCompletableFuture().get();
    pool.close().toCompletionStage().toCompletableFuture().get();
  }

  private static WebhookRelay relay(List<Cidr> allowed) {
    return new WebhookRelay(vertx, pool, cryptoPool, engineKey, Clock.systemUTC(),
        new WebhookRelay.Options(50, 8, 2_000, 60_000, WebhookRelayTest.FAST),
        new WebhookTargets(allowed, false, RESOLVER), OutboundTrust.system());
  }

  private static ApiCaller.Answer putEndpoint(String url) {
    return new ApiCaller(api.baseUrl(), TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION))
        .send("PUT", "/api/v1/webhook-endpoint",
            new JsonObject().put("url", url).encode().getBytes(StandardCharsets.UTF_8),
            Map.of("Content-Type", "application/json"), true);
  }

  /** An order of the demo registration client with one due event; returns the event id. */
  private static long dueEvent() {
    int n = CASES.incrementAndGet();
    String orderNo = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical("RB-" + n).encode(), "rb-" + n).json().getString("order_no");
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO outbox (event_type, order_no, payload) VALUES"
        + " ('order.paid', '" + orderNo + "', '{}')");
    return engine.count("SELECT max(event_id) FROM outbox WHERE order_no = '" + orderNo + "'");
  }

  private static String attempts(long eventId) {
    return TestDatabase.queryString(engine.pgUrl(), "SELECT string_agg(outcome || '/' || status, ','"
        + " ORDER BY attempt) FROM webhook_delivery WHERE event_id = " + eventId);
  }

  /** Each test starts without an endpoint or an event left due by the one before. */
  private static void forgetEndpointAndEvents() {
    TestDatabase.execute(engine.pgUrl(), "DELETE FROM webhook_endpoint");
    TestDatabase.execute(engine.pgUrl(), "UPDATE outbox SET gave_up_at = now(), next_attempt_at = 'infinity'"
        + " WHERE delivered_at IS NULL AND gave_up_at IS NULL");
  }

  private static void runOnce(WebhookRelay relay) throws Exception {
    relay.runOnce().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aNameThatResolvesToLoopbackIsRefusedWhenSetAndNothingIsStored() {
    ANSWERS.put("intranet.partner.test", new ArrayDeque<>(List.of("127.0.0.1")));
    ANSWERS.put("metadata.partner.test", new ArrayDeque<>(List.of("169.254.169.254")));
    for (String url : List.of("http://intranet.partner.test:5432/", "http://metadata.partner.test/latest")) {
      ApiCaller.Answer answer = putEndpoint(url);
      assertEquals(422, answer.status(), answer.text());
      JsonObject error = answer.json().getJsonArray("errors").getJsonObject(0);
      assertEquals("url", error.getString("field"));
      assertTrue(error.getString("reason").startsWith("resolves to an address webhooks may not reach"), error.getString("reason"));
    }
    assertEquals(0, engine.count("SELECT count(*) FROM webhook_endpoint WHERE url LIKE '%partner.test%'"));
  }

  @Test
  void aNameThatRebindsToLoopbackAfterItWasSetIsNeverContacted() throws Exception {
    WebhookRelay relay = relay(List.of());
    try (Receiver receiver = Receiver.answering(vertx, 200)) {
      String host = "rebind.partner.test";
      ANSWERS.put(host, new ArrayDeque<>(List.of(PUBLIC, "127.0.0.1")));
      ApiCaller.Answer set = putEndpoint("http://" + host + ":" + receiver.port() + "/hooks");
      assertEquals(200, set.status(), "a public address when set: " + set.text());
      long eventId = dueEvent();
      runOnce(relay);
      assertEquals("refused_target/-1", attempts(eventId));
      assertTrue(receiver.requests().isEmpty(), "the receiver on loopback was never reached");
      assertEquals(2, LOOKUPS.get(host).get(), "resolved once when set, once at delivery");
    } finally {
      relay.close();
      forgetEndpointAndEvents();
    }
  }

  @Test
  void theRelayConnectsToTheAddressItCheckedNamingTheEndpointsHost() throws Exception {
    // An operator allowed loopback here, so the checked address is 127.0.0.1; the name itself is
    // known to no real resolver, so the POST arrives only if the relay connects to what it checked.
    WebhookRelay relay = relay(List.of(Cidr.parse("127.0.0.0/8")));
    try (Receiver receiver = Receiver.answering(vertx, 204)) {
      String host = "checked.partner.test";
      ANSWERS.put(host, new ArrayDeque<>(List.of("127.0.0.1")));
      TestDatabase.execute(engine.pgUrl(), "INSERT INTO webhook_endpoint (client_id, url) VALUES"
          + " ('demo-registration', 'http://" + host + ":" + receiver.port() + "/hooks?x=1')"
          + " ON CONFLICT (client_id) DO UPDATE SET url = EXCLUDED.url");
      long eventId = dueEvent();
      runOnce(relay);
      assertEquals("delivered/204", attempts(eventId));
      Receiver.Request request = receiver.requestsFor(eventId).get(0);
      assertEquals(host + ":" + receiver.port(), request.host());
      assertEquals("/hooks?x=1", request.pathWithQuery());
      assertTrue(Receiver.verifies(engineKey.publicKey(), request));
      assertEquals(1, LOOKUPS.get(host).get(), "resolved exactly once, for the check");
    } finally {
      relay.close();
      forgetEndpointAndEvents();
    }
  }

  @Test
  void anEngineWithTlsRefusesPlainHttpEndpoints() throws Exception {
    WebhookTargets httpsOnly = new WebhookTargets(List.of(), true, RESOLVER);
    WebhookTargets.Checked plain = httpsOnly.check("http://" + PUBLIC + "/hooks")
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertTrue(((WebhookTargets.Refused) assertInstanceOf(WebhookTargets.Refused.class, plain))
        .reason().contains("https"));
    assertInstanceOf(WebhookTargets.Allowed.class, httpsOnly.check("https://" + PUBLIC + "/hooks")
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
  }
}
