package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.ToLongFunction;
import org.clearing.testing.SecondEngine;
import org.clearing.testing.TestDatabase;
import org.clearing.lease.JobsVerticle;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two engines on one database run each payment job in one place at a time: the job_lease row
 * names one holder, only that engine's job runs, and when the holder stops renewing (as a crashed
 * node would) the other engine takes the job over, but not before the lease has expired.
 */
class JobLeaseTwoEnginesTest {

  @RegisterExtension
  static final EngineExtension first = EngineExtension.withSandboxes();
  private static SecondEngine second;

  @BeforeAll
  static void start() {
    second = SecondEngine.on(first.get());
  }

  @AfterAll
  static void stop() throws Exception {
    second.close();
  }

  private static String holder(String job) {
    return TestDatabase.queryString(first.pgUrl(), "SELECT holder FROM job_lease WHERE job = '" + job + "'");
  }

  private static Instant leaseExpiresAt(String job) {
    return Instant.ofEpochMilli(first.count(
        "SELECT (extract(epoch FROM expires_at) * 1000)::int8 FROM job_lease WHERE job = '" + job + "'"));
  }

  private record Job(String name, ToLongFunction<JobsVerticle> runs) {}

  private static final List<Job> JOBS = List.of(
      new Job(PendingPaymentQueries.JOB, jobs -> jobs.runs(PendingPaymentQueries.JOB)),
      new Job(ExpiredOrderCloser.JOB, jobs -> jobs.runs(ExpiredOrderCloser.JOB)));

  @Test
  void eachJobRunsOnlyWhereItsLeaseIsHeldAndMovesToTheOtherEngineOnlyAfterTheLeaseExpires()
      throws Exception {
    JobsVerticle a = first.engine().jobs();
    JobsVerticle b = second.engine().jobs();
    assertNotEquals(a.holder(), b.holder());
    Thread.sleep(5_000);

    for (Job job : JOBS) {
      JobsVerticle holding = holder(job.name()).equals(a.holder()) ? a : b;
      JobsVerticle idle = holding == a ? b : a;
      assertEquals(holding.holder(), holder(job.name()), job.name());
      assertTrue(job.runs().applyAsLong(holding) >= 2, job.name() + " ran where the lease is held");
      assertEquals(0, job.runs().applyAsLong(idle), job.name() + " never ran on the other engine");
    }

    Job job = JOBS.get(0);
    JobsVerticle holding = holder(job.name()).equals(a.holder()) ? a : b;
    JobsVerticle idle = holding == a ? b : a;
    holding.pause(job.name());
    Thread.sleep(200);
    long runsWhenStopped = job.runs().applyAsLong(holding);
    Instant expiresAt = leaseExpiresAt(job.name());
    long untilShortlyBeforeMs = Duration.between(Instant.now(), expiresAt).toMillis() - 300;
    if (untilShortlyBeforeMs > 0) {
      Thread.sleep(untilShortlyBeforeMs);
    }
    assertEquals(0, job.runs().applyAsLong(idle), "no takeover while the stopped holder's lease lasts");
    assertEquals(holding.holder(), holder(job.name()));

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (job.runs().applyAsLong(idle) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(job.runs().applyAsLong(idle) > 0, "the other engine took the job over");
    assertTrue(!Instant.now().isBefore(expiresAt), "and only after the lease expired");
    assertEquals(idle.holder(), holder(job.name()));
    Thread.sleep(1_500);
    assertEquals(runsWhenStopped, job.runs().applyAsLong(holding), "the stopped holder ran no more");
  }
}
