package org.clearing.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.security.PublicKey;
import java.time.Duration;
import org.clearing.client.Role;
import org.clearing.crypto.Pem;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registration system sets its webhook endpoint through the API, an order is paid through a
 * channel sandbox, and the engine's signed order.paid webhook arrives and verifies with the key
 * the engine publishes.
 */
class WebhookEndToEndTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  @Test
  void aPaidOrderIsAnnouncedWithASignedWebhook() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    try (Receiver receiver = Receiver.answering(engine.engine().vertx(), 204)) {
      ApiCaller.Answer set = registration.send("PUT", "/api/v1/webhook-endpoint",
          new JsonObject().put("url", receiver.url("/hooks/clearing")).encode().getBytes(),
          java.util.Map.of("Content-Type", "application/json"), true);
      assertEquals(200, set.status(), set.text());
      PublicKey engineKey = Pem.readPublicKey(registration.get("/api/v1/engine/public-key").json()
          .getString("public_key_pem"));

      JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("HOOK-1").encode(), "hook-1").json();
      Browser wallet = new Browser(Browser.ALIPAY);
      wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));

      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (receiver.requests().stream().noneMatch(r -> r.json().getString("type").equals("order.paid"))
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Receiver.Request paid = receiver.requests().stream()
          .filter(r -> r.json().getString("type").equals("order.paid")).findFirst().orElseThrow();
      assertEquals(order.getString("order_no"), paid.json().getString("order_no"));
      assertTrue(Receiver.verifies(engineKey, paid), "the webhook is signed with the engine's published key");
      assertEquals("/hooks/clearing", paid.pathWithQuery());
    }
  }
}
