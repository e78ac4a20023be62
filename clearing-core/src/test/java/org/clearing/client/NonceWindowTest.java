package org.clearing.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.crypto.Crypto;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.SettableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A signed request replayed at the very edge of the ±300 s window is refused however the nonce
 * sweeper ran meanwhile: each nonce is kept until its own request's timestamp + window + margin,
 * not for a fixed time after it arrived. The engine's clock is set by hand, the sweep run on demand.
 */
class NonceWindowTest {

  private static final String PATH = "/api/v1/engine/public-key";
  private static final SettableClock CLOCK = new SettableClock(Instant.now());
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withClock(CLOCK);
  private static ApiCaller caller;

  @BeforeAll
  static void start() {
    caller = engine.as(Role.REGISTRATION);
  }

  @AfterAll
  static void stop() throws Exception {
    CLOCK.set(Instant.now());
  }

  /** The engine's clock at {@code second} + {@code millis}; a request's stamp is whole seconds. */
  private static void clockAt(long second, long millis) {
    CLOCK.set(Instant.ofEpochSecond(second, millis * 1_000_000));
  }

  private static ApiCaller.Answer send(long timestamp, String nonce) {
    String authorization = caller.signer().authorization("GET", PATH, new byte[0], Long.toString(timestamp), nonce);
    return caller.raw("GET", PATH, new byte[0], Map.of("Authorization", authorization));
  }

  private static void sweep() throws Exception {
    engine.engine().sweepNonces().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void assertReplayRefused(long timestamp, String nonce) {
    ApiCaller.Answer replay = send(timestamp, nonce);
    assertEquals(401, replay.status(), replay.text());
    assertTrue(replay.text().contains("nonce has been used before"), replay.text());
  }

  @Test
  void aRequestStampedAtTheWindowsFarEdgeIsNotReplayableAfterTheSweep() throws Exception {
    long arrival = Instant.now().getEpochSecond();
    long stamped = arrival + Authenticator.TIMESTAMP_WINDOW_S;
    String nonce = Crypto.randomToken(16);
    clockAt(arrival, 100);
    assertEquals(200, send(stamped, nonce).status(), "a request stamped +300 s is just inside the window");

    // 600.9 s after arrival the stamp is still exactly 300 whole seconds away, so the window admits
    // it; a nonce kept 2 × 300 s from its arrival (the old rule) is gone after this sweep.
    clockAt(arrival + 2 * Authenticator.TIMESTAMP_WINDOW_S, 900);
    sweep();

    assertReplayRefused(stamped, nonce);
  }

  @Test
  void aRequestStampedJustInsideTheWindowIsAcceptedOnceWheneverTheSweeperRuns() throws Exception {
    long arrival = Instant.now().getEpochSecond();
    long stamped = arrival + Authenticator.TIMESTAMP_WINDOW_S - 1;
    String nonce = Crypto.randomToken(16);
    clockAt(arrival, 500);
    assertEquals(200, send(stamped, nonce).status(), "a request stamped +299 s is inside the window");
    assertReplayRefused(stamped, nonce);

    long lastValidSecond = stamped + Authenticator.TIMESTAMP_WINDOW_S;
    // The sweeper of another engine whose clock runs 30 s ahead of this one, then this engine's
    // own, each at a moment when a nonce kept 600 s from its arrival would already be gone.
    for (long sweptAt : new long[] {arrival + 630, lastValidSecond}) {
      clockAt(sweptAt, 999);
      sweep();
      clockAt(lastValidSecond, 999);
      assertReplayRefused(stamped, nonce);
    }
  }

  @Test
  void aNonceIsForgottenOnceItsRequestCouldNoLongerPass() throws Exception {
    long arrival = Instant.now().getEpochSecond();
    String nonce = Crypto.randomToken(16);
    clockAt(arrival, 0);
    assertEquals(200, send(arrival, nonce).status());
    String count = "SELECT count(*) FROM request_nonce WHERE nonce = '" + nonce + "'";

    clockAt(arrival + Authenticator.TIMESTAMP_WINDOW_S + Authenticator.NONCE_RETENTION_MARGIN_S, 0);
    sweep();
    assertEquals(1, engine.count(count), "kept through the window and the margin");
    clockAt(arrival + Authenticator.TIMESTAMP_WINDOW_S + Authenticator.NONCE_RETENTION_MARGIN_S + 1, 0);
    sweep();
    assertEquals(0, engine.count(count), "then swept, so the store stays bounded");
    ApiCaller.Answer late = send(arrival, nonce);
    assertEquals(401, late.status());
    assertTrue(late.text().contains("timestamp"), "the stale request is refused by its timestamp: " + late.text());
  }
}
