package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /health reports the database, /metrics exposes HTTP timings, order outcomes and the pool. */
class OpsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller anonymous;

  @BeforeAll
  static void start() {
    anonymous = new ApiCaller(engine.baseUrl(), null);
  }

  @Test
  void healthReportsTheDatabaseUp() {
    ApiCaller.Answer health = anonymous.raw("GET", "/health", new byte[0], Map.of());
    assertEquals(200, health.status());
    assertEquals("UP", health.json().getString("status"));
    assertEquals("UP", health.json().getJsonObject("database").getString("status"));
  }

  @Test
  void metricsExposeHttpTimingsOrderOutcomesAndThePool() {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    registration.post("/api/v1/orders", OrderBodies.typical("OPS-1").encode(), "ops-1");
    registration.post("/api/v1/orders", OrderBodies.typical("OPS-1").encode(), "ops-1");
    registration.post("/api/v1/orders", "{}", "ops-2");

    ApiCaller.Answer metrics = new ApiCaller(engine.managementUrl(), null)
        .raw("GET", "/metrics", new byte[0], Map.of());

    assertEquals(200, metrics.status());
    assertTrue(metrics.contentType().startsWith("text/plain"));
    String text = metrics.text();
    assertTrue(text.contains("vertx_http_server_response_time_seconds"), "HTTP server timings");
    assertTrue(text.contains("clearing_order_requests_total{outcome=\"created\",region=\"341500\"} 1.0"), text);
    assertTrue(text.contains("clearing_order_requests_total{outcome=\"replayed\",region=\"341500\"} 1.0"));
    assertTrue(text.contains("clearing_order_requests_total{outcome=\"invalid\",region=\"invalid\"} 1.0"));
    assertTrue(text.contains("vertx_pool_") || text.contains("vertx_sql_"), "database pool metrics");
  }
}
