package org.clearing.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.settlement.SettlementIntake;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole loop: paid through a channel, the legs settle from the channel's own bill (with the
 * settlement entries that empty the channel's clearing account), the tax authority and the
 * finance bureau confirm every line, and the order is COMPLETE. Settling twice settles nothing
 * twice.
 */
class SettlementAndReceiptsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  private static long balance(String orderNo, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account = '" + account + "'");
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aPaidOrderSettlesFromTheBillAndCompletesWhenEveryLineIsConfirmed(Channel channel) throws Exception {
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("LOOP-" + (++cases)).encode(),
        "loop-" + cases).json();
    String orderNo = order.getString("order_no");
    Browser wallet = new Browser(switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    });
    wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!status(orderNo).equals("PAID") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals("PAID", status(orderNo));
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));

    SettlementIntake.Result first = engine.engine().settlement().run(today)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    SettlementIntake.Result again = engine.engine().settlement().run(today)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertTrue(first.legsSettled() >= 2, "both legs settle: " + first);
    assertEquals(0, again.legsSettled(), "nothing settles twice");
    assertEquals("SETTLED", status(orderNo));
    assertEquals(0, balance(orderNo, "clearing:" + channel.code()), "the channel holds nothing more for the order");
    assertEquals(0, balance(orderNo, "payee:TRE-341500"));
    assertEquals(0, balance(orderNo, "payee:NTX-341500"));
    registration.get("/api/v1/orders/" + orderNo).json().getJsonArray("legs")
        .forEach(leg -> assertEquals("SETTLED", ((JsonObject) leg).getString("status")));

    assertEquals(200, engine.as(Role.TAX).post("/api/v1/tax/receipts/" + orderNo + "-1/confirm",
        "{\"certificate_no\":\"WSZM" + cases + "\"}", null).status());
    assertEquals(200, engine.as(Role.FINANCE).post("/api/v1/finance/receipts/" + orderNo + "-2/confirm",
        "{\"ebill_no\":\"EB" + cases + "2\"}", null).status());
    ApiCaller.Answer last = engine.as(Role.FINANCE).post("/api/v1/finance/receipts/" + orderNo + "-3/confirm",
        "{\"ebill_no\":\"EB" + cases + "3\"}", null);

    assertEquals(200, last.status(), last.text());
    assertTrue(last.json().getBoolean("order_completed"));
    assertEquals("COMPLETE", status(orderNo));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.complete' AND order_no = '"
        + orderNo + "'"));
    ApiCaller.Answer balances = engine.as(Role.FINANCE).get("/api/v1/journal/balances");
    assertEquals(200, balances.status());
    assertTrue(balances.json().getJsonArray("accounts").size() >= 1);
  }
}
