package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.http.Problem;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A registration client reaches only its own objects: for every route with an object id in its
 * path, a second registration client asking for the first one's order, refund, webhook endpoint,
 * webhook event or receipt line is answered as if it did not exist (404) or, on another role's
 * route, forbidden (403) — and nothing changes. Tax, finance and admin keep seeing every object of
 * their side: clients carry no region, so those roles are the authorities for all of it.
 */
class OwnershipTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller first;
  private static ApiCaller second;
  private static String paidOrderNo;
  private static String openOrderNo;
  private static String ownOrderNo;
  private static String refundId;
  private static long eventId;

  @BeforeAll
  static void start() throws Exception {
    first = engine.as(Role.REGISTRATION);
    KeyPair pair = Crypto.generateSm2();
    ApiCaller.Answer registered = engine.as(Role.ADMIN).post("/api/v1/admin/clients", new JsonObject()
        .put("client_id", "second-registration").put("role", "registration").put("key_type", "SM2")
        .put("public_key_pem", Pem.write(pair.getPublic())).encode(), null);
    assertEquals(201, registered.status(), registered.text());
    second = new ApiCaller(engine.baseUrl(),
        new RequestSigner("second-registration", KeyType.SM2, pair.getPrivate(), Clock.systemUTC()));

    paidOrderNo = paidOrder(first.post("/api/v1/orders", OrderBodies.typical("OWN-1").encode(), "own-1").json());
    ApiCaller.Answer refund = first.post("/api/v1/orders/" + paidOrderNo + "/refunds", new JsonObject()
        .put("refund_key", "own-refund-1").put("reason", "registration withdrawn").put("lines", List.of(2))
        .encode(), null);
    assertEquals(201, refund.status(), refund.text());
    refundId = refund.json().getString("refund_id");
    openOrderNo = first.post("/api/v1/orders", OrderBodies.typical("OWN-2").encode(), "own-2").json()
        .getString("order_no");
    ownOrderNo = second.post("/api/v1/orders", OrderBodies.typical("OWN-3").encode(), "own-3").json()
        .getString("order_no");
    assertEquals(200, first.send("PUT", "/api/v1/webhook-endpoint", new JsonObject()
        .put("url", "https://hooks.example.test/first").put("enabled", false).encode()
        .getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"), true).status());
    eventId = engine.count("SELECT min(event_id) FROM outbox WHERE order_no = '" + paidOrderNo + "'");
  }

  private static String paidOrder(JsonObject order) throws Exception {
    Browser wallet = new Browser(Browser.WECHAT);
    wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
    String orderNo = order.getString("order_no");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!first.get("/api/v1/orders/" + orderNo).json().getString("status").equals("PAID")) {
      assertTrue(System.nanoTime() < deadline, "order " + orderNo + " was not paid");
      Thread.sleep(100);
    }
    return orderNo;
  }

  private static ApiCaller.Answer send(ApiCaller caller, String method, String path, String body) {
    return caller.send(method, path, body.getBytes(StandardCharsets.UTF_8),
        body.isEmpty() ? Map.of() : Map.of("Content-Type", "application/json"), true);
  }

  private static String treasuryLineId() {
    return paidOrderNo + "-" + engine.count("SELECT min(line_no) FROM order_line WHERE order_no = '"
        + paidOrderNo + "' AND side = 'TREASURY'");
  }

  private static String nonTaxLineId() {
    return paidOrderNo + "-" + engine.count("SELECT min(line_no) FROM order_line WHERE order_no = '"
        + paidOrderNo + "' AND side = 'NON_TAX'");
  }

  @Test
  void aSecondRegistrationClientFindsNoneOfTheFirstOnesObjects() {
    String refund = "{\"refund_key\":\"steal-1\",\"reason\":\"mine now\"}";
    String confirm = "{\"voucher_no\":\"V-1\"}";
    String[][] attempts = {
        // method, path, body, expected status
        {"GET", "/api/v1/orders/" + paidOrderNo, "", "404"},
        {"POST", "/api/v1/orders/" + openOrderNo + "/cancel", "", "404"},
        {"POST", "/api/v1/orders/" + paidOrderNo + "/refunds", refund, "404"},
        {"GET", "/api/v1/orders/" + paidOrderNo + "/refunds/" + refundId, "", "404"},
        // The refund id with the caller's own order number: the id alone must not open it either.
        {"GET", "/api/v1/orders/" + ownOrderNo + "/refunds/" + refundId, "", "404"},
        {"GET", "/api/v1/webhook-endpoint", "", "404"},
        {"GET", "/api/v1/admin/webhooks/" + eventId + "/deliveries", "", "403"},
        {"POST", "/api/v1/admin/webhooks/" + eventId + "/redeliver", "", "403"},
        {"POST", "/api/v1/tax/refunds/" + refundId + "/legs/1/confirm", confirm, "403"},
        {"POST", "/api/v1/finance/refunds/" + refundId + "/legs/1/paid-back", "{}", "403"},
        {"POST", "/api/v1/tax/receipts/" + treasuryLineId() + "/confirm", "{\"certificate_no\":\"X1\"}", "403"},
        {"POST", "/api/v1/finance/receipts/" + nonTaxLineId() + "/confirm", "{\"ebill_no\":\"X1\"}", "403"},
        {"POST", "/api/v1/admin/reconciliation/items/1/1/resolve", "{}", "403"},
    };
    List<String> wrong = new ArrayList<>();
    for (String[] attempt : attempts) {
      ApiCaller.Answer answer = send(second, attempt[0], attempt[1], attempt[2]);
      if (answer.status() != Integer.parseInt(attempt[3]) || !answer.contentType().equals(Problem.CONTENT_TYPE)
          || answer.text().contains(paidOrderNo) && !attempt[1].contains(paidOrderNo)) {
        wrong.add(attempt[0] + " " + attempt[1] + " -> " + answer.status() + " " + answer.text());
      }
    }
    assertEquals(List.of(), wrong, "the second client reached the first one's objects");

    JsonObject order = first.get("/api/v1/orders/" + openOrderNo).json();
    assertEquals("OPEN", order.getString("status"), "not cancelled by the other client");
    assertEquals(1, engine.count("SELECT count(*) FROM refund WHERE order_no = '" + paidOrderNo + "'"));
    assertEquals(200, first.get("/api/v1/orders/" + paidOrderNo + "/refunds/" + refundId).status(),
        "the owner still reads its refund");
  }

  @Test
  void theRolesThatSeeEveryObjectOfTheirSideStillSeeThem() {
    ApiCaller.Answer deliveries = engine.as(Role.ADMIN).get("/api/v1/admin/webhooks/" + eventId + "/deliveries");
    assertEquals(200, deliveries.status(), deliveries.text());

    String today = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString();
    ApiCaller.Answer taxLines = engine.as(Role.TAX).get("/api/v1/tax/receipts?date=" + today + "&status=all");
    assertEquals(200, taxLines.status(), taxLines.text());
    assertTrue(taxLines.text().contains(treasuryLineId()), "tax sees the first client's treasury line");
    assertTrue(!taxLines.text().contains(nonTaxLineId()), "but not the finance bureau's line");
    ApiCaller.Answer wrongSide = send(engine.as(Role.TAX), "POST", "/api/v1/tax/receipts/" + nonTaxLineId()
        + "/confirm", "{\"certificate_no\":\"X1\"}");
    assertEquals(404, wrongSide.status(), wrongSide.text());
    assertEquals(0, TestDatabase.queryLong(engine.pgUrl(),
        "SELECT count(*) FROM order_line WHERE confirmation_no IS NOT NULL"));
  }
}
