package org.clearing.console;

import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.channel.Money;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;
import org.clearing.refund.RefundLegStatus;
import org.clearing.refund.RefundRepository;

/**
 * The tax authority's refunds after settlement (退库): the treasury legs of the officer's regions
 * that wait for the authority, confirmed with the refund voucher, then marked paid back. It lists
 * through {@link RefundRepository#authorityLegs} and moves a leg through
 * {@link RefundRepository#authorityStep}, the same code as {@code /api/v1/tax/refunds}, with the
 * officer's regions as the scope and the audit written in the step's transaction.
 */
final class TaxRefundConsoleRoutes {

  /** The treasury's legs are the tax authority's; the non-tax legs are the finance bureau's. */
  private static final String SIDE = "TREASURY";
  private static final Pattern REFUND_ID = Pattern.compile("RF[0-9]{12}");
  private static final Pattern VOUCHER_NO = Pattern.compile("[0-9A-Za-z-]{1,32}");
  private static final Set<String> STATUSES = Set.of(RefundLegStatus.REQUESTED.name(),
      RefundLegStatus.CONFIRMED.name(), RefundLegStatus.PAID_BACK.name(), "ALL");

  private final ConsolePages pages;
  private final RefundRepository refunds;
  private final AuditLog audit;

  TaxRefundConsoleRoutes(ConsolePages pages, RefundRepository refunds, AuditLog audit) {
    this.pages = pages;
    this.refunds = refunds;
    this.audit = audit;
  }

  /** {@code GET /console/tax/refunds?status=requested|confirmed|paid_back|all} */
  void page(RoutingContext ctx) {
    render(ctx, 200, ConsoleRoutes.person(ctx), status(ctx.request().getParam("status")), null, null);
  }

  /**
   * {@code POST /console/tax/refunds/:refundId/legs/:legNo/confirm} (field {@code voucher_no}) and
   * {@code …/paid-back}: one step of one leg.
   */
  void step(RoutingContext ctx, Person person, String clientIp, RefundRepository.AuthorityStep step) {
    Locale locale = ConsolePages.locale(ctx);
    String status = status(ctx.request().getFormAttribute("status"));
    String refundId = ctx.pathParam("refundId");
    int legNo = legNo(ctx.pathParam("legNo"));
    String target = refundId + "/" + ctx.pathParam("legNo");
    if (!REFUND_ID.matcher(refundId).matches() || legNo < 1) {
      render(ctx, 422, person, status, ConsolePages.message(locale, "refund.error.noSuchLeg"), target);
      return;
    }
    String voucher = ctx.request().getFormAttribute("voucher_no");
    voucher = voucher == null ? null : voucher.trim();
    if (step == RefundRepository.AuthorityStep.CONFIRM && (voucher == null || !VOUCHER_NO.matcher(voucher).matches())) {
      render(ctx, 422, person, status, ConsolePages.message(locale, "refund.error.voucher"), target);
      return;
    }
    String action = step == RefundRepository.AuthorityStep.CONFIRM ? "refund.confirm" : "refund.paid_back";
    String detail = step == RefundRepository.AuthorityStep.CONFIRM ? "voucher " + voucher : "paid back";
    String voucherNo = step == RefundRepository.AuthorityStep.CONFIRM ? voucher : null;
    refunds.authorityStep(SIDE, refundId, legNo, step, voucherNo, "console:" + person.login(),
            Set.copyOf(person.regions()), conn -> AuditLog.append(conn,
                AuditLog.Event.of(person, action, target, AuditLog.Outcome.OK, detail, clientIp)))
        .onSuccess(outcome -> {
          if (!(outcome instanceof RefundRepository.Refused refused)) {
            render(ctx, 200, person, status, ConsolePages.message(locale,
                step == RefundRepository.AuthorityStep.CONFIRM ? "refund.confirmed" : "refund.paidBack", target), null);
            return;
          }
          if (refused.status() == 403) {
            ConsoleRoutes.forbidden(ctx, audit, person, refused.reason());
            return;
          }
          audit.append(AuditLog.Event.of(person, action, target, AuditLog.Outcome.REFUSED, refused.reason(), clientIp))
              .onComplete(done -> {
                if (refused.status() == 404) {
                  render(ctx, 422, person, status, ConsolePages.message(locale, "refund.error.noSuchLeg"), target);
                } else {
                  render(ctx, 409, person, status, ConsolePages.message(locale,
                      refused.type().equals("confirmation-conflict") ? "refund.error.conflict" : "refund.error.order"),
                      target);
                }
              });
        })
        .onFailure(ctx::fail);
  }

  private void render(RoutingContext ctx, int code, Person person, String status, String flash, String failedLeg) {
    boolean english = Locale.ENGLISH.equals(ConsolePages.locale(ctx));
    refunds.authorityLegs(SIDE, status, Set.copyOf(person.regions())).compose(legs -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (RefundRepository.AuthorityLeg leg : legs) {
        Map<String, Object> row = new HashMap<>();
        String id = leg.refundId() + "/" + leg.legNo();
        row.put("id", id);
        row.put("domId", leg.refundId() + "-" + leg.legNo());
        row.put("refundId", leg.refundId());
        row.put("legNo", leg.legNo());
        row.put("orderNo", leg.orderNo());
        row.put("caseNo", leg.caseNo());
        row.put("region", leg.region());
        row.put("reason", leg.reason());
        row.put("amountYuan", Money.ofFen(leg.amountFen()).toYuanString());
        row.put("status", leg.status());
        row.put("voucher", leg.voucherNo());
        row.put("requested", leg.status().equals(RefundLegStatus.REQUESTED.name()));
        row.put("confirmed", leg.status().equals(RefundLegStatus.CONFIRMED.name()));
        row.put("failed", id.equals(failedLeg));
        rows.add(row);
      }
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
      data.put("rows", rows);
      data.put("status", status.toLowerCase(Locale.ROOT));
      data.put("flash", flash);
      data.put("failed", code >= 400);
      data.put("canAct", person.role() == PersonRole.TAX);
      data.put("english", english);
      boolean fragment = "true".equals(ctx.request().getHeader("HX-Request"));
      return pages.send(ctx, code, "tax-refunds", fragment ? "refunds" : null, data);
    }).onFailure(ctx::fail);
  }

  private static String status(String asked) {
    String status = asked == null ? "REQUESTED" : asked.toUpperCase(Locale.ROOT);
    return STATUSES.contains(status) ? status : "REQUESTED";
  }

  private static int legNo(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** For the warm-up: a row as the template reads it. */
  static Map<String, Object> sampleRow() {
    Map<String, Object> row = new HashMap<>(Map.of("id", "-", "domId", "-", "refundId", "-", "legNo", 1,
        "orderNo", "-", "caseNo", "-", "region", "-", "reason", "-", "amountYuan", "0.00", "status", "REQUESTED"));
    row.putAll(Map.of("requested", true, "confirmed", false, "failed", true));
    row.put("voucher", null);
    return row;
  }
}
