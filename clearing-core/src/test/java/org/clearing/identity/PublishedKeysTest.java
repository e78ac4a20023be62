package org.clearing.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.outbox.EngineKey;
import org.clearing.report.ReportSigner;
import org.junit.jupiter.api.Test;

/**
 * The verifier a receiver uses accepts a signature only by a listed key that is valid at the
 * moment of checking, over the exact bytes: an expired, unlisted or substituted key, a changed
 * byte, a webhook without a key id or from another signer are each refused with the reason.
 */
class PublishedKeysTest {

  private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
  private static final EngineKey CURRENT = EngineKey.generate();
  private static final EngineKey PREVIOUS = EngineKey.generate();
  private static final byte[] REPORT = "\uFEFFaccount,paid_fen\r\nTRE-341500,7500000\r\n".getBytes(StandardCharsets.UTF_8);

  /** The list as {@code GET /api/v1/engine/public-keys} answers it: the previous key valid one more hour. */
  private static JsonObject list(EngineKey current, EngineKey previous) {
    return new JsonObject().put("keys", new JsonArray()
        .add(entry(current, null, true))
        .add(entry(previous, NOW.plusSeconds(3_600).toString(), false)));
  }

  private static JsonObject entry(EngineKey key, String validUntil, boolean current) {
    return new JsonObject().put("key_id", key.keyId()).put("algorithm", "SM2")
        .put("signature_scheme", "CLEARING-SM2-SM3").put("public_key_pem", key.publicKeyPem())
        .put("valid_from", NOW.minusSeconds(86_400).atOffset(ZoneOffset.UTC).toString())
        .put("valid_until", validUntil).put("current", current);
  }

  private static PublishedKeys keys() {
    return PublishedKeys.fromJson(list(CURRENT, PREVIOUS).encode());
  }

  @Test
  void reportsByTheCurrentKeyAndByThePreviousOneDuringItsOverlapVerify() {
    assertEquals(new PublishedKeys.Verified(CURRENT.keyId()),
        keys().verifyReport(new ReportSigner(() -> CURRENT).header(REPORT), REPORT, NOW));
    assertEquals(new PublishedKeys.Verified(PREVIOUS.keyId()),
        keys().verifyReport(new ReportSigner(() -> PREVIOUS).header(REPORT), REPORT, NOW.plusSeconds(3_599)));
  }

  @Test
  void thePreviousKeyIsRefusedFromTheEndOfItsOverlap() {
    assertEquals(new PublishedKeys.Refused("key " + PREVIOUS.keyId() + " expired at " + NOW.plusSeconds(3_600)),
        keys().verifyReport(new ReportSigner(() -> PREVIOUS).header(REPORT), REPORT, NOW.plusSeconds(3_600)));
  }

  @Test
  void aKeyNotListedAChangedByteOrAnotherKeyUnderAListedIdIsRefused() {
    EngineKey stranger = EngineKey.generate();
    assertEquals(new PublishedKeys.Refused("key " + stranger.keyId() + " is not published"),
        keys().verifyReport(new ReportSigner(() -> stranger).header(REPORT), REPORT, NOW));
    byte[] changed = REPORT.clone();
    changed[changed.length - 4] = '1';
    assertEquals(new PublishedKeys.Refused("the signature does not verify with key " + CURRENT.keyId()),
        keys().verifyReport(new ReportSigner(() -> CURRENT).header(REPORT), changed, NOW));
    String strangerUnderCurrentId = new ReportSigner(CURRENT.keyId(), stranger.privateKey()).header(REPORT);
    assertEquals(new PublishedKeys.Refused("the signature does not verify with key " + CURRENT.keyId()),
        keys().verifyReport(strangerUnderCurrentId, REPORT, NOW));
    assertEquals(PublishedKeys.Refused.class, keys().verifyReport("CLEARING-SM2-SM3 signature=\"AA==\"", REPORT, NOW)
        .getClass());
    assertEquals(PublishedKeys.Refused.class, keys().verifyReport(null, REPORT, NOW).getClass());
  }

  @Test
  void aListWhoseKeyIdDoesNotMatchItsKeyIsRefusedAsAWhole() {
    JsonObject doctored = list(CURRENT, PREVIOUS);
    doctored.getJsonArray("keys").getJsonObject(0).put("public_key_pem", EngineKey.generate().publicKeyPem());
    assertThrows(IllegalArgumentException.class, () -> PublishedKeys.fromJson(doctored.encode()));
    assertThrows(IllegalArgumentException.class, () -> PublishedKeys.fromJson("{\"client_id\":\"clearing-engine\"}"));
    assertThrows(IllegalArgumentException.class, () -> PublishedKeys.fromJson("not json"));
  }

  @Test
  void aWebhookVerifiesByTheKeyItNamesAndNotWithoutOne() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    byte[] body = "{\"event_id\":1}".getBytes(StandardCharsets.UTF_8);
    String signed = PREVIOUS.signer(clock).authorization("POST", "/hooks?x=1", body);
    assertEquals(new PublishedKeys.Verified(PREVIOUS.keyId()), keys().verifyWebhook("POST", "/hooks?x=1", signed, body, NOW));
    assertEquals(new PublishedKeys.Refused("the signature does not verify with key " + PREVIOUS.keyId()),
        keys().verifyWebhook("POST", "/hooks?x=2", signed, body, NOW));
    String withoutKeyId = new RequestSigner(EngineKey.CLIENT_ID, KeyType.SM2, PREVIOUS.privateKey(), clock)
        .authorization("POST", "/hooks", body);
    assertEquals(new PublishedKeys.Refused("the signature names no key_id"),
        keys().verifyWebhook("POST", "/hooks", withoutKeyId, body, NOW));
    String otherSigner = new RequestSigner("registration", CURRENT.keyId(), KeyType.SM2, CURRENT.privateKey(), clock)
        .authorization("POST", "/hooks", body);
    assertEquals(new PublishedKeys.Refused("not signed by clearing-engine"),
        keys().verifyWebhook("POST", "/hooks", otherSigner, body, NOW));
  }
}
