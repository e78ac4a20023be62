package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The console's door, attacked over plain HTTP where every status, header and cookie shows: the
 * session cookie's flags, CSRF tokens on every form, lockout with back-off, the idle timeout, the
 * forced first password change, region scoping against forged requests, the auditor who cannot
 * act, the pages' policy and the assets' integrity hashes — and the audit row of each.
 */
class ConsoleSecurityTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;
  private static final Pattern ASSET = Pattern.compile(
      "(?:src|href)=\"(/console/assets/[0-9a-f]{16}/[a-z.]+)\" integrity=\"(sha384-[A-Za-z0-9+/=]+)\"");

  @BeforeAll
  static void start() {
    fixture = new ConsoleFixture(engine);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static ConsoleClient signedIn(String login, String password) {
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    HttpResponse<String> answer = client.signIn(login, password);
    assertEquals(303, answer.statusCode(), answer.body());
    return client;
  }

  private static long audits(String login, String action, String outcome) {
    return engine.count("SELECT count(*) FROM audit_event WHERE login = '" + login + "' AND action = '"
        + action + "' AND outcome = '" + outcome + "'");
  }

  @Test
  void theSessionCookieIsHttpOnlyAndSameSiteStrictAndNotReadableByScript() throws Exception {
    String password = fixture.addSettledPerson("cookie.tax", PersonRole.TAX, "341522");
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    String token = ConsoleClient.csrf(client.get("/console/sign-in").body());
    HttpResponse<String> answer = client.post("/console/sign-in", "_csrf", token, "login", "cookie.tax",
        "password", password);
    String cookie = answer.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("console_session=")).findFirst().orElseThrow();
    assertTrue(cookie.toLowerCase(java.util.Locale.ROOT).contains("; httponly"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    assertTrue(cookie.contains("Path=/console"), cookie);
    // Plain HTTP here: Secure would make the browser drop it. A TLS engine sets it (secureCookies).
    assertFalse(cookie.contains("Secure"), cookie);
    String value = client.cookies().get("console_session");
    assertEquals(43, value.length());
    assertEquals(0, engine.count("SELECT count(*) FROM person_session WHERE encode(token_sha256, 'base64') = '"
        + Base64.getEncoder().encodeToString(value.getBytes()) + "'"), "the token itself is never stored");
    assertEquals(1, audits("cookie.tax", "sign_in", "ok"));
  }

  @Test
  void aFormPostWithoutItsCsrfTokenIsRefusedAndChangesNothing() throws Exception {
    String password = fixture.addSettledPerson("csrf.tax", PersonRole.TAX, "341522");
    String orderNo = fixture.paidOrder("341522");
    ConsoleClient client = signedIn("csrf.tax", password);

    HttpResponse<String> without = client.post("/console/tax/receipts/confirm",
        "line", orderNo + "-1", "certificate_no." + orderNo + "-1", "WSZM-CSRF-1");
    HttpResponse<String> wrong = client.post("/console/tax/receipts/confirm",
        "_csrf", "x".repeat(43), "line", orderNo + "-1", "certificate_no." + orderNo + "-1", "WSZM-CSRF-1");

    assertEquals(403, without.statusCode());
    assertEquals(403, wrong.statusCode());
    assertNull(TestDatabase.queryString(engine.pgUrl(),
        "SELECT confirmation_no FROM order_line WHERE order_no = '" + orderNo + "' AND line_no = 1"));
    assertEquals(2, audits("csrf.tax", "csrf", "refused"));
  }

  @Test
  void theSignInFormItselfNeedsItsToken() throws Exception {
    String password = fixture.addSettledPerson("csrf.signin", PersonRole.TAX, "341522");
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    client.get("/console/sign-in");

    HttpResponse<String> answer = client.post("/console/sign-in", "login", "csrf.signin", "password", password);

    assertEquals(403, answer.statusCode());
    assertFalse(client.cookies().containsKey("console_session"));
  }

  @Test
  void fiveWrongPasswordsLockTheLoginEvenAgainstTheRightOneAndTheLockDoublesAfterwards() throws Exception {
    String password = fixture.addSettledPerson("lock.tax", PersonRole.TAX, "341522");
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    for (int i = 1; i <= 4; i++) {
      assertEquals(401, client.signIn("lock.tax", "wrong-password-" + i).statusCode());
    }
    HttpResponse<String> fifth = client.signIn("lock.tax", "wrong-password-5");
    assertEquals(429, fifth.statusCode());
    long firstWait = Long.parseLong(fifth.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(firstWait > 20 && firstWait <= 30, "the first lock is 30 s: " + firstWait);

    HttpResponse<String> right = client.signIn("lock.tax", password);
    assertEquals(429, right.statusCode(), "locked: even the right password is refused");
    assertFalse(client.cookies().containsKey("console_session"));

    // The lock runs out (moved into the past rather than waited for); one more failure locks for twice as long.
    TestDatabase.execute(engine.pgUrl(), "UPDATE person SET locked_until = now() - interval '1 second'"
        + " WHERE login = 'lock.tax'");
    HttpResponse<String> sixth = client.signIn("lock.tax", "wrong-password-6");
    long secondWait = Long.parseLong(sixth.headers().firstValue("Retry-After").orElseThrow());
    assertEquals(429, sixth.statusCode());
    assertTrue(secondWait > 50 && secondWait <= 60, "the second lock is 60 s: " + secondWait);

    TestDatabase.execute(engine.pgUrl(), "UPDATE person SET locked_until = now() - interval '1 second'"
        + " WHERE login = 'lock.tax'");
    assertEquals(303, client.signIn("lock.tax", password).statusCode(), "once the lock ends the right password works");
    assertEquals(0, engine.count("SELECT failed_sign_ins FROM person WHERE login = 'lock.tax'"));
    assertEquals(7, audits("lock.tax", "sign_in", "refused"));
  }

  @Test
  void anUnknownLoginIsRefusedInTheSameWordsAsAWrongPassword() throws Exception {
    fixture.addSettledPerson("known.tax", PersonRole.TAX, "341522");
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    HttpResponse<String> unknown = client.signIn("nobody.here", "some-password-1");
    HttpResponse<String> wrong = client.signIn("known.tax", "some-password-1");
    assertEquals(401, unknown.statusCode());
    assertEquals(401, wrong.statusCode());
    assertEquals(error(unknown.body()), error(wrong.body()));
    assertEquals(1, audits("nobody.here", "sign_in", "refused"));
  }

  private static String error(String html) {
    Matcher m = Pattern.compile("<p class=\"error\" id=\"error\">([^<]*)</p>").matcher(html);
    assertTrue(m.find(), html);
    return m.group(1);
  }

  @Test
  void passwordsAreStoredAsSaltedArgon2idHashes() throws Exception {
    String first = fixture.addPerson("hash.one", PersonRole.AUDITOR, "341500");
    fixture.addPerson("hash.two", PersonRole.AUDITOR, "341500");
    String one = TestDatabase.queryString(engine.pgUrl(), "SELECT password_hash FROM person WHERE login = 'hash.one'");
    String two = TestDatabase.queryString(engine.pgUrl(), "SELECT password_hash FROM person WHERE login = 'hash.two'");
    assertTrue(one.matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), one);
    assertFalse(one.contains(first));
    assertNotEquals(one.split("\\$")[4], two.split("\\$")[4], "each hash has its own salt");
  }

  @Test
  void theFirstSignInLeadsToThePasswordChangeAndNothingElseIsReachableBeforeIt() throws Exception {
    String oneTime = fixture.addPerson("first.tax", PersonRole.TAX, "341522");
    ConsoleClient client = new ConsoleClient(engine.baseUrl());
    HttpResponse<String> signIn = client.signIn("first.tax", oneTime);
    assertEquals("/console/password", signIn.headers().firstValue("Location").orElseThrow());
    assertEquals("/console/password", client.get("/console/tax/receipts").headers().firstValue("Location").orElseThrow());

    String csrf = ConsoleClient.csrf(client.get("/console/password").body());
    HttpResponse<String> same = client.post("/console/password", "_csrf", csrf, "current_password", oneTime,
        "new_password", oneTime, "new_password_again", oneTime);
    HttpResponse<String> shortOne = client.post("/console/password", "_csrf", csrf, "current_password", oneTime,
        "new_password", "short", "new_password_again", "short");
    HttpResponse<String> wrongCurrent = client.post("/console/password", "_csrf", csrf,
        "current_password", "not-the-password", "new_password", "a-new-password-1", "new_password_again", "a-new-password-1");
    assertEquals(422, same.statusCode());
    assertEquals(422, shortOne.statusCode());
    assertEquals(422, wrongCurrent.statusCode());

    HttpResponse<String> changed = client.post("/console/password", "_csrf", csrf, "current_password", oneTime,
        "new_password", "a-new-password-1", "new_password_again", "a-new-password-1");
    assertEquals(303, changed.statusCode(), changed.body());
    assertEquals(200, client.get("/console/tax/receipts").statusCode());
    assertEquals(401, new ConsoleClient(engine.baseUrl()).signIn("first.tax", oneTime).statusCode(),
        "the one-time password is spent");
    assertEquals(1, audits("first.tax", "password.change", "ok"));
  }

  @Test
  void anIdleSessionEndsAndSigningOutEndsItAtOnce() throws Exception {
    String password = fixture.addSettledPerson("idle.tax", PersonRole.TAX, "341522");
    ConsoleClient idle = signedIn("idle.tax", password);
    assertEquals(200, idle.get("/console/tax/receipts").statusCode());
    TestDatabase.execute(engine.pgUrl(), "UPDATE person_session SET last_seen_at = now() - interval '16 minutes'"
        + " WHERE person_id = (SELECT person_id FROM person WHERE login = 'idle.tax')");
    HttpResponse<String> after = idle.get("/console/tax/receipts");
    assertEquals(302, after.statusCode());
    assertEquals("/console/sign-in", after.headers().firstValue("Location").orElseThrow());

    ConsoleClient leaving = signedIn("idle.tax", password);
    String session = leaving.cookies().get("console_session");
    String csrf = ConsoleClient.csrf(leaving.get("/console/tax/receipts").body());
    assertEquals(303, leaving.post("/console/sign-out", "_csrf", csrf).statusCode());
    ConsoleClient replay = new ConsoleClient(engine.baseUrl());
    replay.cookies().put("console_session", session);
    assertEquals(302, replay.get("/console/tax/receipts").statusCode(), "a signed-out cookie opens nothing");
  }

  @Test
  void aForgedConfirmationOfAnotherRegionsLineIsForbiddenAndChangesNothing() throws Exception {
    String password = fixture.addSettledPerson("huoqiu.tax", PersonRole.TAX, "341522");
    String luan = fixture.paidOrder("341500");
    String huoqiu = fixture.paidOrder("341522");
    ConsoleClient client = signedIn("huoqiu.tax", password);
    String page = client.get("/console/tax/receipts").body();
    assertTrue(page.contains(huoqiu + "-1"), page);
    assertFalse(page.contains(luan), "a 341522 officer sees nothing of 341500");
    assertEquals(403, client.get("/console/tax/receipts?region=341500").statusCode());

    String csrf = ConsoleClient.csrf(page);
    HttpResponse<String> forged = client.post("/console/tax/receipts/confirm", "_csrf", csrf,
        "line", luan + "-1", "certificate_no." + luan + "-1", "WSZM-FORGED");
    HttpResponse<String> mixed = client.post("/console/tax/receipts/confirm", "_csrf", csrf,
        "line", huoqiu + "-1", "certificate_no." + huoqiu + "-1", "WSZM-OWN",
        "line", luan + "-1", "certificate_no." + luan + "-1", "WSZM-FORGED");

    assertEquals(403, forged.statusCode());
    assertEquals(403, mixed.statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM order_line WHERE order_no IN ('" + luan + "', '" + huoqiu
        + "') AND confirmation_no IS NOT NULL"), "all or nothing: the own line of the mixed batch is not kept");
    assertTrue(audits("huoqiu.tax", "access", "refused") >= 3);
  }

  @Test
  void anAuditorSeesTheReceiptsButCannotConfirm() throws Exception {
    String password = fixture.addSettledPerson("audit.one", PersonRole.AUDITOR, "341522");
    String orderNo = fixture.paidOrder("341522");
    ConsoleClient client = signedIn("audit.one", password);
    String page = client.get("/console/tax/receipts").body();
    assertTrue(page.contains(orderNo + "-1"));
    assertFalse(page.contains("id=\"confirm\""), "no confirm button for an auditor");
    HttpResponse<String> attempt = client.post("/console/tax/receipts/confirm", "_csrf", ConsoleClient.csrf(page),
        "line", orderNo + "-1", "certificate_no." + orderNo + "-1", "WSZM-AUDIT");
    assertEquals(403, attempt.statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM order_line WHERE order_no = '" + orderNo
        + "' AND confirmation_no IS NOT NULL"));
  }

  @Test
  void pagesCarryAStrictPolicyAndLoadOnlyHashedAssetsWhoseIntegrityMatches() throws Exception {
    HttpResponse<String> page = new ConsoleClient(engine.baseUrl()).get("/console/sign-in");
    String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(policy.contains("script-src 'self';"), policy);
    assertFalse(policy.contains("unsafe-inline"), policy);
    assertEquals("no-store", page.headers().firstValue("Cache-Control").orElseThrow());
    assertFalse(page.body().contains("<script>"), "no inline script");
    assertFalse(page.body().contains("style=\""), "no inline style");

    Matcher assets = ASSET.matcher(page.body());
    int seen = 0;
    HttpClient http = HttpClient.newHttpClient();
    while (assets.find()) {
      HttpResponse<byte[]> asset = http.send(HttpRequest.newBuilder(URI.create(engine.baseUrl() + assets.group(1)))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, asset.statusCode());
      assertEquals("public, max-age=31536000, immutable", asset.headers().firstValue("Cache-Control").orElseThrow());
      String integrity = "sha384-" + Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-384").digest(asset.body()));
      assertEquals(assets.group(2), integrity, assets.group(1));
      seen++;
    }
    assertEquals(3, seen, "htmx, the console's script and its style sheet");
    assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(engine.baseUrl()
        + "/console/assets/0000000000000000/htmx.min.js")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void signedOutRequestsGoToTheSignInPageOrAre401() throws Exception {
    ConsoleClient anonymous = new ConsoleClient(engine.baseUrl());
    assertEquals("/console/sign-in", anonymous.get("/console/tax/receipts").headers().firstValue("Location").orElseThrow());
    assertEquals(401, anonymous.post("/console/tax/receipts/confirm", List.of("line", "x"), Map.of()).statusCode());
  }
}
