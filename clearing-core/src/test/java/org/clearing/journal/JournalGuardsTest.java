package org.clearing.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clearing.cli.VerifyJournalCommand;
import org.clearing.store.Database;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * The books guard themselves: SQL sent as the engine's own database role cannot post an
 * unbalanced entry, a zero or negative amount, or change or delete anything posted or sealed;
 * the owner is stopped by the append-only trigger too; and a superuser who switches the triggers
 * off to change a posting is caught by verify-journal, which names the broken seal.
 */
class JournalGuardsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Vertx vertx;
  /** Connects exactly as the engine's own pool does. */
  private static Pool asEngine;

  @BeforeAll
  static void start() {
    vertx = engine.engine().vertx();
    asEngine = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
        .connectingTo(engine.engine().database().connectOptions()).using(vertx).build();
  }

  @AfterAll
  static void stop() throws Exception {
    await(asEngine.close());
    engine.skipInvariantCheck();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Runs statements in one transaction as the engine's role; returns the database's refusal. */
  private static PgException refusedAsEngine(String... statements) {
    ExecutionException failure = assertThrows(ExecutionException.class, () -> await(asEngine.withTransaction(conn -> {
      Future<?> chain = Future.succeededFuture();
      for (String sql : statements) {
        chain = chain.compose(v -> conn.query(sql).execute());
      }
      return chain;
    })));
    return assertInstanceOf(PgException.class, failure.getCause(), failure.toString());
  }

  private static JournalEntry entry(String key, long fen) {
    return new JournalEntry(key, "PAYMENT", null, "wechat", List.of(
        JournalEntry.Posting.debit("clearing:wechat", fen), JournalEntry.Posting.credit(JournalAccount.SUSPENSE, fen)));
  }

  private static String insertEntry(String key) {
    return "INSERT INTO journal_entry (entry_key, kind) VALUES ('" + key + "', 'PAYMENT')";
  }

  private static String posting(int no, String account, long debitFen, long creditFen) {
    return "INSERT INTO journal_posting VALUES (currval('journal_entry_seq'), " + no + ", '" + account + "', "
        + debitFen + ", " + creditFen + ")";
  }

  @Test
  void theEnginesPoolServesAsTheEngineRoleNotTheOwner() throws Exception {
    String user = await(asEngine.query("SELECT current_user AS u").execute()).iterator().next().getString("u");

    assertEquals(Database.ENGINE_ROLE, user);
  }

  @Test
  void aBalancedEntryPostedThroughTheDoorIsAccepted() throws Exception {
    await(asEngine.withTransaction(conn -> Journal.post(conn, entry("GUARD:OK", 500))));

    assertEquals(2, engine.count("SELECT count(*) FROM journal_posting p JOIN journal_entry e USING (entry_id)"
        + " WHERE e.entry_key = 'GUARD:OK'"));
  }

  @Test
  void anEntryWhoseDebitsAndCreditsDifferIsRefusedAtCommit() {
    PgException refused = refusedAsEngine(insertEntry("GUARD:UNBALANCED"),
        posting(1, "clearing:wechat", 100, 0), posting(2, "suspense", 0, 99));

    assertEquals("23514", refused.getSqlState());
    assertTrue(refused.getMessage().contains("does not balance"), refused.getMessage());
    assertEquals(0, engine.count("SELECT count(*) FROM journal_entry WHERE entry_key = 'GUARD:UNBALANCED'"));
  }

  @Test
  void anEntryWithASinglePostingOrNoneIsRefusedAtCommit() {
    assertEquals("23514", refusedAsEngine(insertEntry("GUARD:ONE"), posting(1, "suspense", 100, 0)).getSqlState());
    assertEquals("23514", refusedAsEngine(insertEntry("GUARD:NONE")).getSqlState());
  }

  @Test
  void aPostingAddedLaterToABalancedEntryIsRefusedAtCommit() throws Exception {
    await(asEngine.withTransaction(conn -> Journal.post(conn, entry("GUARD:LATER", 700))));

    PgException refused = refusedAsEngine("INSERT INTO journal_posting SELECT entry_id, 3, 'suspense', 1, 0"
        + " FROM journal_entry WHERE entry_key = 'GUARD:LATER'");

    assertEquals("23514", refused.getSqlState());
  }

  @Test
  void aZeroOrNegativeAmountIsRefused() {
    assertEquals("23514", refusedAsEngine(insertEntry("GUARD:ZERO"),
        posting(1, "clearing:wechat", 0, 0), posting(2, "suspense", 0, 0)).getSqlState());
    assertEquals("23514", refusedAsEngine(insertEntry("GUARD:NEGATIVE"),
        posting(1, "clearing:wechat", -5, 0), posting(2, "suspense", -5, 0)).getSqlState());
    assertEquals("23514", refusedAsEngine(insertEntry("GUARD:BOTH"),
        posting(1, "clearing:wechat", 5, 5), posting(2, "suspense", 5, 5)).getSqlState());
  }

  @Test
  void theEngineRoleCannotUpdateOrDeleteEntriesPostingsOrSealsOrWhatTheyRecordOfActions() throws Exception {
    await(asEngine.withTransaction(conn -> Journal.post(conn, entry("GUARD:KEEP", 300))));
    JournalRows.sealEverything(new JournalSealer(vertx, asEngine), engine.pgUrl());

    for (String attack : List.of(
        "UPDATE journal_posting SET debit_fen = debit_fen + 1",
        "UPDATE journal_entry SET entry_key = entry_key || 'x'",
        "UPDATE journal_seal SET seal = sha256(seal)",
        "DELETE FROM journal_posting",
        "DELETE FROM journal_entry",
        "DELETE FROM journal_seal",
        "TRUNCATE journal_seal",
        "UPDATE journal_seal_audit SET line_sm3 = sha256(line_sm3)",
        "DELETE FROM journal_seal_audit",
        "TRUNCATE journal_seal_audit",
        "UPDATE audit_in_journal SET from_txid = from_txid",
        "INSERT INTO audit_in_journal (only_row, from_txid) VALUES (false, '0')")) {
      assertEquals("42501", refusedAsEngine(attack).getSqlState(), attack);
    }
    assertEquals(300, engine.count("SELECT sum(debit_fen) FROM journal_posting p JOIN journal_entry e"
        + " USING (entry_id) WHERE e.entry_key = 'GUARD:KEEP'"));
  }

  @Test
  void evenTheOwnerIsStoppedByTheAppendOnlyTrigger() {
    for (String attack : List.of(
        "UPDATE journal_posting SET debit_fen = debit_fen + 1",
        "DELETE FROM journal_entry WHERE false",
        "UPDATE journal_seal SET seal = seal")) {
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> TestDatabase.execute(engine.pgUrl(), attack), attack);
      assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
    }
  }

  @Test
  void aPostingChangedAsTheEngineIsRefusedAndOneChangedBySuperuserWithTriggersOffIsNamedByVerifyJournal()
      throws Exception {
    await(asEngine.withTransaction(conn -> Journal.post(conn, entry("GUARD:TAMPER", 1_000))));
    JournalRows.sealEverything(new JournalSealer(vertx, asEngine), engine.pgUrl());
    long seal = JournalRows.sealOf(engine.pgUrl(), "GUARD:TAMPER");
    String change = "UPDATE journal_posting SET debit_fen = 1001 WHERE posting_no = 1 AND entry_id ="
        + " (SELECT entry_id FROM journal_entry WHERE entry_key = 'GUARD:TAMPER')";
    String undo = change.replace("1001", "1000");

    assertEquals("42501", refusedAsEngine(change).getSqlState());
    assertEquals(0, verifyJournal().exitCode(), "the refused change left the chain intact");

    TestDatabase.tamper(engine.pgUrl(), change);
    try {
      Verdict verdict = verifyJournal();
      assertEquals(1, verdict.exitCode(), verdict.output());
      assertTrue(verdict.output().contains("BROKEN at seal " + seal + ":"), verdict.output());
    } finally {
      TestDatabase.tamper(engine.pgUrl(), undo);
    }
    assertFalse(verifyJournal().output().contains("BROKEN"));
  }

  private record Verdict(int exitCode, String output) {}

  /** Runs the verify-journal command against the engine's database and captures what it prints. */
  private static Verdict verifyJournal() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(new VerifyJournalCommand())
          .execute("--data-dir", engine.dataDir().toString(), "--pg-url", engine.pgUrl());
      return new Verdict(exit, printed.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
    }
  }
}
