package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.lease.Fence;
import org.clearing.lease.FencedPool;
import org.clearing.lease.JobLease;
import org.clearing.lease.LeasedJob;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The active payment query, wired as the engine wires it (its own intake and channel orders on a
 * fenced pool), books nothing once its lease was taken over in the middle of a run: the payment
 * it found at the channel, the order's transition, the journal and the retry bookkeeping all stay
 * unwritten, and the new holder's run books the payment once.
 */
class FencedPaymentQueriesTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static Pool pool;

  @BeforeAll
  static void start() {
    // The engine's own run would race the one this test makes.
    Await.result(engine.engine().jobs().stop(PendingPaymentQueries.JOB));
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64))
        .connectingTo(engine.engine().database().connectOptions()).using(engine.engine().vertx()).build();
  }

  @AfterAll
  static void stop() {
    setFaults(new JsonObject());
    Await.result(pool.close());
  }

  private static void setFaults(JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(Channel.WECHAT), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  private static LeasedJob fencedQueries() {
    var vertx = engine.engine().vertx();
    var channels = engine.engine().channels();
    FencedPool fenced = FencedPool.over(pool);
    return fenced.fencing(new PendingPaymentQueries(fenced, channels, new PaymentIntake(vertx, fenced),
        new ChannelOrders(fenced, channels, engine.engine().publicBaseUrl()),
        new PendingPaymentQueries.Settings(1_000, 0, new Backoff(List.of(30_000L), 3), 3_600_000, 50, 4)));
  }

  /** An order paid at the WeChat sandbox whose callback never arrived: the query must find it. */
  private static String paidWithoutCallback() throws Exception {
    setFaults(new JsonObject().put("drop_percent", 100));
    ApiCaller registration = engine.as(Role.REGISTRATION);
    ApiCaller.Answer created = registration.post("/api/v1/orders", OrderBodies.typical("FENCE-1").encode(), "fence-1");
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");
    String qr = registration.get("/api/v1/orders/" + orderNo).json().getJsonObject("qr").getString("url");
    Browser.Page page = new Browser(Browser.WECHAT).open(qr);
    assertEquals(200, page.status(), page.html());
    assertEquals(200, new Browser(Browser.WECHAT).submitForm(page).status());
    Thread.sleep(300);
    assertEquals("OPEN", text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"), "the callback was dropped");
    return orderNo;
  }

  private static String text(String sql) {
    return TestDatabase.queryString(engine.pgUrl(), sql);
  }

  /** Everything a run of the query writes about the order, as one line. */
  private static String written(String orderNo) {
    return text("SELECT o.status || ' ' || c.status || ' attempts=' || c.query_attempts"
        + " || ' next=' || coalesce(c.next_query_at::text, '-')"
        + " || ' inbox=' || (SELECT count(*) FROM channel_inbox i WHERE i.order_no = o.order_no)"
        + " || ' journal=' || (SELECT count(*) FROM journal_entry j WHERE j.order_no = o.order_no)"
        + " || ' outbox=' || (SELECT count(*) FROM outbox x WHERE x.order_no = o.order_no)"
        + " FROM orders o JOIN channel_order c ON c.order_no = o.order_no AND c.channel = 'wechat'"
        + " WHERE o.order_no = '" + orderNo + "'");
  }

  @Test
  void aQueryRunWhoseLeaseWasTakenOverWhileItAskedTheChannelBooksNothing() throws Exception {
    String orderNo = paidWithoutCallback();
    String before = written(orderNo);
    TestDatabase.execute(engine.pgUrl(), "DELETE FROM job_lease WHERE job = '" + PendingPaymentQueries.JOB + "'");
    JobLease a = new JobLease(pool, "queries-a");
    JobLease b = new JobLease(pool, "queries-b");
    Fence fenceA = Await.result(a.take(PendingPaymentQueries.JOB, 60_000)).orElseThrow();
    // The channel answers slowly: A's run has read what is due and waits for the answer when its
    // lease runs out (a stall, a failover) and B takes the job over.
    setFaults(new JsonObject().put("drop_percent", 100).put("response_delay_ms", 1_500));
    Future<?> lateA = fencedQueries().runOnce(fenceA);
    Thread.sleep(500);
    assertTrue(!lateA.isComplete(), "A's run is still waiting for the channel");
    TestDatabase.execute(engine.pgUrl(), "UPDATE job_lease SET expires_at = now() - interval '1 second'"
        + " WHERE job = '" + PendingPaymentQueries.JOB + "'");
    Fence fenceB = Await.result(b.take(PendingPaymentQueries.JOB, 60_000)).orElseThrow();

    Throwable refused = failure(lateA);

    assertTrue(refused instanceof Fence.LeaseLost, String.valueOf(refused));
    assertEquals(before, written(orderNo), "A's run found the payment but wrote nothing of it");
    setFaults(new JsonObject().put("drop_percent", 100));
    JobRun run = (JobRun) Await.result(fencedQueries().runOnce(fenceB));
    assertEquals(1, run.paid(), run.toString());
    assertEquals("PAID", text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
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
}
