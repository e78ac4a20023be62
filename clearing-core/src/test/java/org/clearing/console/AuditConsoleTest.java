package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The auditor reads the day's audit log and exports it as CSV (the export itself recorded, cells
 * that a spreadsheet would run as formulas defused); a tax officer may not read it; and no one,
 * not even the database's owner, can change or delete a recorded action.
 */
class AuditConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new ConsoleFixture(engine);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @Test
  void theAuditorReadsAndExportsTheDaysActions() throws Exception {
    String taxPassword = fixture.addSettledPerson("seen.tax", PersonRole.TAX, "341522");
    new ConsoleClient(engine.baseUrl()).signIn("seen.tax", "a-wrong-password");
    new ConsoleClient(engine.baseUrl()).signIn("=cmd|' /C calc'!A0", "whatever-password");
    assertEquals(303, new ConsoleClient(engine.baseUrl()).signIn("seen.tax", taxPassword).statusCode());
    String password = fixture.addSettledPerson("the.auditor", PersonRole.AUDITOR, "341522");
    ConsoleClient auditor = new ConsoleClient(engine.baseUrl());
    assertEquals(303, auditor.signIn("the.auditor", password).statusCode());

    HttpResponse<String> page = auditor.get("/console/audit");
    HttpResponse<String> csv = auditor.get("/console/audit.csv");

    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("seen.tax"), page.body());
    assertEquals(200, csv.statusCode());
    assertTrue(csv.headers().firstValue("Content-Type").orElseThrow().startsWith("text/csv"));
    assertTrue(csv.body().contains("\"seen.tax\",\"sign_in\",,\"refused\""), csv.body());
    assertTrue(csv.body().contains("\"seen.tax\",\"sign_in\",,\"ok\""), csv.body());
    assertTrue(csv.body().contains("\"'=cmd|"), "a formula-like cell is defused: " + csv.body());
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'the.auditor' AND action = 'audit.export'"));
  }

  @Test
  void aTaxOfficerMayNotReadTheAuditLog() throws Exception {
    String password = fixture.addSettledPerson("nosy.tax", PersonRole.TAX, "341522");
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    client.signIn("nosy.tax", password);
    assertEquals(403, client.get("/console/audit").statusCode());
    assertEquals(403, client.get("/console/audit.csv").statusCode());
  }

  @Test
  void aRecordedActionCannotBeChangedOrDeleted() throws Exception {
    fixture.addSettledPerson("erase.me", PersonRole.TAX, "341522");
    new ConsoleClient(engine.baseUrl()).signIn("erase.me", "a-wrong-password");
    long before = engine.count("SELECT count(*) FROM audit_event WHERE login = 'erase.me'");
    assertTrue(before > 0);
    for (String sql : new String[] {"UPDATE audit_event SET outcome = 'ok' WHERE login = 'erase.me'",
        "DELETE FROM audit_event WHERE login = 'erase.me'", "TRUNCATE audit_event CASCADE"}) {
      try {
        TestDatabase.execute(engine.pgUrl(), sql);
        throw new AssertionError("allowed: " + sql);
      } catch (RuntimeException refused) {
        assertTrue(String.valueOf(refused.getMessage()).contains("append-only")
            || String.valueOf(refused.getCause()).contains("append-only"), String.valueOf(refused));
      }
    }
    assertEquals(before, engine.count("SELECT count(*) FROM audit_event WHERE login = 'erase.me' AND outcome = 'refused'"));
  }
}
