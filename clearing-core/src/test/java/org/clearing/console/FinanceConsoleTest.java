package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.payment.ExpiredOrderCloser;
import org.clearing.payment.PendingPaymentQueries;
import org.clearing.person.PersonRole;
import org.clearing.recon.run.ReconciliationRun;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The finance pages by attack, over plain HTTP: a Huoqiu (341522) finance officer sees none of
 * Lu'an's (341500) collections, settlement, report or reconciliation items, and a resolution
 * forged for a Lu'an item is refused (403) and changes nothing; posts without the CSRF token are
 * refused; an auditor reads but cannot start a run or resolve an item; a resolution without a
 * reason is refused per field; a good one goes through the API's door, is recorded and shows in
 * the API's list.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FinanceConsoleTest {

  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.ofHours(8));
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ConsoleFixture fixture;
  private static ConsoleClient luan;
  private static ConsoleClient huoqiu;
  private static ConsoleClient auditor;
  private static String lostOrderNo;
  private static String resolvePath;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    Await.result(engine.get().engine().jobs().stop(PendingPaymentQueries.JOB, ExpiredOrderCloser.JOB));
    paidAtWeChat("341500", "FIN-HTTP-LUAN", false);
    paidAtWeChat("341522", "FIN-HTTP-HUOQIU", false);
    lostOrderNo = paidAtWeChat("341500", "FIN-HTTP-LOST", true);
    openLongItemOfTheDay();
    long runId = engine.count("SELECT run_id FROM recon_run WHERE channel = 'wechat' AND business_date = '" + TODAY + "'");
    long itemNo = engine.count("SELECT item_no FROM recon_item WHERE run_id = " + runId + " AND class = 'LONG'"
        + " AND out_trade_no = 'W" + lostOrderNo + "'");
    resolvePath = "/console/finance/recon/items/" + runId + "/" + itemNo + "/resolve";
    luan = signedIn("luan.fin", PersonRole.FINANCE, "341500");
    huoqiu = signedIn("huoqiu.fin", PersonRole.FINANCE, "341522");
    auditor = signedIn("luan.audit", PersonRole.AUDITOR, "341500");
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static ConsoleClient signedIn(String login, PersonRole role, String region) throws Exception {
    String password = fixture.addSettledPerson(login, role, region);
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    assertEquals(303, client.signIn(login, password).statusCode());
    return client;
  }

  /** An order of {@code region} paid at WeChat Pay's sandbox, its callback delivered or dropped (the engine never hears of it). */
  private static String paidAtWeChat(String region, String caseNo, boolean dropCallback) {
    ApiCaller.Answer created = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical(caseNo).put("region", region).encode(), caseNo);
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");
    setFaults(dropCallback ? new JsonObject().put("drop_percent", 100) : new JsonObject());
    String qr = engine.as(Role.REGISTRATION).get("/api/v1/orders/" + orderNo).json().getJsonObject("qr").getString("url");
    Browser.Page page = new Browser(Browser.WECHAT).open(qr);
    assertEquals(200, new Browser(Browser.WECHAT).submitForm(page).status());
    setFaults(new JsonObject());
    if (!dropCallback) {
      Await.value("order " + orderNo + " paid", () -> TestDatabase.queryString(engine.get().pgUrl(),
          "SELECT status FROM orders WHERE order_no = '" + orderNo + "'"), "PAID"::equals);
    }
    return orderNo;
  }

  /** Reconciles the day from WeChat's bill while WeChat answers no query, so the LONG item stays open. */
  private static void openLongItemOfTheDay() throws Exception {
    var e = engine.get().engine();
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
        .connectingTo(e.database().connectOptions()).using(e.vertx()).build();
    try {
      BillFile bill = Await.result(e.channels().adapter(Channel.WECHAT).orElseThrow().downloadBill(TODAY));
      setFaults(new JsonObject().put("fail_requests_percent", 100));
      try {
        ReconciliationRun run = new ReconciliationRun(e.vertx(), pool, e.channels(), e.intake(),
            Files.createTempDirectory("finance-console-"));
        ReconciliationRun.Result result = Await.result(run.runUploaded(TODAY, Channel.WECHAT, bill.path()));
        assertTrue(result.openItems() > 0, result.toString());
      } finally {
        setFaults(new JsonObject());
        Files.deleteIfExists(bill.path());
      }
    } finally {
      Await.result(pool.close());
    }
  }

  private static void setFaults(JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(Channel.WECHAT), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  private static String itemStatus() {
    return TestDatabase.queryString(engine.get().pgUrl(), "SELECT resolution_status FROM recon_item"
        + " WHERE out_trade_no = 'W" + lostOrderNo + "' AND class = 'LONG'");
  }

  private static String csrf(ConsoleClient client) {
    return ConsoleClient.csrf(client.get("/console/finance/recon?date=" + TODAY).body());
  }

  @Test
  void aHuoqiuOfficerSeesNothingOfLuanOnAnyFinancePage() {
    HttpResponse<String> dashboard = huoqiu.get("/console/finance");
    HttpResponse<String> chart = huoqiu.get("/console/finance/collections.json?date=" + TODAY);
    HttpResponse<String> settlement = huoqiu.get("/console/finance/settlement?date=" + TODAY);
    HttpResponse<String> recon = huoqiu.get("/console/finance/recon?date=" + TODAY);
    HttpResponse<String> diff = huoqiu.get("/console/finance/recon/diff.csv?date=" + TODAY);
    HttpResponse<String> report = huoqiu.get("/console/finance/report?format=csv&date=" + TODAY);

    for (HttpResponse<String> page : List.of(dashboard, chart, settlement, recon, diff, report)) {
      assertEquals(200, page.statusCode(), page.uri() + ": " + page.body());
      assertFalse(page.body().contains("341500"), page.uri() + " shows Lu'an: " + page.body());
      assertFalse(page.body().contains(lostOrderNo), page.uri() + " shows Lu'an's item");
    }
    assertTrue(dashboard.body().contains("NTX-341522"), "but Huoqiu's own collections: " + dashboard.body());
    assertTrue(report.headers().firstValue("X-Clearing-Signature").isPresent(), "the report is signed");

    HttpResponse<String> own = luan.get("/console/finance/recon?date=" + TODAY);
    assertTrue(own.body().contains("W" + lostOrderNo), "Lu'an's officer sees Lu'an's item");
    assertTrue(luan.get("/console/finance/recon/diff.csv?date=" + TODAY).body().contains("W" + lostOrderNo));
    assertTrue(luan.get("/console/finance").body().contains("NTX-341500"));
  }

  @Test
  void aResolutionForgedByAHuoqiuOfficerForALuanItemIsRefusedAndRecorded() {
    HttpResponse<String> forged = huoqiu.post(resolvePath, "_csrf", csrf(huoqiu), "action", "ACCEPT",
        "reason", "not mine to accept", "date", TODAY.toString());

    assertEquals(403, forged.statusCode(), forged.body());
    assertEquals("OPEN", itemStatus());
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'huoqiu.fin'"
        + " AND outcome = 'refused' AND target = '" + resolvePath + "' AND detail LIKE '%region 341500%'"));
  }

  @Test
  void postsWithoutTheCsrfTokenAreRefusedAndChangeNothing() {
    LocalDate past = TODAY.minusDays(5);
    HttpResponse<String> run = luan.post("/console/finance/recon/run", "date", past.toString(), "channel", "wechat");
    HttpResponse<String> resolve = luan.post(resolvePath, "action", "ACCEPT", "reason", "no token", "_csrf", "forged");

    assertEquals(403, run.statusCode());
    assertEquals(403, resolve.statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM recon_run WHERE business_date = '" + past + "'"));
    assertEquals("OPEN", itemStatus());
  }

  @Test
  void anAuditorReadsTheFinancePagesButCannotRunOrResolve() {
    HttpResponse<String> page = auditor.get("/console/finance/recon?date=" + TODAY);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("W" + lostOrderNo), "the auditor reads the item");
    assertFalse(page.body().contains("id=\"run\""), "no run button");
    assertFalse(page.body().contains("class=\"resolve\""), "no resolve form");
    String token = ConsoleClient.csrf(page.body());
    LocalDate past = TODAY.minusDays(6);

    HttpResponse<String> run = auditor.post("/console/finance/recon/run", "_csrf", token, "date", past.toString(),
        "channel", "wechat");
    HttpResponse<String> resolve = auditor.post(resolvePath, "_csrf", token, "action", "ACCEPT", "reason", "audit");

    assertEquals(403, run.statusCode());
    assertEquals(403, resolve.statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM recon_run WHERE business_date = '" + past + "'"));
    assertEquals("OPEN", itemStatus());
    assertEquals(2, engine.count("SELECT count(*) FROM audit_event WHERE login = 'luan.audit' AND outcome = 'refused'"
        + " AND target IN ('/console/finance/recon/run', '" + resolvePath + "')"));
  }

  @Test
  void aRefundAfterSettlementIsConfirmedAndPaidBackByItsRegionsFinanceOfficerOnly() throws Exception {
    String orderNo = paidAtWeChat("341500", "FIN-HTTP-REFUND", false);
    Await.result(engine.get().engine().settlement().run(TODAY));
    Await.value("order " + orderNo + " settled", () -> TestDatabase.queryString(engine.get().pgUrl(),
        "SELECT status FROM orders WHERE order_no = '" + orderNo + "'"), "SETTLED"::equals);
    ApiCaller.Answer refund = engine.as(Role.REGISTRATION).post("/api/v1/orders/" + orderNo + "/refunds",
        new JsonObject().put("refund_key", "fin-" + orderNo).put("reason", "registration withdrawn").encode(), null);
    assertEquals(201, refund.status(), refund.text());
    String refundId = refund.json().getString("refund_id");
    String feeLeg = "/console/finance/refunds/" + refundId + "/2";

    assertFalse(huoqiu.get("/console/finance/refunds").body().contains(refundId), "Huoqiu sees nothing of Lu'an");
    assertEquals(403, huoqiu.post(feeLeg + "/confirm", "_csrf", csrf(huoqiu), "voucher_no", "TF-H-1").statusCode());
    assertEquals(403, auditor.post(feeLeg + "/confirm", "_csrf", csrf(auditor), "voucher_no", "TF-A-1").statusCode());
    assertTrue(luan.get("/console/finance/refunds").body().contains("refund-" + refundId + "-2"));
    assertEquals(422, luan.post(feeLeg + "/confirm", "_csrf", csrf(luan), "voucher_no", "TF 1").statusCode());
    assertEquals(404, luan.post("/console/finance/refunds/" + refundId + "/1/confirm", "_csrf", csrf(luan),
        "voucher_no", "TF-1").statusCode(), "the treasury leg is the tax authority's");
    assertEquals("REQUESTED", TestDatabase.queryString(engine.get().pgUrl(),
        "SELECT status FROM refund_leg WHERE refund_id = '" + refundId + "' AND leg_no = 2"));

    HttpResponse<String> confirmed = luan.post(feeLeg + "/confirm", "_csrf", csrf(luan), "voucher_no", "TF2026-001");
    HttpResponse<String> paidBack = luan.post(feeLeg + "/paid-back", "_csrf", csrf(luan));

    assertEquals(200, confirmed.statusCode(), confirmed.body());
    assertEquals(200, paidBack.statusCode(), paidBack.body());
    ApiCaller.Answer api = engine.as(Role.FINANCE).get("/api/v1/finance/refunds?status=paid_back");
    assertTrue(api.text().contains("\"voucher_no\":\"TF2026-001\"") && api.text().contains(refundId), api.text());
    assertEquals(2, engine.count("SELECT count(*) FROM audit_event WHERE login = 'luan.fin' AND target = '"
        + refundId + "/2' AND outcome = 'ok'"));
  }

  @Test
  @Order(Integer.MAX_VALUE) // it resolves the item the others expect open
  void aResolutionWithoutAReasonIsRefusedAndAGoodOneGoesThroughTheApisDoorAndIsRecorded() {
    HttpResponse<String> noReason = luan.post(resolvePath, "_csrf", csrf(luan), "action", "ACCEPT", "reason", " ",
        "date", TODAY.toString());
    HttpResponse<String> noAction = luan.post(resolvePath, "_csrf", csrf(luan), "action", "DELETE",
        "reason", "why not", "date", TODAY.toString());
    assertEquals(422, noReason.statusCode());
    assertTrue(noReason.body().contains("请选择处理方式，并填写原因"), noReason.body());
    assertEquals(422, noAction.statusCode());
    assertEquals("OPEN", itemStatus());

    HttpResponse<String> accepted = luan.post(resolvePath, "_csrf", csrf(luan), "action", "ACCEPT",
        "reason", "bank confirms the payer paid twice", "date", TODAY.toString());

    assertEquals(200, accepted.statusCode(), accepted.body());
    assertEquals("RESOLVED", itemStatus());
    assertEquals("console:luan.fin", TestDatabase.queryString(engine.get().pgUrl(),
        "SELECT resolved_by FROM recon_item WHERE out_trade_no = 'W" + lostOrderNo + "' AND class = 'LONG'"));
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'luan.fin' AND action = 'recon.resolve'"
        + " AND outcome = 'ok' AND detail = 'ACCEPT: bank confirms the payer paid twice'"));
    ApiCaller.Answer api = engine.as(Role.FINANCE).get("/api/v1/admin/reconciliation/items?status=resolved&date=" + TODAY);
    assertTrue(api.text().contains("\"by\":\"console:luan.fin\""), api.text());
    HttpResponse<String> again = luan.post(resolvePath, "_csrf", csrf(luan), "action", "WRITE_OFF",
        "reason", "changed my mind", "date", TODAY.toString());
    assertEquals(409, again.statusCode(), "a resolved item is not resolved otherwise");
  }
}
