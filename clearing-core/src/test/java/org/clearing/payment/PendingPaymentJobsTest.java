package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.order.OrderRepository;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The active query and the expiry closer against the real sandboxes over HTTP and a real database:
 * a lost callback is found by query and books the order once, through the callback's path; an
 * expired order is closed at every channel where it was opened; a payment found after expiry is
 * booked as not payable (to be refunded); a channel that does not answer records nothing and is
 * asked again later with a growing wait.
 */
class PendingPaymentJobsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static Pool pool;
  private static ChannelSet channels;
  private static PaymentIntake intake;
  private static ChannelOrders channelOrders;
  private static int cases;

  /** Short, distinct waits so a test can tell the first from the second. */
  private static final Backoff TEST_BACKOFF = new Backoff(List.of(30_000L, 120_000L), 3);

  @BeforeAll
  static void start() throws Exception {
    registration = engine.as(Role.REGISTRATION);
    // The engine's own leased jobs would race the runs each test makes; these tests drive the jobs.
    Await.result(engine.engine().jobs().stop(PendingPaymentQueries.JOB, ExpiredOrderCloser.JOB));
    var vertx = engine.engine().vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64))
        .connectingTo(engine.engine().database().connectOptions()).using(vertx).build();
    var accounts = Await.result(new ChannelAccountRepository(pool).load());
    channels = engine.engine().channels();
    intake = new PaymentIntake(vertx, pool);
    channelOrders = new ChannelOrders(pool, channels, engine.engine().publicBaseUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(pool.close());
  }

  @BeforeEach
  void noFaultsAndNothingLeftOverFromOtherTests() {
    for (Channel channel : Channel.values()) {
      setFaults(channel, new JsonObject());
    }
    // Each test counts what one run did; channel orders earlier tests left open would add to it.
    TestDatabase.execute(engine.pgUrl(),
        "UPDATE channel_order SET status = 'CLOSED' WHERE status IN ('OPENING', 'OPEN')");
  }

  private static PendingPaymentQueries queries() {
    return new PendingPaymentQueries(pool, channels, intake, channelOrders,
        new PendingPaymentQueries.Settings(1_000, 0, TEST_BACKOFF, 3_600_000, 50, 4));
  }

  private static ExpiredOrderCloser closer(long lapseGraceMs) {
    return new ExpiredOrderCloser(pool, new OrderRepository(engine.engine().vertx(), pool,
        org.clearing.order.RequestFingerprints.loadOrCreate(engine.dataDir())), channels, intake, channelOrders,
        new ExpiredOrderCloser.Settings(1_000, 100, TEST_BACKOFF, lapseGraceMs, 50, 4));
  }

  private static String newOrder() {
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical("JOBS-" + (++cases)).encode(), "jobs-" + cases);
    assertEquals(201, created.status(), created.text());
    return created.json().getString("order_no");
  }

  private static String qrUrl(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getJsonObject("qr").getString("url");
  }

  private static String userAgent(Channel channel) {
    return switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    };
  }

  /** Opens the order at a channel through the cashier and returns the sandbox's payment page. */
  private static Browser.Page openAt(Channel channel, String orderNo) {
    Browser.Page page = new Browser(userAgent(channel)).open(qrUrl(orderNo));
    assertEquals(200, page.status(), page.url() + "\n" + page.html());
    assertTrue(page.url().startsWith(engine.sandboxUrl(channel)), "ends on the sandbox: " + page.url());
    return page;
  }

  private static Browser.Page pay(Channel channel, Browser.Page page) {
    return new Browser(userAgent(channel)).submitForm(page);
  }

  private static void setFaults(Channel channel, JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(channel), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  private static String status(String orderNo) {
    return text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'");
  }

  private static String channelOrderStatus(String orderNo, Channel channel) {
    return text("SELECT status FROM channel_order WHERE order_no = '" + orderNo + "' AND channel = '"
        + channel.code() + "'");
  }

  private static String text(String sql) {
    return TestDatabase.queryString(engine.pgUrl(), sql);
  }

  private static long count(String sql) {
    return engine.count(sql);
  }

  private static void expireNow(String orderNo) {
    TestDatabase.execute(engine.pgUrl(),
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE order_no = '" + orderNo + "'");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aDroppedCallbackIsFoundByQueryAndPaysTheOrderOnce(Channel channel) throws Exception {
    setFaults(channel, new JsonObject().put("drop_percent", 100));
    String orderNo = newOrder();
    assertEquals(200, pay(channel, openAt(channel, orderNo)).status());
    Thread.sleep(300);
    assertEquals("OPEN", status(orderNo), "the callback was dropped");

    JobRun run = Await.result(queries().runOnce());

    assertEquals(1, run.paid(), run.toString());
    assertEquals("PAID", status(orderNo));
    assertEquals("PAID", channelOrderStatus(orderNo, channel));
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND source = 'QUERY'"
        + " AND outcome = 'APPLIED' AND order_no = '" + orderNo + "'"));
    assertEquals(0, Await.result(queries().runOnce()).channelOrders(), "nothing is left to ask for");
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void aChannelThatDoesNotAnswerRecordsNothingAndIsAskedAgainLaterWithALongerWait() throws Exception {
    setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    String orderNo = newOrder();
    assertEquals(200, pay(Channel.WECHAT, openAt(Channel.WECHAT, orderNo)).status());
    setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100).put("fail_requests_percent", 100));
    String where = " FROM channel_order WHERE order_no = '" + orderNo + "' AND channel = 'wechat'";

    JobRun first = Await.result(queries().runOnce());

    assertEquals(1, first.retried(), first.toString());
    assertEquals("OPEN", status(orderNo), "an unknown answer is never taken for paid or not paid");
    assertEquals(0, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, count("SELECT query_attempts" + where));
    long firstWaitS = count("SELECT extract(epoch FROM next_query_at - now())::int8" + where);
    assertTrue(firstWaitS > 20 && firstWaitS <= 30, "first wait ~30 s: " + firstWaitS);
    assertEquals(0, Await.result(queries().runOnce()).channelOrders(), "not asked again before its time");

    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_query_at = now()" + where.replace(" FROM channel_order", ""));
    JobRun second = Await.result(queries().runOnce());

    assertEquals(1, second.retried(), second.toString());
    assertEquals(2, count("SELECT query_attempts" + where));
    long secondWaitS = count("SELECT extract(epoch FROM next_query_at - now())::int8" + where);
    assertTrue(secondWaitS > 100 && secondWaitS <= 120, "second wait ~120 s: " + secondWaitS);

    setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_query_at = now()" + where.replace(" FROM channel_order", ""));
    assertEquals(1, Await.result(queries().runOnce()).paid(), "once the channel answers, the payment is found");
    assertEquals("PAID", status(orderNo));
  }

  @Test
  void attemptsStopAtTheirMaximumAndTheChannelOrderIsThenLeftToReconciliation() throws Exception {
    String orderNo = newOrder();
    openAt(Channel.ALIPAY, orderNo);
    setFaults(Channel.ALIPAY, new JsonObject().put("fail_requests_percent", 100));
    String where = " WHERE order_no = '" + orderNo + "' AND channel = 'alipay'";
    for (int i = 0; i < TEST_BACKOFF.attemptsMax() + 2; i++) {
      TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_query_at = now()" + where);
      Await.result(queries().runOnce());
    }
    assertEquals(TEST_BACKOFF.attemptsMax(), count("SELECT query_attempts FROM channel_order" + where));
    assertEquals("OPEN", status(orderNo));
  }

  @Test
  void anExpiredOrderIsClosedAtEveryChannelAndCanNoLongerBePaidThere() throws Exception {
    String orderNo = newOrder();
    Browser.Page wechat = openAt(Channel.WECHAT, orderNo);
    Browser.Page alipay = openAt(Channel.ALIPAY, orderNo);
    expireNow(orderNo);

    JobRun run = Await.result(closer(300_000).runOnce());

    assertEquals(2, run.closed(), run.toString());
    assertEquals("EXPIRED", status(orderNo));
    assertEquals("CLOSED", channelOrderStatus(orderNo, Channel.WECHAT));
    assertEquals("CLOSED", channelOrderStatus(orderNo, Channel.ALIPAY));
    assertEquals(409, pay(Channel.WECHAT, wechat).status(), "the WeChat sandbox refuses a closed order");
    assertEquals(409, pay(Channel.ALIPAY, alipay).status(), "the Alipay sandbox refuses a closed order");
    assertEquals(0, Await.result(closer(300_000).runOnce()).channelOrders(), "nothing is left to close");
  }

  @ParameterizedTest
  @EnumSource(value = Channel.class, names = {"WECHAT", "ALIPAY"})
  void aPaymentFoundWhenClosingAnExpiredOrderIsBookedAsNotPayable(Channel channel) throws Exception {
    setFaults(channel, new JsonObject().put("drop_percent", 100));
    String orderNo = newOrder();
    assertEquals(200, pay(channel, openAt(channel, orderNo)).status());
    expireNow(orderNo);

    JobRun run = Await.result(closer(300_000).runOnce());

    assertEquals(1, run.paid(), run.toString());
    assertEquals("EXPIRED", status(orderNo), "an expired order stays expired; the money goes back");
    assertEquals("PAID", channelOrderStatus(orderNo, channel));
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"
        + " AND source = 'QUERY' AND outcome = 'NOT_PAYABLE'"));
    assertEquals(0, Await.result(closer(300_000).runOnce()).channelOrders());
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void aUnionPayOrderThatCannotBeClosedWaitsUntilItLapsesAndIsThenClosedAfterAFinalQuery() throws Exception {
    String orderNo = newOrder();
    openAt(Channel.UNIONPAY, orderNo);
    expireNow(orderNo);

    JobRun early = Await.result(closer(300_000).runOnce());

    assertEquals(1, early.waiting(), early.toString());
    assertEquals("OPEN", channelOrderStatus(orderNo, Channel.UNIONPAY));
    assertEquals(0, Await.result(closer(300_000).runOnce()).channelOrders(), "it waits for its lapse time");

    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_close_at = now()"
        + " WHERE order_no = '" + orderNo + "'");
    JobRun lapsed = Await.result(closer(0).runOnce());

    assertEquals(1, lapsed.closed(), lapsed.toString());
    assertEquals("CLOSED", channelOrderStatus(orderNo, Channel.UNIONPAY));
    assertEquals(0, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void aCloseWithoutAnswerIsRetriedWithBackoffAndChangesNothing() throws Exception {
    String orderNo = newOrder();
    openAt(Channel.WECHAT, orderNo);
    expireNow(orderNo);
    setFaults(Channel.WECHAT, new JsonObject().put("fail_requests_percent", 100));

    JobRun run = Await.result(closer(300_000).runOnce());

    assertEquals(1, run.retried(), run.toString());
    assertEquals("OPEN", channelOrderStatus(orderNo, Channel.WECHAT));
    String where = " FROM channel_order WHERE order_no = '" + orderNo + "'";
    assertEquals(1, count("SELECT close_attempts" + where));
    assertTrue(count("SELECT extract(epoch FROM next_close_at - now())::int8" + where) > 20);
  }

  @Test
  void aSecondPaymentAtAnotherChannelIsFoundAndBookedAsNotPayable() throws Exception {
    String orderNo = newOrder();
    Browser.Page alipay = openAt(Channel.ALIPAY, orderNo);
    setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    setFaults(Channel.ALIPAY, new JsonObject().put("drop_percent", 100));
    assertEquals(200, pay(Channel.WECHAT, openAt(Channel.WECHAT, orderNo)).status());
    assertEquals(200, pay(Channel.ALIPAY, alipay).status());

    JobRun run = Await.result(queries().runOnce());

    assertEquals(2, run.paid(), run.toString());
    assertEquals("PAID", status(orderNo));
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"
        + " AND outcome = 'APPLIED'"));
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"
        + " AND outcome = 'NOT_PAYABLE'"));
  }

  @Test
  void aQueryThatTimesOutIsUnknownAndTheLatePaymentIsFoundOnTheNextAttempt() throws Exception {
    setFaults(Channel.UNIONPAY, new JsonObject().put("drop_percent", 100));
    String orderNo = newOrder();
    assertEquals(200, pay(Channel.UNIONPAY, openAt(Channel.UNIONPAY, orderNo)).status());
    // Longer than the adapters' 5 s call timeout: the channel has the answer, we never hear it.
    setFaults(Channel.UNIONPAY, new JsonObject().put("drop_percent", 100).put("response_delay_ms", 6_000));
    String where = " WHERE order_no = '" + orderNo + "' AND channel = 'unionpay'";

    JobRun timedOut = Await.result(queries().runOnce());

    assertEquals(1, timedOut.retried(), timedOut.toString());
    assertEquals("OPEN", status(orderNo));
    assertEquals(0, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, count("SELECT query_attempts FROM channel_order" + where));

    setFaults(Channel.UNIONPAY, new JsonObject().put("drop_percent", 100));
    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_query_at = now()" + where);
    assertEquals(1, Await.result(queries().runOnce()).paid());
    assertEquals("PAID", status(orderNo));
    assertEquals(1, count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void aPaymentFoundByQueryClosesTheOrderAtTheOtherChannels() throws Exception {
    String orderNo = newOrder();
    Browser.Page alipay = openAt(Channel.ALIPAY, orderNo);
    setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    assertEquals(200, pay(Channel.WECHAT, openAt(Channel.WECHAT, orderNo)).status());
    // Only the WeChat channel order is due; the Alipay one was asked for just now.
    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_order SET next_query_at = now() + interval '1 hour'"
        + " WHERE order_no = '" + orderNo + "' AND channel = 'alipay'");

    JobRun run = Await.result(queries().runOnce());

    assertEquals(1, run.paid(), run.toString());
    assertEquals("PAID", status(orderNo));
    assertEquals("CLOSED", channelOrderStatus(orderNo, Channel.ALIPAY));
    assertEquals(409, pay(Channel.ALIPAY, alipay).status(), "the other channel no longer takes payment");
  }
}
