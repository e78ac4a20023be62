package org.clearing.journal;

import static org.clearing.journal.JournalRows.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.lease.JobLease;
import org.clearing.lease.JobsVerticle;
import org.clearing.lease.LeasedJob;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sealer covers every committed journal entry exactly once, also when an entry with a lower id
 * commits after higher ones, keeps seals bounded, and never forks the chain when sealers race.
 */
class JournalSealerTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Vertx vertx;
  private String pgUrl;
  private Pool pool;
  private JournalSealer sealer;

  @BeforeAll
  static void startEngine() {
    vertx = engine.engine().vertx();
  }

  /** Each test gets its own journal, which no engine job touches. */
  @BeforeEach
  void freshJournal() {
    pgUrl = JournalRows.migratedDatabase();
    pool = JournalRows.pool(vertx, pgUrl);
    sealer = new JournalSealer(vertx, pool);
  }

  @AfterEach
  void closePool() throws Exception {
    Await.result(pool.close());
  }

  private long sealsCovering(String key) {
    return count(pgUrl, "SELECT count(*) FROM journal_seal s JOIN journal_entry e"
        + " ON e.txid >= s.from_txid AND e.txid < s.to_txid WHERE e.entry_key = '" + key + "'");
  }

  private void assertChainHolds() throws SQLException {
    JournalVerifier.Result result = JournalVerifier.verify(JournalRows.jdbcUrl(pgUrl), "postgres", "");
    assertTrue(result.ok(), () -> result.toString());
    assertEquals(count(pgUrl, "SELECT count(*) FROM journal_seal"), result.sealsChecked());
    assertEquals(count(pgUrl, "SELECT count(*) FROM journal_entry"), result.entriesChecked());
  }

  @Test
  void anEmptyJournalWritesNoSeal() throws Exception {
    JournalSealer.Run run = Await.result(sealer.sealPending());

    assertEquals(new JournalSealer.Run(0, 0), run);
    assertEquals(0, count(pgUrl, "SELECT count(*) FROM journal_seal"));
  }

  @Test
  void anEntryThatCommitsAfterLaterEntriesIsSealedByTheNextSealNotSkipped() throws Exception {
    JournalRows.book(pgUrl, "EARLY", 100);
    try (Connection late = JournalRows.connect(pgUrl)) {
      late.setAutoCommit(false);
      try (Statement statement = late.createStatement()) {
        statement.execute(JournalRows.entrySql("LATE", 200));
      }
      JournalRows.book(pgUrl, "AFTER-1", 300);
      JournalRows.book(pgUrl, "AFTER-2", 400);

      Await.result(sealer.sealPending());

      // The open transaction holds the horizon: neither it nor anything that began after it is sealed.
      assertEquals(0, sealsCovering("LATE"));
      assertEquals(0, sealsCovering("AFTER-1"));
      assertEquals(0, sealsCovering("AFTER-2"));
      late.commit();
    }
    long sealsBefore = count(pgUrl, "SELECT count(*) FROM journal_seal");

    JournalRows.sealEverything(sealer, pgUrl);

    assertEquals(0, JournalRows.entriesNotSealedExactlyOnce(pgUrl));
    assertTrue(JournalRows.sealOf(pgUrl, "LATE") > sealsBefore, "LATE was sealed by a new seal");
    assertTrue(count(pgUrl, "SELECT entry_id FROM journal_entry WHERE entry_key = 'LATE'")
        < count(pgUrl, "SELECT entry_id FROM journal_entry WHERE entry_key = 'AFTER-1'"));
    assertChainHolds();
  }

  @Test
  void anEntryWhoseIdWasDrawnBeforeASealButWrittenAfterItLandsInALaterSeal() throws Exception {
    // nextval may itself give its transaction an id (when it logs the sequence), which would hold
    // the horizon; drawing the id in its own statement models a writer that is slow between the
    // draw and the insert.
    long drawnId = count(pgUrl, "SELECT nextval('journal_entry_seq')");
    JournalRows.book(pgUrl, "HIGHER-ID", 100);
    JournalRows.sealEverything(sealer, pgUrl);
    assertEquals(1, sealsCovering("HIGHER-ID"));

    TestDatabase.execute(pgUrl, "INSERT INTO journal_entry (entry_id, entry_key, kind) VALUES (" + drawnId
        + ", 'LOWER-ID', 'PAYMENT'); INSERT INTO journal_posting VALUES"
        + " (" + drawnId + ", 1, 'clearing:alipay', 5, 0), (" + drawnId + ", 2, 'suspense', 0, 5)");
    JournalRows.sealEverything(sealer, pgUrl);

    assertEquals(0, JournalRows.entriesNotSealedExactlyOnce(pgUrl));
    assertTrue(JournalRows.sealOf(pgUrl, "LOWER-ID") > JournalRows.sealOf(pgUrl, "HIGHER-ID"));
    assertTrue(drawnId < count(pgUrl, "SELECT entry_id FROM journal_entry WHERE entry_key = 'HIGHER-ID'"));
    assertChainHolds();
  }

  @Test
  void entriesBookedConcurrentlyWhileSealingAreEachSealedExactlyOnce() throws Exception {
    ExecutorService writers = Executors.newFixedThreadPool(4);
    AtomicInteger booked = new AtomicInteger();
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int writer = 0; writer < 4; writer++) {
      int w = writer;
      done.add(writers.submit(() -> {
        for (int i = 0; i < 40; i++) {
          // Each transaction books two entries and lingers, so commits interleave with id order.
          TestDatabase.execute(pgUrl, JournalRows.entrySql("C-" + w + "-" + i + "-a", 10 + i)
              + " SELECT pg_sleep(0.00" + (i % 5) + ");" + JournalRows.entrySql("C-" + w + "-" + i + "-b", 20 + i));
          booked.addAndGet(2);
        }
        return null;
      }));
    }
    while (done.stream().anyMatch(f -> !f.isDone())) {
      Await.result(sealer.sealPending());
    }
    writers.shutdown();
    for (java.util.concurrent.Future<?> f : done) {
      f.get();
    }

    JournalRows.sealEverything(sealer, pgUrl);

    assertEquals(320, booked.get());
    assertEquals(320, count(pgUrl, "SELECT count(*) FROM journal_entry"));
    assertEquals(0, JournalRows.entriesNotSealedExactlyOnce(pgUrl));
    assertEquals(320, count(pgUrl, "SELECT sum(entry_count) FROM journal_seal"));
    assertChainHolds();
  }

  @Test
  void aBacklogIsSplitIntoBoundedSealsButATransactionIsNeverSplit() throws Exception {
    JournalSealer small = new JournalSealer(vertx, pool, 3);
    for (int i = 0; i < 10; i++) {
      JournalRows.book(pgUrl, "B-" + i, 100 + i);
    }
    StringBuilder fiveInOneTransaction = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      fiveInOneTransaction.append(JournalRows.entrySql("T-" + i, 7));
    }
    TestDatabase.execute(pgUrl, fiveInOneTransaction.toString());

    JournalRows.sealEverything(small, pgUrl);

    assertEquals(0, JournalRows.entriesNotSealedExactlyOnce(pgUrl));
    assertEquals(0, count(pgUrl, "SELECT count(*) FROM journal_seal WHERE entry_count > 3 AND seal_no <> "
        + JournalRows.sealOf(pgUrl, "T-0")));
    assertEquals(5, count(pgUrl, "SELECT entry_count FROM journal_seal WHERE seal_no = "
        + JournalRows.sealOf(pgUrl, "T-0")));
    assertTrue(count(pgUrl, "SELECT count(*) FROM journal_seal") >= 5);
    assertChainHolds();
  }

  @Test
  void twoSealersRunningAtOnceExtendOneChain() throws Exception {
    Pool otherPool = JournalRows.pool(vertx, pgUrl);
    try {
      JournalSealer other = new JournalSealer(vertx, otherPool);
      for (int round = 0; round < 10; round++) {
        JournalRows.book(pgUrl, "R-" + round, 50 + round);
        List<Future<?>> both = List.of(sealer.sealOnce(), other.sealOnce(), sealer.sealPending(), other.sealPending());
        Await.result(Future.all(both));
      }
      JournalRows.sealEverything(sealer, pgUrl);
    } finally {
      Await.result(otherPool.close());
    }

    assertEquals(0, JournalRows.entriesNotSealedExactlyOnce(pgUrl));
    assertEquals(count(pgUrl, "SELECT max(seal_no) FROM journal_seal"), count(pgUrl, "SELECT count(*) FROM journal_seal"));
    assertChainHolds();
  }

  @Test
  void theDatabaseRefusesASecondSealFromTheSamePredecessor() throws Exception {
    JournalRows.book(pgUrl, "F-1", 10);
    JournalRows.sealEverything(sealer, pgUrl);

    SQLException refused = assertThrows(SQLException.class, () -> {
      try (Connection connection = JournalRows.connect(pgUrl); Statement statement = connection.createStatement()) {
        statement.execute("INSERT INTO journal_seal (seal_no, from_txid, to_txid, entry_count, previous_seal, seal)"
            + " SELECT seal_no + 1, from_txid, to_txid, entry_count, previous_seal, sha256(seal)"
            + " FROM journal_seal WHERE seal_no = 1");
      }
    });
    assertEquals("23505", refused.getSQLState());
  }

  @Test
  void twoEnginesWithTheJobScheduledNeverBothSeal() throws Exception {
    AtomicInteger runsA = new AtomicInteger();
    AtomicInteger runsB = new AtomicInteger();
    // Two job loops as two engines would run them, each with its own holder name.
    JobsVerticle loopA = new JobsVerticle(new JobLease(pool, "engine-a"), List.of(LeasedJob.of(JournalSealer.JOB, 100, () -> {
      runsA.incrementAndGet();
      return sealer.sealPending();
    })));
    JobsVerticle loopB = new JobsVerticle(new JobLease(pool, "engine-b"), List.of(LeasedJob.of(JournalSealer.JOB, 100, () -> {
      runsB.incrementAndGet();
      return sealer.sealPending();
    })));
    String deploymentA = Await.result(vertx.deployVerticle(loopA));
    String deploymentB = Await.result(vertx.deployVerticle(loopB));
    for (int i = 0; i < 10; i++) {
      JournalRows.book(pgUrl, "L-" + i, 10 + i);
      Thread.sleep(100);
    }
    loopA.pause(JournalSealer.JOB);
    loopB.pause(JournalSealer.JOB);

    assertTrue(runsA.get() > 0 != runsB.get() > 0, "runs: a " + runsA + ", b " + runsB);
    assertTrue(count(pgUrl, "SELECT count(*) FROM journal_seal") > 0);
    Await.result(vertx.undeploy(deploymentA));
    Await.result(vertx.undeploy(deploymentB));
  }
}
