package org.clearing.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.Role;
import org.clearing.journal.JournalSealer;
import org.clearing.net.Cidr;
import org.clearing.outbox.WebhookRelay;
import org.clearing.outbox.WebhookTargets;
import org.clearing.payment.PaymentIntake;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;
import org.clearing.tls.OutboundTrust;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fencing of leased jobs: a run whose lease expired and was taken over by another holder cannot
 * commit afterwards (its transaction re-checks the lease's generation), a new holder cannot take
 * the lease while a run under the old one is committing, and generations are never reused; the
 * journal sealer and the webhook relay (on its fenced pool, as the engine wires it) write nothing
 * once their lease is another holder's.
 */
class LeaseFencingTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Pool pool;

  @BeforeAll
  static void start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgConnectOptions.fromUri(engine.pgUrl())).using(engine.engine().vertx()).build();
    TestDatabase.execute(engine.pgUrl(), "CREATE TABLE fenced_write (job text NOT NULL, holder text NOT NULL)");
  }

  @AfterAll
  static void stop() {
    Await.result(pool.close());
  }

  /** A run's write, committed only if its lease still holds (the way a fenced job writes). */
  private static Future<Void> fencedWrite(Fence fence) {
    return pool.withTransaction(conn -> write(conn, fence).compose(v -> fence.check(conn)));
  }

  private static Future<Void> write(SqlConnection conn, Fence fence) {
    return conn.preparedQuery("INSERT INTO fenced_write (job, holder) VALUES ($1, $2)")
        .execute(Tuple.of(fence.job(), fence.holder())).mapEmpty();
  }

  private static long writes(String job, String holder) {
    return TestDatabase.queryLong(engine.pgUrl(), "SELECT count(*) FROM fenced_write WHERE job = '" + job
        + "' AND holder = '" + holder + "'");
  }

  private static void expire(String job) {
    TestDatabase.execute(engine.pgUrl(), "UPDATE job_lease SET expires_at = now() - interval '1 second'"
        + " WHERE job = '" + job + "'");
  }

  private static Throwable failure(Future<?> future) {
    try {
      Await.result(future);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof Fence.LeaseLost) {
          return t;
        }
      }
      return e;
    }
    throw new AssertionError("expected a failure, got success");
  }

  @Test
  void aRunWhoseLeaseExpiredAndWasTakenOverCannotCommitAfterTheNewHolderStarted() {
    JobLease a = new JobLease(pool, "engine-a");
    JobLease b = new JobLease(pool, "engine-b");
    Fence fenceA = Await.result(a.take("test-fenced", 60_000)).orElseThrow();
    expire("test-fenced"); // A stalled past its lease (a pause, a failover)
    Fence fenceB = Await.result(b.take("test-fenced", 60_000)).orElseThrow();
    Await.result(fencedWrite(fenceB));

    Throwable lateA = failure(fencedWrite(fenceA));

    assertInstanceOf(Fence.LeaseLost.class, lateA);
    assertTrue(fenceB.generation() > fenceA.generation(), fenceA + " then " + fenceB);
    assertEquals(0, writes("test-fenced", "engine-a"), "A's late write was rolled back");
    assertEquals(1, writes("test-fenced", "engine-b"));
  }

  @Test
  void renewingKeepsTheGenerationButGivingBackAndTakingAgainNeverRepeatsOne() {
    JobLease a = new JobLease(pool, "engine-renewing");
    JobLease b = new JobLease(pool, "engine-after");
    Fence first = Await.result(a.take("test-generations", 60_000)).orElseThrow();
    Fence renewed = Await.result(a.take("test-generations", 60_000)).orElseThrow();
    Await.result(a.release("test-generations"));
    Fence taken = Await.result(b.take("test-generations", 60_000)).orElseThrow();
    Await.result(b.release("test-generations"));
    Fence again = Await.result(a.take("test-generations", 60_000)).orElseThrow();

    assertEquals(first.generation(), renewed.generation(), "nobody else ran in between");
    assertNotEquals(first.generation(), again.generation(), "the row was deleted in between, the generation is new");
    assertInstanceOf(Fence.LeaseLost.class, failure(fencedWrite(first)),
        "a run from before the lease was given back cannot write under the same holder's new lease");
    assertInstanceOf(Fence.LeaseLost.class, failure(fencedWrite(taken)));
    Await.result(fencedWrite(again));
  }

  @Test
  void aNewHolderWaitsWhileARunUnderTheOldLeaseIsCommitting() throws Exception {
    JobLease a = new JobLease(pool, "engine-committing");
    JobLease b = new JobLease(pool, "engine-waiting");
    Fence fenceA = Await.result(a.take("test-ordered", 200)).orElseThrow();
    SqlConnection conn = Await.result(pool.getConnection());
    try {
      var tx = Await.result(conn.begin());
      Await.result(fenceA.check(conn)); // A's run passed its fence and is about to commit
      Await.result(write(conn, fenceA));
      Thread.sleep(400); // A's 200 ms lease is now past due
      Future<java.util.Optional<Fence>> takingB = b.take("test-ordered", 60_000);
      Thread.sleep(300);
      assertFalse(takingB.isComplete(), "B must not hold the lease while A's transaction is open");

      Await.result(tx.commit());

      Fence fenceB = Await.result(takingB, Duration.ofSeconds(10)).orElseThrow();
      assertTrue(fenceB.generation() > fenceA.generation());
    } finally {
      conn.close();
    }
    assertEquals(1, writes("test-ordered", "engine-committing"), "A's commit came before B's lease");
    assertInstanceOf(Fence.LeaseLost.class, failure(fencedWrite(fenceA)), "and nothing of A's after it");
  }

  @Test
  void theJournalSealerThatLostItsLeaseWritesNoSeal() {
    Await.result(engine.engine().jobs().stop(JournalSealer.JOB));
    JournalSealer sealer = new JournalSealer(engine.engine().vertx(), pool);
    JobLease a = new JobLease(pool, "sealer-a");
    JobLease b = new JobLease(pool, "sealer-b");
    Await.result(a.release(JournalSealer.JOB));
    TestDatabase.execute(engine.pgUrl(), "DELETE FROM job_lease WHERE job = '" + JournalSealer.JOB + "'");
    Fence fenceA = Await.result(a.take(JournalSealer.JOB, 60_000)).orElseThrow();
    expire(JournalSealer.JOB);
    Fence fenceB = Await.result(b.take(JournalSealer.JOB, 60_000)).orElseThrow();
    long sealsBefore = engine.count("SELECT count(*) FROM journal_seal");

    Throwable late = failure(sealer.runOnce(fenceA));

    assertInstanceOf(Fence.LeaseLost.class, late);
    assertEquals(sealsBefore, engine.count("SELECT count(*) FROM journal_seal"));
    Await.result(sealer.runOnce(fenceB));
  }

  @Test
  void theWebhookRelayThatLostItsLeaseClaimsAndRecordsNothing() throws Exception {
    Await.result(engine.engine().jobs().stop(WebhookRelay.JOB));
    var vertx = engine.engine().vertx();
    String orderNo = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical("FENCE-WH").encode(), "fence-wh").json().getString("order_no");
    Await.result(engine.engine().intake().recordPayment(new PaymentNotification(Channel.WECHAT, "EV-FENCE-WH",
        OutTradeNumbers.of(Channel.WECHAT, orderNo), "4200009901", Money.ofFen(1_509_000), "CNY",
        true, java.time.Instant.now(), "openid", org.clearing.channel.PayeeIdentity.of("test-merchant", "", "")),
        PaymentIntake.Source.CALLBACK));
    String event = "SELECT string_agg(event_id || ':' || next_attempt_at || ':' || attempts, ',' ORDER BY event_id)"
        + " FROM outbox WHERE order_no = '" + orderNo + "'";
    TestDatabase.execute(engine.pgUrl(), "UPDATE outbox SET next_attempt_at = now() - interval '1 second'"
        + " WHERE order_no = '" + orderNo + "'");
    String before = TestDatabase.queryString(engine.pgUrl(), event);
    FencedPool fenced = FencedPool.over(pool);
    var cryptoPool = vertx.createSharedWorkerExecutor("test-fence-crypto", 1);
    WebhookRelay relay = new WebhookRelay(vertx, fenced, cryptoPool, engine.engine().identity().signingKey(),
        java.time.Clock.systemUTC(), WebhookRelay.Options.standard(),
        new WebhookTargets(java.util.List.of(Cidr.parse(TestEngine.WEBHOOK_ALLOW_CIDR)), false,
            WebhookTargets.systemResolver(vertx)), OutboundTrust.system());
    LeasedJob job = fenced.fencing(relay);
    try {
      TestDatabase.execute(engine.pgUrl(), "DELETE FROM job_lease WHERE job = '" + WebhookRelay.JOB + "'");
      Fence fenceA = Await.result(new JobLease(pool, "relay-a").take(WebhookRelay.JOB, 60_000)).orElseThrow();
      expire(WebhookRelay.JOB);
      Fence fenceB = Await.result(new JobLease(pool, "relay-b").take(WebhookRelay.JOB, 60_000)).orElseThrow();

      Throwable late = failure(job.runOnce(fenceA));

      assertInstanceOf(Fence.LeaseLost.class, late);
      assertEquals(before, TestDatabase.queryString(engine.pgUrl(), event), "A claimed nothing");
      Await.result(job.runOnce(fenceB));
      assertNotEquals(before, TestDatabase.queryString(engine.pgUrl(), event), "B's run did claim the event");
    } finally {
      relay.close();
      Await.result(cryptoPool.close());
    }
  }
}
