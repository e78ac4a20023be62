package org.clearing.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.time.ZoneOffset;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The running engine serves the daily reports to their authorities only, as JSON and CSV. */
class ReportRouteTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  @Test
  void theAuthoritiesGetTheirDailyReportsAndOthersDoNot() {
    String today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    ApiCaller.Answer finance = engine.as(Role.FINANCE).get("/api/v1/finance/reports/daily?date=" + today);
    ApiCaller.Answer csv = engine.as(Role.FINANCE).get("/api/v1/finance/reports/daily?date=" + today + "&format=csv");
    ApiCaller.Answer tax = engine.as(Role.TAX).get("/api/v1/tax/reports/daily?date=" + today);

    assertEquals(200, finance.status(), finance.text());
    assertTrue(finance.contentType().startsWith("application/json"));
    assertEquals(200, csv.status());
    assertEquals((byte) 0xEF, csv.body()[0], "the CSV starts with a UTF-8 BOM for Excel");
    assertEquals(200, tax.status(), tax.text());
    assertEquals(403, engine.as(Role.REGISTRATION).get("/api/v1/finance/reports/daily?date=" + today).status());
    assertEquals(403, engine.as(Role.FINANCE).get("/api/v1/tax/reports/daily?date=" + today).status());
    assertEquals(422, engine.as(Role.TAX).get("/api/v1/tax/reports/daily?date=tomorrow").status());
  }
}
