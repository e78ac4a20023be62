package org.clearing.load.scenario;

// Proves that a replay run is refused, with a reason, when its pre-signed callbacks would be stale for WeChat or found first by the engine's active query.

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.clearing.load.driver.Harness;
import org.junit.jupiter.api.Test;

class ReplayLimitsTest {

  private static ReplayScenario.PrePayment prePayment(long openedAgoMs, long prePaidAgoMs) {
    long now = System.currentTimeMillis();
    return new ReplayScenario.PrePayment(List.of(), now - openedAgoMs, now - prePaidAgoMs, 1_000);
  }

  @Test
  void aWindowThatFitsInWechatsTimestampWindowIsAccepted() {
    assertDoesNotThrow(() -> ReplayScenario.checkWindow(3_000, 300));
  }

  @Test
  void aWindowLongerThanWechatsTimestampWindowAllowsIsRefusedBeforeAnythingIsPrepared() {
    ReplayScenario.DoesNotFit refused = assertThrows(ReplayScenario.DoesNotFit.class,
        () -> ReplayScenario.checkWindow(300 * 260, 300));

    assertTrue(refused.getMessage().contains("timestamp window"), refused.getMessage());
  }

  @Test
  void freshCallbacksReplayedSoonAfterPreparationAreAccepted() {
    assertDoesNotThrow(() -> ReplayScenario.checkFresh(prePayment(60_000, 10_000), 3_000, 300));
  }

  @Test
  void callbacksSignedSoLongAgoThatTheLastWouldBeStaleAreRefused() {
    ReplayScenario.DoesNotFit refused = assertThrows(ReplayScenario.DoesNotFit.class,
        () -> ReplayScenario.checkFresh(prePayment(270_000, 260_000), 3_000, 300));

    assertTrue(refused.getMessage().contains("older than 300 s"), refused.getMessage());
  }

  @Test
  void ordersOpenedSoLongAgoThatTheActiveQueryWouldFindThemFirstAreRefused() {
    long openedAgoMs = Harness.PAYMENT_QUERY_AFTER.toMillis() - 5_000;

    ReplayScenario.DoesNotFit refused = assertThrows(ReplayScenario.DoesNotFit.class,
        () -> ReplayScenario.checkFresh(prePayment(openedAgoMs, 10_000), 3_000, 300));

    assertTrue(refused.getMessage().contains("active query"), refused.getMessage());
  }
}
