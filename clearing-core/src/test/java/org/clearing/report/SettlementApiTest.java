package org.clearing.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per payee account and channel, after a day reconciled against the sandboxes' real bills, the
 * settlement endpoint and the finance daily report show the legs expected, settled, missing and in
 * excess: a planted order the engine booked as paid at UnionPay, which UnionPay never saw, shows as
 * one missing leg per account with its amount. Bad input and other roles get a problem, not data.
 */
class SettlementApiTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller finance;
  private static LocalDate today;
  private static String plantedOrderNo;

  @BeforeAll
  static void reconcileADayWithAPlantedMissingLeg() {
    finance = engine.as(Role.FINANCE);
    ApiCaller registration = engine.as(Role.REGISTRATION);
    for (Channel channel : List.of(Channel.UNIONPAY, Channel.WECHAT)) {
      JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("SETTLE-" + channel.code()).encode(),
          "settle-" + channel.code()).json();
      String orderNo = order.getString("order_no");
      Browser desktop = new Browser(Browser.DESKTOP);
      desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/" + channel.code()));
      Await.until("order " + orderNo + " paid",
          () -> engine.count("SELECT count(*) FROM orders WHERE status = 'PAID' AND order_no = '" + orderNo + "'") == 1);
    }
    plantedOrderNo = registration.post("/api/v1/orders", OrderBodies.typical("SETTLE-PLANTED").encode(),
        "settle-planted").json().getString("order_no");
    // The engine believes UnionPay took this payment (books balanced as for a real one); UnionPay
    // never saw it, so neither of its legs can be in UnionPay's settlement.
    TestDatabase.execute(engine.pgUrl(), "UPDATE orders SET status = 'PAID', paid_channel = 'unionpay',"
        + " paid_transaction_id = 'PLANTED-1', paid_at = now() WHERE order_no = '" + plantedOrderNo + "';"
        + " UPDATE leg SET status = 'PAID' WHERE order_no = '" + plantedOrderNo + "';"
        + " INSERT INTO journal_entry (entry_key, kind, order_no, channel) VALUES ('PAYMENT:unionpay:PLANTED-1',"
        + " 'PAYMENT', '" + plantedOrderNo + "', 'unionpay');"
        + " INSERT INTO journal_posting (entry_id, posting_no, account, debit_fen, credit_fen) VALUES"
        + " (currval('journal_entry_seq'), 1, 'clearing:unionpay', 1509000, 0),"
        + " (currval('journal_entry_seq'), 2, 'payee:TRE-341500', 0, 1500000),"
        + " (currval('journal_entry_seq'), 3, 'payee:NTX-341500', 0, 9000);");
    today = LocalDate.now(ZoneOffset.ofHours(8));
    for (Channel channel : List.of(Channel.UNIONPAY, Channel.WECHAT)) {
      Await.result(engine.engine().reconciliation().run(today, channel));
    }
  }

  private static Map<String, JsonObject> byAccountAndChannel(JsonArray accounts) {
    Map<String, JsonObject> map = new HashMap<>();
    accounts.forEach(a -> map.put(((JsonObject) a).getString("payee_account_id") + "/"
        + ((JsonObject) a).getString("channel"), (JsonObject) a));
    return map;
  }

  @Test
  void theSettlementShowsThePlantedLegsAsMissingWithTheirAmounts() {
    ApiCaller.Answer answer = finance.get("/api/v1/finance/settlement?date=" + today);

    assertEquals(200, answer.status(), answer.text());
    Map<String, JsonObject> accounts = byAccountAndChannel(answer.json().getJsonArray("accounts"));
    JsonObject treasury = accounts.get("TRE-341500/unionpay");
    assertEquals(2, treasury.getInteger("legs_expected"), treasury.encode());
    assertEquals(3_000_000, treasury.getLong("expected_fen"));
    assertEquals(1, treasury.getInteger("legs_settled"));
    assertEquals(1_500_000, treasury.getLong("settled_fen"));
    assertEquals(1, treasury.getInteger("legs_missing"));
    assertEquals(1_500_000, treasury.getLong("missing_fen"));
    assertEquals(0, treasury.getInteger("legs_excess"));
    assertEquals(false, treasury.getBoolean("balanced"));
    JsonObject nonTax = accounts.get("NTX-341500/unionpay");
    assertEquals(1, nonTax.getInteger("legs_missing"), nonTax.encode());
    assertEquals(9_000, nonTax.getLong("missing_fen"));
    for (String account : List.of("TRE-341500/wechat", "NTX-341500/wechat")) {
      JsonObject clean = accounts.get(account);
      assertEquals(true, clean.getBoolean("balanced"), account + " " + clean);
      assertEquals(1, clean.getInteger("legs_settled"));
    }
  }

  @Test
  void oneAccountIsShownAloneAndTheAdministratorMayReadIt() {
    ApiCaller.Answer answer = engine.as(Role.ADMIN).get("/api/v1/finance/settlement?date=" + today + "&account=NTX-341500");

    assertEquals(200, answer.status(), answer.text());
    JsonArray accounts = answer.json().getJsonArray("accounts");
    assertEquals(2, accounts.size(), accounts.encode());
    accounts.forEach(a -> assertEquals("NTX-341500", ((JsonObject) a).getString("payee_account_id")));
  }

  @Test
  void theFinanceDailyReportCarriesTheSettlementInEachFormat() {
    ApiCaller.Answer json = finance.get("/api/v1/finance/reports/daily?date=" + today);
    assertEquals(200, json.status(), json.text());
    Map<String, JsonObject> accounts = byAccountAndChannel(json.json().getJsonArray("settlement"));
    assertEquals(1_500_000, accounts.get("TRE-341500/unionpay").getLong("missing_fen"));

    ApiCaller.Answer csv = finance.get("/api/v1/finance/reports/daily?date=" + today + "&format=csv");
    assertEquals(200, csv.status());
    String text = new String(csv.body(), StandardCharsets.UTF_8);
    assertTrue(text.contains("payee_account_id,channel,run_id,legs_expected,expected_fen,legs_settled,settled_fen,"
        + "legs_missing,missing_fen,legs_excess,excess_fen,legs_mismatched,balanced"), text);
    assertTrue(text.lines().anyMatch(l -> l.startsWith("TRE-341500,unionpay,") && l.contains(",2,3000000,1,1500000,1,1500000,0,0,0,false")), text);

    ApiCaller.Answer xlsx = finance.get("/api/v1/finance/reports/daily?date=" + today + "&format=xlsx");
    assertEquals(200, xlsx.status());
  }

  @Test
  void badInputGetsAProblemNamingTheField() {
    String[][] cases = {
        {"", "date"},
        {"?date=2026-13-01", "date"},
        {"?date=yesterday", "date"},
        {"?date=" + LocalDate.of(2026, 12, 1) + "&account=NO-SUCH-ACCOUNT", "account"},
        {"?date=" + LocalDate.of(2026, 12, 1) + "&account=%27%3B--", "account"},
        {"?date=" + LocalDate.of(2026, 12, 1) + "&channel=wechat", "channel"},
    };
    for (String[] c : cases) {
      ApiCaller.Answer answer = finance.get("/api/v1/finance/settlement" + c[0]);
      assertEquals(422, answer.status(), c[0] + " " + answer.text());
      assertEquals("application/problem+json", answer.contentType());
      assertTrue(answer.text().contains("\"" + c[1] + "\""), answer.text());
    }
  }

  @Test
  void theRegistrationSystemAndTheTaxAuthorityCannotReadTheSettlement() {
    for (Role role : List.of(Role.REGISTRATION, Role.TAX)) {
      ApiCaller.Answer answer = engine.as(role).get("/api/v1/finance/settlement?date=" + today);
      assertEquals(403, answer.status(), role + " " + answer.text());
      assertEquals("application/problem+json", answer.contentType());
    }
  }
}
