package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.payment.ChannelAccountRepository;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.ExpiredOrderCloser;
import org.clearing.payment.PendingPaymentQueries;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.clearing.testing.TestEngine;

/**
 * On a test engine with the sandboxes (the class's {@code EngineExtension}): its own pool, and the
 * reconciliation wired as the engine would.
 */
final class ReconBench implements AutoCloseable {

  final TestEngine engine;
  final Pool pool;
  final ChannelSet channels;
  final ReconciliationRun run;
  final ReconExceptions exceptions;
  private final ApiCaller registration;
  private io.vertx.core.http.HttpServer server;
  private int cases;

  ReconBench(TestEngine engine) throws Exception {
    this.engine = engine;
    registration = engine.as(Role.REGISTRATION);
    // The active query would heal a dropped callback before reconciliation could; tests drive it.
    Await.result(engine.engine().jobs().stop(PendingPaymentQueries.JOB, ExpiredOrderCloser.JOB));
    var vertx = engine.engine().vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64))
        .connectingTo(engine.engine().database().connectOptions()).using(vertx).build();
    var accounts = Await.result(new ChannelAccountRepository(pool).load());
    channels = engine.engine().channels();
    Path temp = Files.createTempDirectory("recon-test-");
    run = new ReconciliationRun(vertx, pool, channels, engine.engine().intake(), temp);
    exceptions = new ReconExceptions(pool, channels, engine.engine().intake());
  }

  /**
   * Mounts the reconciliation routes as the engine's API would, behind a fixed caller (the
   * engine's signature check is not what these tests are about), and returns a client for them.
   */
  ApiCaller routes(String clientId) throws Exception {
    var vertx = engine.engine().vertx();
    ReconRoutes routes = new ReconRoutes(vertx, run, exceptions);
    String uploads = Files.createTempDirectory("upload-").toString();
    org.clearing.client.ApiClient caller = new org.clearing.client.ApiClient(clientId, Role.ADMIN, null, null);
    io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
    String base = "/api/v1/admin/reconciliation";
    router.post(base + "/runs/:date/:channel/bill")
        .handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(ReconRoutes.BILL_SIZE_MAX_BYTES))
        .handler(ctx -> vertx.fileSystem().createTempFile(uploads, "bill-", ".bill", (String) null)
            .compose(file -> vertx.fileSystem().writeFile(file,
                ctx.body().buffer() == null ? io.vertx.core.buffer.Buffer.buffer() : ctx.body().buffer()).map(file))
            .onSuccess(file -> routes.uploadBill(ctx, caller, Path.of(file)))
            .onFailure(ctx::fail));
    router.route().handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(64 * 1024));
    router.post(base + "/runs").handler(ctx -> routes.startRun(ctx, caller));
    router.get(base + "/items").handler(ctx -> routes.listItems(ctx, caller));
    router.post(base + "/items/:run_id/:item_no/resolve").handler(ctx -> routes.resolveItem(ctx, caller));
    server = Await.result(vertx.createHttpServer().requestHandler(router).listen(0));
    return new ApiCaller("http://127.0.0.1:" + server.actualPort(), null);
  }

  static ApiCaller.Answer get(ApiCaller http, String path) {
    return http.raw("GET", path, new byte[0], Map.of());
  }

  static ApiCaller.Answer post(ApiCaller http, String path, JsonObject body) {
    return http.raw("POST", path, body.encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
  }

  String newOrder() {
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical("RECON-" + (++cases)).encode(), "recon-" + cases);
    assertEquals(201, created.status(), created.text());
    return created.json().getString("order_no");
  }

  /** Pays the order through the cashier and the channel's sandbox, as a wallet would. */
  void pay(Channel channel, String orderNo) {
    assertEquals(200, new Browser(agent(channel)).submitForm(open(channel, orderNo)).status());
  }

  /** Opens the order at the channel through the cashier; the page is the sandbox's, ready to pay. */
  Browser.Page open(Channel channel, String orderNo) {
    String qr = registration.get("/api/v1/orders/" + orderNo).json().getJsonObject("qr").getString("url");
    Browser.Page page = new Browser(agent(channel)).open(qr);
    assertTrue(page.url().startsWith(engine.sandboxUrl(channel)), page.url());
    return page;
  }

  static String agent(Channel channel) {
    return switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    };
  }

  void awaitStatus(String orderNo, String status) {
    Await.value("order " + orderNo + " is " + status,
        () -> text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"), status::equals);
    assertEquals(status, text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
  }

  void setFaults(Channel channel, JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(channel), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  String text(String sql) {
    return TestDatabase.queryString(engine.pgUrl(), sql);
  }

  long count(String sql) {
    return engine.count(sql);
  }

  @Override
  public void close() throws Exception {
    if (server != null) {
      Await.result(server.close());
    }
    Await.result(pool.close());
  }
}
