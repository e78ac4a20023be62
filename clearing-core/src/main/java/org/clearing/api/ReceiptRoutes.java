package org.clearing.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.http.Problem;
import org.clearing.input.FieldError;
import org.clearing.receipt.ReceiptRepository;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeSide;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorities' receipt endpoints: the tax authority ({@code /api/v1/tax/receipts}, treasury
 * lines, confirmed with a certificate number) and the finance bureau
 * ({@code /api/v1/finance/receipts}, non-tax lines, confirmed with an e-bill number).
 */
final class ReceiptRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ReceiptRoutes.class);
  private static final Pattern LINE_ID = Pattern.compile("(TF[0-9]{18})-([0-9]{1,2})");
  private static final Pattern NUMBER = Pattern.compile("[0-9A-Za-z-]{1,32}");
  private static final Pattern TAX_VOUCHER_NO = Pattern.compile("[0-9A-Za-z]{1,20}");
  static final int PAGE_SIZE_DEFAULT = 500;

  private final ReceiptRepository receipts;

  ReceiptRoutes(ReceiptRepository receipts) {
    this.receipts = receipts;
  }

  void listTax(RoutingContext ctx) {
    list(ctx, PayeeSide.TREASURY);
  }

  void listFinance(RoutingContext ctx) {
    list(ctx, PayeeSide.NON_TAX);
  }

  void confirmTax(RoutingContext ctx) {
    confirm(ctx, PayeeSide.TREASURY, "certificate_no");
  }

  void confirmFinance(RoutingContext ctx) {
    confirm(ctx, PayeeSide.NON_TAX, "ebill_no");
  }

  private void list(RoutingContext ctx, PayeeSide side) {
    List<FieldError> errors = new ArrayList<>();
    String statusParam = ctx.request().getParam("status", "unconfirmed");
    ReceiptRepository.Filter filter = switch (statusParam) {
      case "unconfirmed" -> ReceiptRepository.Filter.UNCONFIRMED;
      case "confirmed" -> ReceiptRepository.Filter.CONFIRMED;
      case "all" -> ReceiptRepository.Filter.ALL;
      default -> {
        errors.add(new FieldError("status", "must be unconfirmed, confirmed or all"));
        yield null;
      }
    };
    LocalDate day = null;
    String date = ctx.request().getParam("date");
    try {
      day = date == null ? null : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      day = null;
    }
    if (day == null) {
      errors.add(new FieldError("date", "is required as YYYY-MM-DD (the paid day, Beijing time)"));
    }
    String after = ctx.request().getParam("after", "");
    Matcher cursor = LINE_ID.matcher(after);
    if (!after.isEmpty() && !cursor.matches()) {
      errors.add(new FieldError("after", "must be a line_id from a previous page"));
    }
    int limit = PAGE_SIZE_DEFAULT;
    try {
      limit = Integer.parseInt(ctx.request().getParam("limit", Integer.toString(PAGE_SIZE_DEFAULT)));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > ReceiptRepository.PAGE_SIZE_MAX) {
      errors.add(new FieldError("limit", "must be 1.." + ReceiptRepository.PAGE_SIZE_MAX));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    String afterOrder = after.isEmpty() ? "" : cursor.group(1);
    int afterLine = after.isEmpty() ? 0 : Integer.parseInt(cursor.group(2));
    int pageSize = limit;
    LocalDate listed = day;
    receipts.list(side, day, filter, afterOrder, afterLine, pageSize).onSuccess(lines -> {
      JsonArray items = new JsonArray();
      lines.forEach(line -> items.add(render(line, side)));
      String next = lines.size() == pageSize
          ? OrderJson.lineId(lines.get(lines.size() - 1).orderNo(), lines.get(lines.size() - 1).lineNo())
          : null;
      ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("date", listed.toString()).put("status", statusParam).put("lines", items)
          .put("next_after", next).encode());
    }).onFailure(ctx::fail);
  }

  private void confirm(RoutingContext ctx, PayeeSide side, String numberField) {
    Matcher lineId = LINE_ID.matcher(ctx.pathParam("lineId"));
    if (!lineId.matches()) {
      Problem.of(404, "not-found", "No such line", "no line " + ctx.pathParam("lineId")).send(ctx);
      return;
    }
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    Set<String> fields = side == PayeeSide.TREASURY ? Set.of(numberField, "tax_voucher_no") : Set.of(numberField);
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(f -> !fields.contains(f))
        .forEach(f -> errors.add(new FieldError(f, "is not a field of this request")));
    String number = json.getValue(numberField) instanceof String s ? s : null;
    if (number == null || !NUMBER.matcher(number).matches()) {
      errors.add(new FieldError(numberField, "is required: 1 to 32 of A-Z a-z 0-9 -"));
    }
    String voucher = json.getValue("tax_voucher_no") instanceof String s ? s : null;
    if (json.containsKey("tax_voucher_no") && (voucher == null || !TAX_VOUCHER_NO.matcher(voucher).matches())) {
      errors.add(new FieldError("tax_voucher_no", "must be 1 to 20 alphanumerics"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    String orderNo = lineId.group(1);
    int lineNo = Integer.parseInt(lineId.group(2));
    String by = Security.client(ctx).clientId();
    receipts.confirm(side, orderNo, lineNo, number, voucher, by).onSuccess(outcome -> {
      if (outcome instanceof ReceiptRepository.Done done) {
        LOG.info("event=receipt.confirmed line_id={} side={} by={} repeat={} completed={}",
            ctx.pathParam("lineId"), side, by, done.alreadyConfirmed(), done.orderCompleted());
        ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("line_id", ctx.pathParam("lineId")).put(numberField, number)
                .put("already_confirmed", done.alreadyConfirmed())
                .put("order_completed", done.orderCompleted()).encode());
      } else if (outcome instanceof ReceiptRepository.Conflict conflict) {
        Problem.of(409, "confirmation-conflict", "The line is confirmed differently", conflict.reason()).send(ctx);
      } else if (outcome instanceof ReceiptRepository.OutOfScope) {
        // API clients act for every region; only a console's person is scoped.
        Problem.of(403, "forbidden", "Not allowed", "the line is outside the caller's regions").send(ctx);
      } else {
        ReceiptRepository.NotConfirmable no = (ReceiptRepository.NotConfirmable) outcome;
        Problem.of(no.notFound() ? 404 : 409, no.notFound() ? "not-found" : "not-confirmable",
            no.notFound() ? "No such line" : "The line cannot be confirmed now", no.reason()).send(ctx);
      }
    }).onFailure(ctx::fail);
  }

  private static JsonObject render(ReceiptRepository.ReceiptLine line, PayeeSide side) {
    ItemKind kind = ItemKind.valueOf(line.kind());
    JsonObject json = new JsonObject()
        .put("line_id", OrderJson.lineId(line.orderNo(), line.lineNo()))
        .put("order_no", line.orderNo())
        .put("case_no", line.caseNo())
        .put("region", line.region())
        .put("kind", line.kind())
        .put("kind_name", kind.chineseName())
        .put("amount_fen", line.amountFen())
        .put("payee_account", line.payeeAccountId())
        .put("payer_id_masked", line.payerIdMasked())
        .put("paid_at", line.paidAt().toString())
        .put("confirmed", line.confirmationNo() != null);
    if (side == PayeeSide.TREASURY) {
      json.put("tax_office_code", line.taxOfficeCode())
          .put("tax_voucher_no", line.taxVoucherNo())
          .put("budget_subject_code", line.budgetSubjectCode())
          .put("budget_level", line.budgetLevel())
          .put("treasury_code", line.treasuryCode())
          .put("certificate_no", line.confirmationNo());
    } else {
      json.put("collecting_unit_code", line.collectingUnitCode())
          .put("income_item_code", line.incomeItemCode())
          .put("payment_code", line.paymentCode())
          .put("ebill_no", line.confirmationNo());
    }
    if (line.confirmedAt() != null) {
      json.put("confirmed_at", line.confirmedAt().toString());
    }
    return json;
  }
}
