package org.clearing.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Server-side request forgery through webhooks (issue 10 §5), tried against an engine run with
 * default options: a client points its endpoint at the cloud metadata service, the engine's own
 * database port, loopback and private addresses in every spelling — each refused naming the
 * {@code url} field, nothing stored; and an endpoint stored before the check existed is never
 * contacted at delivery, its attempt recorded as refused with no status code to read back.
 */
class WebhookTargetAttackTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.with(config -> config.withWebhookTargets(List.of(), false));

  @BeforeAll
  static void start() {
    // No --webhook-allow-cidr: the defaults an attacker meets.
  }

  private static ApiCaller.Answer putEndpoint(ApiCaller client, String url) {
    return client.send("PUT", "/api/v1/webhook-endpoint",
        new JsonObject().put("url", url).encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true);
  }

  @Test
  void endpointsPointingInsideTheEnginesNetworkAreRefusedNamingTheUrlAndNothingIsStored() {
    int databasePort = URI.create(engine.pgUrl().replaceFirst("^jdbc:", "")).getPort();
    // Each target with the kind of address the refusal must name.
    Map<String, String> attacks = new java.util.LinkedHashMap<>();
    attacks.put("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "link-local");
    attacks.put("http://127.0.0.1:" + databasePort + "/", "loopback");
    attacks.put("http://[::1]:" + databasePort + "/", "loopback");
    attacks.put("http://10.0.0.1/", "private");
    attacks.put("http://172.16.5.4/", "private");
    attacks.put("http://192.168.1.1/admin", "private");
    attacks.put("http://100.64.0.1/", "carrier-grade NAT");
    attacks.put("http://0.0.0.0:" + engine.engine().httpPort() + "/", "unspecified");
    attacks.put("http://0x7f000001/", "loopback");
    attacks.put("http://2130706433/", "loopback");
    attacks.put("http://0177.0.0.1/", "loopback");
    attacks.put("http://017700000001/", "loopback");
    attacks.put("http://localhost:" + engine.engine().httpPort() + "/metrics", "loopback");
    attacks.put("http://LOCALHOST./", "loopback");
    attacks.put("http://db.localhost/", "loopback");
    attacks.put("http://[::ffff:127.0.0.1]/", "loopback");
    attacks.put("http://[::ffff:a9fe:a9fe]/", "link-local");
    attacks.put("http://[64:ff9b::a00:1]/", "private");
    attacks.put("http://[2002:7f00:1::]/", "loopback");
    attacks.put("http://[fe80::1]/", "link-local");
    attacks.put("http://[fd12:3456::1]/", "private");
    attacks.put("http://[::]/", "unspecified");
    attacks.put("http://224.0.0.251/", "multicast");
    attacks.put("http://[ff02::1]/", "multicast");
    attacks.put("http://255.255.255.255/", "reserved");
    ApiCaller client = engine.as(Role.TAX);
    attacks.forEach((url, kind) -> {
      ApiCaller.Answer answer = putEndpoint(client, url);
      assertEquals(422, answer.status(), url + " -> " + answer.text());
      assertEquals("application/problem+json", answer.contentType());
      JsonObject error = answer.json().getJsonArray("errors").getJsonObject(0);
      assertEquals("url", error.getString("field"), answer.text());
      assertTrue(error.getString("reason").contains(kind), url + " -> " + error.getString("reason"));
    });
    for (String url : List.of("http://127.1/", "http://0x7f.1/", "http://1.2.3.4.5/", "http://0x1ffffffff/", "http://08.0.0.1/",
        "http://[fe80::1%25eth0]/")) {
      ApiCaller.Answer answer = putEndpoint(client, url);
      assertEquals(422, answer.status(), url + " -> " + answer.text());
      assertEquals("url", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    }
    assertEquals(404, client.get("/api/v1/webhook-endpoint").status(), "nothing was stored");
    assertEquals(0, engine.count("SELECT count(*) FROM webhook_endpoint WHERE client_id = 'demo-tax'"));
  }

  @Test
  void aPublicAddressIsStillAccepted() {
    ApiCaller client = engine.as(Role.FINANCE);
    ApiCaller.Answer answer = putEndpoint(client, "https://93.184.216.34/hooks");
    assertEquals(200, answer.status(), answer.text());
    TestDatabase.execute(engine.pgUrl(), "DELETE FROM webhook_endpoint WHERE client_id = 'demo-finance'");
  }

  @Test
  void anEndpointOnLoopbackStoredEarlierIsNeverContactedAndItsStatusNeverRecorded() throws Exception {
    try (Receiver receiver = Receiver.answering(engine.engine().vertx(), 200)) {
      ApiCaller registration = engine.as(Role.REGISTRATION);
      String orderNo = registration.post("/api/v1/orders", OrderBodies.typical("SSRF-1").encode(), "ssrf-1")
          .json().getString("order_no");
      // As if set before targets were checked (or before the operator withdrew an allowance).
      TestDatabase.execute(engine.pgUrl(), "INSERT INTO webhook_endpoint (client_id, url) VALUES ("
          + "'demo-registration', '" + receiver.url("/hooks") + "') ON CONFLICT (client_id) DO UPDATE"
          + " SET url = EXCLUDED.url");
      TestDatabase.execute(engine.pgUrl(), "INSERT INTO outbox (event_type, order_no, payload) VALUES"
          + " ('order.paid', '" + orderNo + "', '{}')");
      long eventId = engine.count("SELECT max(event_id) FROM outbox WHERE order_no = '" + orderNo + "'");
      long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (engine.count("SELECT count(*) FROM webhook_delivery WHERE event_id = " + eventId) == 0) {
        assertTrue(System.nanoTime() < deadlineNs, "the relay never tried the event");
        Thread.sleep(50);
      }
      assertEquals("refused_target/-1", TestDatabase.queryString(engine.pgUrl(),
          "SELECT outcome || '/' || status FROM webhook_delivery WHERE event_id = " + eventId));
      assertTrue(receiver.requests().isEmpty(), "no connection reached the loopback receiver");
      assertEquals(0, engine.count("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL AND event_id = "
          + eventId));
    }
  }
}
