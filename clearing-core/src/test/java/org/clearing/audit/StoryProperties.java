package org.clearing.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.clearing.channel.Channel;
import org.clearing.channel.QueryResult;
import org.clearing.client.Role;
import org.clearing.payment.OutTradeNumbers;
import org.clearing.payment.PaymentIntake;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;

/**
 * Random stories thrown at one order — payments through one or more channels, callbacks
 * delivered several times, active queries, cancellations, refunds by line or whole, settlement —
 * and after each the engine's invariants hold: every entry balances, legs sum to totals, each
 * channel transaction is booked once, refunds never exceed payments, and the clearing and payee
 * accounts hold exactly what is in transit.
 */
class StoryProperties {

  private static TestEngine engine;
  private static ApiCaller registration;
  private static int stories;

  enum Step { PAY_WECHAT, PAY_ALIPAY, PAY_UNIONPAY, QUERY, CANCEL, REFUND_FEE, REFUND_WHOLE, SETTLE }

  @BeforeContainer
  static void start() {
    engine = TestEngine.startWithSandboxes();
    registration = engine.as(Role.REGISTRATION);
  }

  @AfterContainer
  static void stop() throws Exception {
    engine.close();
  }

  @Provide
  Arbitrary<List<Step>> stories() {
    return Arbitraries.of(Step.class).list().ofMinSize(1).ofMaxSize(6);
  }

  @Property(tries = 12, seed = "20261127")
  void everyStoryKeepsTheInvariants(@ForAll("stories") List<Step> story,
      @ForAll("deliveries") int deliveries) throws Exception {
    for (Channel channel : Channel.values()) {
      sandbox(channel).raw("PUT", "/sandbox/faults", new JsonObject().put("deliveries", deliveries).encode()
          .getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("STORY-" + (++stories)).encode(),
        "story-" + stories).json();
    String orderNo = order.getString("order_no");
    String qr = order.getJsonObject("qr").getString("url");
    Browser desktop = new Browser(Browser.DESKTOP);
    Map<Channel, Browser.Page> pages = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      pages.put(channel, desktop.open(qr + "/pay/" + channel.code()));
    }
    int refunds = 0;
    for (Step step : story) {
      switch (step) {
        case PAY_WECHAT -> desktop.submitForm(pages.get(Channel.WECHAT));
        case PAY_ALIPAY -> desktop.submitForm(pages.get(Channel.ALIPAY));
        case PAY_UNIONPAY -> desktop.submitForm(pages.get(Channel.UNIONPAY));
        case QUERY -> query(orderNo);
        case CANCEL -> registration.post("/api/v1/orders/" + orderNo + "/cancel", "", null);
        case REFUND_FEE -> refund(orderNo, "fee-" + (++refunds), new JsonArray().add(3));
        case REFUND_WHOLE -> refund(orderNo, "whole-" + (++refunds), null);
        case SETTLE -> engine.engine().settlement().run(LocalDate.now(ZoneOffset.ofHours(8)))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      Thread.sleep(50);
    }
    quiesce(orderNo);

    JsonObject invariants = engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json();
    assertTrue(invariants.getBoolean("ok"), story + " × " + deliveries + " deliveries broke " + invariants.encode());
    assertEquals(0, engine.count("SELECT count(*) FROM (SELECT channel, transaction_id FROM channel_inbox"
        + " WHERE kind = 'PAYMENT' GROUP BY 1, 2 HAVING count(*) > 1) x"));
  }

  @Provide
  Arbitrary<Integer> deliveries() {
    return Arbitraries.integers().between(1, 3);
  }

  private static ApiCaller sandbox(Channel channel) {
    return new ApiCaller(engine.sandboxUrl(channel), null);
  }

  private static void query(String orderNo) throws Exception {
    for (var started : engine.engine().sandboxes().orElseThrow().started()) {
      QueryResult result = started.adapter().query(OutTradeNumbers.of(started.channel(), orderNo))
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      if (result instanceof QueryResult.Paid paid) {
        engine.engine().intake().recordPayment(paid.payment(), PaymentIntake.Source.QUERY)
            .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
    }
  }

  private static void refund(String orderNo, String key, JsonArray lines) {
    JsonObject body = new JsonObject().put("refund_key", key + "-" + orderNo).put("reason", "story");
    if (lines != null) {
      body.put("lines", lines);
    }
    int status = registration.post("/api/v1/orders/" + orderNo + "/refunds", body.encode(), null).status();
    assertTrue(status == 201 || status == 409, "refund answered " + status);
  }

  /** Waits until callbacks have landed and no refund is still in flight. */
  private static void quiesce(String orderNo) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Thread.sleep(500);
    while (System.nanoTime() < deadline) {
      long inFlight = engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo
          + "' AND status IN ('REQUESTED', 'UNKNOWN', 'ACCEPTED')")
          + engine.count("SELECT count(*) FROM refund WHERE order_no = '" + orderNo
          + "' AND mode = 'CHANNEL' AND status IN ('REQUESTED', 'ACCEPTED', 'UNKNOWN')")
          + engine.count("SELECT count(*) FROM channel_inbox i WHERE i.order_no = '" + orderNo
          + "' AND i.outcome = 'NOT_PAYABLE' AND NOT EXISTS (SELECT 1 FROM duplicate_refund d"
          + " WHERE d.channel = i.channel AND d.transaction_id = i.transaction_id)");
      if (inFlight == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("order " + orderNo + " did not settle down");
  }
}
