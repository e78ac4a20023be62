package org.clearing.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.Role;
import org.clearing.payment.PaymentIntake;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The running engine seals what it books, and the finance bureau (or an administrator) exports
 * the sealed journal over the API; the chain recomputes with a plain SM3 digest.
 */
class JournalExportRouteTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  @BeforeAll
  static void start() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    String orderNo = registration.post("/api/v1/orders", OrderBodies.typical("SEAL-1").encode(), "seal-1")
        .json().getString("order_no");
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(engine.pgUrl()))
        .using(engine.engine().vertx()).build();
    new PaymentIntake(engine.engine().vertx(), pool).recordPayment(new PaymentNotification(Channel.WECHAT, "EV-S1",
            OutTradeNumbers.of(Channel.WECHAT, orderNo), "4200005555", Money.ofFen(1_509_000), "CNY", true,
            Instant.now(), "o", org.clearing.channel.PayeeIdentity.of("test-merchant", "", "")), PaymentIntake.Source.CALLBACK)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    pool.close();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (engine.count("SELECT count(*) FROM journal_seal") == 0 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  @Test
  void theFinanceBureauExportsSealsThatRecomputeWithSm3() {
    String today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    ApiCaller.Answer answer = engine.as(Role.FINANCE).get("/api/v1/journal/export?from=" + today + "&to=" + today);

    assertEquals(200, answer.status(), answer.text());
    assertEquals("application/x-ndjson", answer.contentType());
    String[] lines = answer.text().trim().split("\n");
    assertTrue(lines.length >= 1);
    for (String line : lines) {
      JsonObject seal = new JsonObject(line);
      SM3Digest digest = new SM3Digest();
      byte[] previous = HexFormat.of().parseHex(seal.getString("previous_seal"));
      byte[] canonical = seal.getString("canonical").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      digest.update(previous, 0, previous.length);
      digest.update(canonical, 0, canonical.length);
      byte[] out = new byte[32];
      digest.doFinal(out, 0);
      assertEquals(seal.getString("seal"), HexFormat.of().formatHex(out));
    }
    assertTrue(answer.text().contains("PAYMENT:wechat:4200005555"));
  }

  @Test
  void onlyAdministratorsAndTheFinanceBureauExportAndBadRangesAreNamed() {
    assertEquals(403, engine.as(Role.REGISTRATION).get("/api/v1/journal/export?from=2026-01-01&to=2026-01-02").status());
    assertEquals(200, engine.as(Role.ADMIN).get("/api/v1/journal/export?from=2026-01-01&to=2026-01-02").status());
    ApiCaller.Answer bad = engine.as(Role.FINANCE).get("/api/v1/journal/export?from=yesterday");
    assertEquals(422, bad.status());
    assertEquals("application/problem+json", bad.contentType());
  }
}
