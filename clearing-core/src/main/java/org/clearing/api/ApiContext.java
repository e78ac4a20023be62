package org.clearing.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.WorkerExecutor;
import io.vertx.sqlclient.Pool;
import org.clearing.cashier.CashierRoutes;
import org.clearing.client.Authenticator;
import org.clearing.client.ClientRepository;
import org.clearing.identity.IdentityRoutes;
import org.clearing.order.OrderRepository;
import org.clearing.outbox.WebhookRoutes;
import org.clearing.payer.PayerIdCipher;
import org.clearing.payment.CallbackRoutes;
import org.clearing.receipt.ReceiptRepository;
import org.clearing.recon.run.ReconRoutes;
import org.clearing.report.ReportRoutes;
import org.clearing.refund.RefundService;
import org.clearing.region.Regions;
import org.clearing.routing.LiveRouting;
import org.clearing.routing.RoutingTable;

/** What the HTTP edge needs of the engine; built once at start and shared by every verticle. */
public record ApiContext(
    Pool pool,
    LiveRouting liveRouting,
    OrderRepository orders,
    ClientRepository clients,
    Authenticator authenticator,
    PayerIdCipher payerIds,
    WorkerExecutor qrPool,
    PrometheusMeterRegistry metrics,
    String publicBaseUrl,
    CashierRoutes cashier,
    CallbackRoutes callbacks,
    ReceiptRepository receipts,
    RefundService refunds,
    WebhookRoutes webhooks,
    ReportRoutes reports,
    ReconRoutes reconciliation,
    Uploads uploads,
    // The engine's own keys.
    IdentityRoutes identity,
    // Regions, accounts, routes and receivers managed by an administrator.
    Regions regions,
    // The consoles.
    org.clearing.console.ConsoleRoutes console,
    // Channel merchants per region kept in the database (issue 11 §1).
    org.clearing.channelconfig.ChannelConfigs channelConfigs) {

  /** The routing table as it is now: take it once per request. */
  public RoutingTable routing() {
    return liveRouting.current();
  }
}
