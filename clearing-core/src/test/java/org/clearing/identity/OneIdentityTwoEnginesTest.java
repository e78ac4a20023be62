package org.clearing.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.clearing.client.Role;
import org.clearing.config.KeySources;
import org.clearing.crypto.MasterKey;
import org.clearing.crypto.SecretFiles;
import org.clearing.crypto.SignatureScheme;
import org.clearing.lease.JobsVerticle;
import org.clearing.outbox.EngineKey;
import org.clearing.outbox.Receiver;
import org.clearing.outbox.WebhookRelay;
import org.clearing.report.ReportSigner;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.SecondEngine;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two engines on one database with one master key are one identity: webhooks and reports from
 * either verify with the one key both publish, a payer ID one encrypts the other decrypts, and
 * after a rotation on one engine both pick the new key up while signatures by the previous key
 * still verify until its overlap ends; then, and for a key never published, the verifier refuses.
 * An order request replayed at the other engine is recognised as the replay it is (one
 * fingerprint key), while another body under the same idempotency key conflicts on both.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OneIdentityTwoEnginesTest {

  private static final Path MASTER_KEY_FILE = masterKeyFile();
  private static final KeySources KEYS = KeySources.defaults().withMasterKeyFile(MASTER_KEY_FILE);

  @RegisterExtension
  static final EngineExtension first = EngineExtension.with(config -> config.withKeys(KEYS));
  private static SecondEngine second;
  /** A report signed before the first rotation, by the second engine. */
  private static Signed beforeRotation;
  /** The payer ID column of an order made before the payer-ID key was rotated. */
  private static byte[] payerIdBeforeRotation;

  private record Signed(String signature, byte[] body) {}

  @BeforeAll
  static void startSecond() {
    second = SecondEngine.on(first.get(), config -> config.withSandboxes(false, 0, 1).withKeys(KEYS));
  }

  @AfterAll
  static void stopSecond() throws Exception {
    second.close();
  }

  private static Path masterKeyFile() {
    try {
      Path file = Files.createTempDirectory("clearing-master-").resolve("master.key");
      SecretFiles.writeString(file, MasterKey.generate().toHex() + "\n");
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static ApiCaller firstAs(Role role) {
    return first.as(role);
  }

  private static ApiCaller secondAs(Role role) {
    return second.as(first.get(), role);
  }

  private static JsonObject publicKeys(ApiCaller engine) {
    ApiCaller.Answer answer = engine.send("GET", "/api/v1/engine/public-keys", new byte[0], Map.of(), false);
    assertEquals(200, answer.status(), answer.text());
    return answer.json();
  }

  private static Signed report(ApiCaller engine) {
    String today = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString();
    HttpResponse<byte[]> response = engine.getWithHeaders("/api/v1/finance/reports/daily?format=csv&date=" + today);
    assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    return new Signed(response.headers().firstValue(ReportSigner.HEADER).orElseThrow(), response.body());
  }

  private static PublishedKeys.Verdict verify(JsonObject keys, Signed report) {
    return PublishedKeys.fromJson(keys.encode()).verifyReport(report.signature(), report.body(), Instant.now());
  }

  private static ApiCaller.Answer rotate(ApiCaller admin, String body) {
    return admin.send("POST", "/api/v1/admin/engine/keys/rotate", body.getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true);
  }

  private static byte[] payerIdCipher(String orderNo) {
    return HexFormat.of().parseHex(TestDatabase.queryString(first.pgUrl(),
        "SELECT encode(payer_id_cipher, 'hex') FROM orders WHERE order_no = '" + orderNo + "'"));
  }

  private static String createOrder(ApiCaller registration, String key) {
    ApiCaller.Answer created = registration.post("/api/v1/orders", OrderBodies.typical(key).encode(), key);
    assertEquals(201, created.status(), created.text());
    return created.json().getString("order_no");
  }

  @Test
  @Order(1)
  void bothEnginesPublishOneKeyAndReportsFromEitherVerifyWithIt() {
    JsonObject fromFirst = publicKeys(firstAs(Role.FINANCE));
    JsonObject fromSecond = publicKeys(secondAs(Role.FINANCE));
    assertEquals(fromFirst, fromSecond, "both engines publish the same list");
    JsonArray keys = fromFirst.getJsonArray("keys");
    assertEquals(1, keys.size(), keys.encodePrettily());
    JsonObject key = keys.getJsonObject(0);
    String keyId = first.engine().identity().signingKey().keyId();
    assertEquals(keyId, key.getString("key_id"));
    assertEquals(keyId, second.engine().identity().signingKey().keyId());
    assertEquals(true, key.getBoolean("current"));
    assertNull(key.getString("valid_until"));
    assertEquals("SM2", key.getString("algorithm"));

    Signed byFirst = report(firstAs(Role.FINANCE));
    beforeRotation = report(secondAs(Role.FINANCE));
    assertEquals(new PublishedKeys.Verified(keyId), verify(fromFirst, byFirst));
    assertEquals(new PublishedKeys.Verified(keyId), verify(fromFirst, beforeRotation));
    assertTrue(byFirst.signature().startsWith("CLEARING-SM2-SM3 key_id=\"" + keyId + "\",signature=\""),
        byFirst.signature());
  }

  @Test
  @Order(2)
  void aWebhookDeliveredByEitherEngineVerifiesWithThePublishedKey() throws Exception {
    ApiCaller admin = firstAs(Role.ADMIN);
    try (Receiver receiver = Receiver.answering(first.engine().vertx(), 204)) {
      ApiCaller.Answer set = admin.send("PUT", "/api/v1/webhook-endpoint",
          new JsonObject().put("url", receiver.url("/hooks")).encode().getBytes(StandardCharsets.UTF_8),
          Map.of("Content-Type", "application/json"), true);
      assertEquals(200, set.status(), set.text());
      String holderId = Await.value("a relay holds its lease", () -> TestDatabase.queryString(first.pgUrl(),
          "SELECT holder FROM job_lease WHERE job = '" + WebhookRelay.JOB + "'"), java.util.Objects::nonNull);
      JobsVerticle holder = first.engine().jobs().holder().equals(holderId)
          ? first.engine().jobs() : second.engine().jobs();

      Receiver.Request byHolder = deliver(receiver, "identity.test.one");
      // The holder stops relaying and gives its lease back; only the other engine can deliver now.
      Await.result(holder.stop(WebhookRelay.JOB));
      Receiver.Request byOther = deliver(receiver, "identity.test.two");
      assertNotEquals(holderId, TestDatabase.queryString(first.pgUrl(),
          "SELECT holder FROM job_lease WHERE job = '" + WebhookRelay.JOB + "'"), "the other engine delivered");

      PublishedKeys keys = PublishedKeys.fromJson(publicKeys(secondAs(Role.ADMIN)).encode());
      String keyId = first.engine().identity().signingKey().keyId();
      for (Receiver.Request request : List.of(byHolder, byOther)) {
        assertTrue(request.authorization().contains("key_id=\"" + keyId + "\""), request.authorization());
        assertEquals(new PublishedKeys.Verified(keyId), keys.verifyWebhook(request.method(), request.pathWithQuery(),
            request.authorization(), request.body(), Instant.now()));
      }
    }
  }

  /** An event for no order (it goes to the admins' endpoints), and the request that delivered it. */
  private static Receiver.Request deliver(Receiver receiver, String type) {
    TestDatabase.execute(first.pgUrl(), "INSERT INTO outbox (event_type, order_no, payload) VALUES ('" + type
        + "', NULL, '{\"type\":\"" + type + "\"}')");
    return Await.value("the " + type + " webhook arrives", () -> receiver.requests().stream()
        .filter(r -> new String(r.body(), StandardCharsets.UTF_8).contains(type)).findFirst().orElse(null),
        java.util.Objects::nonNull);
  }

  @Test
  @Order(3)
  void aPayerIdEncryptedByOneEngineIsDecryptedByTheOther() {
    String orderNo = createOrder(firstAs(Role.REGISTRATION), "identity-payer-1");
    payerIdBeforeRotation = payerIdCipher(orderNo);
    assertEquals("34150019900101123X", second.engine().identity().payerIds().decrypt(payerIdBeforeRotation));
    String bySecond = createOrder(secondAs(Role.REGISTRATION), "identity-payer-2");
    assertEquals("34150019900101123X", first.engine().identity().payerIds().decrypt(payerIdCipher(bySecond)));
  }

  @Test
  @Order(3)
  void theSameOrderRequestReachingTheOtherEngineIsAReplayAndAnotherBodyUnderItsKeyConflictsOnBoth() {
    ApiCaller.Answer created = firstAs(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical("IDENTITY-REPLAY").encode(), "identity-replay");
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");

    // The registration system retries after a lost answer; the load balancer sends it to the other engine.
    ApiCaller.Answer replayed = secondAs(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical("IDENTITY-REPLAY").encode(), "identity-replay");
    assertEquals(200, replayed.status(), "a replay, not a conflict: " + replayed.text());
    assertEquals(orderNo, replayed.json().getString("order_no"));
    assertTrue(java.util.Arrays.equals(first.engine().identity().requestFingerprints().of(sample()),
        second.engine().identity().requestFingerprints().of(sample())), "one key on both engines");

    JsonObject otherPayer = OrderBodies.typical("IDENTITY-REPLAY");
    otherPayer.getJsonObject("payer").put("id_no", "34150019900101124X");
    for (ApiCaller engine : List.of(firstAs(Role.REGISTRATION), secondAs(Role.REGISTRATION))) {
      ApiCaller.Answer conflict = engine.post("/api/v1/orders", otherPayer.encode(), "identity-replay");
      assertEquals(409, conflict.status(), conflict.text());
    }
    assertEquals(1, first.count("SELECT count(*) FROM orders WHERE case_no = 'IDENTITY-REPLAY'"));
  }

  private static org.clearing.order.NewOrder sample() {
    return new org.clearing.order.NewOrder("IDENTITY-SAMPLE", "341500", "张三", "34150019900101123X", List.of(
        new org.clearing.order.NewOrder.NewLine(org.clearing.routing.ItemKind.DEED_TAX,
            org.clearing.channel.Money.ofFen(1_000), null, null, null)), org.clearing.order.NewOrder.EXPIRES_IN_S_DEFAULT);
  }

  @Test
  @Order(4)
  void afterARotationOnOneEngineBothSignWithTheNewKeyAndTheOldStillVerifiesDuringTheOverlap() {
    String oldKeyId = first.engine().identity().signingKey().keyId();
    ApiCaller.Answer rotated = rotate(firstAs(Role.ADMIN), "{\"purpose\":\"signing\",\"overlap_hours\":1}");
    assertEquals(201, rotated.status(), rotated.text());
    String newKeyId = rotated.json().getString("key_id");
    assertNotEquals(oldKeyId, newKeyId);
    assertEquals(oldKeyId, rotated.json().getString("previous_key_id"));
    Instant oldUntil = Instant.parse(rotated.json().getString("previous_valid_until"));
    assertTrue(Duration.between(Instant.now(), oldUntil).abs().minusHours(1).abs().toMinutes() < 5, oldUntil.toString());

    assertEquals(newKeyId, first.engine().identity().signingKey().keyId(), "the rotating engine signs with it at once");
    Await.until("the other engine picks the new key up", Duration.ofSeconds(3 * EngineIdentity.REFRESH_INTERVAL_MS / 1000),
        () -> second.engine().identity().signingKey().keyId().equals(newKeyId));

    JsonObject keys = publicKeys(secondAs(Role.FINANCE));
    assertEquals(List.of(newKeyId, oldKeyId), keys.getJsonArray("keys").stream()
        .map(k -> ((JsonObject) k).getString("key_id")).toList(), "the new key first, the old one still listed");
    assertNull(keys.getJsonArray("keys").getJsonObject(0).getString("valid_until"));
    assertEquals(oldUntil, Instant.parse(keys.getJsonArray("keys").getJsonObject(1).getString("valid_until")));

    Signed afterRotation = report(secondAs(Role.FINANCE));
    assertEquals(new PublishedKeys.Verified(newKeyId), verify(keys, afterRotation));
    assertEquals(new PublishedKeys.Verified(newKeyId), verify(keys, report(firstAs(Role.FINANCE))));
    assertEquals(new PublishedKeys.Verified(oldKeyId), verify(keys, beforeRotation), "during the overlap");
    assertInstanceOf(PublishedKeys.Refused.class, PublishedKeys.fromJson(keys.encode())
        .verifyReport(beforeRotation.signature(), beforeRotation.body(), oldUntil.plusSeconds(1)),
        "after the overlap the old key is refused");
  }

  @Test
  @Order(5)
  void afterAPayerKeyRotationNewIdsUseTheNewKeyAndOldOnesStillDecryptOnBothEngines() {
    String oldKeyId = first.engine().identity().payerIds().currentKeyId();
    ApiCaller.Answer rotated = rotate(secondAs(Role.ADMIN), "{\"purpose\":\"payer_id\"}");
    assertEquals(201, rotated.status(), rotated.text());
    String newKeyId = rotated.json().getString("key_id");
    assertEquals(oldKeyId, rotated.json().getString("previous_key_id"));
    assertNull(rotated.json().getString("previous_valid_until"), "an old payer-ID key never expires");
    Await.until("the first engine picks the new payer-ID key up", Duration.ofSeconds(30),
        () -> first.engine().identity().payerIds().currentKeyId().equals(newKeyId));

    byte[] stored = payerIdCipher(createOrder(firstAs(Role.REGISTRATION), "identity-payer-3"));
    assertEquals(newKeyId, "sm4-" + HexFormat.of().formatHex(stored, 1, 9), "the ciphertext names its key");
    assertEquals("34150019900101123X", second.engine().identity().payerIds().decrypt(stored));
    assertEquals("34150019900101123X", first.engine().identity().payerIds().decrypt(payerIdBeforeRotation));
    assertEquals("34150019900101123X", second.engine().identity().payerIds().decrypt(payerIdBeforeRotation));
  }

  @Test
  @Order(6)
  void aReportResignedWithAKeyThatIsNotPublishedOrHasExpiredIsRefused() throws Exception {
    JsonObject keys = publicKeys(firstAs(Role.FINANCE));
    Signed genuine = report(firstAs(Role.FINANCE));
    String currentKeyId = first.engine().identity().signingKey().keyId();
    assertEquals(new PublishedKeys.Verified(currentKeyId), verify(keys, genuine));

    // The attacker changes a figure and signs with a key of its own, naming the engine's key id...
    byte[] altered = new String(genuine.body(), StandardCharsets.UTF_8).replaceFirst("0", "9")
        .getBytes(StandardCharsets.UTF_8);
    EngineKey attacker = EngineKey.generate();
    String forgedSignature = SignatureScheme.SM2_SM3.sign(attacker.privateKey(), altered);
    assertEquals(new PublishedKeys.Refused("the signature does not verify with key " + currentKeyId),
        verify(keys, new Signed("CLEARING-SM2-SM3 key_id=\"" + currentKeyId + "\",signature=\"" + forgedSignature + "\"",
            altered)));
    // ...or its own key id.
    assertEquals(new PublishedKeys.Refused("key " + attacker.keyId() + " is not published"),
        verify(keys, new Signed("CLEARING-SM2-SM3 key_id=\"" + attacker.keyId() + "\",signature=\"" + forgedSignature
            + "\"", altered)));
    // A list doctored to carry the attacker's key under the engine's id is refused as a whole.
    JsonObject doctored = keys.copy();
    doctored.getJsonArray("keys").getJsonObject(0).put("public_key_pem", attacker.publicKeyPem());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> PublishedKeys.fromJson(doctored.encode()));

    // A key rotated away with no overlap (a stolen key) is refused at once, on every engine.
    ApiCaller.Answer rotated = rotate(firstAs(Role.ADMIN), "{\"purpose\":\"signing\",\"overlap_hours\":0}");
    assertEquals(201, rotated.status(), rotated.text());
    assertEquals(currentKeyId, rotated.json().getString("previous_key_id"));
    JsonObject after = publicKeys(secondAs(Role.FINANCE));
    assertTrue(after.getJsonArray("keys").stream().noneMatch(k -> ((JsonObject) k).getString("key_id").equals(currentKeyId)),
        after.encodePrettily());
    assertEquals(new PublishedKeys.Refused("key " + currentKeyId + " is not published"), verify(after, genuine));

    // The command the project ships says the same, from files as a receiver saves them.
    Path dir = Files.createTempDirectory("verify-report-");
    Files.writeString(dir.resolve("keys.json"), after.encode());
    Files.write(dir.resolve("revoked.csv"), genuine.body());
    Files.write(dir.resolve("forged.csv"), altered);
    // The other engine signs with the revoked key until its next refresh, at most REFRESH_INTERVAL_MS.
    Await.until("the other engine picks the new key up", Duration.ofSeconds(3 * EngineIdentity.REFRESH_INTERVAL_MS / 1000),
        () -> second.engine().identity().signingKey().keyId().equals(rotated.json().getString("key_id")));
    Signed fresh = report(secondAs(Role.FINANCE));
    Files.write(dir.resolve("fresh.csv"), fresh.body());
    assertEquals(0, verifyReportCommand(dir.resolve("keys.json"), fresh.signature(), dir.resolve("fresh.csv")));
    assertEquals(1, verifyReportCommand(dir.resolve("keys.json"), genuine.signature(), dir.resolve("revoked.csv")));
    assertEquals(1, verifyReportCommand(dir.resolve("keys.json"), "CLEARING-SM2-SM3 key_id=\"" + rotated.json()
        .getString("key_id") + "\",signature=\"" + forgedSignature + "\"", dir.resolve("forged.csv")));
    assertEquals(2, verifyReportCommand(dir.resolve("missing.json"), fresh.signature(), dir.resolve("fresh.csv")));
  }

  private static int verifyReportCommand(Path keys, String signature, Path report) {
    return new picocli.CommandLine(new org.clearing.cli.VerifyReportCommand())
        .setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()))
        .setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()))
        .execute("--public-keys", keys.toString(), "--signature", signature, report.toString());
  }

  @Test
  @Order(7)
  void aRotationWithBadInputIsRefusedNamingTheFieldAndChangesNothing() {
    long keysBefore = first.count("SELECT count(*) FROM engine_key");
    String current = first.engine().identity().signingKey().keyId();
    Map<String, String> bodies = Map.of(
        "{}", "purpose",
        "{\"purpose\":\"webhooks\"}", "purpose",
        "{\"purpose\":\"request_fingerprint\"}", "purpose",
        "{\"purpose\":\"signing\",\"overlap_hours\":-1}", "overlap_hours",
        "{\"purpose\":\"signing\",\"overlap_hours\":2161}", "overlap_hours",
        "{\"purpose\":\"signing\",\"overlap_hours\":\"24\"}", "overlap_hours",
        "{\"purpose\":\"signing\",\"overlap_hours\":1.5}", "overlap_hours",
        "{\"purpose\":\"payer_id\",\"overlap_hours\":1}", "overlap_hours",
        "{\"purpose\":\"signing\",\"valid_until\":\"2030-01-01T00:00:00Z\"}", "valid_until");
    bodies.forEach((body, field) -> {
      ApiCaller.Answer answer = rotate(firstAs(Role.ADMIN), body);
      assertEquals(422, answer.status(), body + " -> " + answer.text());
      assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
      assertTrue(answer.text().contains("\"" + field + "\""), body + " -> " + answer.text());
    });
    assertEquals(400, rotate(firstAs(Role.ADMIN), "{\"purpose\":\"signing\",\"purpose\":\"payer_id\"}").status());
    assertEquals(400, rotate(firstAs(Role.ADMIN), "[\"signing\"]").status());
    assertEquals(403, rotate(firstAs(Role.FINANCE), "{\"purpose\":\"signing\"}").status(), "admins only");
    ApiCaller.Answer unsigned = firstAs(Role.ADMIN).send("POST", "/api/v1/admin/engine/keys/rotate",
        "{\"purpose\":\"signing\"}".getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"), false);
    assertEquals(401, unsigned.status(), unsigned.text());
    assertEquals(keysBefore, first.count("SELECT count(*) FROM engine_key"), "nothing changed");
    assertEquals(current, first.engine().identity().signingKey().keyId());
  }

  @Test
  @Order(8)
  void theDatabaseHoldsTheKeysOnlySealed() {
    String secrets = TestDatabase.queryString(first.pgUrl(),
        "SELECT string_agg(encode(sealed_secret, 'escape'), '') FROM engine_key");
    assertNotNull(secrets);
    assertTrue(!secrets.contains("PRIVATE KEY"), "no private key in clear");
    byte[] signingPem = first.engine().identity().signingKey().privateKeyPem().getBytes(StandardCharsets.UTF_8);
    assertTrue(!secrets.contains(new String(signingPem, StandardCharsets.ISO_8859_1).substring(30, 60)));
    assertEquals(0, first.count("SELECT count(*) FROM engine_key WHERE sealed_secret IS NULL"));
  }
}
