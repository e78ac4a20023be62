package org.clearing.receipt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.Role;
import org.clearing.payment.PaymentIntake;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tax authority lists paid tax lines with everything a tax office needs and confirms each
 * with a certificate number; the finance bureau does the same for non-tax lines with the e-bill
 * number. Confirmation is idempotent, a different number conflicts, and each side sees only its
 * own lines.
 */
class ReceiptApiTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller registration;
  private static ApiCaller tax;
  private static ApiCaller finance;
  private static Pool pool;
  private static PaymentIntake intake;
  private static String today;

  @BeforeAll
  static void start() throws Exception {
    registration = engine.as(Role.REGISTRATION);
    tax = engine.as(Role.TAX);
    finance = engine.as(Role.FINANCE);
    pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(engine.pgUrl()))
        .using(engine.engine().vertx()).build();
    intake = new PaymentIntake(engine.engine().vertx(), pool);
    today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
  }

  private static int cases;

  /** A new order with a tax voucher, paid now through WeChat. */
  private static String paidOrder() throws Exception {
    JsonObject body = OrderBodies.typical("RCPT-" + (++cases));
    body.getJsonArray("lines").getJsonObject(0).put("tax_voucher_no", "33415000000000000" + cases);
    String orderNo = registration.post("/api/v1/orders", body.encode(), "rcpt-" + cases).json()
        .getString("order_no");
    intake.recordPayment(new PaymentNotification(Channel.WECHAT, "EV-R" + cases,
            OutTradeNumbers.of(Channel.WECHAT, orderNo), "42000099" + cases, Money.ofFen(1_509_000), "CNY",
            true, Instant.now(), "openid", org.clearing.channel.PayeeIdentity.of("test-merchant", "", "")), PaymentIntake.Source.CALLBACK)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return orderNo;
  }

  private static JsonArray lines(ApiCaller caller, String path, String orderNo) {
    ApiCaller.Answer answer = caller.get(path);
    assertEquals(200, answer.status(), answer.text());
    JsonArray mine = new JsonArray();
    answer.json().getJsonArray("lines").forEach(l -> {
      if (((JsonObject) l).getString("order_no").equals(orderNo)) {
        mine.add(l);
      }
    });
    return mine;
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void theTaxAuthorityListsPaidTaxLinesWithWhatATaxOfficeNeeds() throws Exception {
    String paidOrderNo = paidOrder();
    String unpaid = registration.post("/api/v1/orders", OrderBodies.typical("RCPT-UNPAID").encode(),
        "rcpt-unpaid").json().getString("order_no");

    JsonArray lines = lines(tax, "/api/v1/tax/receipts?status=unconfirmed&date=" + today, paidOrderNo);
    assertEquals(1, lines.size(), "only the paid order's one tax line: " + lines.encode());
    assertEquals(0, lines(tax, "/api/v1/tax/receipts?status=all&date=" + today, unpaid).size());
    JsonObject line = lines.getJsonObject(0);
    assertEquals(paidOrderNo + "-1", line.getString("line_id"));
    assertEquals("DEED_TAX", line.getString("kind"));
    assertEquals("33415000000000000" + cases, line.getString("tax_voucher_no"));
    assertEquals("13415000000", line.getString("tax_office_code"));
    assertEquals("10119", line.getString("budget_subject_code"));
    assertEquals("3", line.getString("budget_level"));
    assertEquals("3415000000", line.getString("treasury_code"));
    assertEquals(1_500_000L, line.getLong("amount_fen"));
    assertEquals("341***********123X", line.getString("payer_id_masked"));
    assertTrue(line.containsKey("paid_at"));
    assertFalse(tax.get("/api/v1/tax/receipts?status=all&date=" + today).text().contains("34150019900101123X"));
  }

  @Test
  void confirmationIsIdempotentAndAnotherNumberConflicts() throws Exception {
    String paidOrderNo = paidOrder();
    String path = "/api/v1/tax/receipts/" + paidOrderNo + "-1/confirm";
    ApiCaller.Answer first = tax.post(path, "{\"certificate_no\":\"WSZM-2026-0001\"}", null);
    ApiCaller.Answer again = tax.post(path, "{\"certificate_no\":\"WSZM-2026-0001\"}", null);
    ApiCaller.Answer other = tax.post(path, "{\"certificate_no\":\"WSZM-2026-0002\"}", null);

    assertEquals(200, first.status(), first.text());
    assertEquals(200, again.status());
    assertTrue(again.json().getBoolean("already_confirmed"));
    assertEquals(409, other.status());
    assertEquals("application/problem+json", other.contentType());
    JsonArray confirmed = lines(tax, "/api/v1/tax/receipts?status=confirmed&date=" + today, paidOrderNo);
    assertEquals("WSZM-2026-0001", confirmed.getJsonObject(0).getString("certificate_no"));
    assertEquals(0, lines(tax, "/api/v1/tax/receipts?status=unconfirmed&date=" + today, paidOrderNo).size());
  }

  @Test
  void theFinanceBureauConfirmsNonTaxLinesWithTheEbillNumber() throws Exception {
    String paidOrderNo = paidOrder();
    JsonArray lines = lines(finance, "/api/v1/finance/receipts?date=" + today, paidOrderNo);
    assertEquals(2, lines.size());
    assertEquals("103043211", lines.getJsonObject(0).getString("income_item_code"));

    ApiCaller.Answer confirmed = finance.post("/api/v1/finance/receipts/" + paidOrderNo + "-2/confirm",
        "{\"ebill_no\":\"3401250000123456\"}", null);

    assertEquals(200, confirmed.status(), confirmed.text());
    assertFalse(confirmed.json().getBoolean("order_completed"), "legs are not settled yet");
    assertEquals(1, engine.count("SELECT count(*) FROM order_line WHERE confirmation_no = '3401250000123456'"));
  }

  @Test
  void eachAuthoritySeesAndConfirmsOnlyItsOwnLines() throws Exception {
    String paidOrderNo = paidOrder();
    assertEquals(404, finance.post("/api/v1/finance/receipts/" + paidOrderNo + "-1/confirm",
        "{\"ebill_no\":\"1\"}", null).status());
    assertEquals(403, finance.get("/api/v1/tax/receipts?date=" + today).status());
    assertEquals(403, registration.get("/api/v1/finance/receipts?date=" + today).status());
    assertEquals(0, engine.count("SELECT count(*) FROM order_line WHERE confirmation_no = '1'"));
  }

  @Test
  void unpaidLinesCannotBeConfirmed() {
    String unpaid = registration.post("/api/v1/orders", OrderBodies.typical("RCPT-OPEN").encode(),
        "rcpt-open").json().getString("order_no");
    ApiCaller.Answer answer = tax.post("/api/v1/tax/receipts/" + unpaid + "-1/confirm",
        "{\"certificate_no\":\"X1\"}", null);
    assertEquals(409, answer.status(), answer.text());
  }

  @Test
  void badListAndConfirmRequestsNameTheField() throws Exception {
    String paidOrderNo = paidOrder();
    for (String query : new String[] {"", "?date=2026-13-01", "?date=" + today + "&status=maybe",
        "?date=" + today + "&limit=0", "?date=" + today + "&after=nope"}) {
      ApiCaller.Answer answer = tax.get("/api/v1/tax/receipts" + query);
      assertEquals(422, answer.status(), query);
      assertEquals("application/problem+json", answer.contentType());
    }
    String path = "/api/v1/tax/receipts/" + paidOrderNo + "-1/confirm";
    assertEquals(422, tax.post(path, "{}", null).status());
    assertEquals(422, tax.post(path, "{\"certificate_no\":\"has space\"}", null).status());
    assertEquals(422, tax.post(path, "{\"certificate_no\":\"A1\",\"extra\":1}", null).status());
    assertEquals(404, tax.post("/api/v1/tax/receipts/nonsense/confirm", "{\"certificate_no\":\"A1\"}", null).status());
  }
}
