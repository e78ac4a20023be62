package org.clearing.golive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.Main;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.crypto.SecretFiles;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Going live, rehearsed: the sandboxes run as a process of their own and the engine reaches them
 * only through the merchant configuration they handed over ({@code --no-sandboxes --config}).
 * One order is paid through each channel from the cashier to PAID, a line of each is refunded,
 * and the day is reconciled from bills the engine downloads itself. A configuration the engine
 * cannot trust (here a .pfx with the wrong password) stops it before it serves anything.
 */
class SandboxProcessGoLiveTest {

  // The sandbox process first: the engine reads the configuration it writes.
  @RegisterExtension
  @Order(1)
  static final SandboxProcess sandboxes = new SandboxProcess();

  // QR codes point at the engine itself, so the test's browser can follow them; the notify URLs
  // each channel order names are built from the same base, and the sandbox process calls them.
  @RegisterExtension
  @Order(2)
  static final EngineExtension engine = EngineExtension.with(config -> config
      .withSandboxes(false, 0, 1)
      .withMerchantConfig(sandboxes.merchantConfig())
      .withPublicBaseUrl("http://127.0.0.1:" + config.httpPort()));

  private static ApiCaller registration() {
    return engine.as(Role.REGISTRATION);
  }

  private static String userAgent(Channel channel) {
    return switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    };
  }

  private static String awaitOrder(String orderNo, String status) {
    return Await.value("order " + orderNo + " is " + status,
        () -> registration().get("/api/v1/orders/" + orderNo).json().getString("status"), status::equals);
  }

  @Test
  void anEngineConfiguredFromTheSandboxProcessPaysRefundsAndReconcilesThroughEachChannel() throws Exception {
    assertTrue(engine.engine().sandboxes().isEmpty(), "no sandbox runs inside the engine");
    Map<Channel, String> orders = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      ApiCaller.Answer created = registration().post("/api/v1/orders",
          OrderBodies.typical("GO-LIVE-" + channel.code()).encode(), "go-live-" + channel.code());
      assertEquals(201, created.status(), created.text());
      JsonObject order = created.json();
      Browser wallet = new Browser(userAgent(channel));
      Browser.Page page = wallet.open(order.getJsonObject("qr").getString("url"));
      assertEquals(200, page.status(), page.url() + "\n" + page.html());
      assertTrue(page.url().startsWith(sandboxes.baseUrl(channel)), "the pay page is the sandbox process's: " + page.url());
      assertEquals(200, wallet.submitForm(page).status());
      orders.put(channel, order.getString("order_no"));
    }
    for (Map.Entry<Channel, String> paid : orders.entrySet()) {
      assertEquals("PAID", awaitOrder(paid.getValue(), "PAID"), paid.getKey() + " pays");
      assertEquals(paid.getKey().code(), TestDatabase.queryString(engine.pgUrl(),
          "SELECT paid_channel FROM orders WHERE order_no = '" + paid.getValue() + "'"));
    }

    for (Map.Entry<Channel, String> paid : orders.entrySet()) {
      String orderNo = paid.getValue();
      ApiCaller.Answer refund = registration().post("/api/v1/orders/" + orderNo + "/refunds", new JsonObject()
          .put("refund_key", "line-2-" + orderNo).put("reason", "registration fee withdrawn")
          .put("lines", new JsonArray().add(2)).encode(), null);
      assertEquals(201, refund.status(), refund.text());
      String refundId = refund.json().getString("refund_id");
      Await.value(paid.getKey() + " refunds line 2",
          () -> registration().get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json().getString("status"),
          "SUCCEEDED"::equals);
    }

    ApiCaller finance = engine.as(Role.FINANCE);
    String today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    for (Channel channel : Channel.values()) {
      ApiCaller.Answer run = finance.post("/api/v1/admin/reconciliation/runs",
          new JsonObject().put("date", today).put("channel", channel.code()).encode(), null);
      assertTrue(run.status() == 200 || run.status() == 201, channel + ": " + run.text());
      assertEquals(1, engine.count("SELECT count(*) FROM recon_run WHERE channel = '" + channel.code()
          + "' AND business_date = '" + today + "' AND status = 'DONE' AND bill_source = 'FETCHED'"),
          channel + "'s bill was downloaded by the engine and reconciled");
      String like = "%" + orders.get(channel) + "%";
      assertTrue(engine.count("SELECT count(*) FROM recon_item i JOIN recon_run r USING (run_id) WHERE r.channel = '"
          + channel.code() + "' AND i.out_trade_no LIKE '" + like + "' AND i.kind = 'REFUND' AND i.class = 'MATCHED'") >= 1,
          channel + "'s refund is on its bill and matches");
      assertEquals(0, engine.count("SELECT count(*) FROM recon_item i JOIN recon_run r USING (run_id) WHERE r.channel = '"
          + channel.code() + "' AND i.out_trade_no LIKE '" + like + "' AND i.class <> 'MATCHED'"),
          channel + ": the paid order and its refund match the bill");
    }
  }

  @Test
  void anEngineGivenAPfxWithTheWrongPasswordRefusesToStartNamingTheField() throws Exception {
    Path copy = Files.createTempDirectory("clearing-wrong-pfx-");
    copyTree(sandboxes.dataDir().resolve("merchant"), copy.resolve("merchant"));
    SecretFiles.write(copy.resolve("merchant-config.yaml"), Files.readAllBytes(sandboxes.merchantConfig()));
    SecretFiles.writeString(copy.resolve("merchant/unionpay/acp_sign.password"), "not-the-password\n");
    Path output = copy.resolve("engine.log");

    Process refused = new ProcessBuilder(SandboxProcess.mainCommand(List.of("--no-sandboxes",
        "--config", copy.resolve("merchant-config.yaml").toString(), "--data-dir", copy.resolve("data").toString(),
        "--pg-url", TestDatabase.newDatabase(), "--http-port", "0", "--management-port", "0")))
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      assertTrue(refused.waitFor(180, TimeUnit.SECONDS), "the engine exits instead of serving");
      String log = Files.readString(output);
      assertEquals(Main.EXIT_BAD_CONFIG, refused.exitValue(), log);
      assertTrue(log.contains("merchant configuration: unionpay[0].signing-certificate-password:"
          + " does not open signing-certificate"), log);
    } finally {
      refused.destroyForcibly();
    }
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          SecretFiles.createDirectories(target);
        } else {
          SecretFiles.write(target, Files.readAllBytes(source));
        }
      }
    }
  }
}
