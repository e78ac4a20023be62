package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The tax page's confirmations are all or none and say what is wrong per row: a malformed
 * certificate number, a line already confirmed with another number through the API, no line
 * ticked, too many lines — each changes nothing. An htmx request gets the table alone.
 */
class TaxConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;
  private static ConsoleClient officer;
  private static String csrf;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("rows.tax", PersonRole.TAX, "341522");
    officer = new ConsoleClient(engine.baseUrl());
    assertEquals(303, officer.signIn("rows.tax", password).statusCode());
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

  @Test
  void aMalformedNumberIsShownOnItsRowAndNothingIsConfirmed() throws Exception {
    String good = fixture.paidOrder("341522") + "-1";
    String bad = fixture.paidOrder("341522") + "-1";
    HttpResponse<String> answer = officer.post("/console/tax/receipts/confirm", "_csrf", csrf,
        "line", good, "certificate_no." + good, "WSZM-OK-1",
        "line", bad, "certificate_no." + bad, "WSZM 2026/1");
    assertEquals(422, answer.statusCode());
    assertTrue(answer.body().contains("完税证明号须为 1 至 32 位字母、数字或 -。"), answer.body());
    assertTrue(answer.body().contains("有错误，本次未确认任何税票"), answer.body());
    assertEquals(0, confirmed(good, bad));
  }

  @Test
  void aLineConfirmedDifferentlyThroughTheApiRefusesTheWholeBatch() throws Exception {
    String other = fixture.paidOrder("341522") + "-1";
    String fresh = fixture.paidOrder("341522") + "-1";
    assertEquals(200, engine.as(Role.TAX).post("/api/v1/tax/receipts/" + other + "/confirm",
        "{\"certificate_no\":\"WSZM-API-1\"}", null).status());

    HttpResponse<String> answer = officer.post("/console/tax/receipts/confirm", "_csrf", csrf,
        "line", fresh, "certificate_no." + fresh, "WSZM-FRESH-1",
        "line", other, "certificate_no." + other, "WSZM-OTHER-1");

    assertEquals(409, answer.statusCode());
    assertTrue(answer.body().contains("已用其他证明号确认。"), answer.body());
    assertEquals(0, confirmed(fresh), "all or none: the fresh line is not kept");
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'rows.tax'"
        + " AND action = 'receipt.confirm' AND outcome = 'refused'"));
  }

  @Test
  void noLineOrTooManyLinesIsRefused() throws Exception {
    HttpResponse<String> none = officer.post("/console/tax/receipts/confirm", "_csrf", csrf);
    List<String> many = new ArrayList<>(List.of("_csrf", csrf));
    for (int i = 0; i < TaxConsoleRoutes.LINES_PER_CONFIRM_MAX + 1; i++) {
      many.add("line");
      many.add("TF2026120600000" + String.format("%05d", i) + "-1");
    }
    HttpResponse<String> tooMany = officer.post("/console/tax/receipts/confirm", many, Map.of());
    assertEquals(422, none.statusCode());
    assertEquals(422, tooMany.statusCode());
    assertTrue(none.body().contains("请勾选 1 至 200 笔税票。"), none.body());
  }

  @Test
  void anHtmxRequestGetsTheTableAloneAndAPlainPostTheWholePage() throws Exception {
    String line = fixture.paidOrder("341522") + "-1";
    HttpResponse<String> htmx = officer.post("/console/tax/receipts/confirm",
        List.of("line", line, "certificate_no." + line, "WSZM-HX-1"), Map.of("HX-Request", "true", "X-CSRF-Token", csrf));
    assertEquals(200, htmx.statusCode(), htmx.body());
    assertTrue(htmx.body().startsWith("<div id=\"receipts\">"), htmx.body());
    assertFalse(htmx.body().contains("<html"));
    assertTrue(htmx.body().contains("已确认 1 笔。"));
    assertEquals(1, confirmed(line));

    String next = fixture.paidOrder("341522") + "-1";
    HttpResponse<String> plain = officer.post("/console/tax/receipts/confirm", "_csrf", csrf,
        "line", next, "certificate_no." + next, "WSZM-PLAIN-1");
    assertEquals(200, plain.statusCode());
    assertTrue(plain.body().contains("<html"));
    assertEquals(1, confirmed(next));
  }
}
