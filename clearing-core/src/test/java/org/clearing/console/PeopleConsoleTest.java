package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.person.PersonRole;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The administrator manages people in the console: adds a person for the administrator's own
 * regions with a one-time password shown once, resets a password, disables a person (whose
 * session ends at once). Another region's people, the administrator's own account and the pages
 * themselves (for anyone but an administrator) are refused.
 */
class PeopleConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static final Pattern ONE_TIME = Pattern.compile("([A-Za-z0-9]{20})");
  private static ConsoleFixture fixture;
  private static ConsoleClient admin;
  private static String csrf;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("huoqiu.admin", PersonRole.ADMIN, "341522");
    admin = new ConsoleClient(engine.baseUrl());
    assertEquals(303, admin.signIn("huoqiu.admin", password).statusCode());
    csrf = ConsoleClient.csrf(admin.get("/console/admin/people").body());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static String oneTimePassword(HttpResponse<String> answer) {
    Matcher flash = Pattern.compile("<p id=\"flash\" class=\"ok\">([^<]*)</p>").matcher(answer.body());
    assertTrue(flash.find(), answer.body());
    Matcher password = ONE_TIME.matcher(flash.group(1));
    assertTrue(password.find(), flash.group(1));
    return password.group(1);
  }

  @Test
  void anAddedPersonSignsInWithTheOneTimePasswordShownOnce() {
    HttpResponse<String> added = admin.post("/console/admin/people", "_csrf", csrf, "login", "added.tax",
        "name", "李四", "role", "tax", "region", "341522");
    assertEquals(200, added.statusCode(), added.body());
    String password = oneTimePassword(added);
    assertTrue(!admin.get("/console/admin/people").body().contains(password), "shown once");

    HttpResponse<String> signIn = new ConsoleClient(engine.baseUrl()).signIn("added.tax", password);
    assertEquals("/console/password", signIn.headers().firstValue("Location").orElseThrow());
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'huoqiu.admin'"
        + " AND action = 'person.add' AND target = 'added.tax' AND outcome = 'ok'"));
  }

  @Test
  void anotherRegionOrABadRoleOrATakenLoginAddsNobody() {
    HttpResponse<String> otherRegion = admin.post("/console/admin/people", "_csrf", csrf, "login", "luan.tax",
        "role", "tax", "region", "341500");
    HttpResponse<String> badRole = admin.post("/console/admin/people", "_csrf", csrf, "login", "root.tax",
        "role", "root", "region", "341522");
    admin.post("/console/admin/people", "_csrf", csrf, "login", "twice.tax", "role", "tax", "region", "341522");
    HttpResponse<String> taken = admin.post("/console/admin/people", "_csrf", csrf, "login", "twice.tax",
        "role", "tax", "region", "341522");
    assertEquals(403, otherRegion.statusCode());
    assertEquals(422, badRole.statusCode());
    assertEquals(422, taken.statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM person WHERE login IN ('luan.tax', 'root.tax')"));
  }

  @Test
  void aResetGivesANewOneTimePasswordAndUnlocks() throws Exception {
    String old = fixture.addSettledPerson("forgetful.tax", PersonRole.TAX, "341522");
    for (int i = 0; i < 5; i++) {
      new ConsoleClient(engine.baseUrl()).signIn("forgetful.tax", "not-my-password");
    }
    HttpResponse<String> reset = admin.post("/console/admin/people/forgetful.tax/reset", "_csrf", csrf);
    assertEquals(200, reset.statusCode(), reset.body());
    String fresh = oneTimePassword(reset);
    assertEquals(401, new ConsoleClient(engine.baseUrl()).signIn("forgetful.tax", old).statusCode());
    assertEquals("/console/password", new ConsoleClient(engine.baseUrl()).signIn("forgetful.tax", fresh)
        .headers().firstValue("Location").orElseThrow());
  }

  @Test
  void aDisabledPersonsSessionEndsAtOnceAndTheySignInNoMore() throws Exception {
    String password = fixture.addSettledPerson("leaving.tax", PersonRole.TAX, "341522");
    ConsoleClient leaving = new ConsoleClient(engine.baseUrl());
    assertEquals(303, leaving.signIn("leaving.tax", password).statusCode());
    assertEquals(200, leaving.get("/console/tax/receipts").statusCode());

    assertEquals(200, admin.post("/console/admin/people/leaving.tax/disable", "_csrf", csrf).statusCode());

    assertEquals(302, leaving.get("/console/tax/receipts").statusCode());
    assertEquals(401, new ConsoleClient(engine.baseUrl()).signIn("leaving.tax", password).statusCode());
  }

  @Test
  void anotherRegionsPersonTheAdministratorsOwnAccountAndNonAdministratorsAreRefused() throws Exception {
    String luanPassword = fixture.addSettledPerson("luan.officer", PersonRole.TAX, "341500");
    assertEquals(403, admin.post("/console/admin/people/luan.officer/disable", "_csrf", csrf).statusCode());
    assertEquals(403, admin.post("/console/admin/people/huoqiu.admin/disable", "_csrf", csrf).statusCode());
    assertEquals(404, admin.post("/console/admin/people/nobody.at.all/reset", "_csrf", csrf).statusCode());
    assertEquals(303, new ConsoleClient(engine.baseUrl()).signIn("luan.officer", luanPassword).statusCode());

    ConsoleClient officer = new ConsoleClient(engine.baseUrl());
    officer.signIn("luan.officer", luanPassword);
    String officerCsrf = ConsoleClient.csrf(officer.get("/console/tax/receipts").body());
    assertEquals(403, officer.get("/console/admin/people").statusCode());
    assertEquals(403, officer.post("/console/admin/people", "_csrf", officerCsrf, "login", "sneaky.admin",
        "role", "admin", "region", "341500").statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM person WHERE login = 'sneaky.admin'"));
  }
}
