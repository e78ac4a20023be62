package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.zip.ZipInputStream;
import org.clearing.client.Role;
import org.clearing.identity.PublishedKeys;
import org.clearing.person.PersonRole;
import org.clearing.report.ReportSigner;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tax officer's daily report downloads as CSV and XLSX, signed so that it verifies with the key
 * the engine publishes, and holds only the officer's regions; the chart's JSON sums the same
 * lines by tax type for the day and the month. A bad date or format is refused (problem+json).
 */
class TaxReportConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static final String TODAY = LocalDate.now(ZoneOffset.ofHours(8)).toString();
  private static final long DEED_TAX_FEN = 1_500_000;
  private static ConsoleFixture fixture;
  private static ConsoleClient officer;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("report.tax", PersonRole.TAX, "341522");
    officer = new ConsoleClient(engine.baseUrl());
    assertEquals(303, officer.signIn("report.tax", password).statusCode());
    fixture.paidOrder("341522");
    fixture.paidOrder("341522");
    fixture.paidOrder("341500");
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static PublishedKeys.Verdict verify(HttpResponse<byte[]> report) {
    return verify(report, report.body());
  }

  /** Verifies {@code body} against the report's signature header with the key the engine publishes. */
  private static PublishedKeys.Verdict verify(HttpResponse<byte[]> report, byte[] body) {
    String keys = engine.as(Role.TAX).send("GET", "/api/v1/engine/public-keys", new byte[0], Map.of(), false).text();
    return PublishedKeys.fromJson(keys).verifyReport(report.headers().firstValue(ReportSigner.HEADER).orElseThrow(),
        body, Instant.now());
  }

  @Test
  void theCsvIsSignedVerifiesWithThePublishedKeyAndHoldsOnlyTheOfficersRegions() throws Exception {
    HttpResponse<byte[]> csv = officer.download("/console/tax/report/download?date=" + TODAY + "&format=csv");

    assertEquals(200, csv.statusCode());
    assertInstanceOf(PublishedKeys.Verified.class, verify(csv));
    String text = new String(csv.body(), StandardCharsets.UTF_8);
    assertTrue(text.contains("13415220000"), text);
    assertFalse(text.contains("13415000000"), "nothing of 341500's tax office");
    assertTrue(text.contains(",2," + (2 * DEED_TAX_FEN) + ","), "two paid deed tax lines: " + text);
    assertTrue(csv.headers().firstValue("Content-Disposition").orElseThrow().contains("tax-report-" + TODAY + "-341522.csv"));

    byte[] tampered = csv.body().clone();
    tampered[tampered.length - 2] ^= 1;
    assertInstanceOf(PublishedKeys.Refused.class, verify(csv, tampered), "one changed byte no longer verifies");
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'report.tax'"
        + " AND action = 'report.download' AND outcome = 'ok' AND target = 'tax-report-" + TODAY + "-341522.csv'"));
  }

  @Test
  void theXlsxIsAWorkbookSignedTheSameWay() throws Exception {
    HttpResponse<byte[]> xlsx = officer.download("/console/tax/report/download?date=" + TODAY + "&format=xlsx");

    assertEquals(200, xlsx.statusCode());
    assertInstanceOf(PublishedKeys.Verified.class, verify(xlsx));
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(xlsx.body()))) {
      assertTrue(zip.getNextEntry() != null, "an XLSX is a zip of parts");
    }
  }

  @Test
  void aBadDateOrFormatIsRefusedAsAProblem() {
    for (String query : new String[] {"date=2026-13-01&format=csv", "format=csv", "date=" + TODAY + "&format=json",
        "date=" + TODAY + "&format=pdf", "date=" + TODAY}) {
      HttpResponse<String> answer = officer.get("/console/tax/report/download?" + query);
      assertEquals(422, answer.statusCode(), query);
      assertTrue(answer.headers().firstValue("Content-Type").orElseThrow().startsWith("application/problem+json"), query);
    }
  }

  @Test
  void theChartsFiguresAreTheDaysAndTheMonthsCollectionsOfTheOfficersRegionsByTaxType() {
    JsonObject figures = new JsonObject(officer.get("/console/tax/collections.json?date=" + TODAY).body());

    JsonArray kinds = figures.getJsonArray("kinds");
    assertEquals(1, kinds.size(), figures.encode());
    assertEquals("DEED_TAX", kinds.getJsonObject(0).getString("kind"));
    assertEquals("契税", kinds.getJsonObject(0).getString("name"));
    assertEquals(2 * DEED_TAX_FEN, kinds.getJsonObject(0).getLong("day_fen"));
    assertEquals(2 * DEED_TAX_FEN, figures.getLong("month_fen"), "nothing earlier this month, nothing of 341500");
    JsonObject before = new JsonObject(officer.get("/console/tax/collections.json?date="
        + LocalDate.now(ZoneOffset.ofHours(8)).minusDays(1)).body());
    assertEquals(0, before.getLong("day_fen"));

    String page = officer.get("/console/tax/report?date=" + TODAY).body();
    assertTrue(page.contains("data-source=\"/console/tax/collections.json?date=" + TODAY + "\""), page);
    assertFalse(page.contains("<script>"), "no inline script");
  }

  @Test
  void theTaxPagesSpeakEnglishOnRequest() throws Exception {
    String password = fixture.addSettledPerson("report.en", PersonRole.TAX, "341522");
    ConsoleClient english = new ConsoleClient(engine.baseUrl());
    english.signIn("report.en", password);
    assertTrue(english.get("/console/tax/report?lang=en").body().contains("Tax daily report and collections"));
    assertTrue(english.get("/console/tax/refunds?lang=en").body().contains("Refunds after settlement"));
    String receipts = english.get("/console/tax/receipts?lang=en").body();
    assertTrue(receipts.contains("Confirm by CSV upload"), receipts);
    assertFalse(receipts.contains("??"), "every text has its English");
    JsonObject figures = new JsonObject(english.get("/console/tax/collections.json?date=" + TODAY).body());
    assertEquals("Deed tax", figures.getJsonArray("kinds").getJsonObject(0).getString("name"));
  }

  @Test
  void aPersonWithoutTheTaxOrAuditorRoleIsRefused() throws Exception {
    String password = fixture.addSettledPerson("report.admin", PersonRole.ADMIN, "341522");
    ConsoleClient admin = new ConsoleClient(engine.baseUrl());
    admin.signIn("report.admin", password);

    assertEquals(403, admin.get("/console/tax/report/download?date=" + TODAY + "&format=csv").statusCode());
    assertEquals(403, admin.get("/console/tax/collections.json?date=" + TODAY).statusCode());
  }
}
