package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.clearing.person.PersonRole;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The finance bureau's non-tax receipts: a CSV of line id → e-bill number with bad rows is
 * refused whole with an error per row, and so is one naming a line that does not exist; a good
 * one, or lines ticked on the page, confirm them all; a line of another region is refused (403);
 * an auditor cannot confirm. Nothing is ever half-done.
 */
class FinanceReceiptsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;
  private static ConsoleClient luan;
  private static ConsoleClient huoqiu;
  private static ConsoleClient auditor;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    luan = signedIn("luan.receipts", PersonRole.FINANCE, "341500");
    huoqiu = signedIn("huoqiu.receipts", PersonRole.FINANCE, "341522");
    auditor = signedIn("luan.receipts.audit", PersonRole.AUDITOR, "341500");
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

  private static String csrf(ConsoleClient client) {
    return ConsoleClient.csrf(client.get("/console/finance/receipts").body());
  }

  private static long confirmed(String... lines) {
    return engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no IN ('"
        + String.join("', '", lines) + "') AND confirmation_no IS NOT NULL");
  }

  @Test
  void aCsvWithBadRowsIsRefusedWholeWithAnErrorPerRow() throws Exception {
    String order = fixture.paidOrder("341500");
    String good = order + "-2";
    String csv = String.join("\n", "line_id,ebill_no", good + ",EB-2026-1", order + "-3,EB 2026/2",
        "TF1-2,EB-3", good + ",EB-2026-9", "only-one-field", "");

    HttpResponse<String> answer = luan.post("/console/finance/receipts/upload", "_csrf", csrf(luan), "csv", csv);

    assertEquals(422, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("第 3 行 " + order + "-3: 电子票据号须为 1 至 32 位字母、数字或 -。"), answer.body());
    assertTrue(answer.body().contains("第 4 行 TF1-2: 没有这一行"), answer.body());
    assertTrue(answer.body().contains("第 5 行 " + good + ": 票据行重复。"), answer.body());
    assertTrue(answer.body().contains("第 6 行: 每行须为"), answer.body());
    assertTrue(answer.body().contains("有错误，本次未确认任何票据。"), answer.body());
    assertEquals(0, confirmed(good, order + "-3"), "nothing half-done");
  }

  @Test
  void aCsvNamingALineThatDoesNotExistConfirmsNoneOfItsGoodRows() throws Exception {
    String order = fixture.paidOrder("341500");
    String missing = "TF209912310000000001-2";
    HttpResponse<String> answer = luan.post("/console/finance/receipts/upload", "_csrf", csrf(luan),
        "csv", order + "-2,EB-OK-1\n" + missing + ",EB-OK-2\n");

    assertEquals(409, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains(missing + ": "), answer.body());
    assertEquals(0, confirmed(order + "-2"));
  }

  @Test
  void aGoodCsvOrTickedLinesConfirmThemAllAndRecordEach() throws Exception {
    String first = fixture.paidOrder("341500");
    String second = fixture.paidOrder("341500");

    HttpResponse<String> uploaded = luan.post("/console/finance/receipts/upload", "_csrf", csrf(luan),
        "csv", "line_id,ebill_no\r\n" + first + "-2,EB-A-1\r\n" + first + "-3,EB-A-2\r\n");
    HttpResponse<String> ticked = luan.post("/console/finance/receipts/confirm", "_csrf", csrf(luan),
        "line", second + "-2", "ebill_no." + second + "-2", "EB-B-1",
        "line", second + "-3", "ebill_no." + second + "-3", "EB-B-2");

    assertEquals(200, uploaded.statusCode(), uploaded.body());
    assertTrue(uploaded.body().contains("已确认 2 笔。"), uploaded.body());
    assertEquals(200, ticked.statusCode(), ticked.body());
    assertEquals(4, confirmed(first + "-2", first + "-3", second + "-2", second + "-3"));
    assertEquals("EB-A-2", TestDatabase.queryString(engine.get().pgUrl(),
        "SELECT confirmation_no FROM order_line WHERE order_no = '" + first + "' AND line_no = 3"));
    assertEquals(4, engine.count("SELECT count(*) FROM audit_event WHERE login = 'luan.receipts'"
        + " AND action = 'receipt.confirm' AND outcome = 'ok'"));
    assertEquals(0, confirmed(first + "-1"), "the tax line is the tax authority's, untouched");
  }

  @Test
  void aCsvNamingAnotherRegionsLineIsRefusedAndAnAuditorCannotConfirm() throws Exception {
    String luanOrder = fixture.paidOrder("341500");
    String huoqiuOrder = fixture.paidOrder("341522");
    assertFalse(huoqiu.get("/console/finance/receipts").body().contains(luanOrder), "Huoqiu sees nothing of Lu'an");

    HttpResponse<String> forged = huoqiu.post("/console/finance/receipts/upload", "_csrf", csrf(huoqiu),
        "csv", huoqiuOrder + "-2,EB-H-1\n" + luanOrder + "-2,EB-H-2\n");
    HttpResponse<String> byAuditor = auditor.post("/console/finance/receipts/upload", "_csrf", csrf(auditor),
        "csv", luanOrder + "-2,EB-AU-1\n");
    HttpResponse<String> tokenless = luan.post("/console/finance/receipts/upload", "csv", luanOrder + "-2,EB-NT-1\n");

    assertEquals(403, forged.statusCode(), forged.body());
    assertEquals(403, byAuditor.statusCode());
    assertEquals(403, tokenless.statusCode());
    assertEquals(0, confirmed(huoqiuOrder + "-2", luanOrder + "-2"), "not even Huoqiu's own line");
  }
}
