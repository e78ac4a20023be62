package org.clearing.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.sqlclient.Pool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.clearing.cli.VerifyJournalCommand;
import org.clearing.person.PersonRole;
import org.clearing.testing.Await;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * People's actions are sealed in the journal's own SM3 chain, with the money, each exactly once;
 * and a forged log line (who or what changed by a superuser with the triggers off) or a deleted one
 * is named by {@code verify-journal} and shown as a broken chain on the auditor's page. Each test
 * undoes its tampering, and the chain must verify again after it.
 */
class AuditEventsInJournalChainTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;
  private static ConsoleClient auditor;
  private static Pool pool;
  /** A sealed sign-in of the tax officer, which every tampering targets. */
  private static long target;

  @BeforeAll
  static void peopleActAndTheJournalSealsIt() throws Exception {
    fixture = new ConsoleFixture(engine);
    String tax = fixture.addSettledPerson("chain.tax", PersonRole.TAX, "341522");
    new ConsoleClient(engine.baseUrl()).signIn("chain.tax", "a-wrong-password");
    assertEquals(303, new ConsoleClient(engine.baseUrl()).signIn("chain.tax", tax).statusCode());
    String password = fixture.addSettledPerson("chain.auditor", PersonRole.AUDITOR, "341522");
    auditor = new ConsoleClient(engine.baseUrl());
    assertEquals(303, auditor.signIn("chain.auditor", password).statusCode());
    target = engine.count("SELECT audit_id FROM audit_event WHERE login = 'chain.tax' AND action = 'sign_in'"
        + " AND outcome = 'ok'");
    pool = JournalRows.pool(engine.engine().vertx(), engine.pgUrl());
    sealEverything();
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(pool.close());
    fixture.close();
  }

  /** The engine's sealer runs every second; this one seals at once, behind the same advisory lock. */
  private static void sealEverything() {
    JournalSealer sealer = new JournalSealer(engine.engine().vertx(), pool);
    long last = engine.count("SELECT max(audit_id) FROM audit_event");
    Await.until("every action sealed", () -> {
      Await.result(sealer.sealPending());
      return engine.count("SELECT count(*) FROM audit_event a WHERE a.audit_id <= " + last
          + " AND NOT EXISTS (SELECT 1 FROM journal_seal_audit s WHERE s.audit_id = a.audit_id)") == 0;
    });
  }

  @AfterEach
  void theChainHoldsAgainOnceTheTamperingIsUndone() throws Exception {
    JournalVerifier.Result result = verify();
    assertTrue(result.ok(), result::toString);
  }

  private static JournalVerifier.Result verify() throws Exception {
    return JournalVerifier.verify(JournalRows.jdbcUrl(engine.pgUrl()), "postgres", "");
  }

  private static void sql(String statements) {
    TestDatabase.tamper(engine.pgUrl(), statements);
  }

  /** {@code verify-journal} as a person runs it: its exit code and what it prints. */
  private String verifyJournal() {
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(new VerifyJournalCommand()).execute("--data-dir", engine.dataDir().toString(),
          "--pg-url", engine.pgUrl());
      return exit + "\n" + printed.toString(StandardCharsets.UTF_8);
    } finally {
      System.setOut(out);
    }
  }

  @Test
  void everyActionIsSealedInTheJournalsChainExactlyOnceAndVerifies() throws Exception {
    JournalVerifier.Result result = verify();

    assertTrue(result.ok(), result::toString);
    long sealed = engine.count("SELECT count(*) FROM journal_seal_audit");
    assertTrue(sealed >= 3, "sign-ins and their refusals are sealed: " + sealed);
    assertEquals(sealed, result.auditEventsChecked());
    assertEquals(0, engine.count("SELECT count(*) FROM audit_event a JOIN journal_seal_audit r USING (audit_id)"
        + " WHERE (SELECT count(*) FROM journal_seal s WHERE a.txid >= s.from_txid AND a.txid < s.to_txid) <> 1"
        + " OR r.seal_no <> (SELECT s.seal_no FROM journal_seal s WHERE a.txid >= s.from_txid AND a.txid < s.to_txid)"),
        "each action lies in exactly one seal's range, the seal that recorded it");
    assertEquals(0, engine.count("SELECT count(*) FROM audit_seal"), "a new database has no older audit chain to finish");
    assertTrue(verifyJournal().startsWith("0\n"));
    HttpResponse<String> page = auditor.get("/console/audit?lang=en");
    assertTrue(page.body().contains("data-chain=\"verified\""), page.body());
    assertTrue(page.body().contains("Journal seal chain verifies"), page.body());
  }

  @Test
  void aForgedWhoAndWhatIsNamedByVerifyJournalAndTheAuditorsPage() throws Exception {
    sql("CREATE TABLE saved_event AS SELECT * FROM audit_event WHERE audit_id = " + target
        + "; UPDATE audit_event SET login = 'chain.auditor', action = 'person.add' WHERE audit_id = " + target);
    try {
      JournalVerifier.Result result = verify();
      assertFalse(result.ok());
      assertEquals(target, result.firstBrokenAuditId(), result::toString);
      assertEquals(engine.count("SELECT seal_no FROM journal_seal_audit WHERE audit_id = " + target),
          result.firstBrokenSealNo());
      assertTrue(result.reason().contains("audit event " + target + " differs"), result.reason());

      String printed = verifyJournal();
      assertTrue(printed.startsWith("1\n"), printed);
      assertTrue(printed.contains("first broken audit event: " + target), printed);

      HttpResponse<String> page = auditor.get("/console/audit?lang=en");
      assertTrue(page.body().contains("data-chain=\"broken\""), page.body());
      assertTrue(page.body().contains("audit event " + target + " differs"), page.body());
    } finally {
      sql("UPDATE audit_event a SET login = s.login, action = s.action FROM saved_event s WHERE a.audit_id = s.audit_id;"
          + " DROP TABLE saved_event");
    }
  }

  @Test
  void aDeletedActionIsNamedByVerifyJournalAndTheAuditorsPage() throws Exception {
    sql("CREATE TABLE saved_event AS SELECT * FROM audit_event WHERE audit_id = " + target
        + "; DELETE FROM audit_event WHERE audit_id = " + target);
    try {
      JournalVerifier.Result result = verify();
      assertFalse(result.ok());
      assertEquals(target, result.firstBrokenAuditId(), result::toString);
      assertTrue(result.reason().contains("audit event " + target + " was sealed here and is missing"), result.reason());

      String printed = verifyJournal();
      assertTrue(printed.startsWith("1\n"), printed);
      assertTrue(printed.contains("audit event " + target + " was sealed here and is missing"), printed);

      HttpResponse<String> page = auditor.get("/console/audit?lang=en");
      assertTrue(page.body().contains("data-chain=\"broken\""), page.body());
      assertTrue(page.body().contains("audit event " + target + " was sealed here and is missing"), page.body());
    } finally {
      sql("INSERT INTO audit_event SELECT * FROM saved_event; DROP TABLE saved_event");
    }
  }

  @Test
  void aLineAndItsRecordedDigestForgedTogetherStillBreakTheSeal() throws Exception {
    sql("CREATE TABLE saved_event AS SELECT * FROM audit_event WHERE audit_id = " + target
        + "; CREATE TABLE saved_digest AS SELECT * FROM journal_seal_audit WHERE audit_id = " + target
        + "; UPDATE audit_event SET outcome = 'refused' WHERE audit_id = " + target);
    try {
      sql("UPDATE journal_seal_audit SET line_sm3 = '\\x" + org.clearing.crypto.Crypto.hex(forgedDigest())
          + "' WHERE audit_id = " + target);
      JournalVerifier.Result result = verify();
      assertFalse(result.ok());
      assertEquals(engine.count("SELECT seal_no FROM journal_seal_audit WHERE audit_id = " + target),
          result.firstBrokenSealNo(), result::toString);
      assertTrue(result.reason().contains("SM3"), result.reason());
    } finally {
      sql("UPDATE audit_event a SET outcome = s.outcome FROM saved_event s WHERE a.audit_id = s.audit_id;"
          + " UPDATE journal_seal_audit a SET line_sm3 = s.line_sm3 FROM saved_digest s WHERE a.audit_id = s.audit_id;"
          + " DROP TABLE saved_event; DROP TABLE saved_digest");
    }
  }

  /** The SM3 of the target's line as it reads now, as a forger with the canonical form would compute it. */
  private static byte[] forgedDigest() throws Exception {
    try (java.sql.Connection connection = JournalRows.connect(engine.pgUrl());
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet row = statement.executeQuery("SELECT * FROM audit_event WHERE audit_id = " + target)) {
      assertTrue(row.next());
      return SealedAuditEvents.lineSm3(JournalCanonicalForm.appendAuditEvent(new StringBuilder(), target,
          row.getObject("at", java.time.OffsetDateTime.class), row.getObject("person_id", Long.class),
          row.getString("login"), row.getString("action"), row.getString("target"), row.getString("outcome"),
          row.getString("detail"), row.getString("client_ip")).toString());
    }
  }

  @Test
  void theEngineCannotChangeWhatASealRecordedOfAnAction() {
    for (String sql : new String[] {"UPDATE journal_seal_audit SET seal_no = seal_no",
        "DELETE FROM journal_seal_audit", "TRUNCATE journal_seal_audit", "UPDATE audit_in_journal SET from_txid = from_txid"}) {
      try {
        TestDatabase.execute(engine.pgUrl(), sql);
        throw new AssertionError("allowed: " + sql);
      } catch (RuntimeException refused) {
        assertTrue(String.valueOf(refused.getMessage()).contains("append-only")
            || String.valueOf(refused.getCause()).contains("append-only"), String.valueOf(refused));
      }
    }
  }
}
