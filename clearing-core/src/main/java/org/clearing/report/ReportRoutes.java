package org.clearing.report;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.clearing.client.ApiClient;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.input.FieldError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily report endpoints: {@code GET /api/v1/finance/reports/daily} (role finance) and
 * {@code GET /api/v1/tax/reports/daily} (role tax), each with {@code date=YYYY-MM-DD} and
 * {@code format=json|csv|xlsx}, signed in the {@value ReportSigner#HEADER} header. The role is checked
 * here as well as by the router, so a handler mounted without its guard still refuses.
 */
public final class ReportRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ReportRoutes.class);

  private final DailyReports reports;
  private final ReportSigner signer;
  private final WorkerExecutor cryptoPool;

  public ReportRoutes(DailyReports reports, ReportSigner signer, WorkerExecutor cryptoPool) {
    this.reports = reports;
    this.signer = signer;
    this.cryptoPool = cryptoPool;
  }

  public void financeDaily(RoutingContext ctx, ApiClient client) {
    serve(ctx, client, Role.FINANCE, "finance-report", request -> financeSigned(request, report -> report));
  }

  public void taxDaily(RoutingContext ctx, ApiClient client) {
    serve(ctx, client, Role.TAX, "tax-report", request -> reports.tax(request.day())
        .compose(report -> sign(() -> switch (request.format()) {
          case JSON -> report.json();
          case CSV -> report.csv();
          case XLSX -> report.xlsx();
        })));
  }

  /**
   * The finance daily report of {@code request}, narrowed by {@code scope} (the API's client sees
   * it whole, a console's person the accounts of their regions), rendered and signed on the crypto
   * pool: the one way both doors draw it.
   */
  public Future<Signed> financeSigned(ReportRequest request, UnaryOperator<FinanceReport> scope) {
    return reports.finance(request.day()).map(scope).compose(report -> sign(() -> switch (request.format()) {
      case JSON -> report.json();
      case CSV -> report.csv();
      case XLSX -> report.xlsx();
    }));
  }

  /** Rendering (deflating a workbook) and signing are CPU work: on the crypto pool, the signature over the exact bytes. */
  private Future<Signed> sign(Supplier<byte[]> render) {
    return cryptoPool.executeBlocking(() -> {
      byte[] body = render.get();
      return new Signed(body, signer.header(body));
    }, false);
  }

  /**
   * {@code GET /api/v1/finance/settlement?date=YYYY-MM-DD&account=…} (roles finance and admin):
   * per payee account and channel, the legs expected, settled, missing and in excess, in fen. The
   * account is optional; one that names no payee account is refused, never answered with nothing.
   */
  public void settlement(RoutingContext ctx, Pool pool, ApiClient client) {
    if (client.role() != Role.FINANCE && client.role() != Role.ADMIN) {
      Problem.of(403, "forbidden", "This client's role may not use this endpoint",
          "client " + client.clientId() + " has role " + client.role().code()
              + "; this endpoint is for roles finance and admin").send(ctx);
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    ctx.queryParams().names().stream().filter(n -> !n.equals("date") && !n.equals("account")).sorted()
        .forEach(n -> errors.add(new FieldError(n, "is not a parameter of this request")));
    ReportRequest.Parsed parsed = ReportRequest.parse(ctx.request().getParam("date"), "json");
    if (parsed instanceof ReportRequest.Invalid invalid) {
      errors.addAll(invalid.errors());
    }
    String account = ctx.request().getParam("account");
    if (account != null && !account.matches("[A-Za-z0-9_.-]{1,64}")) {
      errors.add(new FieldError("account", "must be a payee account id"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    LocalDate day = ((ReportRequest.Valid) parsed).request().day();
    (account == null ? Future.succeededFuture(true) : SettlementReport.accountExists(pool, account))
        .compose(known -> !known ? Future.succeededFuture((JsonObject) null)
            : SettlementReport.lines(pool, day, account).map(lines -> SettlementReport.json(day, lines)))
        .onSuccess(json -> {
          if (json == null) {
            Problem.invalid(422, List.of(new FieldError("account",
                "names no payee account"))).send(ctx);
            return;
          }
          ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
              .end(json.encode());
        })
        .onFailure(ctx::fail);
  }

  /**
   * Parse → draw the report → render and sign it → send those exact bytes. Rendering happens
   * before signing and nothing touches the bytes after, so the signature is over what the
   * receiver gets.
   */
  private void serve(RoutingContext ctx, ApiClient client, Role role, String name,
      Function<ReportRequest, Future<Signed>> draw) {
    if (client.role() != role) {
      Problem.of(403, "forbidden", "This client's role may not use this endpoint",
          "client " + client.clientId() + " has role " + client.role().code()
              + "; this endpoint is for role " + role.code()).send(ctx);
      return;
    }
    ReportRequest.Parsed parsed = ReportRequest.parse(ctx.request().getParam("date"), ctx.request().getParam("format"));
    if (parsed instanceof ReportRequest.Invalid invalid) {
      Problem.invalid(422, invalid.errors()).send(ctx);
      return;
    }
    ReportRequest request = ((ReportRequest.Valid) parsed).request();
    draw.apply(request)
        .onSuccess(signed -> {
          LOG.info("event=report.served report={} date={} format={} client={} bytes={}", name, request.day(),
              request.format().extension(), client.clientId(), signed.body().length);
          send(ctx, name, request, signed);
        })
        .onFailure(ctx::fail);
  }

  /** Sends a signed report as a download: its bytes untouched, the signature in {@value ReportSigner#HEADER}. */
  public static void send(RoutingContext ctx, String name, ReportRequest request, Signed signed) {
    ctx.response()
        .putHeader("Content-Type", request.format().contentType())
        .putHeader("Content-Disposition", "attachment; filename=\"" + name + "-" + request.day() + "."
            + request.format().extension() + "\"")
        .putHeader("Cache-Control", "no-store")
        .putHeader(ReportSigner.HEADER, signed.header())
        .end(Buffer.buffer(signed.body()));
  }

  /** A report's bytes and the header that signs them. */
  public record Signed(byte[] body, String header) {}
}
