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
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A day in which every sandbox dropped half its callbacks and delivered the rest twice and late:
 * the daily run heals every lost callback from the bill, every order ends PAID exactly once, and
 * no item is left unexplained.
 */
class DayWithFaultsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  @Test
  void theDailyRunLeavesNothingUnexplained() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    for (Channel channel : Channel.values()) {
      new ApiCaller(engine.sandboxUrl(channel), null).raw("PUT", "/sandbox/faults", new JsonObject()
              .put("drop_percent", 50).put("deliveries", 2).put("delay_ms", 300).put("out_of_order_percent", 50)
              .encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }
    List<String> orderNos = new ArrayList<>();
    int n = 0;
    for (Channel channel : Channel.values()) {
      for (int i = 0; i < 4; i++) {
        JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("FAULTY-" + (++n)).encode(),
            "faulty-" + n).json();
        Browser desktop = new Browser(Browser.DESKTOP);
        desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/" + channel.code()));
        orderNos.add(order.getString("order_no"));
      }
    }
    Thread.sleep(1_500);
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));

    for (Channel channel : Channel.values()) {
      engine.engine().reconciliation().run(today, channel).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    }
    Thread.sleep(500);

    for (String orderNo : orderNos) {
      assertEquals("PAID", registration.get("/api/v1/orders/" + orderNo).json().getString("status"), orderNo);
      assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = '"
          + orderNo + "'"), "booked once: " + orderNo);
    }
    assertEquals(0, engine.count("SELECT count(*) FROM recon_item WHERE resolution_status = 'OPEN'"),
        "no item left unexplained");
    org.junit.jupiter.api.Assertions.assertTrue(engine.count("SELECT count(*) FROM channel_inbox WHERE source = 'BILL'") > 0,
        "some callbacks were lost and healed from the bill");
  }
}
