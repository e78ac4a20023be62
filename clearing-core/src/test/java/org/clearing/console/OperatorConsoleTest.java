package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's console over plain HTTP, against orders paid through the sandboxes' real
 * callbacks: bad search input is a clear 422 naming the field, never a 500; a Huoqiu (341522)
 * operator neither sees nor acts on a Lu'an (341500) order, even by a forged request; every action
 * needs its CSRF token, asks for a confirmation first, goes through the API's door (the API then
 * agrees) and is written to the audit log; an auditor reads but cannot act.
 */
class OperatorConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ConsoleFixture fixture;
  private static ApiCaller registration;
  private static ApiCaller alipaySandbox;
  private static ConsoleClient operator;
  private static String csrf;
  private static int cases;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    registration = engine.as(Role.REGISTRATION);
    alipaySandbox = new ApiCaller(engine.sandboxUrl(Channel.ALIPAY), null);
    String password = fixture.addSettledPerson("huoqiu.operator", PersonRole.OPERATOR, "341522");
    operator = new ConsoleClient(engine.baseUrl());
    assertEquals(303, operator.signIn("huoqiu.operator", password).statusCode());
    csrf = ConsoleClient.csrf(operator.get("/console/operator/orders").body());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @AfterEach
  void clearFaults() {
    faults(new JsonObject());
  }

  /** A new open order in {@code region}. */
  static JsonObject openOrder(String region) {
    int n = ++cases;
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical("OPS-" + region + "-" + n + "-" + System.nanoTime()).put("region", region).encode(),
        "ops-" + n + "-" + System.nanoTime());
    assertEquals(201, created.status(), created.text());
    return created.json();
  }

  /** An order paid through Alipay's sandbox, which calls back as Alipay does; {@code deltaFen} off makes it EXCEPTION. */
  static String paidOrder(String region, long deltaFen) {
    JsonObject order = openOrder(region);
    String orderNo = order.getString("order_no");
    faults(new JsonObject().put("amount_delta_fen", deltaFen));
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/alipay"));
    String expected = deltaFen == 0 ? "PAID" : "EXCEPTION";
    Await.until(expected, () -> status(orderNo).equals(expected));
    faults(new JsonObject());
    return orderNo;
  }

  private static void faults(JsonObject faults) {
    ApiCaller.Answer answer = alipaySandbox.raw("PUT", "/sandbox/faults", faults.encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static long audits(String login, String action, String outcome) {
    return engine.count("SELECT count(*) FROM audit_event WHERE login = '" + login + "' AND action = '"
        + action + "' AND outcome = '" + outcome + "'");
  }

  @Test
  void aMalformedDateOrStatusIsAClearErrorNamingTheFieldNotAFailure() {
    HttpResponse<String> answer = operator.get("/console/operator/orders?from=2026-13-45&status=LOST&page=x");

    assertEquals(422, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("起始日期: 须为 YYYY-MM-DD 格式的日期"), answer.body());
    assertTrue(answer.body().contains("状态: 不是已知的订单状态"), answer.body());
    assertTrue(answer.body().contains("页码: 须为 1 至 200 的页码"), answer.body());
    HttpResponse<String> reversed = operator.get("/console/operator/orders?from=2026-12-06&to=2026-12-01&lang=en");
    assertEquals(422, reversed.statusCode());
    assertTrue(reversed.body().contains("To: must be a date as YYYY-MM-DD, not before From"), reversed.body());
  }

  @Test
  void aSearchByCaseNumberFindsTheOrderWithThePayerMaskedAndOnlyInThePersonsRegions() {
    JsonObject own = openOrder("341522");
    JsonObject luan = openOrder("341500");

    HttpResponse<String> found = operator.get("/console/operator/orders?case_no=" + own.getString("case_no"));
    HttpResponse<String> other = operator.get("/console/operator/orders?case_no=" + luan.getString("case_no"));
    HttpResponse<String> byStatus = operator.get("/console/operator/orders?status=OPEN");

    assertEquals(200, found.statusCode());
    assertTrue(found.body().contains("order-" + own.getString("order_no")), found.body());
    assertTrue(found.body().contains("张*"), "the payer's name is masked");
    assertFalse(found.body().contains("张三"), found.body());
    assertFalse(found.body().contains("34150019900101123X"), "the ID number never shows whole");
    assertTrue(other.body().contains("没有符合条件的订单。"), "another region's order is not found: " + other.body());
    assertFalse(byStatus.body().contains(luan.getString("order_no")));
    assertTrue(byStatus.body().contains(own.getString("order_no")));
  }

  @Test
  void anotherRegionsOrderIsNeitherShownNorActedOnEvenByAForgedRequest() {
    String luan = openOrder("341500").getString("order_no");

    HttpResponse<String> page = operator.get("/console/operator/orders/" + luan);
    HttpResponse<String> search = operator.get("/console/operator/orders?region=341500");
    HttpResponse<String> cancel = operator.post("/console/operator/orders/" + luan + "/cancel", "_csrf", csrf,
        "confirm", "yes");

    assertEquals(403, page.statusCode());
    assertFalse(page.body().contains("OPS-341500"), "nothing of the order shows");
    assertEquals(403, search.statusCode());
    assertEquals(403, cancel.statusCode());
    assertEquals("OPEN", status(luan), "the forged cancel changed nothing");
    assertTrue(audits("huoqiu.operator", "access", "refused") >= 3);
  }

  @Test
  void cancellingAsksFirstThenCancelsThroughTheApisDoorAndIsRecorded() {
    String orderNo = openOrder("341522").getString("order_no");

    HttpResponse<String> asked = operator.post("/console/operator/orders/" + orderNo + "/cancel", "_csrf", csrf);
    assertEquals(200, asked.statusCode());
    assertTrue(asked.body().contains("确认取消订单 " + orderNo), asked.body());
    assertEquals("OPEN", status(orderNo), "asking changes nothing");

    HttpResponse<String> done = operator.post("/console/operator/orders/" + orderNo + "/cancel", "_csrf", csrf,
        "confirm", "yes");
    assertEquals(303, done.statusCode(), done.body());
    assertEquals("/console/operator/orders/" + orderNo + "?done=cancel", done.headers().firstValue("Location").orElseThrow());
    assertEquals("CANCELLED", status(orderNo), "the API agrees");
    assertEquals(1, audits("huoqiu.operator", "order.cancel", "ok"));

    HttpResponse<String> again = operator.post("/console/operator/orders/" + orderNo + "/cancel", "_csrf", csrf,
        "confirm", "yes");
    assertEquals(409, again.statusCode());
    assertTrue(again.body().contains("订单状态为 CANCELLED，只有待支付的订单可以取消"), again.body());
    assertEquals(1, audits("huoqiu.operator", "order.cancel", "refused"));
  }

  @Test
  void aFormWithoutItsCsrfTokenIsRefusedAndChangesNothing() {
    String orderNo = openOrder("341522").getString("order_no");

    HttpResponse<String> without = operator.post("/console/operator/orders/" + orderNo + "/cancel", "confirm", "yes");
    HttpResponse<String> wrong = operator.post("/console/operator/orders/" + orderNo + "/cancel", "_csrf",
        "x".repeat(43), "confirm", "yes");

    assertEquals(403, without.statusCode());
    assertEquals(403, wrong.statusCode());
    assertEquals("OPEN", status(orderNo));
    assertTrue(audits("huoqiu.operator", "csrf", "refused") >= 2);
  }

  @Test
  void anAuditorReadsTheOrderButCannotAct() throws Exception {
    String password = fixture.addSettledPerson("huoqiu.ops.auditor", PersonRole.AUDITOR, "341522");
    ConsoleClient auditor = new ConsoleClient(engine.baseUrl());
    assertEquals(303, auditor.signIn("huoqiu.ops.auditor", password).statusCode());
    String orderNo = openOrder("341522").getString("order_no");

    HttpResponse<String> page = auditor.get("/console/operator/orders/" + orderNo);
    String token = ConsoleClient.csrf(page.body());
    HttpResponse<String> cancel = auditor.post("/console/operator/orders/" + orderNo + "/cancel", "_csrf", token,
        "confirm", "yes");

    assertEquals(200, page.statusCode());
    assertFalse(page.body().contains("id=\"cancel\""), "no cancel button for an auditor");
    assertEquals(403, cancel.statusCode());
    assertEquals("OPEN", status(orderNo));
    assertEquals(1, audits("huoqiu.ops.auditor", "access", "refused"));
  }

  @Test
  void refundingLinesGoesThroughTheRefundServiceForTheOrdersClientAndAReplayMakesNoSecond() {
    String orderNo = paidOrder("341522", 0);
    String key = "console-test-" + System.nanoTime();

    HttpResponse<String> noReason = operator.post("/console/operator/orders/" + orderNo + "/refund", "_csrf", csrf,
        "line", "1", "reason", " ", "refund_key", key, "confirm", "yes");
    assertEquals(422, noReason.statusCode());
    assertTrue(noReason.body().contains("请填写原因"), noReason.body());

    HttpResponse<String> done = operator.post("/console/operator/orders/" + orderNo + "/refund", "_csrf", csrf,
        "line", "1", "reason", "缴款人申请撤件", "refund_key", key, "confirm", "yes");
    HttpResponse<String> replay = operator.post("/console/operator/orders/" + orderNo + "/refund", "_csrf", csrf,
        "line", "1", "reason", "缴款人申请撤件", "refund_key", key, "confirm", "yes");

    assertEquals(303, done.statusCode(), done.body());
    assertEquals(303, replay.statusCode(), replay.body());
    String refundId = TestDatabase.queryString(engine.pgUrl(), "SELECT refund_id FROM refund WHERE order_no = '"
        + orderNo + "'");
    assertEquals(1, engine.count("SELECT count(*) FROM refund WHERE order_no = '" + orderNo + "'"));
    ApiCaller.Answer api = registration.get("/api/v1/orders/" + orderNo + "/refunds/" + refundId);
    assertEquals(200, api.status(), "the registration system reads the refund through its API: " + api.text());
    assertEquals("[1]", api.json().getJsonArray("lines").encode());
    assertEquals(2, audits("huoqiu.operator", "order.refund", "ok"));
    assertTrue(operator.get("/console/operator/orders/" + orderNo).body().contains("refund-" + refundId));
  }

  @Test
  void anExceptionIsAcceptedWithAReasonThroughTheResolutionsDoor() {
    String orderNo = paidOrder("341522", 100);

    HttpResponse<String> page = operator.get("/console/operator/orders/" + orderNo);
    assertTrue(page.body().contains("id=\"exception-accept\""), page.body());
    HttpResponse<String> done = operator.post("/console/operator/orders/" + orderNo + "/exception/accept",
        "_csrf", csrf, "reason", "多付 1 元，缴款人同意不退", "confirm", "yes");

    assertEquals(303, done.statusCode(), done.body());
    assertEquals("console:huoqiu.operator", TestDatabase.queryString(engine.pgUrl(),
        "SELECT resolved_by FROM exception_resolution WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, audits("huoqiu.operator", "order.exception.accept", "ok"));
    assertTrue(operator.get("/console/operator/orders/" + orderNo).body().contains("多付 1 元，缴款人同意不退"));
  }

  @Test
  void aWebhookOfTheOrderIsRedeliveredAndOneOfAnotherOrderIsNot() {
    String orderNo = paidOrder("341522", 0);
    String luan = paidOrder("341500", 0);
    long eventId = engine.count("SELECT min(event_id) FROM outbox WHERE order_no = '" + orderNo + "'");
    long luanEvent = engine.count("SELECT min(event_id) FROM outbox WHERE order_no = '" + luan + "'");
    TestDatabase.execute(engine.pgUrl(), "UPDATE outbox SET next_attempt_at = now() + interval '1 day'"
        + " WHERE event_id = " + eventId);

    HttpResponse<String> done = operator.post("/console/operator/orders/" + orderNo + "/webhooks/" + eventId
        + "/redeliver", "_csrf", csrf, "confirm", "yes");
    HttpResponse<String> smuggled = operator.post("/console/operator/orders/" + orderNo + "/webhooks/" + luanEvent
        + "/redeliver", "_csrf", csrf, "confirm", "yes");

    assertEquals(303, done.statusCode(), done.body());
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_id = " + eventId
        + " AND next_attempt_at <= now()"), "due now");
    assertEquals(404, smuggled.statusCode(), "another order's event is not this page's to redeliver");
    assertEquals(1, audits("huoqiu.operator", "webhook.redeliver", "ok"));
  }
}
