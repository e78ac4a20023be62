package org.clearing.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clearing.routing.ItemKind;

/**
 * The finance bureau's daily report: for the orders paid on a business day (Beijing time), per
 * payee account and item kind, what was paid and where that money is now — settled into the
 * account, still in transit at the channel, or given back by the channel — with exceptions, the
 * reconciliation items still open for the day, and the day's last journal seal.
 *
 * <p>Per line, {@code paidFen = settledFen + inTransitFen + refundedFen} exactly, so per account
 * the three sum to what the journal credited the account ({@code payee:<account>}) for the day's
 * payments; {@code authorityRefundedFen} is money the authority paid back after it had arrived
 * (already counted as settled). {@code settlement} is, per payee account and channel, what the
 * channel settled against what the engine expects, from the day's reconciliation runs.
 */
public record FinanceReport(
    LocalDate businessDate,
    Instant generatedAt,
    List<Row> rows,
    ReconItems reconItems,
    Optional<SealReference> lastSeal,
    List<SettlementReport.Line> settlement) {

  /** A report without the per-account settlement comparison (no reconciled run for the day). */
  public FinanceReport(LocalDate businessDate, Instant generatedAt, List<Row> rows, ReconItems reconItems,
      Optional<SealReference> lastSeal) {
    this(businessDate, generatedAt, rows, reconItems, lastSeal, List.of());
  }

  /** One payee account and item kind. */
  public record Row(
      String payeeAccountId,
      String payeeAccountName,
      String side,
      String kind,
      long paidCount,
      long paidFen,
      long settledFen,
      long inTransitFen,
      long refundedFen,
      long authorityRefundedFen,
      long exceptionCount,
      long exceptionFen) {

    Row plus(Row other) {
      return new Row(payeeAccountId, payeeAccountName, side, "ALL",
          Math.addExact(paidCount, other.paidCount), Math.addExact(paidFen, other.paidFen),
          Math.addExact(settledFen, other.settledFen), Math.addExact(inTransitFen, other.inTransitFen),
          Math.addExact(refundedFen, other.refundedFen),
          Math.addExact(authorityRefundedFen, other.authorityRefundedFen),
          Math.addExact(exceptionCount, other.exceptionCount), Math.addExact(exceptionFen, other.exceptionFen));
    }

    static Row zero(String payeeAccountId, String payeeAccountName, String side) {
      return new Row(payeeAccountId, payeeAccountName, side, "ALL", 0, 0, 0, 0, 0, 0, 0, 0);
    }
  }

  /**
   * Reconciliation items still open for the day, per channel. {@code available} is false where the
   * daily run's tables do not exist (an engine without reconciliation): the count is then zero by
   * absence, not by agreement.
   */
  public record ReconItems(boolean available, Map<String, Long> openByChannel) {
    public long openCount() {
      return openByChannel.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  static final List<String> CSV_HEADER = List.of(
      "business_date", "payee_account_id", "payee_account_name", "side", "kind", "kind_name",
      "paid_count", "paid_fen", "paid_yuan", "settled_fen", "settled_yuan", "in_transit_fen",
      "in_transit_yuan", "refunded_fen", "refunded_yuan", "authority_refunded_fen",
      "authority_refunded_yuan", "exception_count", "exception_fen", "exception_yuan");
  static final List<String> CSV_FOOTER_HEADER = List.of(
      "business_date", "generated_at", "open_recon_items", "recon_available", "last_seal_no",
      "last_seal_hex", "last_seal_created_at");

  /**
   * The report of {@code payeeAccountIds} only: their rows and settlement lines; the day's facts
   * (open items per channel, last seal) as they are. What a person scoped to some regions receives.
   */
  public FinanceReport onlyAccounts(java.util.Set<String> payeeAccountIds) {
    return new FinanceReport(businessDate, generatedAt,
        rows.stream().filter(r -> payeeAccountIds.contains(r.payeeAccountId())).toList(), reconItems, lastSeal,
        settlement.stream().filter(l -> payeeAccountIds.contains(l.figures().payeeAccountId())).toList());
  }

  /** The totals per payee account, in account order. */
  public Map<String, Row> totalsByAccount() {
    Map<String, Row> totals = new LinkedHashMap<>();
    for (Row row : rows) {
      totals.merge(row.payeeAccountId(), row.plus(Row.zero(row.payeeAccountId(), row.payeeAccountName(),
          row.side())), Row::plus);
    }
    return totals;
  }

  public byte[] json() {
    JsonArray accounts = new JsonArray();
    Row all = Row.zero("ALL", "", "");
    for (Row total : totalsByAccount().values()) {
      JsonArray kinds = new JsonArray();
      rows.stream().filter(r -> r.payeeAccountId().equals(total.payeeAccountId()))
          .forEach(r -> kinds.add(figures(r).put("kind", r.kind()).put("kind_name", kindName(r.kind()))));
      accounts.add(new JsonObject()
          .put("payee_account_id", total.payeeAccountId())
          .put("payee_account_name", total.payeeAccountName())
          .put("side", total.side())
          .put("kinds", kinds)
          .put("total", figures(total)));
      all = all.plus(total);
    }
    JsonObject recon = new JsonObject().put("available", reconItems.available())
        .put("open_count", reconItems.openCount()).put("open_by_channel", new JsonObject(
            new LinkedHashMap<>(reconItems.openByChannel())));
    JsonObject seal = lastSeal.map(s -> new JsonObject().put("seal_no", s.sealNo())
        .put("seal_hex", s.sealHex()).put("last_created_at", s.lastCreatedAt().toString())).orElse(null);
    return new JsonObject()
        .put("report", "finance-daily")
        .put("business_date", businessDate.toString())
        .put("time_zone", "+08:00")
        .put("generated_at", generatedAt.toString())
        .put("accounts", accounts)
        .put("total", figures(all))
        .put("open_recon_items", recon)
        .put("last_seal", seal)
        .put("settlement", settlementJson())
        .encode().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One table of account × kind rows, a blank row, then one row of the day's facts (generation
   * time, open reconciliation items, last seal) under its own header — the CSV and the XLSX sheet.
   */
  List<List<Object>> table() {
    List<List<Object>> table = new ArrayList<>();
    table.add(List.copyOf(CSV_HEADER));
    for (Row r : rows) {
      List<Object> fields = new ArrayList<>(List.of(businessDate.toString(), r.payeeAccountId(),
          r.payeeAccountName(), r.side(), r.kind(), kindName(r.kind()), r.paidCount()));
      for (long fen : new long[] {r.paidFen(), r.settledFen(), r.inTransitFen(), r.refundedFen(),
          r.authorityRefundedFen()}) {
        fields.add(fen);
        fields.add(new Amounts.Yuan(fen));
      }
      fields.add(r.exceptionCount());
      fields.add(r.exceptionFen());
      fields.add(new Amounts.Yuan(r.exceptionFen()));
      table.add(fields);
    }
    table.add(List.of());
    table.add(List.copyOf(CSV_FOOTER_HEADER));
    table.add(java.util.Arrays.asList(businessDate.toString(), generatedAt.toString(), reconItems.openCount(),
        Boolean.toString(reconItems.available()), lastSeal.map(SealReference::sealNo).orElse(null),
        lastSeal.map(SealReference::sealHex).orElse(null),
        lastSeal.map(s -> s.lastCreatedAt().toString()).orElse(null)));
    if (!settlement.isEmpty()) {
      // After the day's facts: per payee account and channel, settled against expected.
      table.add(List.of());
      table.add(List.copyOf(SettlementReport.TABLE_HEADER));
      settlement.forEach(line -> table.add(SettlementReport.tableRow(line)));
    }
    return table;
  }

  private JsonArray settlementJson() {
    JsonArray lines = new JsonArray();
    settlement.forEach(line -> lines.add(SettlementReport.json(line)));
    return lines;
  }

  public byte[] csv() {
    return Csv.of(table());
  }

  public byte[] xlsx() {
    return Xlsx.workbook("finance " + businessDate, table());
  }

  private static JsonObject figures(Row r) {
    return new JsonObject()
        .put("paid_count", r.paidCount())
        .put("paid_fen", r.paidFen()).put("paid_yuan", Amounts.yuan(r.paidFen()))
        .put("settled_fen", r.settledFen()).put("settled_yuan", Amounts.yuan(r.settledFen()))
        .put("in_transit_fen", r.inTransitFen()).put("in_transit_yuan", Amounts.yuan(r.inTransitFen()))
        .put("refunded_fen", r.refundedFen()).put("refunded_yuan", Amounts.yuan(r.refundedFen()))
        .put("authority_refunded_fen", r.authorityRefundedFen())
        .put("authority_refunded_yuan", Amounts.yuan(r.authorityRefundedFen()))
        .put("exception_count", r.exceptionCount())
        .put("exception_fen", r.exceptionFen()).put("exception_yuan", Amounts.yuan(r.exceptionFen()));
  }

  static String kindName(String kind) {
    return ItemKind.parse(kind).map(ItemKind::chineseName).orElse("");
  }
}
