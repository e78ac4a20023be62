package org.clearing.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.http.Problem;
import org.clearing.input.FieldError;
import org.clearing.refund.RefundLegStatus;
import org.clearing.refund.RefundRepository;
import org.clearing.refund.RefundService;

/** The registration system's refund endpoints: request (whole or by lines) and read. */
final class RefundRoutes {

  private static final Pattern REFUND_KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Set<String> FIELDS = Set.of("refund_key", "lines", "reason");
  static final int REASON_LENGTH_MAX = 200;

  private final RefundService refunds;

  RefundRoutes(RefundService refunds) {
    this.refunds = refunds;
  }

  void request(RoutingContext ctx) {
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(f -> !FIELDS.contains(f))
        .forEach(f -> errors.add(new FieldError(f, "is not a field of this request")));
    String key = json.getValue("refund_key") instanceof String s ? s : null;
    if (key == null || !REFUND_KEY.matcher(key).matches()) {
      errors.add(new FieldError("refund_key", "is required: 1 to 128 of A-Z a-z 0-9 _ . : -"));
    }
    String reason = json.getValue("reason") instanceof String s ? s.strip() : null;
    if (reason == null || reason.isEmpty() || reason.length() > REASON_LENGTH_MAX
        || reason.chars().anyMatch(Character::isISOControl)) {
      errors.add(new FieldError("reason", "is required: 1 to " + REASON_LENGTH_MAX + " characters"));
    }
    List<Integer> lines = new ArrayList<>();
    Object value = json.getValue("lines");
    if (value != null) {
      if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > 50) {
        errors.add(new FieldError("lines", "must be a non-empty array of line numbers"));
      } else {
        for (int i = 0; i < array.size(); i++) {
          Object item = array.getValue(i);
          if (!(item instanceof Integer n) || n < 1 || lines.contains(n)) {
            errors.add(new FieldError("lines[" + i + "]", "must be a distinct line number (1, 2, …)"));
          } else {
            lines.add(n);
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    String orderNo = ctx.pathParam("orderNo");
    refunds.request(Security.client(ctx).clientId(), key, orderNo, lines, reason).onSuccess(planned -> {
      if (planned instanceof RefundRepository.Created created) {
        respond(ctx, 201, created.refund());
      } else if (planned instanceof RefundRepository.Replayed replayed) {
        respond(ctx, 200, replayed.refund());
      } else {
        RefundRepository.Refused refused = (RefundRepository.Refused) planned;
        Problem.of(refused.status(), refused.type(), "The refund cannot be made", refused.reason()).send(ctx);
      }
    }).onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    String orderNo = ctx.pathParam("orderNo");
    // Another client's refund is answered exactly like a missing one (as its orders are).
    refunds.repository().findOwned(Security.client(ctx).clientId(), orderNo, ctx.pathParam("refundId"))
        .onSuccess(refund -> {
          if (refund == null) {
            Problem.of(404, "not-found", "No such refund", "no refund " + ctx.pathParam("refundId")).send(ctx);
            return;
          }
          respond(ctx, 200, refund);
        }).onFailure(ctx::fail);
  }

  private static final Pattern VOUCHER_NO = Pattern.compile("[0-9A-Za-z-]{1,32}");
  private static final Pattern REFUND_ID = Pattern.compile("RF[0-9]{12}");

  /** An authority lists the legs of refunds after settlement that are its to make. */
  void listAuthority(RoutingContext ctx, String side) {
    String status = ctx.request().getParam("status", "requested").toUpperCase(java.util.Locale.ROOT);
    // An authority's legs are only ever in these statuses (RefundLegStatus's authority path).
    if (!Set.of(RefundLegStatus.REQUESTED.name(), RefundLegStatus.CONFIRMED.name(), RefundLegStatus.PAID_BACK.name(),
        "ALL").contains(status)) {
      Problem.invalid(422, List.of(new FieldError("status", "must be requested, confirmed, paid_back or all"))).send(ctx);
      return;
    }
    refunds.repository().authorityLegs(side, status).onSuccess(legs -> {
      JsonArray items = new JsonArray();
      legs.forEach(leg -> items.add(new JsonObject().put("refund_id", leg.refundId()).put("order_no", leg.orderNo())
          .put("reason", leg.reason()).put("leg_no", leg.legNo()).put("payee_account", leg.payeeAccountId())
          .put("amount_fen", leg.amountFen()).put("status", leg.status()).put("voucher_no", leg.voucherNo())));
      ctx.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("legs", items).encode());
    }).onFailure(ctx::fail);
  }

  /** An authority confirms a refund leg (with its refund voucher) or reports it paid back. */
  void authorityStep(RoutingContext ctx, String side, RefundRepository.AuthorityStep step) {
    String refundId = ctx.pathParam("refundId");
    int legNo;
    try {
      legNo = Integer.parseInt(ctx.pathParam("legNo"));
    } catch (NumberFormatException e) {
      legNo = -1;
    }
    if (!REFUND_ID.matcher(refundId).matches() || legNo < 1) {
      Problem.of(404, "not-found", "No such refund leg", "no refund leg " + refundId + "/" + ctx.pathParam("legNo")).send(ctx);
      return;
    }
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    String voucher = json.getValue("voucher_no") instanceof String v ? v : null;
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(f -> !f.equals("voucher_no"))
        .forEach(f -> errors.add(new FieldError(f, "is not a field of this request")));
    if (step == RefundRepository.AuthorityStep.CONFIRM && (voucher == null || !VOUCHER_NO.matcher(voucher).matches())) {
      errors.add(new FieldError("voucher_no", "is required: the refund voucher number, 1 to 32 of A-Z a-z 0-9 -"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    refunds.repository().authorityStep(side, refundId, legNo, step, voucher, Security.client(ctx).clientId())
        .onSuccess(outcome -> {
          if (outcome instanceof RefundRepository.Created created) {
            respond(ctx, 200, created.refund());
          } else if (outcome instanceof RefundRepository.Replayed replayed) {
            respond(ctx, 200, replayed.refund());
          } else {
            RefundRepository.Refused refused = (RefundRepository.Refused) outcome;
            Problem.of(refused.status(), refused.type(), "The refund leg cannot move", refused.reason()).send(ctx);
          }
        }).onFailure(ctx::fail);
  }

  static JsonObject render(RefundRepository.Refund refund) {
    JsonArray legs = new JsonArray();
    refund.legs().forEach(leg -> legs.add(new JsonObject()
        .put("leg_no", leg.legNo()).put("payee_account", leg.payeeAccountId())
        .put("side", leg.side()).put("amount_fen", leg.amountFen()).put("status", leg.status())
        .put("voucher_no", leg.voucherNo())));
    return new JsonObject()
        .put("refund_id", refund.refundId())
        .put("order_no", refund.orderNo())
        .put("mode", refund.mode())
        .put("status", refund.status().name())
        .put("amount_fen", refund.amountFen())
        .put("channel", refund.channel())
        .put("whole_order", refund.wholeOrder())
        .put("reason", refund.reason())
        .put("lines", new JsonArray(refund.lineNos()))
        .put("legs", legs);
  }

  private static void respond(RoutingContext ctx, int status, RefundRepository.Refund refund) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(render(refund).encode());
  }
}
