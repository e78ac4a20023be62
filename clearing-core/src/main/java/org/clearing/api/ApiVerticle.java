package org.clearing.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clearing.client.ClientStatus;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.refund.ExceptionResolutions;
import org.clearing.journal.Invariants;
import org.clearing.journal.JournalBalances;
import org.clearing.refund.RefundRepository;
import org.clearing.journal.JournalExport;
import org.clearing.tls.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: the engine API for the registration system and the authorities, the applicant's
 * page behind the QR code and {@code /health} ({@code /metrics} is on the management port, see
 * {@link ManagementVerticle}). Over TLS when the engine has a certificate. One instance per event
 * loop; all share the port.
 */
public final class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  /** The largest request body: a 50-line order is under 10 KiB. */
  public static final long BODY_SIZE_MAX_BYTES = 64 * 1024;
  /** How long a shutdown waits for requests in flight. */
  static final long DRAIN_TIMEOUT_MS = 10_000;

  private final ApiContext context;
  private final String host;
  private final int port;
  /** Null: plain HTTP (demo mode, or TLS ends at a proxy in front). */
  private final ServerTls tls;
  private HttpServer server;
  /** The routes as mounted, for the test that holds them against the API's description. */
  private volatile Router router;

  public ApiVerticle(ApiContext context, String host, int port, ServerTls tls) {
    this.context = context;
    this.host = host;
    this.port = port;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setCompressionSupported(true)
        .setIdleTimeout(60)
        .setMaxHeaderSize(16 * 1024)
        // A console form field may be a whole uploaded CSV (the tax receipts' confirmation file);
        // the console's body limit, the same number, bounds the form as a whole. Vert.x's default
        // of 8 KiB per field would refuse a CSV of a few hundred rows with a bare 400.
        .setMaxFormAttributeSize((int) org.clearing.console.ConsoleRoutes.FORM_SIZE_MAX_BYTES)
        // No cleartext HTTP/2 upgrade: its handler holds the HTTP/1.x decoder that ConnectionGuard
        // swaps, and a payment API has no use for h2c (HTTP/2 belongs behind TLS, over ALPN).
        .setHttp2ClearTextEnabled(false);
    if (tls != null) {
      tls.configure(options);
    }
    ConnectionGuard guard = new ConnectionGuard(vertx, options);
    server = vertx.createHttpServer(options).connectionHandler(guard::opened);
    return vertx.executeBlocking(ApiDescription::load, false).compose(description -> {
      router = router(guard, description);
      return server.requestHandler(router).listen();
    }).onSuccess(listening -> {
      if (tls != null) {
        tls.serving(listening);
      }
    });
  }

  /** Every route this verticle mounted, in order (empty before it starts). */
  public List<Route> routes() {
    Router mounted = router;
    return mounted == null ? List.of() : mounted.getRoutes();
  }

  /** Stops accepting, then waits for requests in flight (bounded) before closing. */
  @Override
  public Future<?> stop() {
    if (server != null && tls != null) {
      tls.stoppedServing(server);
    }
    return server == null ? Future.succeededFuture() : server.shutdown(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  public int actualPort() {
    return server.actualPort();
  }

  private Router router(ConnectionGuard guard, ApiDescription description) {
    Router router = Router.router(vertx);
    router.route().handler(guard.requests());
    OrderRoutes orders = new OrderRoutes(context);
    AdminRoutes admin = new AdminRoutes(context);
    QrRoutes qr = new QrRoutes(context);
    OpsRoutes ops = new OpsRoutes(context);

    router.route().handler(ResponseHeaders::add);
    router.get("/health").handler(ops::health);
    context.cashier().mount(router);
    context.callbacks().mount(router);
    router.get("/q/:token/qr.png").handler(qr::png);
    router.get("/q/:token/qr.svg").handler(qr::svg);
    context.console().mount(router);

    // Signed API: with --tls-client-ca the connection's certificate first, then the headers are
    // checked before any body is read, the role next, then the body (bounded, or streamed to a
    // file for a bill) and its signature — see Security.
    if (tls != null && tls.clientCertificatesRequired()) {
      router.route("/api/*").handler(ClientCertificates.required());
    }
    router.post("/api/v1/orders").handler(orders::timeCreate);
    // Unsigned: a caller reads how to sign before it can sign anything; it holds no secret.
    router.get(ApiDescription.PATH).handler(description::serve);
    // Unsigned on purpose: a receiver needs the engine's public keys before it can check anything
    // the engine signs, and they are no secret (see IdentityRoutes).
    router.get("/api/v1/engine/public-keys").handler(context.identity()::publicKeys);
    router.route("/api/*").handler(Security.claim(context.authenticator()));
    router.post("/api/v1/orders").handler(Security.require(Role.REGISTRATION)).handler(orders::create);
    router.get("/api/v1/orders/:orderNo").handler(Security.require(Role.REGISTRATION)).handler(orders::get);
    router.post("/api/v1/orders/:orderNo/cancel").handler(Security.require(Role.REGISTRATION))
        .handler(orders::cancel);
    router.post("/api/v1/admin/clients").handler(Security.require(Role.ADMIN))
        .handler(admin::registerClient);
    router.get("/api/v1/admin/clients").handler(Security.require(Role.ADMIN)).handler(admin::listClients);
    router.post("/api/v1/admin/clients/:clientId/disable").handler(Security.require(Role.ADMIN))
        .handler(ctx -> admin.changeStatus(ctx, ClientStatus.Action.DISABLE));
    router.post("/api/v1/admin/clients/:clientId/enable").handler(Security.require(Role.ADMIN))
        .handler(ctx -> admin.changeStatus(ctx, ClientStatus.Action.ENABLE));
    router.post("/api/v1/admin/clients/:clientId/revoke").handler(Security.require(Role.ADMIN))
        .handler(ctx -> admin.changeStatus(ctx, ClientStatus.Action.REVOKE));
    router.put("/api/v1/admin/clients/:clientId/key").handler(Security.require(Role.ADMIN))
        .handler(admin::replaceKey);
    router.get("/api/v1/engine/public-key").handler(Security.signed()).handler(context.webhooks()::publicKey);
    router.post("/api/v1/admin/engine/keys/rotate").handler(Security.require(Role.ADMIN))
        .handler(ctx -> context.identity().rotate(ctx, Security.client(ctx)));
    router.get("/api/v1/webhook-endpoint").handler(Security.signed())
        .handler(ctx -> context.webhooks().getEndpoint(ctx, Security.client(ctx)));
    router.put("/api/v1/webhook-endpoint").handler(Security.signed())
        .handler(ctx -> context.webhooks().putEndpoint(ctx, Security.client(ctx)));
    router.post("/api/v1/admin/webhooks/:event_id/redeliver").handler(Security.require(Role.ADMIN))
        .handler(ctx -> context.webhooks().redeliver(ctx, Security.client(ctx)));
    router.get("/api/v1/admin/webhooks/:event_id/deliveries").handler(Security.require(Role.ADMIN))
        .handler(ctx -> context.webhooks().deliveries(ctx, Security.client(ctx)));
    RefundRoutes refunds = new RefundRoutes(context.refunds());
    router.post("/api/v1/orders/:orderNo/refunds").handler(Security.require(Role.REGISTRATION))
        .handler(refunds::request);
    router.get("/api/v1/orders/:orderNo/refunds/:refundId").handler(Security.require(Role.REGISTRATION))
        .handler(refunds::get);
    ExceptionRoutes exceptions = new ExceptionRoutes(new ExceptionResolutions(context.pool()));
    router.post("/api/v1/admin/orders/:order_no/exception/refund").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> exceptions.refund(ctx, Security.client(ctx)));
    router.post("/api/v1/admin/orders/:order_no/exception/accept").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> exceptions.accept(ctx, Security.client(ctx)));
    router.get("/api/v1/admin/attention").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(exceptions::attention);
    router.post("/api/v1/admin/refunds/:refund_no/retry").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> exceptions.retryRefund(ctx, Security.client(ctx)));
    JournalExport export = new JournalExport(context.pool());
    router.get("/api/v1/journal/export").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> exportJournal(ctx, export));
    Invariants invariants = new Invariants(context.pool());
    router.get("/api/v1/admin/invariants").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> invariants.check().onSuccess(checks -> {
          io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
          checks.forEach(c -> list.add(new io.vertx.core.json.JsonObject().put("name", c.name())
              .put("ok", c.ok()).put("violations", c.violations())));
          ctx.response().putHeader("Content-Type", "application/json").end(new io.vertx.core.json.JsonObject()
              .put("ok", checks.stream().allMatch(Invariants.Check::ok)).put("checks", list).encode());
        }).onFailure(ctx::fail));
    JournalBalances balances = new JournalBalances(context.pool());
    router.get("/api/v1/journal/balances").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> balances.all().onSuccess(all -> {
          io.vertx.core.json.JsonArray accounts = new io.vertx.core.json.JsonArray();
          all.forEach((account, fen) -> accounts.add(new io.vertx.core.json.JsonObject()
              .put("account", account).put("balance_fen", fen)));
          ctx.response().putHeader("Content-Type", "application/json")
              .end(new io.vertx.core.json.JsonObject().put("accounts", accounts).encode());
        }).onFailure(ctx::fail));
    router.get("/api/v1/tax/refunds").handler(Security.require(Role.TAX))
        .handler(ctx -> refunds.listAuthority(ctx, "TREASURY"));
    router.get("/api/v1/finance/refunds").handler(Security.require(Role.FINANCE))
        .handler(ctx -> refunds.listAuthority(ctx, "NON_TAX"));
    router.post("/api/v1/tax/refunds/:refundId/legs/:legNo/confirm").handler(Security.require(Role.TAX))
        .handler(ctx -> refunds.authorityStep(ctx, "TREASURY", RefundRepository.AuthorityStep.CONFIRM));
    router.post("/api/v1/tax/refunds/:refundId/legs/:legNo/paid-back").handler(Security.require(Role.TAX))
        .handler(ctx -> refunds.authorityStep(ctx, "TREASURY", RefundRepository.AuthorityStep.PAY_BACK));
    router.post("/api/v1/finance/refunds/:refundId/legs/:legNo/confirm").handler(Security.require(Role.FINANCE))
        .handler(ctx -> refunds.authorityStep(ctx, "NON_TAX", RefundRepository.AuthorityStep.CONFIRM));
    router.post("/api/v1/finance/refunds/:refundId/legs/:legNo/paid-back").handler(Security.require(Role.FINANCE))
        .handler(ctx -> refunds.authorityStep(ctx, "NON_TAX", RefundRepository.AuthorityStep.PAY_BACK));
    router.get("/api/v1/finance/reports/daily").handler(Security.require(Role.FINANCE))
        .handler(ctx -> context.reports().financeDaily(ctx, Security.client(ctx)));
    router.get("/api/v1/finance/settlement").handler(Security.requireAny(Role.FINANCE, Role.ADMIN))
        .handler(ctx -> context.reports().settlement(ctx, context.pool(), Security.client(ctx)));
    router.get("/api/v1/tax/reports/daily").handler(Security.require(Role.TAX))
        .handler(ctx -> context.reports().taxDaily(ctx, Security.client(ctx)));
    router.post("/api/v1/admin/reconciliation/runs").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> context.reconciliation().startRun(ctx, Security.client(ctx)));
    router.post("/api/v1/admin/reconciliation/runs/:date/:channel/bill")
        .handler(Security.requireUpload(context.uploads(), Role.ADMIN, Role.FINANCE))
        .handler(ctx -> context.reconciliation().uploadBill(ctx, Security.client(ctx), Uploads.file(ctx)));
    router.get("/api/v1/admin/reconciliation/items").handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> context.reconciliation().listItems(ctx, Security.client(ctx)));
    router.post("/api/v1/admin/reconciliation/items/:run_id/:item_no/resolve")
        .handler(Security.requireAny(Role.ADMIN, Role.FINANCE))
        .handler(ctx -> context.reconciliation().resolveItem(ctx, Security.client(ctx)));
    ReceiptRoutes receipts = new ReceiptRoutes(context.receipts());
    router.get("/api/v1/tax/receipts").handler(Security.require(Role.TAX)).handler(receipts::listTax);
    router.post("/api/v1/tax/receipts/:lineId/confirm").handler(Security.require(Role.TAX))
        .handler(receipts::confirmTax);
    router.get("/api/v1/finance/receipts").handler(Security.require(Role.FINANCE))
        .handler(receipts::listFinance);
    router.post("/api/v1/finance/receipts/:lineId/confirm").handler(Security.require(Role.FINANCE))
        .handler(receipts::confirmFinance);
    // Regions, payee accounts, routes and receivers (issue 11 §2).
    RegionRoutes regions = new RegionRoutes(context.regions());
    router.get("/api/v1/admin/regions").handler(Security.require(Role.ADMIN)).handler(regions::list);
    router.post("/api/v1/admin/regions").handler(Security.require(Role.ADMIN)).handler(regions::create);
    router.get("/api/v1/admin/regions/:code").handler(Security.require(Role.ADMIN)).handler(regions::get);
    router.put("/api/v1/admin/regions/:code").handler(Security.require(Role.ADMIN)).handler(regions::change);
    router.post("/api/v1/admin/regions/:code/retire").handler(Security.require(Role.ADMIN))
        .handler(regions::retire);
    router.get("/api/v1/admin/regions/:code/audit").handler(Security.require(Role.ADMIN))
        .handler(regions::audit);
    // A channel's merchant per region, kept in the database (issue 11 §1).
    ChannelConfigRoutes channelConfigs = new ChannelConfigRoutes(context.channelConfigs());
    router.get("/api/v1/admin/channels/:region/:channel").handler(Security.require(Role.ADMIN))
        .handler(channelConfigs::get);
    router.put("/api/v1/admin/channels/:region/:channel").handler(Security.require(Role.ADMIN))
        .handler(channelConfigs::put);
    router.get("/api/v1/admin/channels/:region/:channel/audit").handler(Security.require(Role.ADMIN))
        .handler(channelConfigs::audit);
    router.get("/api/v1/admin/channels/:region/:channel/check").handler(Security.require(Role.ADMIN))
        .handler(channelConfigs::check);
    router.route("/api/*").handler(ctx ->
        Security.refuse(ctx, Problem.of(404, "not-found", "No such endpoint",
            ctx.request().method() + " " + ctx.request().path() + " is not an endpoint")));

    router.route().failureHandler(this::failure);
    return router;
  }

  /** Streams sealed journal entries with their canonical bytes and seals (NDJSON). */
  private static void exportJournal(RoutingContext ctx, JournalExport export) {
    JournalExport.Parsed parsed = JournalExport.parse(ctx.request().getParam("from"), ctx.request().getParam("to"));
    if (parsed instanceof JournalExport.Invalid invalid) {
      Problem.invalid(422, invalid.errors()).send(ctx);
      return;
    }
    var response = ctx.response().setChunked(true).putHeader("Content-Type", JournalExport.CONTENT_TYPE);
    export.writeTo(((JournalExport.Valid) parsed).range(), response)
        .onSuccess(summary -> response.end())
        .onFailure(e -> {
          LOG.error("event=journal.export_failed", e);
          response.reset();
        });
  }

  private void failure(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (status == 413) {
      Security.refuse(ctx, Problem.of(413, "body-too-large", "The request body is too large",
          "bodies are limited to " + BODY_SIZE_MAX_BYTES + " bytes"));
      return;
    }
    if (status >= 400 && status < 500) {
      Security.refuse(ctx, Problem.of(status, "bad-request", "The request cannot be handled",
          "HTTP " + status));
      return;
    }
    Throwable error = ctx.failure();
    if (Unavailable.isUnavailable(error)) {
      LOG.warn("event=request.unavailable path={} error={}", ctx.request().path(), String.valueOf(error));
      ctx.response().putHeader("Retry-After", "1");
      Security.refuse(ctx, Problem.of(503, "unavailable", "The engine is overloaded or its database unreachable",
          "try again shortly"));
      return;
    }
    LOG.error("event=request.failed method={} path={}", ctx.request().method(), ctx.request().path(), error);
    Security.refuse(ctx, Problem.of(500, "internal-error", "The engine failed to handle the request",
        "the failure is logged; nothing was changed unless the answer says so"));
  }
}
