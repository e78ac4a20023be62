package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tax receipts page lists by tax office and page by page, and confirms a CSV of line id →
 * certificate number through the API's door, all or none: every bad row (header, columns, a line
 * id twice, an unknown line, a line of another region, a line confirmed with another number) is
 * shown on its row and nothing changes. A forged region, a post without its CSRF token, an auditor
 * and an oversized upload are refused.
 */
class TaxConsoleUploadTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static final Pattern ROW = Pattern.compile("id=\"line-(TF[0-9]{18}-[0-9]+)\"");
  private static ConsoleFixture fixture;
  private static ConsoleClient officer;
  private static String csrf;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("csv.tax", PersonRole.TAX, "341522");
    officer = new ConsoleClient(engine.baseUrl());
    assertEquals(303, officer.signIn("csv.tax", password).statusCode());
    csrf = ConsoleClient.csrf(officer.get("/console/tax/receipts").body());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static long confirmed(String... lines) {
    return engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no IN ('"
        + String.join("', '", lines) + "') AND confirmation_no IS NOT NULL");
  }

  private static HttpResponse<String> upload(ConsoleClient client, String token, String csv, String... more) {
    List<String> fields = new ArrayList<>(List.of("_csrf", token, "csv", csv));
    fields.addAll(List.of(more));
    return client.post("/console/tax/receipts/upload", fields, Map.of());
  }

  private static List<String> rows(String html) {
    List<String> rows = new ArrayList<>();
    Matcher matcher = ROW.matcher(html);
    while (matcher.find()) {
      rows.add(matcher.group(1));
    }
    return rows;
  }

  @Test
  void aGoodCsvConfirmsEveryRowAndRecordsEachInTheAuditLog() throws Exception {
    String a = fixture.paidOrder("341522") + "-1";
    String b = fixture.paidOrder("341522") + "-1";
    String c = fixture.paidOrder("341522") + "-1";
    String csv = "\uFEFFline_id,certificate_no\r\n" + a + ",WSZM-CSV-1\r\n\"" + b + "\",\"WSZM-CSV-2\"\r\n\r\n"
        + c + ",WSZM-CSV-3\r\n";

    HttpResponse<String> answer = upload(officer, csrf, csv);

    assertEquals(200, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("已确认 3 笔。"), answer.body());
    assertEquals(3, confirmed(a, b, c));
    assertEquals(1, engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no = '"
        + b + "' AND confirmation_no = 'WSZM-CSV-2'"));
    assertEquals(3, engine.count("SELECT count(*) FROM audit_event WHERE login = 'csv.tax' AND action = 'receipt.confirm'"
        + " AND outcome = 'ok' AND detail LIKE '%(csv)'"));
    String today = java.time.LocalDate.now(java.time.ZoneOffset.ofHours(8)).toString();
    assertTrue(engine.as(Role.TAX).get("/api/v1/tax/receipts?status=confirmed&date=" + today).text()
            .contains("WSZM-CSV-1"),
        "the API sees the console's confirmation");
  }

  @Test
  void aBadCsvShowsEveryRowsErrorAndConfirmsNothing() throws Exception {
    String good = fixture.paidOrder("341522") + "-1";
    String twice = fixture.paidOrder("341522") + "-1";
    String elsewhere = fixture.paidOrder("341500") + "-1";
    String other = fixture.paidOrder("341522") + "-1";
    assertEquals(200, engine.as(Role.TAX).post("/api/v1/tax/receipts/" + other + "/confirm",
        "{\"certificate_no\":\"WSZM-API-9\"}", null).status());
    String csv = String.join("\n", "line_id,certificate_no",
        good + ",WSZM-GOOD-1",                      // row 2: fine on its own
        twice + ",WSZM-T-1",                        // row 3
        twice + ",WSZM-T-2",                        // row 4: the same line id again
        "TF209912310000000001-1,WSZM-X-1",          // row 5: no such line
        elsewhere + ",WSZM-E-1",                    // row 6: a line of 341500
        other + ",WSZM-OTHER-1",                    // row 7: confirmed with another number
        good + "-x,WSZM-9",                         // row 8: not a line id
        "TF209912310000000002-1,WSZM/9",            // row 9: a bad certificate number
        "TF209912310000000003-1,WSZM-9,extra");     // row 10: three columns

    HttpResponse<String> answer = upload(officer, csrf, csv);

    assertEquals(422, answer.statusCode(), answer.body());
    String body = answer.body();
    assertTrue(body.contains("CSV 有 7 行错误，本次未确认任何税票"), body);
    assertTrue(body.contains("<td>4</td><td>" + twice + "</td><td class=\"error\">与第 3 行的税票行号重复。"), body);
    assertTrue(body.contains("不是您所辖区划的税票。"), body);
    assertTrue(body.contains("已用其他证明号确认。"), body);
    assertTrue(body.contains("没有这笔税票。"), body);
    assertTrue(body.contains("完税证明号须为 1 至 32 位字母、数字或 -。"), body);
    assertTrue(body.contains("每行须恰为两列"), body);
    assertEquals(0, confirmed(good, twice, elsewhere), "all or none: nothing of the file is kept");
    assertEquals(1, engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no = '"
        + other + "' AND confirmation_no = 'WSZM-API-9'"));
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'csv.tax' AND action = 'receipt.upload'"
        + " AND outcome = 'refused' AND detail LIKE '%row 4 " + twice + "%'"));
  }

  @Test
  void aCsvWithoutItsHeaderOrEmptyIsRefused() throws Exception {
    String line = fixture.paidOrder("341522") + "-1";
    HttpResponse<String> noHeader = upload(officer, csrf, line + ",WSZM-NH-1\n");
    HttpResponse<String> empty = upload(officer, csrf, "\n\n");

    assertEquals(422, noHeader.statusCode());
    assertTrue(noHeader.body().contains("表头须为 line_id,certificate_no。"), noHeader.body());
    assertEquals(422, empty.statusCode());
    assertEquals(0, confirmed(line));
  }

  @Test
  void anUploadBeyondTheBodyLimitIsRefusedBeforeAnyRowIsRead() throws Exception {
    String line = fixture.paidOrder("341522") + "-1";
    StringBuilder csv = new StringBuilder("line_id,certificate_no\n" + line + ",WSZM-BIG-1\n");
    while (csv.length() <= ConsoleRoutes.FORM_SIZE_MAX_BYTES) {
      csv.append("TF209912310000000001-1,WSZM-FILLER-0000000000000000\n");
    }
    HttpResponse<String> answer = upload(officer, csrf, csv.toString());

    assertEquals(413, answer.statusCode());
    assertEquals(0, confirmed(line));
  }

  @Test
  void moreRowsThanTheMaximumAreRefused() throws Exception {
    String line = fixture.paidOrder("341522") + "-1";
    StringBuilder csv = new StringBuilder("line_id,certificate_no\n" + line + ",WSZM-MANY-1\n");
    for (int i = 0; i < TaxConsoleRoutes.CSV_ROWS_MAX; i++) {
      csv.append(String.format("TF2099123100000%05d-1,W%d%n", i, i));
    }
    HttpResponse<String> answer = upload(officer, csrf, csv.toString());

    assertEquals(422, answer.statusCode());
    assertTrue(answer.body().contains("CSV 最多 500 行。"), answer.body());
    assertEquals(0, confirmed(line));
  }

  @Test
  void aForgedRegionAnUploadWithoutItsTokenAndAnAuditorAreRefused() throws Exception {
    String line = fixture.paidOrder("341522") + "-1";
    String csv = "line_id,certificate_no\n" + line + ",WSZM-FORGED-1\n";

    HttpResponse<String> forged = upload(officer, csrf, csv, "region", "341500");
    HttpResponse<String> noToken = officer.post("/console/tax/receipts/upload", "csv", csv);
    String auditorPassword = fixture.addSettledPerson("csv.auditor", PersonRole.AUDITOR, "341522");
    ConsoleClient auditor = new ConsoleClient(engine.baseUrl());
    auditor.signIn("csv.auditor", auditorPassword);
    String auditorToken = ConsoleClient.csrf(auditor.get("/console/tax/receipts").body());
    HttpResponse<String> byAuditor = upload(auditor, auditorToken, csv);

    assertEquals(403, forged.statusCode());
    assertEquals(403, noToken.statusCode());
    assertEquals(403, byAuditor.statusCode());
    assertEquals(0, confirmed(line));
    assertFalse(auditor.get("/console/tax/receipts").body().contains("id=\"csv-form\""),
        "an auditor is not offered the upload");
  }

  @Test
  void aConfirmationFormNamingAnotherRegionIsRefusedAndShowsNothingOfIt() throws Exception {
    String elsewhere = fixture.paidOrder("341500") + "-1";
    String mine = fixture.paidOrder("341522") + "-1";

    HttpResponse<String> forged = officer.post("/console/tax/receipts/confirm", "_csrf", csrf, "region", "341500",
        "line", mine, "certificate_no." + mine, "WSZM-FORM-1");

    assertEquals(403, forged.statusCode());
    assertFalse(forged.body().contains(elsewhere), "the refusal lists nothing of 341500");
    assertEquals(0, confirmed(mine, elsewhere));
  }

  @Test
  void theListFiltersByTaxOfficeAndPagesThroughEveryLine() throws Exception {
    String password = fixture.addSettledPerson("pages.tax", PersonRole.TAX, "341500", "341522");
    ConsoleClient both = new ConsoleClient(engine.baseUrl());
    both.signIn("pages.tax", password);
    Set<String> created = new HashSet<>();
    for (int i = 0; i < TaxConsoleRoutes.LINES_PER_PAGE_MAX + 1; i++) {
      created.add(fixture.paidOrder("341500") + "-1");
    }
    String huoqiu = fixture.paidOrder("341522") + "-1";

    String huoqiuOffice = both.get("/console/tax/receipts?office=13415220000").body();
    assertTrue(rows(huoqiuOffice).contains(huoqiu), huoqiuOffice);
    assertTrue(rows(huoqiuOffice).stream().noneMatch(created::contains), "only the lines of Huoqiu's tax office");

    String first = both.get("/console/tax/receipts?office=13415000000").body();
    List<String> firstRows = rows(first);
    assertEquals(TaxConsoleRoutes.LINES_PER_PAGE_MAX, firstRows.size());
    Matcher next = Pattern.compile("id=\"next-page\" href=\"([^\"]+)\"").matcher(first);
    assertTrue(next.find(), "a next page is offered");
    String second = both.get(next.group(1).replace("&amp;", "&")).body();
    List<String> secondRows = rows(second);
    assertFalse(secondRows.isEmpty());
    assertTrue(secondRows.stream().noneMatch(firstRows::contains), "the next page starts after the first");
    assertFalse(second.contains("id=\"next-page\""), second);
    Set<String> seen = new HashSet<>(firstRows);
    seen.addAll(secondRows);
    assertTrue(seen.containsAll(created), "every line is on one of the pages");
    assertFalse(seen.contains(huoqiu));
  }
}
