package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Order creation, idempotent replay, routing and legs, reading and cancelling, over real HTTP. */
class OrderApiTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller registration;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  @Test
  void createsAnOpenOrderWithOneLegPerPayeeAccount() {
    ApiCaller.Answer answer = registration.post("/api/v1/orders",
        OrderBodies.typical("LA-2026-0001").encode(), "create-1");

    assertEquals(201, answer.status(), answer.text());
    assertEquals("application/json", answer.contentType());
    JsonObject order = answer.json();
    assertTrue(order.getString("order_no").matches("TF[0-9]{18}"));
    assertEquals("OPEN", order.getString("status"));
    assertEquals(1_509_000L, order.getLong("total_fen"));
    assertEquals("341***********123X", order.getJsonObject("payer").getString("id_no_masked"));
    JsonArray lines = order.getJsonArray("lines");
    assertEquals("TRE-341500", lines.getJsonObject(0).getString("payee_account"));
    assertEquals("10119", lines.getJsonObject(0).getString("budget_subject_code"));
    assertEquals("3415000000", lines.getJsonObject(0).getString("treasury_code"));
    assertEquals("NTX-341500", lines.getJsonObject(1).getString("payee_account"));
    assertEquals("103043211", lines.getJsonObject(1).getString("income_item_code"));
    assertFalse(lines.getJsonObject(1).containsKey("treasury_code"));
    JsonArray legs = order.getJsonArray("legs");
    assertEquals(2, legs.size());
    assertEquals(1_500_000L, legs.getJsonObject(0).getLong("amount_fen"));
    assertEquals(9_000L, legs.getJsonObject(1).getLong("amount_fen"));
    assertEquals("PLANNED", legs.getJsonObject(0).getString("status"));
    long legSum = legs.stream().mapToLong(l -> ((JsonObject) l).getLong("amount_fen")).sum();
    assertEquals(order.getLong("total_fen"), legSum);
    Duration expiry = Duration.between(Instant.parse(order.getString("created_at")),
        Instant.parse(order.getString("expires_at")));
    assertEquals(Duration.ofDays(1), expiry);
    String qrUrl = order.getJsonObject("qr").getString("url");
    assertTrue(qrUrl.matches("https://pay\\.example\\.test/q/[A-Za-z0-9_-]{22}"), qrUrl);
    assertEquals(qrUrl + "/qr.png", order.getJsonObject("qr").getString("png_url"));
    assertEquals(qrUrl + "/qr.svg", order.getJsonObject("qr").getString("svg_url"));
    assertEquals(2, engine.count("SELECT count(*) FROM leg WHERE order_no = '"
        + order.getString("order_no") + "'"));
  }

  @Test
  void theSameKeyAndBodyReturnsTheSameOrder() {
    String body = OrderBodies.typical("LA-2026-0002").encode();
    ApiCaller.Answer first = registration.post("/api/v1/orders", body, "replay-1");
    ApiCaller.Answer again = registration.post("/api/v1/orders",
        new JsonObject(body).encodePrettily(), "replay-1");

    assertEquals(201, first.status());
    assertEquals(200, again.status(), again.text());
    assertEquals(first.json().getString("order_no"), again.json().getString("order_no"));
    assertEquals(first.json().getJsonObject("qr"), again.json().getJsonObject("qr"));
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE case_no = 'LA-2026-0002'"));
  }

  @Test
  void theSameKeyWithAnotherBodyIsAConflictAndChangesNothing() {
    registration.post("/api/v1/orders", OrderBodies.typical("LA-2026-0003").encode(), "conflict-1");
    JsonObject other = OrderBodies.typical("LA-2026-0003");
    other.getJsonArray("lines").getJsonObject(0).put("amount_fen", 1_500_001);

    ApiCaller.Answer answer = registration.post("/api/v1/orders", other.encode(), "conflict-1");

    assertEquals(409, answer.status());
    assertEquals("application/problem+json", answer.contentType());
    assertEquals(1_509_000L, engine.count(
        "SELECT total_fen FROM orders WHERE idempotency_key = 'conflict-1'"));
  }

  @Test
  void concurrentRequestsWithOneKeyCreateOneOrder() throws Exception {
    String body = OrderBodies.typical("LA-2026-0004").encode();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Future<ApiCaller.Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      answers.add(threads.submit(() -> registration.post("/api/v1/orders", body, "race-1")));
    }
    List<String> orderNos = new ArrayList<>();
    int created = 0;
    for (Future<ApiCaller.Answer> answer : answers) {
      ApiCaller.Answer a = answer.get();
      assertTrue(a.status() == 201 || a.status() == 200, a.text());
      created += a.status() == 201 ? 1 : 0;
      orderNos.add(a.json().getString("order_no"));
    }
    threads.shutdown();
    assertEquals(1, created);
    assertEquals(1, orderNos.stream().distinct().count());
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE case_no = 'LA-2026-0004'"));
  }

  /**
   * Orders arriving together are stored in groups by one statement each: with keys repeated
   * within and across groups, and another body under some keys, each key still creates one order
   * with its own lines and legs, a repeat gets that order, and another body a 409.
   */
  @Test
  void manyConcurrentOrdersWithRepeatedKeysGetOneOrderPerKeyWithItsOwnLines() throws Exception {
    int keys = 96;
    List<String[]> requests = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      String key = "burst-" + k;
      String body = burstBody(k, 0).encode();
      requests.add(new String[] {key, body});
      requests.add(new String[] {key, body});
      if (k % 6 == 0) {
        requests.add(new String[] {key, burstBody(k, 1).encode()});
      }
    }
    java.util.Collections.shuffle(requests, new java.util.Random(14));
    ExecutorService threads = Executors.newFixedThreadPool(32);
    List<Future<ApiCaller.Answer>> answers = new ArrayList<>();
    for (String[] request : requests) {
      answers.add(threads.submit(() -> registration.post("/api/v1/orders", request[1], request[0])));
    }
    java.util.Map<String, String> winningBody = new java.util.HashMap<>();
    java.util.Map<String, String> orderNoOfKey = new java.util.HashMap<>();
    for (int i = 0; i < requests.size(); i++) {
      ApiCaller.Answer answer = answers.get(i).get();
      if (answer.status() == 201) {
        String key = requests.get(i)[0];
        assertEquals(null, winningBody.put(key, requests.get(i)[1]), "two orders created under " + key);
        orderNoOfKey.put(key, answer.json().getString("order_no"));
      }
    }
    threads.shutdown();
    assertEquals(keys, winningBody.size());
    for (int i = 0; i < requests.size(); i++) {
      String key = requests.get(i)[0];
      ApiCaller.Answer answer = answers.get(i).get();
      if (requests.get(i)[1].equals(winningBody.get(key))) {
        assertTrue(answer.status() == 201 || answer.status() == 200, answer.text());
        assertEquals(orderNoOfKey.get(key), answer.json().getString("order_no"));
        assertEquals(new JsonObject(requests.get(i)[1]).getString("case_no"), answer.json().getString("case_no"));
      } else {
        assertEquals(409, answer.status(), answer.text());
        assertEquals("application/problem+json", answer.contentType());
      }
    }
    assertEquals(keys, orderNoOfKey.values().stream().distinct().count());
    for (String key : orderNoOfKey.keySet()) {
      JsonObject won = new JsonObject(winningBody.get(key));
      String orderNo = orderNoOfKey.get(key);
      String ofOrder = " WHERE order_no = '" + orderNo + "'";
      int lines = won.getJsonArray("lines").size();
      assertEquals(lines, engine.count("SELECT count(*) FROM order_line" + ofOrder), key);
      assertEquals(lines == 1 ? 1 : 2, engine.count("SELECT count(*) FROM leg" + ofOrder), key);
      long totalFen = won.getJsonArray("lines").stream().mapToLong(l -> ((JsonObject) l).getLong("amount_fen")).sum();
      assertEquals(totalFen, engine.count("SELECT sum(amount_fen) FROM order_line" + ofOrder), key);
      assertEquals(totalFen, engine.count("SELECT sum(amount_fen) FROM leg" + ofOrder), key);
      assertEquals(totalFen, engine.count("SELECT total_fen FROM orders" + ofOrder), key);
      assertEquals(won.getLong("expires_in_s").longValue(),
          engine.count("SELECT extract(epoch FROM expires_at - created_at)::int8 FROM orders" + ofOrder), key);
    }
    assertEquals(keys, engine.count("SELECT count(*) FROM orders WHERE idempotency_key LIKE 'burst-%'"));
  }

  /** Order {@code k} of the burst: 1 to 3 lines, amounts and expiry of its own; {@code other} changes the amounts. */
  private static JsonObject burstBody(int k, int other) {
    JsonObject body = OrderBodies.typical("BURST-" + k).put("expires_in_s", 3_600 + 60 * k);
    JsonArray lines = new JsonArray().add(OrderBodies.line("DEED_TAX", 100_000 + 100 * k + other));
    if (k % 3 >= 1) {
      lines.add(OrderBodies.line("REGISTRATION_FEE", 8_000 + k));
    }
    if (k % 3 == 2) {
      lines.add(OrderBodies.line("CERTIFICATE_FEE", 1_000 + k));
    }
    return body.put("lines", lines);
  }

  @Test
  void routesLandProceedsToTheTreasuryInTheCountyWithTaxCodes() {
    JsonObject body = new JsonObject()
        .put("case_no", "HQ-2026-0001")
        .put("region", "341522")
        .put("payer", new JsonObject().put("name", "李四").put("id_no", "341522198001011234"))
        .put("lines", new JsonArray()
            .add(OrderBodies.line("LAND_PROCEEDS", 120_000).put("tax_voucher_no", "334152200000000001"))
            .add(OrderBodies.line("DEED_TAX", 300_000))
            .add(OrderBodies.line("REGISTRATION_FEE", 8_000)
                .put("payment_code", "34152226300000000001")));

    JsonObject order = registration.post("/api/v1/orders", body.encode(), "county-1").json();

    JsonArray lines = order.getJsonArray("lines");
    assertEquals("TRE-341522", lines.getJsonObject(0).getString("payee_account"));
    assertEquals("334152200000000001", lines.getJsonObject(0).getString("tax_voucher_no"));
    assertEquals("1030148", lines.getJsonObject(0).getString("budget_subject_code"));
    assertEquals("4", lines.getJsonObject(0).getString("budget_level"));
    assertEquals("34152226300000000001", lines.getJsonObject(2).getString("payment_code"));
    JsonArray legs = order.getJsonArray("legs");
    assertEquals(2, legs.size());
    assertEquals("TRE-341522", legs.getJsonObject(0).getString("payee_account"));
    assertEquals(420_000L, legs.getJsonObject(0).getLong("amount_fen"));
    assertEquals(8_000L, legs.getJsonObject(1).getLong("amount_fen"));
  }

  @Test
  void readsAnOrderInTheSameShapeAsCreated() {
    JsonObject created = registration.post("/api/v1/orders",
        OrderBodies.typical("LA-2026-0005").encode(), "read-1").json();

    ApiCaller.Answer read = registration.get("/api/v1/orders/" + created.getString("order_no"));

    assertEquals(200, read.status());
    JsonObject order = read.json();
    assertEquals(created.getString("order_no"), order.getString("order_no"));
    assertEquals(created.getJsonArray("lines"), order.getJsonArray("lines"));
    assertEquals(created.getJsonArray("legs"), order.getJsonArray("legs"));
    assertEquals(created.getJsonObject("qr"), order.getJsonObject("qr"));
    assertEquals(Instant.parse(created.getString("expires_at")), Instant.parse(order.getString("expires_at")));
  }

  @Test
  void anUnknownOrderIsNotFound() {
    ApiCaller.Answer answer = registration.get("/api/v1/orders/TF000000000000000000");
    assertEquals(404, answer.status());
    assertEquals("application/problem+json", answer.contentType());
  }

  @Test
  void cancelsAnOpenOrderOnceAndRefusesASecondCancel() {
    String orderNo = registration.post("/api/v1/orders",
        OrderBodies.typical("LA-2026-0006").encode(), "cancel-1").json().getString("order_no");

    ApiCaller.Answer cancelled = registration.post("/api/v1/orders/" + orderNo + "/cancel", "", null);
    ApiCaller.Answer again = registration.post("/api/v1/orders/" + orderNo + "/cancel", "", null);

    assertEquals(200, cancelled.status(), cancelled.text());
    assertEquals("CANCELLED", cancelled.json().getString("status"));
    assertEquals(409, again.status());
    assertTrue(again.json().getString("detail").contains("CANCELLED"));
    assertEquals("CANCELLED", registration.get("/api/v1/orders/" + orderNo).json().getString("status"));
  }

  @Test
  void eachOrderGetsItsOwnQrToken() {
    JsonObject a = registration.post("/api/v1/orders",
        OrderBodies.typical("LA-2026-0007").encode(), "token-a").json();
    JsonObject b = registration.post("/api/v1/orders",
        OrderBodies.typical("LA-2026-0007").encode(), "token-b").json();
    assertNotEquals(a.getJsonObject("qr").getString("url"), b.getJsonObject("qr").getString("url"));
    assertNotEquals(a.getString("order_no"), b.getString("order_no"));
  }

  @Test
  void payerIdNumbersAreStoredEncrypted() {
    registration.post("/api/v1/orders", OrderBodies.typical("LA-2026-0008").encode(), "pii-1");
    assertEquals(0, engine.count("SELECT count(*) FROM orders WHERE"
        + " position(convert_to('34150019900101123X', 'UTF8') in payer_id_cipher) > 0"));
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE idempotency_key = 'pii-1'"
        + " AND length(payer_id_cipher) = 1 + 8 + 12 + 18 + 16"));  // version, key id, nonce, ID, tag
  }

  @Test
  void anOrderPastItsExpiryBecomesExpiredAndCannotBeCancelled() throws Exception {
    String orderNo = registration.post("/api/v1/orders",
        OrderBodies.typical("LA-2026-0009").put("expires_in_s", 60).encode(), "expire-1")
        .json().getString("order_no");
    org.clearing.testing.TestDatabase.execute(engine.pgUrl(),
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE order_no = '" + orderNo + "'");

    String status = "OPEN";
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (status.equals("OPEN") && System.nanoTime() < deadline) {
      Thread.sleep(250);
      status = registration.get("/api/v1/orders/" + orderNo).json().getString("status");
    }

    assertEquals("EXPIRED", status);
    assertEquals(409, registration.post("/api/v1/orders/" + orderNo + "/cancel", "", null).status());
  }
}
