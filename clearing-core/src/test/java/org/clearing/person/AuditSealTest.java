package org.clearing.person;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.clearing.testing.Await;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * People's actions are sealed in an SM3 chain as the money is: the chain recomputed from the rows
 * verifies, and an action altered behind the triggers' back (a superuser with triggers off)
 * breaks the very seal that covers it.
 */
class AuditSealTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  @Test
  void sealedActionsVerifyAndAnAlteredOneBreaksItsSeal() throws Exception {
    try (ConsoleFixture fixture = new ConsoleFixture(engine)) {
      String password = fixture.addSettledPerson("sealed.tax", PersonRole.TAX, "341522");
      new ConsoleClient(engine.baseUrl()).signIn("sealed.tax", "a-wrong-password");
      new ConsoleClient(engine.baseUrl()).signIn("sealed.tax", password);
    }
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(engine.pgUrl()))
        .using(engine.engine().vertx()).build();
    try {
      AuditSealer sealer = new AuditSealer(engine.engine().vertx(), pool);
      long lastEvent = engine.count("SELECT max(audit_id) FROM audit_event");
      // An open transaction elsewhere holds the horizon back for a moment: seal until it has passed.
      Await.until("every action sealed", () -> {
        Await.result(sealer.sealOnce());
        return engine.count("SELECT coalesce(max(last_audit_id), 0) FROM audit_seal") >= lastEvent;
      });
      AuditSealer.Verification intact = Await.result(sealer.verify());
      assertTrue(intact.ok(), intact.toString());
      assertTrue(intact.sealsChecked() >= 1);

      long covering = engine.count("SELECT seal_no FROM audit_seal WHERE first_audit_id <= " + lastEvent
          + " AND last_audit_id >= " + lastEvent);
      TestDatabase.tamper(engine.pgUrl(), "UPDATE audit_event SET outcome = 'refused' WHERE audit_id = " + lastEvent);
      AuditSealer.Verification broken = Await.result(sealer.verify());

      assertFalse(broken.ok());
      assertEquals(covering, broken.firstBrokenSealNo());
    } finally {
      Await.result(pool.close());
    }
  }
}
