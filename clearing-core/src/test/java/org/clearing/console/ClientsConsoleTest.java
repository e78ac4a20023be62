package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.clearing.client.DemoClients;
import org.clearing.client.Role;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
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
 * The administrator's API client page acts through the admin API's code: a disabled client's
 * signed requests are refused and an enabled one's accepted again, a new key makes the old one
 * useless, a key that is not one changes nothing — each confirmed first and recorded. Only an
 * administrator gets there; the regions page reads what {@code GET /api/v1/admin/regions} reads.
 */
class ClientsConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;
  private static ConsoleClient admin;
  private static String csrf;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("clients.admin", PersonRole.ADMIN, "341522", "341500");
    admin = new ConsoleClient(engine.baseUrl());
    assertEquals(303, admin.signIn("clients.admin", password).statusCode());
    csrf = ConsoleClient.csrf(admin.get("/console/admin/clients").body());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static String status(String clientId) {
    return TestDatabase.queryString(engine.pgUrl(), "SELECT status FROM api_client WHERE client_id = '" + clientId + "'");
  }

  private static long audits(String action, String outcome) {
    return engine.count("SELECT count(*) FROM audit_event WHERE login = 'clients.admin' AND action = '" + action
        + "' AND outcome = '" + outcome + "'");
  }

  @Test
  void aDisabledClientIsRefusedByTheApiUntilEnabledAgain() {
    String finance = DemoClients.clientId(Role.FINANCE);
    String path = "/console/admin/clients/" + finance;

    HttpResponse<String> asked = admin.post(path + "/disable", "_csrf", csrf);
    assertEquals(200, asked.statusCode());
    assertTrue(asked.body().contains("确认停用客户端 " + finance), asked.body());
    assertEquals("ACTIVE", status(finance), "asking changes nothing");

    assertEquals(303, admin.post(path + "/disable", "_csrf", csrf, "confirm", "yes").statusCode());
    assertEquals("DISABLED", status(finance));
    assertEquals(401, engine.as(Role.FINANCE).get("/api/v1/journal/balances").status(), "the API refuses it");
    assertTrue(admin.get("/console/admin/clients").body().contains("console:clients.admin"));

    assertEquals(303, admin.post(path + "/enable", "_csrf", csrf, "confirm", "yes").statusCode());
    assertEquals(200, engine.as(Role.FINANCE).get("/api/v1/journal/balances").status(), "accepted again");
    assertEquals(1, audits("client.disable", "ok"));
    assertEquals(1, audits("client.enable", "ok"));
  }

  @Test
  void aNewKeyMakesTheOldOneUselessAndAKeyThatIsNotOneChangesNothing() {
    String tax = DemoClients.clientId(Role.TAX);
    String path = "/console/admin/clients/" + tax + "/key";

    HttpResponse<String> garbage = admin.post(path, "_csrf", csrf, "key_type", "SM2",
        "public_key_pem", "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----", "confirm", "yes");
    assertEquals(422, garbage.statusCode());
    assertTrue(garbage.body().contains("public_key_pem: is not a readable PEM public key"), garbage.body());
    assertEquals(200, engine.as(Role.TAX).get("/api/v1/tax/refunds").status(), "the old key still works");

    String pem = Pem.write(Crypto.generateSm2().getPublic());
    HttpResponse<String> done = admin.post(path, "_csrf", csrf, "key_type", "SM2", "public_key_pem", pem,
        "confirm", "yes");
    assertEquals(303, done.statusCode(), done.body());
    assertEquals(401, engine.as(Role.TAX).get("/api/v1/tax/refunds").status(), "the old key no longer works");
    assertEquals(1, audits("client.rekey", "refused"));
    assertEquals(1, audits("client.rekey", "ok"));
  }

  @Test
  void onlyAnAdministratorSeesOrChangesClients() throws Exception {
    String password = fixture.addSettledPerson("clients.operator", PersonRole.OPERATOR, "341522");
    ConsoleClient operator = new ConsoleClient(engine.baseUrl());
    assertEquals(303, operator.signIn("clients.operator", password).statusCode());
    String token = ConsoleClient.csrf(operator.get("/console/operator/orders").body());
    String registration = DemoClients.clientId(Role.REGISTRATION);

    assertEquals(403, operator.get("/console/admin/clients").statusCode());
    assertEquals(403, operator.get("/console/admin/regions").statusCode());
    assertEquals(403, operator.post("/console/admin/clients/" + registration + "/disable", "_csrf", token,
        "confirm", "yes").statusCode());
    assertEquals("ACTIVE", status(registration));
  }

  @Test
  void theRegionsPageListsTheRegionsWithTheirChannels() {
    HttpResponse<String> page = admin.get("/console/admin/regions");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("region-341522"), page.body());
    assertTrue(page.body().contains("region-341500"), page.body());
  }
}
