package org.clearing.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.clearing.order.Order;
import org.clearing.order.OrderLine;
import org.clearing.routing.RoutingTable;
import org.clearing.split.Leg;

/** The JSON shape of an order in the API; amounts are integer fen. */
final class OrderJson {

  private OrderJson() {}

  static JsonObject render(Order order, RoutingTable routing, String publicBaseUrl) {
    JsonArray lines = new JsonArray();
    for (OrderLine line : order.lines()) {
      JsonObject json = new JsonObject()
          .put("line_id", lineId(order.orderNo(), line.lineNo()))
          .put("line_no", line.lineNo())
          .put("kind", line.kind().name())
          .put("kind_name", line.kind().chineseName())
          .put("amount_fen", line.amount().fen())
          .put("payee_account", line.payeeAccountId())
          .put("side", line.side().name());
      putIfPresent(json, "tax_office_code", line.taxOfficeCode());
      putIfPresent(json, "tax_voucher_no", line.taxVoucherNo());
      putIfPresent(json, "budget_subject_code", line.budgetSubjectCode());
      putIfPresent(json, "budget_level", line.budgetLevel());
      putIfPresent(json, "treasury_code", line.treasuryCode());
      putIfPresent(json, "collecting_unit_code", line.collectingUnitCode());
      putIfPresent(json, "income_item_code", line.incomeItemCode());
      putIfPresent(json, "payment_code", line.paymentCode());
      lines.add(json);
    }
    JsonArray legs = new JsonArray();
    for (Leg leg : order.legs()) {
      JsonObject json = new JsonObject()
          .put("leg_no", leg.legNo())
          .put("payee_account", leg.payeeAccountId())
          .put("amount_fen", leg.amount().fen())
          .put("status", leg.status().name());
      routing.account(leg.payeeAccountId()).ifPresent(account -> json
          .put("payee_name", account.name())
          .put("payee_side", account.side().name()));
      legs.add(json);
    }
    String qrUrl = publicBaseUrl + "/q/" + order.qrToken();
    return new JsonObject()
        .put("order_no", order.orderNo())
        .put("case_no", order.caseNo())
        .put("region", order.region())
        .put("status", order.status().name())
        .put("total_fen", order.total().fen())
        .put("payer", new JsonObject()
            .put("name", order.payerName())
            .put("id_no_masked", order.payerIdMasked()))
        .put("lines", lines)
        .put("legs", legs)
        .put("created_at", order.createdAt().toString())
        .put("expires_at", order.expiresAt().toString())
        .put("qr", new JsonObject()
            .put("url", qrUrl)
            .put("png_url", qrUrl + "/qr.png")
            .put("svg_url", qrUrl + "/qr.svg"));
  }

  /** A line's id: its order number and line number, which together are its primary key. */
  static String lineId(String orderNo, int lineNo) {
    return orderNo + "-" + lineNo;
  }

  private static void putIfPresent(JsonObject json, String name, String value) {
    if (value != null) {
      json.put(name, value);
    }
  }
}
