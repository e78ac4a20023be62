package org.clearing.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The tax authority's daily report: per tax type (a line kind routed to a treasury account) and tax
 * office, the lines paid on a business day (Beijing time) and how many of them the authority has
 * confirmed with a certificate number. It counts exactly the lines the receipts endpoint lists for
 * the day ({@code GET /api/v1/tax/receipts?status=all|confirmed|unconfirmed}), so the two agree.
 */
public record TaxReport(LocalDate businessDate, Instant generatedAt, List<Row> rows) {

  /** One tax type at one tax office. */
  public record Row(
      String kind,
      String taxOfficeCode,
      long paidCount,
      long paidFen,
      long confirmedCount,
      long confirmedFen,
      long unconfirmedCount,
      long unconfirmedFen) {

    Row plus(Row other) {
      return new Row("ALL", "ALL", Math.addExact(paidCount, other.paidCount),
          Math.addExact(paidFen, other.paidFen), Math.addExact(confirmedCount, other.confirmedCount),
          Math.addExact(confirmedFen, other.confirmedFen), Math.addExact(unconfirmedCount, other.unconfirmedCount),
          Math.addExact(unconfirmedFen, other.unconfirmedFen));
    }
  }

  static final List<String> CSV_HEADER = List.of(
      "business_date", "kind", "kind_name", "tax_office_code", "paid_count", "paid_fen", "paid_yuan",
      "confirmed_count", "confirmed_fen", "confirmed_yuan", "unconfirmed_count", "unconfirmed_fen",
      "unconfirmed_yuan");

  public Row total() {
    Row total = new Row("ALL", "ALL", 0, 0, 0, 0, 0, 0);
    for (Row row : rows) {
      total = total.plus(row);
    }
    return total;
  }

  public byte[] json() {
    JsonArray list = new JsonArray();
    rows.forEach(r -> list.add(figures(new JsonObject().put("kind", r.kind())
        .put("kind_name", FinanceReport.kindName(r.kind())).put("tax_office_code", r.taxOfficeCode()), r)));
    return new JsonObject()
        .put("report", "tax-daily")
        .put("business_date", businessDate.toString())
        .put("time_zone", "+08:00")
        .put("generated_at", generatedAt.toString())
        .put("rows", list)
        .put("total", figures(new JsonObject(), total()))
        .encode().getBytes(StandardCharsets.UTF_8);
  }

  List<List<Object>> table() {
    List<List<Object>> table = new ArrayList<>();
    table.add(List.copyOf(CSV_HEADER));
    for (Row r : rows) {
      table.add(List.of(businessDate.toString(), r.kind(), FinanceReport.kindName(r.kind()), r.taxOfficeCode(),
          r.paidCount(), r.paidFen(), new Amounts.Yuan(r.paidFen()),
          r.confirmedCount(), r.confirmedFen(), new Amounts.Yuan(r.confirmedFen()),
          r.unconfirmedCount(), r.unconfirmedFen(), new Amounts.Yuan(r.unconfirmedFen())));
    }
    return table;
  }

  public byte[] csv() {
    return Csv.of(table());
  }

  public byte[] xlsx() {
    return Xlsx.workbook("tax " + businessDate, table());
  }

  private static JsonObject figures(JsonObject json, Row r) {
    return json
        .put("paid_count", r.paidCount()).put("paid_fen", r.paidFen()).put("paid_yuan", Amounts.yuan(r.paidFen()))
        .put("confirmed_count", r.confirmedCount()).put("confirmed_fen", r.confirmedFen())
        .put("confirmed_yuan", Amounts.yuan(r.confirmedFen()))
        .put("unconfirmed_count", r.unconfirmedCount()).put("unconfirmed_fen", r.unconfirmedFen())
        .put("unconfirmed_yuan", Amounts.yuan(r.unconfirmedFen()));
  }
}
