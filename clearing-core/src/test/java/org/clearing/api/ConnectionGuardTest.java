package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.RawHttp;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Below the routes: a request framed both by Content-Length and Transfer-Encoding is refused
 * (400) with its connection closed, so nothing smuggled behind it is read; and connections that
 * trickle their headers are closed {@value ConnectionGuard#HEADERS_TIMEOUT_MS} ms after opening.
 */
class ConnectionGuardTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  @Test
  void aRequestWithBothContentLengthAndTransferEncodingIsRefusedAndNothingBehindItIsRead() throws Exception {
    RequestSigner registration = TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION);
    byte[] order = OrderBodies.typical("SMUGGLED-1").encode().getBytes(StandardCharsets.UTF_8);
    long ordersBefore = engine.count("SELECT count(*) FROM orders");
    String smuggled = "POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Idempotency-Key: smuggled-1\r\nAuthorization: " + registration.authorization("POST", "/api/v1/orders", order)
        + "\r\nContent-Length: " + order.length + "\r\n\r\n" + new String(order, StandardCharsets.UTF_8);
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      // A proxy honouring Content-Length sees one request with a body of 5 bytes; one honouring
      // chunking sees an empty body and then the order as a second request.
      http.send("POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled);
      RawHttp.Response answer = http.read(Duration.ofSeconds(10));
      assertNotNull(answer);
      assertEquals(400, answer.status(), answer.body());
      assertEquals(Problem.CONTENT_TYPE, answer.headers().get("content-type"));
      assertTrue(answer.json().getString("detail").contains("Content-Length or Transfer-Encoding"), answer.body());
      assertNull(http.read(Duration.ofSeconds(5)), "no second answer: the smuggled request is never read");
    }
    assertEquals(ordersBefore, engine.count("SELECT count(*) FROM orders"));
  }

  @Test
  void connectionsTricklingTheirHeadersAreClosedAfterTenSeconds() throws Exception {
    int connections = 50;
    List<RawHttp> tricklers = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        RawHttp http = RawHttp.connect(engine.baseUrl());
        http.send("GET /health HTTP/1.1\r\n");
        tricklers.add(http);
      }
      long openedNs = System.nanoTime();
      List<RawHttp> open = new ArrayList<>(tricklers);
      // One header byte per connection per second: never idle, never done.
      while (!open.isEmpty() && System.nanoTime() - openedNs < Duration.ofSeconds(20).toNanos()) {
        List<RawHttp> stillOpen = new ArrayList<>();
        for (RawHttp http : open) {
          try {
            http.send("X");
            if (!http.closedByServer(Duration.ofMillis(15))) {
              stillOpen.add(http);
            }
          } catch (java.io.IOException closed) {
            // written to a connection the server closed
          }
        }
        open = stillOpen;
        long elapsedMs = (System.nanoTime() - openedNs) / 1_000_000;
        if (elapsedMs < ConnectionGuard.HEADERS_TIMEOUT_MS - 1_000) {
          assertEquals(connections, open.size(), "none closed before the timeout, at " + elapsedMs + " ms");
        }
        Thread.sleep(1_000);
      }
      long closedAfterMs = (System.nanoTime() - openedNs) / 1_000_000;
      assertEquals(List.of(), open, "every trickling connection is closed");
      assertTrue(closedAfterMs < ConnectionGuard.HEADERS_TIMEOUT_MS + 5_000, "closed after " + closedAfterMs + " ms");
    } finally {
      for (RawHttp http : tricklers) {
        http.close();
      }
    }
  }

  @Test
  void aConnectionThatSendsItsHeadersInTimeIsServed() throws Exception {
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send("GET /health HTTP/1.1\r\n");
      Thread.sleep(2_000);
      http.send("Host: 127.0.0.1\r\n\r\n");
      RawHttp.Response answer = http.read(Duration.ofSeconds(10));
      assertNotNull(answer);
      assertEquals(200, answer.status());
      assertFalse(http.closedByServer(Duration.ofMillis(200)), "kept alive for the next request");
    }
  }
}
