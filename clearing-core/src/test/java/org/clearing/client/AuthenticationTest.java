package org.clearing.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests are accepted only when signed by a registered client within ±5 minutes with a fresh
 * nonce, and only on the endpoints of the client's role; every refusal changes nothing.
 */
class AuthenticationTest {

  private static final String PATH = "/api/v1/orders";
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller registration;
  private static ApiCaller admin;
  private static int keys;
  private long ordersBefore;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
    admin = engine.as(Role.ADMIN);
  }

  @org.junit.jupiter.api.BeforeEach
  void countOrders() {
    ordersBefore = engine.count("SELECT count(*) FROM orders");
  }

  private void assertNothingWritten() {
    assertEquals(ordersBefore, engine.count("SELECT count(*) FROM orders"));
  }

  private static byte[] body() {
    return OrderBodies.typical("AUTH-" + (++keys)).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> headers(String authorization) {
    return Map.of("Content-Type", "application/json", "Idempotency-Key", "auth-" + (++keys),
        "Authorization", authorization);
  }

  @Test
  void aDemoClientFileSignsRequestsTheEngineAccepts() throws Exception {
    JsonObject file = new JsonObject(java.nio.file.Files.readString(
        engine.dataDir().resolve("clients").resolve("registration.json")));
    assertEquals("demo-registration", file.getString("client_id"));
    assertEquals("registration", file.getString("role"));
    assertEquals("SM2", file.getString("key_type"));
    assertTrue(file.getString("private_key_pem").startsWith("-----BEGIN PRIVATE KEY-----"));
    for (Role role : Role.values()) {
      assertTrue(java.nio.file.Files.exists(engine.dataDir().resolve("clients").resolve(role.code() + ".json")));
    }
    byte[] body = body();
    assertEquals(201, registration.raw("POST", PATH, body,
        headers(registration.signer().authorization("POST", PATH, body))).status());
  }

  @Test
  void aMissingSignatureIsUnauthenticated() {
    ApiCaller.Answer answer = registration.send("POST", PATH, body(),
        Map.of("Content-Type", "application/json", "Idempotency-Key", "auth-none"), false);
    assertRefused(answer, 401);
  }

  @Test
  void aSignatureOverOtherBytesIsRefused() {
    byte[] body = body();
    String authorization = registration.signer().authorization("POST", PATH, body);
    byte[] tampered = body.clone();
    tampered[tampered.length - 3] ^= 1;
    assertRefused(registration.raw("POST", PATH, tampered, headers(authorization)), 401);
  }

  @Test
  void aSignatureForAnotherPathIsRefused() {
    byte[] body = body();
    String authorization = registration.signer().authorization("POST", "/api/v1/orders?x=1", body);
    assertRefused(registration.raw("POST", PATH, body, headers(authorization)), 401);
  }

  @Test
  void aStaleTimestampIsRefused() {
    byte[] body = body();
    long past = Clock.systemUTC().instant().minus(Duration.ofMinutes(6)).getEpochSecond();
    String authorization = registration.signer()
        .authorization("POST", PATH, body, Long.toString(past), "stale-nonce-1");
    ApiCaller.Answer answer = registration.raw("POST", PATH, body, headers(authorization));
    assertRefused(answer, 401);
    assertTrue(answer.json().getString("detail").contains("timestamp"));
  }

  @Test
  void aTimestampFromTheFutureIsRefused() {
    byte[] body = body();
    long future = Clock.systemUTC().instant().plus(Duration.ofMinutes(6)).getEpochSecond();
    String authorization = registration.signer()
        .authorization("POST", PATH, body, Long.toString(future), "future-nonce-1");
    assertRefused(registration.raw("POST", PATH, body, headers(authorization)), 401);
  }

  @Test
  void aNonceIsAcceptedOnce() {
    byte[] body = body();
    String now = Long.toString(Clock.systemUTC().instant().getEpochSecond());
    String authorization = registration.signer().authorization("POST", PATH, body, now, "once-only-nonce");
    assertEquals(201, registration.raw("POST", PATH, body, headers(authorization)).status());
    long after = engine.count("SELECT count(*) FROM orders");

    ApiCaller.Answer replay = registration.raw("POST", PATH, body, headers(authorization));

    assertEquals(401, replay.status());
    assertTrue(replay.json().getString("detail").contains("nonce"));
    assertEquals(after, engine.count("SELECT count(*) FROM orders"));
  }

  @Test
  void aNonceReplayedConcurrentlyIsAcceptedOnceEvenWhenTheCopiesShareACommitGroup() throws Exception {
    byte[] body = body();
    String now = Long.toString(Clock.systemUTC().instant().getEpochSecond());
    String authorization = registration.signer().authorization("POST", PATH, body, now, "concurrent-nonce");
    int copies = 12;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(copies);
    java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      for (int i = 0; i < copies; i++) {
        Map<String, String> headers = headers(authorization);
        answers.add(pool.submit(() -> {
          go.await();
          return registration.raw("POST", PATH, body, headers).status();
        }));
      }
      go.countDown();
      java.util.List<Integer> statuses = new java.util.ArrayList<>();
      for (var answer : answers) {
        statuses.add(answer.get(30, java.util.concurrent.TimeUnit.SECONDS));
      }
      assertEquals(1, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
      assertEquals(copies - 1, statuses.stream().filter(s -> s == 401).count(), statuses.toString());
      assertEquals(ordersBefore + 1, engine.count("SELECT count(*) FROM orders"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anUnknownClientIsRefused() {
    KeyPair stranger = Crypto.generateSm2();
    RequestSigner signer = new RequestSigner("nobody", KeyType.SM2, stranger.getPrivate(), Clock.systemUTC());
    byte[] body = body();
    assertRefused(registration.raw("POST", PATH, body, headers(signer.authorization("POST", PATH, body))), 401);
  }

  @Test
  void aKnownClientIdSignedWithAnotherKeyIsRefused() {
    RequestSigner impostor = new RequestSigner("demo-registration", KeyType.SM2,
        Crypto.generateSm2().getPrivate(), Clock.systemUTC());
    byte[] body = body();
    assertRefused(registration.raw("POST", PATH, body, headers(impostor.authorization("POST", PATH, body))), 401);
  }

  @Test
  void malformedAuthorizationHeadersAreRefused() {
    byte[] body = body();
    for (String header : new String[] {
        "Bearer abc",
        "CLEARING-SM2-SM3",
        "CLEARING-SM2-SM3 client_id=demo-registration",
        "CLEARING-SM2-SM3 client_id=\"demo-registration\",timestamp=\"1\"",
        "CLEARING-SM2-SM3 client_id=\"a\",client_id=\"b\",timestamp=\"1\",nonce=\"abcdefgh\",signature=\"x\"",
        "CLEARING-SM2-SM3 client_id=\"demo-registration\",timestamp=\"soon\",nonce=\"abcdefgh\",signature=\"x\""}) {
      assertRefused(registration.raw("POST", PATH, body, headers(header)), 401);
    }
  }

  @Test
  void theWrongSchemeForTheClientsKeyIsRefused() {
    byte[] body = body();
    String sm2 = registration.signer().authorization("POST", PATH, body);
    String asRsa = sm2.replace("CLEARING-SM2-SM3", "CLEARING-SHA256-RSA2048");
    assertRefused(registration.raw("POST", PATH, body, headers(asRsa)), 401);
  }

  @Test
  void aClientOfAnotherRoleIsForbidden() {
    ApiCaller tax = engine.as(Role.TAX);
    byte[] body = body();
    ApiCaller.Answer answer = tax.raw("POST", PATH, body, headers(tax.signer().authorization("POST", PATH, body)));
    assertRefused(answer, 403);
    assertRefused(registration.post("/api/v1/admin/clients", "{}", null), 403);
  }

  @Test
  void anAdministratorRegistersAnRsaClientThatCanThenSign() {
    KeyPair rsa = Crypto.generateRsa(2048);
    JsonObject request = new JsonObject()
        .put("client_id", "county-registration")
        .put("role", "registration")
        .put("key_type", "RSA")
        .put("public_key_pem", Pem.write(rsa.getPublic()));

    ApiCaller.Answer registered = admin.post("/api/v1/admin/clients", request.encode(), null);
    ApiCaller.Answer again = admin.post("/api/v1/admin/clients", request.encode(), null);

    assertEquals(201, registered.status(), registered.text());
    assertEquals(409, again.status());
    ApiCaller county = new ApiCaller(engine.baseUrl(),
        new RequestSigner("county-registration", KeyType.RSA, rsa.getPrivate(), Clock.systemUTC()));
    ApiCaller.Answer created = county.post(PATH, new String(body(), StandardCharsets.UTF_8), "rsa-1");
    assertEquals(201, created.status(), created.text());
    assertTrue(county.signer().authorization("GET", "/", new byte[0]).startsWith("CLEARING-SHA256-RSA2048 "));
  }

  @Test
  void aShortRsaKeyOrAMismatchedKeyTypeIsNotRegistered() {
    JsonObject weak = new JsonObject().put("client_id", "weak-client").put("role", "tax")
        .put("key_type", "RSA").put("public_key_pem", Pem.write(Crypto.generateRsa(1024).getPublic()));
    JsonObject mismatched = new JsonObject().put("client_id", "mismatch").put("role", "tax")
        .put("key_type", "SM2").put("public_key_pem", Pem.write(Crypto.generateRsa(2048).getPublic()));
    JsonObject garbage = new JsonObject().put("client_id", "garbage").put("role", "root")
        .put("key_type", "DSA").put("public_key_pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----");

    for (JsonObject request : new JsonObject[] {weak, mismatched, garbage}) {
      ApiCaller.Answer answer = admin.post("/api/v1/admin/clients", request.encode(), null);
      assertEquals(422, answer.status(), answer.text());
      assertEquals("application/problem+json", answer.contentType());
    }
    assertEquals(0, engine.count("SELECT count(*) FROM api_client WHERE client_id IN ('weak-client','mismatch','garbage')"));
  }

  private void assertRefused(ApiCaller.Answer answer, int status) {
    assertEquals(status, answer.status(), answer.text());
    assertEquals("application/problem+json", answer.contentType());
    assertNothingWritten();
  }
}
