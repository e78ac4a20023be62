package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.clearing.channel.Money;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;
import org.clearing.refund.RefundRepository;
import org.clearing.report.Collections;

/**
 * Refunds after settlement on the non-tax side: the money is already in a non-tax account, so
 * the finance bureau confirms each leg with its refund voucher and then marks it paid back. It
 * lists through {@link RefundRepository#authorityLegs} and moves a leg through
 * {@link RefundRepository#authorityStep}, as {@code /api/v1/finance/refunds} does, for the legs
 * of the person's regions only (a payee account's region); another region's leg is refused (403).
 */
final class FinanceRefundsRoutes {

  private static final String SIDE = "NON_TAX";
  private static final Pattern REFUND_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final Pattern VOUCHER_NO = Pattern.compile("[0-9A-Za-z-]{1,32}");
  private static final List<String> STATUSES = List.of("requested", "confirmed", "paid_back", "all");

  private final ConsolePages pages;
  private final AuditLog audit;
  private final Supplier<FinanceBooks> books;

  FinanceRefundsRoutes(ConsolePages pages, AuditLog audit, Supplier<FinanceBooks> books) {
    this.pages = pages;
    this.audit = audit;
    this.books = books;
  }

  /** {@code GET /console/finance/refunds?status=} */
  void page(RoutingContext ctx) {
    String status = ctx.request().getParam("status");
    render(ctx, 200, status != null && STATUSES.contains(status) ? status : "requested", null);
  }

  /** {@code POST /console/finance/refunds/:refund_id/:leg_no/confirm} (voucher_no) and {@code .../paid-back}. */
  void step(RoutingContext ctx, Person person, String clientIp, RefundRepository.AuthorityStep step) {
    FinanceBooks b = books.get();
    Locale locale = ConsolePages.locale(ctx);
    String refundId = ctx.pathParam("refund_id");
    String legParam = ctx.pathParam("leg_no");
    String voucher = Optional.ofNullable(ctx.request().getFormAttribute("voucher_no")).map(String::strip).orElse("");
    if (b == null || refundId == null || !REFUND_ID.matcher(refundId).matches() || legParam == null
        || !legParam.matches("[0-9]{1,2}")) {
      render(ctx, 404, "requested", ConsolePages.message(locale, "finance.refunds.noSuchLeg"));
      return;
    }
    if (step == RefundRepository.AuthorityStep.CONFIRM && !VOUCHER_NO.matcher(voucher).matches()) {
      render(ctx, 422, "requested", ConsolePages.message(locale, "finance.refunds.voucher"));
      return;
    }
    int legNo = Integer.parseInt(legParam);
    String target = refundId + "/" + legNo;
    String action = step == RefundRepository.AuthorityStep.CONFIRM ? "refund.confirm" : "refund.paid_back";
    // The leg's region first: the repository's step knows sides, not regions.
    b.refunds().authorityLegs(SIDE, "ALL").compose(legs -> Collections.accountRegions(b.pool()).map(regions ->
            legs.stream().filter(l -> l.refundId().equals(refundId) && l.legNo() == legNo).findFirst()
                .map(l -> regions.getOrDefault(l.payeeAccountId(), ""))))
        .onSuccess(region -> {
          if (region.isPresent() && !person.actsFor(region.get())) {
            ConsoleRoutes.forbidden(ctx, audit, person, action + " " + target + ": region " + region.get());
            return;
          }
          // Done: recorded in the step's transaction, so the step never lands without its record.
          // Refused: nothing changed, and the refusal is recorded on its own.
          b.refunds().authorityStep(SIDE, refundId, legNo, step,
                  step == RefundRepository.AuthorityStep.CONFIRM ? voucher : null, "console:" + person.login(),
                  null, AuditLog.within(AuditLog.Event.of(person, action, target, AuditLog.Outcome.OK,
                      voucher.isEmpty() ? "" : "voucher " + voucher, clientIp)))
              .compose(outcome -> outcome instanceof RefundRepository.Refused refused
                  ? audit.append(AuditLog.Event.of(person, action, target, AuditLog.Outcome.REFUSED, refused.reason(),
                      clientIp)).map(outcome)
                  : Future.succeededFuture(outcome))
              .onSuccess(outcome -> {
                if (outcome instanceof RefundRepository.Refused refused) {
                  render(ctx, refused.status(), "requested", ConsolePages.message(locale, "finance.refunds.refused",
                      refused.reason()));
                } else {
                  render(ctx, 200, "requested", ConsolePages.message(locale, "finance.refunds.done", target));
                }
              })
              .onFailure(ctx::fail);
        })
        .onFailure(ctx::fail);
  }

  private void render(RoutingContext ctx, int httpStatus, String status, String flash) {
    FinanceBooks b = books.get();
    Person person = ConsoleRoutes.person(ctx);
    if (b == null) {
      ctx.response().setStatusCode(503).putHeader("Retry-After", "1").end();
      return;
    }
    b.refunds().authorityLegs(SIDE, status.toUpperCase(Locale.ROOT))
        .compose(legs -> Collections.accountRegions(b.pool()).map(regions -> {
          List<Map<String, Object>> rows = new ArrayList<>();
          for (RefundRepository.AuthorityLeg leg : legs) {
            String region = regions.getOrDefault(leg.payeeAccountId(), "");
            if (!person.actsFor(region)) {
              continue;
            }
            Map<String, Object> row = new HashMap<>();
            row.put("id", leg.refundId() + "-" + leg.legNo());
            row.put("refundId", leg.refundId());
            row.put("legNo", leg.legNo());
            row.put("orderNo", leg.orderNo());
            row.put("reason", leg.reason() == null ? "" : leg.reason());
            row.put("account", leg.payeeAccountId());
            row.put("region", region);
            row.put("amountYuan", Money.ofFen(leg.amountFen()).toYuanString());
            row.put("status", leg.status());
            row.put("voucher", leg.voucherNo() == null ? "" : leg.voucherNo());
            rows.add(row);
          }
          Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
          data.put("section", "refunds");
          data.put("rows", rows);
          data.put("status", status);
          data.put("statuses", STATUSES);
          data.put("flash", flash);
          data.put("failed", httpStatus >= 400);
          data.put("canAct", person.role() == PersonRole.FINANCE);
          return data;
        }))
        .compose(data -> pages.send(ctx, httpStatus, "finance-refunds", data))
        .onFailure(ctx::fail);
  }

  void warmUp() {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "finance", "regions", "-");
    Map<String, Object> row = Map.of("id", "-", "refundId", "-", "legNo", 1, "orderNo", "-", "reason", "-",
        "account", "-", "region", "-", "amountYuan", "0.00", "status", "REQUESTED", "voucher", "-");
    for (Locale locale : new Locale[] {ConsolePages.CHINESE, Locale.ENGLISH}) {
      Map<String, Object> data = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500"),
          "section", "refunds", "rows", List.of(row), "status", "requested", "statuses", STATUSES, "flash", "-",
          "failed", false, "canAct", true));
      pages.render(locale, "/console/finance/refunds", "finance-refunds", null, data);
    }
  }
}
