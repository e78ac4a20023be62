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
 * The audit log's older chain (audit_seal), kept as history since audit events joined the
 * journal's chain: on a database upgraded with actions from before the cut it seals those, the
 * chain recomputed from the rows verifies, and an action altered behind the triggers' back (a
 * superuser with triggers off) breaks the very seal that covers it. On a new database there is
 * nothing before the cut, and it seals nothing.
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
    AuditSealer sealer = new AuditSealer(engine.engine().vertx(), pool);
    assertTrue(Await.result(sealer.sealOnce()).isEmpty(), "a new database's actions are all the journal's to seal");
    // An upgraded database: the cut (V40) lies above the actions written so far.
    String cut = TestDatabase.queryString(engine.pgUrl(), "SELECT from_txid::text FROM audit_in_journal");
    TestDatabase.tamper(engine.pgUrl(), "UPDATE audit_in_journal SET from_txid = pg_current_xact_id()");
    try {
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
      TestDatabase.tamper(engine.pgUrl(), "UPDATE audit_in_journal SET from_txid = '" + cut + "'");
      Await.result(pool.close());
    }
  }
}
