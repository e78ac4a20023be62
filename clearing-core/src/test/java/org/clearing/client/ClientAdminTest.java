package org.clearing.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureBase;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An administrator registers clients with SM2 keys as OpenSSL makes them (and no other curve, and
 * never as the engine), lists them, and disables, enables, re-keys and revokes them; a client's
 * next signed request after a change is refused — also when the change was made by another engine.
 */
class ClientAdminTest {

  private static final String PATH = "/api/v1/engine/public-key";
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller admin;

  @TempDir
  Path temp;

  @BeforeAll
  static void start() {
    admin = engine.as(Role.ADMIN);
  }

  private static String resource(String name) throws IOException {
    try (var in = ClientAdminTest.class.getResourceAsStream("/openssl/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static ApiCaller.Answer register(String clientId, String role, String keyType, String publicKeyPem) {
    return admin.post("/api/v1/admin/clients", new JsonObject().put("client_id", clientId).put("role", role)
        .put("key_type", keyType).put("public_key_pem", publicKeyPem).encode(), null);
  }

  /** A fresh SM2 client of role registration, registered through the API; its caller. */
  private static ApiCaller newClient(String clientId) {
    KeyPair pair = Crypto.generateSm2();
    ApiCaller.Answer registered = register(clientId, "registration", "SM2", Pem.write(pair.getPublic()));
    assertEquals(201, registered.status(), registered.text());
    return caller(clientId, pair);
  }

  private static ApiCaller caller(String clientId, KeyPair pair) {
    return new ApiCaller(engine.baseUrl(), new RequestSigner(clientId, KeyType.SM2, pair.getPrivate(),
        Clock.systemUTC()));
  }

  private static ApiCaller.Answer adminSend(String method, String path, String body) {
    return admin.send(method, path, body.getBytes(StandardCharsets.UTF_8),
        body.isEmpty() ? Map.of() : Map.of("Content-Type", "application/json"), true);
  }

  private static void assertProblem(int status, ApiCaller.Answer answer, String detailPart) {
    assertEquals(status, answer.status(), answer.text());
    assertEquals("application/problem+json", answer.contentType());
    assertTrue(answer.text().contains(detailPart), answer.text());
  }

  private static String run(Path dir, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "openssl did not finish");
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    return output;
  }

  private static boolean opensslPresent() {
    try {
      Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
      return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0
          && new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).startsWith("OpenSSL 3");
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void anSm2KeyOpensslMakesNowIsRegisteredAndARequestOpensslSignsIsAccepted() throws Exception {
    assumeTrue(opensslPresent(), "needs OpenSSL 3 on the PATH; the resource key test covers its encoding");
    run(temp, "openssl", "genpkey", "-algorithm", "SM2", "-out", "client.key");
    run(temp, "openssl", "pkey", "-in", "client.key", "-pubout", "-out", "client.pub");

    ApiCaller.Answer registered = register("openssl-sm2", "registration", "SM2",
        Files.readString(temp.resolve("client.pub")));
    assertEquals(201, registered.status(), registered.text());

    // The request is signed by OpenSSL itself, with GM/T 0009's default signer id made explicit
    // (OpenSSL 3 signs with an empty id unless told).
    String timestamp = Long.toString(Instant.now().getEpochSecond());
    String nonce = Crypto.randomToken(16);
    Files.write(temp.resolve("request"), SignatureBase.request("GET", PATH, timestamp, nonce, new byte[0]));
    run(temp, "openssl", "dgst", "-sm3", "-sign", "client.key", "-sigopt", "distid:1234567812345678",
        "-binary", "-out", "request.sig", "request");
    String signature = Base64.getEncoder().encodeToString(Files.readAllBytes(temp.resolve("request.sig")));
    String authorization = new AuthorizationHeader(KeyType.SM2, "openssl-sm2", timestamp, nonce, signature).render();
    ApiCaller.Answer answer = admin.raw("GET", PATH, new byte[0], Map.of("Authorization", authorization));
    assertEquals(200, answer.status(), answer.text());
  }

  @Test
  void theSm2KeyOpensslMadeForTheseTestsRegistersAndSigns() throws Exception {
    ApiCaller.Answer registered = register("openssl-sm2-kept", "tax", "SM2", resource("sm2-public.pem"));
    assertEquals(201, registered.status(), registered.text());
    ApiCaller tax = new ApiCaller(engine.baseUrl(), new RequestSigner("openssl-sm2-kept", KeyType.SM2,
        Pem.readPrivateKey(resource("sm2-private.pem")), Clock.systemUTC()));
    assertEquals(200, tax.get(PATH).status());
    assertEquals(200, tax.get("/api/v1/tax/refunds").status(), "and it has its role's endpoints");
  }

  @Test
  void aKeyOnAnotherCurveIsRefusedNamingTheCurve() throws Exception {
    ApiCaller.Answer answer = register("p256-client", "registration", "SM2", resource("p256-public.pem"));
    assertProblem(422, answer, "1.2.840.10045.3.1.7");
    JsonObject error = answer.json().getJsonArray("errors").getJsonObject(0);
    assertEquals("public_key_pem", error.getString("field"));
    assertTrue(error.getString("reason").contains("sm2p256v1"), error.getString("reason"));
    assertEquals(0, engine.count("SELECT count(*) FROM api_client WHERE client_id = 'p256-client'"));
  }

  @Test
  void theEnginesOwnIdCannotBeRegistered() {
    for (String id : new String[] {"clearing-engine", "Clearing-Engine"}) {
      ApiCaller.Answer answer = register(id, "admin", "SM2", Pem.write(Crypto.generateSm2().getPublic()));
      assertProblem(422, answer, "reserved");
      assertEquals("client_id", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    }
    assertEquals(0, engine.count("SELECT count(*) FROM api_client WHERE lower(client_id) = 'clearing-engine'"));
  }

  @Test
  void anAdministratorListsEveryClientWithItsStatus() {
    newClient("listed-client");
    ApiCaller.Answer answer = admin.get("/api/v1/admin/clients");
    assertEquals(200, answer.status(), answer.text());
    JsonArray clients = answer.json().getJsonArray("clients");
    JsonObject listed = clients.stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("client_id").equals("listed-client")).findFirst().orElseThrow();
    assertEquals("registration", listed.getString("role"));
    assertEquals("ACTIVE", listed.getString("status"));
    assertEquals(1, listed.getInteger("key_version"));
    assertTrue(clients.stream().map(JsonObject.class::cast).anyMatch(c -> c.getString("client_id").equals("demo-admin")));
  }

  @Test
  void aDisabledClientsNextRequestIsRefusedUntilItIsEnabledAgain() {
    ApiCaller client = newClient("to-disable");
    assertEquals(200, client.get(PATH).status());

    ApiCaller.Answer disabled = adminSend("POST", "/api/v1/admin/clients/to-disable/disable",
        "{\"reason\":\"laptop stolen\"}");
    assertEquals(200, disabled.status(), disabled.text());
    assertEquals("DISABLED", disabled.json().getString("status"));
    assertEquals("demo-admin", disabled.json().getString("changed_by"));
    assertProblem(401, client.get(PATH), "to-disable is disabled");
    assertProblem(401, client.post("/api/v1/orders", "{}", "disabled-1"), "to-disable is disabled");

    assertEquals(200, adminSend("POST", "/api/v1/admin/clients/to-disable/enable", "").status());
    assertEquals(200, client.get(PATH).status());
  }

  @Test
  void aRevokedClientIsRefusedForGoodAndItsIdStaysTaken() {
    ApiCaller client = newClient("to-revoke");
    assertEquals(200, client.get(PATH).status());

    ApiCaller.Answer revoked = adminSend("POST", "/api/v1/admin/clients/to-revoke/revoke", "");
    assertEquals(200, revoked.status(), revoked.text());
    assertEquals("REVOKED", revoked.json().getString("status"));

    assertProblem(401, client.get(PATH), "to-revoke is revoked");
    assertProblem(409, adminSend("POST", "/api/v1/admin/clients/to-revoke/enable", ""), "is revoked");
    KeyPair fresh = Crypto.generateSm2();
    assertProblem(409, adminSend("PUT", "/api/v1/admin/clients/to-revoke/key", new JsonObject()
        .put("key_type", "SM2").put("public_key_pem", Pem.write(fresh.getPublic())).encode()), "is revoked");
    assertProblem(409, register("to-revoke", "registration", "SM2", Pem.write(fresh.getPublic())), "already registered");
    assertProblem(401, caller("to-revoke", fresh).get(PATH), "to-revoke is revoked");
  }

  @Test
  void aReplacedKeyStopsSigningAtOnceAndTheNewKeySigns() {
    ApiCaller old = newClient("to-rekey");
    assertEquals(200, old.get(PATH).status());
    KeyPair fresh = Crypto.generateSm2();

    ApiCaller.Answer rekeyed = adminSend("PUT", "/api/v1/admin/clients/to-rekey/key", new JsonObject()
        .put("key_type", "SM2").put("public_key_pem", Pem.write(fresh.getPublic())).encode());

    assertEquals(200, rekeyed.status(), rekeyed.text());
    assertEquals(2, rekeyed.json().getInteger("key_version"));
    assertProblem(401, old.get(PATH), "signature does not verify");
    assertEquals(200, caller("to-rekey", fresh).get(PATH).status());
  }

  @Test
  void aClientDisabledByAnotherEngineIsRefusedAtItsNextRequestHere() {
    ApiCaller client = newClient("disabled-elsewhere");
    assertEquals(200, client.get(PATH).status(), "this engine now has the client cached as active");

    // Another engine on the same database disables it: this engine's cache is not told.
    TestDatabase.execute(engine.pgUrl(),
        "UPDATE api_client SET status = 'DISABLED' WHERE client_id = 'disabled-elsewhere'");

    assertProblem(401, client.get(PATH), "disabled-elsewhere is disabled");
  }

  @Test
  void aKeyReplacedByAnotherEngineSignsHereAndTheOldOneIsRefused() {
    ApiCaller old = newClient("rekeyed-elsewhere");
    assertEquals(200, old.get(PATH).status(), "this engine now has the client's first key cached");
    KeyPair fresh = Crypto.generateSm2();

    TestDatabase.execute(engine.pgUrl(), "UPDATE api_client SET public_key_pem = '" + Pem.write(fresh.getPublic())
        + "', key_version = key_version + 1 WHERE client_id = 'rekeyed-elsewhere'");

    assertProblem(401, old.get(PATH), "key has been replaced");
    assertEquals(200, caller("rekeyed-elsewhere", fresh).get(PATH).status());
    assertProblem(401, old.get(PATH), "signature does not verify");
  }

  @Test
  void onlyAnAdministratorManagesClientsAndBadRequestsChangeNothing() throws Exception {
    newClient("managed");
    ApiCaller registration = engine.as(Role.REGISTRATION);
    String key = new JsonObject().put("key_type", "SM2")
        .put("public_key_pem", Pem.write(Crypto.generateSm2().getPublic())).encode();
    assertProblem(403, registration.get("/api/v1/admin/clients"), "role registration");
    for (String action : new String[] {"disable", "enable", "revoke"}) {
      assertProblem(403, registration.send("POST", "/api/v1/admin/clients/managed/" + action, new byte[0],
          Map.of(), true), "role registration");
      assertProblem(404, adminSend("POST", "/api/v1/admin/clients/nobody/" + action, ""), "no client nobody");
    }
    assertProblem(403, registration.send("PUT", "/api/v1/admin/clients/managed/key",
        key.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"), true), "role registration");
    assertProblem(404, adminSend("PUT", "/api/v1/admin/clients/nobody/key", key), "no client nobody");
    assertProblem(409, adminSend("POST", "/api/v1/admin/clients/demo-admin/disable", ""), "making this request");
    assertProblem(409, adminSend("POST", "/api/v1/admin/clients/demo-admin/revoke", ""), "making this request");
    assertProblem(409, adminSend("POST", "/api/v1/admin/clients/managed/enable", ""), "is active");
    assertProblem(422, adminSend("POST", "/api/v1/admin/clients/managed/disable", "{\"why\":\"x\"}"), "why");
    assertProblem(422, adminSend("PUT", "/api/v1/admin/clients/managed/key", new JsonObject().put("key_type", "SM2")
        .put("public_key_pem", resource("p256-public.pem")).encode()), "sm2p256v1");
    assertProblem(422, adminSend("PUT", "/api/v1/admin/clients/managed/key", new JsonObject().put("key_type", "RSA")
        .put("public_key_pem", Pem.write(Crypto.generateSm2().getPublic())).encode()), "not an RSA key");
    assertEquals("ACTIVE", TestDatabase.queryString(engine.pgUrl(),
        "SELECT status FROM api_client WHERE client_id = 'managed'"));
    assertEquals(1, engine.count("SELECT key_version FROM api_client WHERE client_id = 'managed'"));
  }
}
