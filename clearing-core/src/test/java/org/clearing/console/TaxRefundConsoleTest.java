package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tax officer confirms a refund after settlement with its 退库 voucher and marks it paid back
 * through the API's door ({@code RefundRepository.authorityStep}), each step audited; a missing or
 * conflicting voucher, paying back before confirming, a leg of another region (forged post: 403),
 * a post without its CSRF token and an auditor change nothing.
 */
class TaxRefundConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ConsoleFixture fixture;
  private static ConsoleClient officer;
  private static String csrf;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("refund.tax", PersonRole.TAX, "341522");
    officer = new ConsoleClient(engine.baseUrl());
    assertEquals(303, officer.signIn("refund.tax", password).statusCode());
    csrf = ConsoleClient.csrf(officer.get("/console/tax/refunds").body());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static int cases;

  /**
   * An order of {@code region} paid through the WeChat sandbox (whose bill then settles it),
   * settled, then refunded whole: after settlement the refund is the authorities' to make, and its
   * leg 1 is the treasury's.
   */
  private static String settledRefund(String region) throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    cases++;
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("REFUND-CONSOLE-" + cases)
        .put("region", region).encode(), "refund-console-" + cases).json();
    String orderNo = order.getString("order_no");
    Browser wallet = new Browser(Browser.WECHAT);
    wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
    awaitOrder(registration, orderNo, "PAID");
    engine.engine().settlement().run(LocalDate.now(ZoneOffset.ofHours(8)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    awaitOrder(registration, orderNo, "SETTLED");
    ApiCaller.Answer refund = engine.as(Role.REGISTRATION).post("/api/v1/orders/" + orderNo + "/refunds",
        new JsonObject().put("refund_key", "console-" + orderNo).put("reason", "撤件").encode(), null);
    assertEquals(201, refund.status(), refund.text());
    assertEquals("AUTHORITY", refund.json().getString("mode"));
    return refund.json().getString("refund_id");
  }

  private static void awaitOrder(ApiCaller registration, String orderNo, String status) {
    Await.value("order " + orderNo + " is " + status,
        () -> registration.get("/api/v1/orders/" + orderNo).json().getString("status"), status::equals);
  }

  private static String legStatus(String refundId) {
    long requested = engine.count("SELECT count(*) FROM refund_leg WHERE refund_id = '" + refundId
        + "' AND leg_no = 1 AND status = 'REQUESTED'");
    long confirmed = engine.count("SELECT count(*) FROM refund_leg WHERE refund_id = '" + refundId
        + "' AND leg_no = 1 AND status = 'CONFIRMED'");
    return requested == 1 ? "REQUESTED" : confirmed == 1 ? "CONFIRMED" : "OTHER";
  }

  private static String leg(String refundId) {
    return "/console/tax/refunds/" + refundId + "/legs/1";
  }

  @Test
  void anOfficerConfirmsWithTheVoucherThenMarksPaidBackAndEachStepIsAudited() throws Exception {
    String refundId = settledRefund("341522");
    assertTrue(officer.get("/console/tax/refunds").body().contains("id=\"leg-" + refundId + "-1\""));

    HttpResponse<String> early = officer.post(leg(refundId) + "/paid-back", "_csrf", csrf);
    HttpResponse<String> noVoucher = officer.post(leg(refundId) + "/confirm", "_csrf", csrf, "voucher_no", "");
    HttpResponse<String> badVoucher = officer.post(leg(refundId) + "/confirm", "_csrf", csrf, "voucher_no", "TK 1/2");
    assertEquals(409, early.statusCode());
    assertEquals(422, noVoucher.statusCode());
    assertTrue(noVoucher.body().contains("退库凭证号须为 1 至 32 位字母、数字或 -。"), noVoucher.body());
    assertEquals(422, badVoucher.statusCode());
    assertEquals("REQUESTED", legStatus(refundId));

    HttpResponse<String> confirmed = officer.post(leg(refundId) + "/confirm", List.of("voucher_no", "TK2026-0001"),
        java.util.Map.of("HX-Request", "true", "X-CSRF-Token", csrf));
    assertEquals(200, confirmed.statusCode(), confirmed.body());
    assertTrue(confirmed.body().startsWith("<div id=\"refunds\">"), "htmx gets the table alone");
    assertEquals(1, engine.count("SELECT count(*) FROM refund_leg WHERE refund_id = '" + refundId
        + "' AND leg_no = 1 AND status = 'CONFIRMED' AND voucher_no = 'TK2026-0001'"));
    assertEquals(409, officer.post(leg(refundId) + "/confirm", "_csrf", csrf, "voucher_no", "TK2026-0002").statusCode(),
        "another voucher for a confirmed leg");

    assertEquals(200, officer.post(leg(refundId) + "/paid-back", "_csrf", csrf).statusCode());
    assertEquals(1, engine.count("SELECT count(*) FROM refund_leg WHERE refund_id = '" + refundId
        + "' AND leg_no = 1 AND status = 'PAID_BACK'"));
    assertTrue(engine.as(Role.TAX).get("/api/v1/tax/refunds?status=paid_back").text().contains(refundId),
        "the API sees the console's step");
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'refund.tax'"
        + " AND action = 'refund.confirm' AND outcome = 'ok' AND target = '" + refundId + "/1'"));
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'refund.tax'"
        + " AND action = 'refund.paid_back' AND outcome = 'ok' AND target = '" + refundId + "/1'"));
  }

  @Test
  void aLegOfAnotherRegionIsNeitherShownNorMoved() throws Exception {
    String elsewhere = settledRefund("341500");

    assertFalse(officer.get("/console/tax/refunds?status=all").body().contains(elsewhere));
    HttpResponse<String> forged = officer.post(leg(elsewhere) + "/confirm", "_csrf", csrf, "voucher_no", "TK-FORGED");

    assertEquals(403, forged.statusCode());
    assertEquals("REQUESTED", legStatus(elsewhere));
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'refund.tax' AND action = 'access'"
        + " AND outcome = 'refused' AND detail LIKE '%" + elsewhere + "%'"));
  }

  @Test
  void withoutItsTokenOrByAnAuditorNothingMovesAndANonTaxLegIsNotTheOfficers() throws Exception {
    String refundId = settledRefund("341522");
    String auditorPassword = fixture.addSettledPerson("refund.auditor", PersonRole.AUDITOR, "341522");
    ConsoleClient auditor = new ConsoleClient(engine.baseUrl());
    auditor.signIn("refund.auditor", auditorPassword);
    String page = auditor.get("/console/tax/refunds").body();
    String auditorToken = ConsoleClient.csrf(page);

    assertTrue(page.contains(refundId), "an auditor reads the refunds");
    assertFalse(page.contains("id=\"confirm-" + refundId), "and is offered no action");
    assertEquals(403, officer.post(leg(refundId) + "/confirm", "voucher_no", "TK-NOTOKEN").statusCode());
    assertEquals(403, auditor.post(leg(refundId) + "/confirm", "_csrf", auditorToken, "voucher_no", "TK-AUD")
        .statusCode());
    assertEquals(422, officer.post("/console/tax/refunds/" + refundId + "/legs/2/confirm", "_csrf", csrf,
        "voucher_no", "TK-FEE").statusCode(), "leg 2 is the non-tax leg: the finance bureau's");
    assertEquals(422, officer.post("/console/tax/refunds/RF1/legs/x/confirm", "_csrf", csrf, "voucher_no", "TK-1")
        .statusCode());
    assertEquals("REQUESTED", legStatus(refundId));
  }
}
