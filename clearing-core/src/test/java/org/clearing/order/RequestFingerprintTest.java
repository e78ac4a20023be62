package org.clearing.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.clearing.Engine;
import org.clearing.channel.Money;
import org.clearing.client.Role;
import org.clearing.config.EngineConfig;
import org.clearing.crypto.Crypto;
import org.clearing.routing.ItemKind;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stored idempotency fingerprint no longer gives a payer's ID number away: someone who reads
 * the orders table and tries every ID number that fits the masked one with the unkeyed hash finds
 * nothing (the same search with the engine's key, which the attacker lacks, finds the number).
 * Idempotency still holds, for new rows and for rows stored unkeyed by an earlier version, which
 * the engine re-keys when it starts.
 */
class RequestFingerprintTest {

  private static final String ID_NO = "34150019900101123X";
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller registration;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  @Test
  void aBruteForceOverTheMaskedDigitsWithTheUnkeyedHashFindsNothing() throws Exception {
    ApiCaller.Answer created = registration.post("/api/v1/orders", OrderBodies.typical("FP-1").encode(), "fp-1");
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");
    String masked = created.json().getJsonObject("payer").getString("id_no_masked");
    byte[] stored = storedHash(orderNo);
    assertEquals(RequestFingerprints.Scheme.KEYED.code, scheme(orderNo));

    // What the order shows: the first three and last four characters; the region says the rest
    // of the first six, and the middle eight are a birth date.
    String region = created.json().getString("region");
    String last4 = masked.substring(masked.length() - 4);
    List<String> candidates = new ArrayList<>();
    for (LocalDate day = LocalDate.of(1930, 1, 1); day.isBefore(LocalDate.of(2011, 1, 1)); day = day.plusDays(1)) {
      candidates.add(region + day.toString().replace("-", "") + last4);
    }
    List<String> foundUnkeyed = new ArrayList<>();
    List<String> foundWithKey = new ArrayList<>();
    RequestFingerprints withKey = engine.engine().identity().requestFingerprints();
    for (String candidate : candidates) {
      NewOrder guess = typical("FP-1", candidate);
      if (java.util.Arrays.equals(stored, Crypto.sm3(guess.canonicalForm()))) {
        foundUnkeyed.add(candidate);
      }
      if (withKey.matches(stored, RequestFingerprints.Scheme.KEYED, guess)) {
        foundWithKey.add(candidate);
      }
    }

    assertEquals(List.of(), foundUnkeyed, "the unkeyed hash recovers the ID number");
    assertEquals(List.of(ID_NO), foundWithKey, "the search covers the ID number (with the key it is found)");
  }

  @Test
  void theSameRequestIsReplayedAndAnotherBodyUnderTheSameKeyConflicts() {
    ApiCaller.Answer created = registration.post("/api/v1/orders", OrderBodies.typical("FP-2").encode(), "fp-2");
    assertEquals(201, created.status(), created.text());

    assertReplayedAndGuarded("FP-2", "fp-2", created.json().getString("order_no"));
  }

  @Test
  void anOrderStoredUnkeyedByAnEarlierVersionIsReKeyedAtStartAndStillGuardsItsKey() throws Exception {
    ApiCaller.Answer created = registration.post("/api/v1/orders", OrderBodies.typical("FP-3").encode(), "fp-3");
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");
    byte[] unkeyed = Crypto.sm3(typical("FP-3", ID_NO).canonicalForm());
    // As the row stood before V13: the unkeyed SM3, scheme 0 (the migration's default).
    TestDatabase.execute(engine.pgUrl(), "UPDATE orders SET request_hash = '\\x" + Crypto.hex(unkeyed)
        + "', request_hash_scheme = 0 WHERE order_no = '" + orderNo + "'");
    assertReplayedAndGuarded("FP-3", "fp-3", orderNo);

    // Another engine instance on the same data directory and database starts: it re-keys.
    Engine second = Engine.start(EngineConfig.defaults(engine.dataDir()).withHttpPort(0)
        .withPgUrl(engine.pgUrl()).withPublicBaseUrl(TestEngine.PUBLIC_BASE_URL).withSandboxes(false, 0, 1));
    second.stop();

    assertEquals(RequestFingerprints.Scheme.KEYED_LEGACY.code, scheme(orderNo));
    assertFalse(java.util.Arrays.equals(unkeyed, storedHash(orderNo)), "the unkeyed hash is gone");
    assertEquals(0, engine.count("SELECT count(*) FROM orders WHERE request_hash_scheme = 0"));
    assertReplayedAndGuarded("FP-3", "fp-3", orderNo);
  }

  private static void assertReplayedAndGuarded(String caseNo, String key, String orderNo) {
    ApiCaller.Answer replayed = registration.post("/api/v1/orders", OrderBodies.typical(caseNo).encode(), key);
    assertEquals(200, replayed.status(), replayed.text());
    assertEquals(orderNo, replayed.json().getString("order_no"));

    JsonObject otherPayer = OrderBodies.typical(caseNo);
    otherPayer.getJsonObject("payer").put("id_no", "34150019900101124X");
    ApiCaller.Answer conflict = registration.post("/api/v1/orders", otherPayer.encode(), key);
    assertEquals(409, conflict.status(), conflict.text());
  }

  /** The request {@link OrderBodies#typical} sends, as the engine parses it. */
  private static NewOrder typical(String caseNo, String idNo) {
    return new NewOrder(caseNo, "341500", "张三", idNo, List.of(
        new NewOrder.NewLine(ItemKind.DEED_TAX, Money.ofFen(1_500_000), null, null, null),
        new NewOrder.NewLine(ItemKind.REGISTRATION_FEE, Money.ofFen(8_000), null, null, null),
        new NewOrder.NewLine(ItemKind.CERTIFICATE_FEE, Money.ofFen(1_000), null, null, null)),
        NewOrder.EXPIRES_IN_S_DEFAULT);
  }

  private static byte[] storedHash(String orderNo) {
    return HexFormat.of().parseHex(TestDatabase.queryString(engine.pgUrl(),
        "SELECT encode(request_hash, 'hex') FROM orders WHERE order_no = '" + orderNo + "'"));
  }

  private static long scheme(String orderNo) {
    return engine.count("SELECT request_hash_scheme FROM orders WHERE order_no = '" + orderNo + "'");
  }
}
