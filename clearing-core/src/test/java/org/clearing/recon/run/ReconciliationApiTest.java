package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Through the running engine's signed API: the finance bureau starts a day's run, and uploads a
 * bill it downloaded itself, byte for byte; both reconcile the paid order, and other roles may not.
 */
class ReconciliationApiTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  @Test
  void theFinanceBureauRunsAndUploadsADaysBill() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    ApiCaller finance = engine.as(Role.FINANCE);
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("RECON-API-1").encode(), "recon-api-1").json();
    Browser wallet = new Browser(Browser.WECHAT);
    wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!registration.get("/api/v1/orders/" + order.getString("order_no")).json().getString("status").equals("PAID")
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    String today = LocalDate.now(ZoneOffset.ofHours(8)).toString();

    ApiCaller.Answer run = finance.post("/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", today).put("channel", "wechat").encode(), null);
    assertTrue(run.status() == 200 || run.status() == 201, run.text());

    var adapter = engine.engine().channels().adapter(Channel.WECHAT).orElseThrow();
    BillFile bill = adapter.downloadBill(LocalDate.parse(today)).toCompletionStage().toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
    byte[] bytes = Files.readAllBytes(bill.path());
    ApiCaller.Answer uploaded = finance.send("POST", "/api/v1/admin/reconciliation/runs/" + today + "/wechat/bill",
        bytes, Map.of("Content-Type", "application/octet-stream"), true);

    assertTrue(uploaded.status() == 200 || uploaded.status() == 201, uploaded.text());
    assertEquals(0, engine.count("SELECT count(*) FROM recon_item i JOIN recon_run r ON r.run_id = i.run_id"
        + " WHERE r.channel = 'wechat' AND i.out_trade_no LIKE 'W" + order.getString("order_no") + "%'"
        + " AND i.class NOT IN ('MATCHED')"), "the paid order matches");
    assertEquals(403, registration.post("/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", today).put("channel", "wechat").encode(), null).status());
    assertEquals(422, finance.post("/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", "yesterday").put("channel", "wechat").encode(), null).status());
  }
}
