package org.clearing.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.LogCapture;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine's one job loop runs a job only where it holds the job's lease, never starts a run
 * while the last one is still going, logs a failed run and tries again at the next tick, and when
 * stopped gives back the lease of a job that is not running but keeps that of one still running.
 */
class JobsVerticleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() {
    vertx = engine.engine().vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
        .connectingTo(PgConnectOptions.fromUri(engine.pgUrl())).using(vertx).build();
  }

  @AfterAll
  static void stop() {
    Await.result(pool.close());
  }

  private static JobsVerticle loop(String holder, LeasedJob... jobs) {
    return new JobsVerticle(new JobLease(pool, holder), List.of(jobs));
  }

  private static String leaseHolder(String job) {
    return TestDatabase.queryString(engine.pgUrl(), "SELECT coalesce((SELECT holder FROM job_lease WHERE job = '"
        + job + "'), 'nobody')");
  }

  @Test
  void aSlowRunIsNeverOverlappedByTheTicksThatComeWhileItRuns() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    JobsVerticle jobs = loop("engine-slow", LeasedJob.of("test-slow", 20, () -> {
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      Promise<Void> done = Promise.promise();
      vertx.setTimer(200, id -> {
        running.decrementAndGet();
        finished.incrementAndGet();
        done.complete();
      });
      return done.future();
    }));
    String deployment = Await.result(vertx.deployVerticle(jobs));

    Await.until("three runs finished", () -> finished.get() >= 3);
    Await.result(vertx.undeploy(deployment));

    assertEquals(1, mostAtOnce.get(), "one run at a time, though ten ticks came during each");
    assertTrue(jobs.runs("test-slow") <= finished.get() + 1, "runs started: " + jobs.runs("test-slow"));
  }

  @Test
  void aFailedRunIsLoggedAndTheJobRunsAgainAtTheNextTick() {
    AtomicInteger attempts = new AtomicInteger();
    JobsVerticle jobs = loop("engine-failing", LeasedJob.of("test-failing", 50, () -> {
      attempts.incrementAndGet();
      return Future.failedFuture(new IllegalStateException("the channel said no"));
    }));
    try (LogCapture log = LogCapture.start()) {
      String deployment = Await.result(vertx.deployVerticle(jobs));
      Await.until("a second attempt", () -> attempts.get() >= 2);
      Await.result(vertx.undeploy(deployment));

      assertTrue(log.lines().stream().anyMatch(line -> line.contains("event=job.failed job=test-failing"
          + " holder=engine-failing error=\"java.lang.IllegalStateException: the channel said no\"")), log.lines().toString());
    }
  }

  @Test
  void aJobWhoseLeaseAnotherInstanceHoldsDoesNotRunHere() throws Exception {
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO job_lease (job, holder, expires_at)"
        + " VALUES ('test-held', 'engine-elsewhere', now() + interval '1 hour')");
    AtomicInteger runs = new AtomicInteger();
    JobsVerticle jobs = loop("engine-here", LeasedJob.of("test-held", 20, () -> {
      runs.incrementAndGet();
      return Future.succeededFuture();
    }));
    String deployment = Await.result(vertx.deployVerticle(jobs));
    Thread.sleep(300);
    Await.result(vertx.undeploy(deployment));

    assertEquals(0, runs.get());
    assertEquals(0, jobs.runs("test-held"));
    assertEquals("engine-elsewhere", leaseHolder("test-held"), "the lease stays with its holder");
  }

  @Test
  void stoppingGivesBackTheLeaseOfAnIdleJobButKeepsTheLeaseOfARunningOne() {
    Promise<Void> busyRun = Promise.promise();
    AtomicInteger busyStarted = new AtomicInteger();
    JobsVerticle jobs = loop("engine-stopping",
        LeasedJob.of("test-idle", 20, Future::succeededFuture),
        LeasedJob.of("test-busy", 20, () -> {
          busyStarted.incrementAndGet();
          return busyRun.future();
        }));
    String deployment = Await.result(vertx.deployVerticle(jobs));
    Await.until("both jobs ran", () -> jobs.runs("test-idle") > 0 && busyStarted.get() == 1);
    assertEquals("engine-stopping", leaseHolder("test-idle"));

    Await.result(vertx.undeploy(deployment));

    assertEquals("nobody", leaseHolder("test-idle"), "the idle job's lease is given back");
    assertEquals("engine-stopping", leaseHolder("test-busy"),
        "the running job keeps its lease: no one else starts it while this run finishes");
    busyRun.complete();
  }
}
