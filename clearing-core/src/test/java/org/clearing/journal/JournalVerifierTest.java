package org.clearing.journal;

import static org.clearing.journal.JournalRows.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.sqlclient.Pool;
import java.sql.SQLException;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The verifier recomputes the seal chain from the database and names the first seal that no longer
 * holds after any tampering: a posting amount, a deleted, inserted or re-keyed entry, a changed time,
 * or a changed, relinked or deleted seal. Each test undoes its tampering, and the chain must hold
 * again after it, so no test leans on another's damage.
 */
class JournalVerifierTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static String pgUrl;
  private static Pool pool;
  /** The seal of the middle wave, which every tampering targets; seals follow it. */
  private static long target;

  @BeforeAll
  static void threeWavesOfSealedEntries() throws Exception {
    pgUrl = JournalRows.migratedDatabase();
    pool = JournalRows.pool(engine.engine().vertx(), pgUrl);
    JournalSealer sealer = new JournalSealer(engine.engine().vertx(), pool);
    String[][] waves = {{"V-1", "V-2"}, {"V-3", "V-4", "V-5"}, {"V-6", "V-7"}};
    for (String[] wave : waves) {
      for (String key : wave) {
        JournalRows.book(pgUrl, key, 1_000 + key.charAt(2));
      }
      JournalRows.sealEverything(sealer, pgUrl);
    }
    target = JournalRows.sealOf(pgUrl, "V-4");
    assertTrue(target > 1 && target < count(pgUrl, "SELECT max(seal_no) FROM journal_seal"));
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(pool.close());
  }

  @AfterEach
  void theChainHoldsAgainOnceTheTamperingIsUndone() throws SQLException {
    JournalVerifier.Result result = verify();
    assertTrue(result.ok(), result::toString);
    assertEquals(7, result.entriesChecked());
  }

  private static JournalVerifier.Result verify() throws SQLException {
    return JournalVerifier.verify(JournalRows.jdbcUrl(pgUrl), "postgres", "");
  }

  private static void sql(String statements) {
    TestDatabase.tamper(pgUrl, statements);
  }

  private static void assertBrokenAtTarget(String reasonPart) throws SQLException {
    JournalVerifier.Result result = verify();
    assertFalse(result.ok());
    assertEquals(target, result.firstBrokenSealNo(), result::toString);
    assertEquals(target - 1, result.sealsChecked());
    assertTrue(result.reason().contains(reasonPart), result.reason());
  }

  private static final String V4 = "(SELECT entry_id FROM journal_entry WHERE entry_key = 'V-4')";

  @Test
  void anIntactJournalVerifies() throws SQLException {
    JournalVerifier.Result result = verify();

    assertTrue(result.ok());
    assertEquals(count(pgUrl, "SELECT count(*) FROM journal_seal"), result.sealsChecked());
    assertNull(result.firstBrokenSealNo());
    assertNull(result.reason());
  }

  @Test
  void anEmptyJournalVerifies() throws SQLException {
    String empty = JournalRows.migratedDatabase();

    JournalVerifier.Result result = JournalVerifier.verify(JournalRows.jdbcUrl(empty), "postgres", "");

    assertEquals(new JournalVerifier.Result(true, 0, 0, null, null), result);
  }

  @Test
  void aPostingAmountChangedByOneFenBreaksItsSeal() throws SQLException {
    sql("UPDATE journal_posting SET debit_fen = debit_fen + 1 WHERE posting_no = 1 AND entry_id = " + V4
        + "; UPDATE journal_posting SET credit_fen = credit_fen + 1 WHERE posting_no = 2 AND entry_id = " + V4);
    try {
      assertBrokenAtTarget("SM3");
    } finally {
      sql("UPDATE journal_posting SET debit_fen = debit_fen - 1 WHERE posting_no = 1 AND entry_id = " + V4
          + "; UPDATE journal_posting SET credit_fen = credit_fen - 1 WHERE posting_no = 2 AND entry_id = " + V4);
    }
  }

  @Test
  void aDeletedEntryBreaksItsSeal() throws SQLException {
    sql("CREATE TABLE saved_entry AS SELECT * FROM journal_entry WHERE entry_key = 'V-4';"
        + " CREATE TABLE saved_posting AS SELECT * FROM journal_posting WHERE entry_id = " + V4 + ";"
        + " DELETE FROM journal_posting WHERE entry_id = " + V4 + "; DELETE FROM journal_entry WHERE entry_key = 'V-4'");
    try {
      assertBrokenAtTarget("entries, its range holds");
    } finally {
      sql("INSERT INTO journal_entry SELECT * FROM saved_entry; INSERT INTO journal_posting SELECT * FROM saved_posting;"
          + " DROP TABLE saved_entry; DROP TABLE saved_posting");
    }
  }

  @Test
  void anEntryInsertedIntoASealedRangeBreaksThatSeal() throws SQLException {
    sql("INSERT INTO journal_entry (entry_key, kind, txid) VALUES ('FORGED', 'PAYMENT',"
        + " (SELECT txid FROM journal_entry WHERE entry_key = 'V-4'));"
        + " INSERT INTO journal_posting VALUES (currval('journal_entry_seq'), 1, 'suspense', 9, 0),"
        + " (currval('journal_entry_seq'), 2, 'payee:TRE-341500', 0, 9)");
    try {
      assertBrokenAtTarget("entries, its range holds");
    } finally {
      sql("DELETE FROM journal_posting WHERE entry_id = (SELECT entry_id FROM journal_entry WHERE entry_key = 'FORGED');"
          + " DELETE FROM journal_entry WHERE entry_key = 'FORGED'");
    }
  }

  @Test
  void anEntryKeyChangedBreaksItsSeal() throws SQLException {
    sql("UPDATE journal_entry SET entry_key = 'V-4x' WHERE entry_key = 'V-4'");
    try {
      assertBrokenAtTarget("SM3");
    } finally {
      sql("UPDATE journal_entry SET entry_key = 'V-4' WHERE entry_key = 'V-4x'");
    }
  }

  @Test
  void aCreationTimeMovedByOneMicrosecondBreaksItsSeal() throws SQLException {
    sql("UPDATE journal_entry SET created_at = created_at + interval '1 microsecond' WHERE entry_key = 'V-4'");
    try {
      assertBrokenAtTarget("SM3");
    } finally {
      sql("UPDATE journal_entry SET created_at = created_at - interval '1 microsecond' WHERE entry_key = 'V-4'");
    }
  }

  @Test
  void aChangedSealIsTheBreak() throws SQLException {
    sql("CREATE TABLE saved_seal AS SELECT * FROM journal_seal WHERE seal_no = " + target
        + "; UPDATE journal_seal SET seal = sha256(seal) WHERE seal_no = " + target);
    try {
      assertBrokenAtTarget("SM3");
    } finally {
      sql("UPDATE journal_seal s SET seal = v.seal FROM saved_seal v WHERE s.seal_no = v.seal_no; DROP TABLE saved_seal");
    }
  }

  @Test
  void aSealRelinkedToAnotherPredecessorIsTheBreak() throws SQLException {
    sql("CREATE TABLE saved_seal AS SELECT * FROM journal_seal WHERE seal_no = " + target
        + "; UPDATE journal_seal SET previous_seal = sha256(previous_seal) WHERE seal_no = " + target);
    try {
      assertBrokenAtTarget("previous_seal");
    } finally {
      sql("UPDATE journal_seal s SET previous_seal = v.previous_seal FROM saved_seal v WHERE s.seal_no = v.seal_no;"
          + " DROP TABLE saved_seal");
    }
  }

  @Test
  void aDeletedSealBreaksTheChainAtTheSealAfterIt() throws SQLException {
    sql("CREATE TABLE saved_seal AS SELECT * FROM journal_seal WHERE seal_no = " + target
        + "; DELETE FROM journal_seal WHERE seal_no = " + target);
    try {
      JournalVerifier.Result result = verify();
      assertFalse(result.ok());
      assertEquals(target + 1, result.firstBrokenSealNo(), result::toString);
      assertTrue(result.reason().contains("seal " + target + " is missing"), result.reason());
    } finally {
      sql("INSERT INTO journal_seal SELECT * FROM saved_seal; DROP TABLE saved_seal");
    }
  }

  @Test
  void anEntryBookedAfterTheLastSealIsPendingNotABreak() throws SQLException {
    JournalRows.book(pgUrl, "PENDING", 5);
    try {
      JournalVerifier.Result result = verify();
      assertTrue(result.ok(), result::toString);
      assertEquals(7, result.entriesChecked());
    } finally {
      sql("DELETE FROM journal_posting WHERE entry_id = (SELECT entry_id FROM journal_entry WHERE entry_key = 'PENDING');"
          + " DELETE FROM journal_entry WHERE entry_key = 'PENDING'");
    }
  }
}
