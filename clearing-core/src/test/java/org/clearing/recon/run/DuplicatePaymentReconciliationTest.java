package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A second payment through another channel, given back by the engine, reconciles with nothing left
 * unexplained: that channel split it to the payees as the order's plan said, so its split lines are
 * the order's legs, and its refund is the duplicate refund.
 */
class DuplicatePaymentReconciliationTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  @Test
  void theSplitLinesOfAPaymentGivenBackMatchTheOrdersLegs() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    List<String> orderNos = new ArrayList<>();
    Channel[][] pairs = {{Channel.WECHAT, Channel.UNIONPAY}, {Channel.UNIONPAY, Channel.WECHAT}};
    for (int i = 0; i < pairs.length; i++) {
      JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("TWICE-" + i).encode(),
          "twice-" + i).json();
      String orderNo = order.getString("order_no");
      String qr = order.getJsonObject("qr").getString("url");
      Browser desktop = new Browser(Browser.DESKTOP);
      Browser.Page second = desktop.open(qr + "/pay/" + pairs[i][1].code());
      // The engine closes the order at the other channel once it is paid; a channel whose close
      // fails (its API down for the moment) still takes the second payment, as UnionPay always
      // does, having no close.
      faults(pairs[i][1], new JsonObject().put("fail_requests_percent", 100));
      desktop.submitForm(desktop.open(qr + "/pay/" + pairs[i][0].code()));
      Await.until(orderNo + " paid", () -> engine.count("SELECT count(*) FROM orders WHERE status = 'PAID' AND order_no = '" + orderNo + "'") == 1);
      desktop.submitForm(second);
      faults(pairs[i][1], new JsonObject());
      Await.until(orderNo + "'s second payment refunded", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE status = 'SUCCEEDED' AND order_no = '"
          + orderNo + "'") == 1);
      orderNos.add(orderNo);
    }
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));

    for (Channel channel : List.of(Channel.WECHAT, Channel.UNIONPAY)) {
      engine.engine().reconciliation().run(today, channel).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    }

    String ours = "(i.out_trade_no LIKE '%" + orderNos.get(0) + "%' OR i.out_trade_no LIKE '%" + orderNos.get(1) + "%')";
    assertEquals(0, engine.count("SELECT count(*) FROM recon_item i WHERE resolution_status = 'OPEN' AND " + ours),
        "nothing unexplained");
    assertEquals(8, engine.count("SELECT count(*) FROM recon_item i WHERE i.kind = 'LEG' AND i.class = 'MATCHED' AND "
        + ours), "two legs of each order at each of its two channels");
    assertEquals(0, engine.count("SELECT count(*) FROM recon_account a JOIN recon_run r USING (run_id)"
        + " WHERE r.business_date = '" + today + "' AND (a.legs_expected <> a.legs_settled OR a.expected_fen <> a.settled_fen)"),
        "each payee account was expected what it was settled, the duplicates' legs included");
  }

  private static void faults(Channel channel, JsonObject faults) {
    new ApiCaller(engine.sandboxUrl(channel), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
  }
}
