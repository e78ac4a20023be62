package org.clearing.load.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.load.driver.EngineApi;
import org.clearing.load.driver.Harness;

/**
 * The end of the day: the admin's reconciliation run of the day for every channel, against the
 * sandboxes' bills, which must leave no item unexplained; then the finance bureau's and the tax
 * authority's daily reports, whose totals must be the journal's.
 */
final class DayReconciliation {

  /** Open items listed in the report; the count is always complete. */
  static final int EXCEPTIONS_SHOWN_MAX = 20;
  /** Reads of the journal around a report that may disagree because a settlement ran in between. */
  static final int REPORT_ATTEMPTS_MAX = 5;

  private DayReconciliation() {}

  /** Runs the day for each channel; every item left OPEN is a finding. */
  static JsonObject reconcile(EngineApi api, LocalDate day, List<String> findings, PrintStream out) throws Exception {
    Map<String, Long> itemsByClass = new TreeMap<>();
    JsonObject runs = new JsonObject();
    long openItems = 0;
    long totalMs = 0;
    for (Channel channel : Channel.values()) {
      long startNs = System.nanoTime();
      EngineApi.Answer answer = api.post(Role.ADMIN, "/api/v1/admin/reconciliation/runs",
          new JsonObject().put("date", day.toString()).put("channel", channel.code()), null).get();
      long ms = (System.nanoTime() - startNs) / 1_000_000;
      totalMs += ms;
      if (answer.status() != 200) {
        findings.add("reconciliation of " + channel.code() + " " + day + ": " + answer);
        continue;
      }
      JsonObject run = answer.json();
      JsonObject summary = run.getJsonObject("summary");
      summary.getJsonObject("by_class").forEach(e ->
          itemsByClass.merge(e.getKey(), ((JsonObject) e.getValue()).getLong("items"), Long::sum));
      openItems += run.getLong("open_items");
      runs.put(channel.code(), new JsonObject().put("run_ms", ms).put("items", run.getLong("items"))
          .put("open_items", run.getLong("open_items")).put("auto_booked", run.getLong("auto_booked"))
          .put("bill_lines", summary.getLong("channel_lines")).put("engine_records", summary.getLong("engine_records")));
    }
    JsonArray exceptions = openItems(api, day);
    if (openItems > 0) {
      findings.add("reconciliation left " + openItems + " items unexplained: " + exceptions.encode());
    }
    out.printf("day: reconciliation %s in %d ms | items by class %s | unexplained %d%n", day, totalMs,
        DayScenario.tally(itemsByClass).encode(), openItems);
    if (!exceptions.isEmpty()) {
      out.println("day: exceptions " + exceptions.encode());
    }
    return new JsonObject().put("run_ms", totalMs).put("runs", runs)
        .put("items_by_class", DayScenario.tally(itemsByClass)).put("open_items", openItems)
        .put("exceptions", exceptions);
  }

  /** The exceptions queue as the admin sees it: the day's items still open. */
  private static JsonArray openItems(EngineApi api, LocalDate day) throws Exception {
    EngineApi.Answer answer = api.get(Role.ADMIN, "/api/v1/admin/reconciliation/items?status=open&date=" + day
        + "&limit=" + EXCEPTIONS_SHOWN_MAX).get();
    JsonArray shown = new JsonArray();
    if (answer.status() != 200) {
      return shown.add(new JsonObject().put("error", answer.toString()));
    }
    for (Object o : answer.json().getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      shown.add(new JsonObject().put("channel", item.getString("channel")).put("class", item.getString("class"))
          .put("kind", item.getString("kind")).put("out_trade_no", item.getString("out_trade_no"))
          .put("channel_amount_fen", item.getLong("channel_amount_fen"))
          .put("engine_amount_fen", item.getLong("engine_amount_fen")).put("reason", item.getString("reason")));
    }
    return shown;
  }

  /**
   * The finance report's totals (paid, settled, refunded by the channel, in transit) and the tax
   * report's paid total against the same figures summed from the journal's postings for the orders
   * paid that day. The journal is read before and after each report; if a settlement ran in
   * between, both are read again.
   */
  static JsonObject reportsAgainstJournal(Harness harness, EngineApi api, LocalDate day, List<String> findings,
      PrintStream out) throws Exception {
    for (int attempt = 1; attempt <= REPORT_ATTEMPTS_MAX; attempt++) {
      JsonObject before = journalFigures(harness, day);
      EngineApi.Answer finance = api.get(Role.FINANCE, "/api/v1/finance/reports/daily?date=" + day + "&format=json").get();
      EngineApi.Answer tax = api.get(Role.TAX, "/api/v1/tax/reports/daily?date=" + day + "&format=json").get();
      JsonObject after = journalFigures(harness, day);
      if (!before.equals(after) && attempt < REPORT_ATTEMPTS_MAX) {
        continue;
      }
      if (finance.status() != 200 || tax.status() != 200) {
        findings.add("daily reports: finance " + finance + ", tax " + tax);
        return new JsonObject().put("journal", after);
      }
      JsonObject financeTotal = finance.json().getJsonObject("total");
      JsonObject reports = new JsonObject()
          .put("paid_fen", financeTotal.getLong("paid_fen")).put("settled_fen", financeTotal.getLong("settled_fen"))
          .put("refunded_fen", financeTotal.getLong("refunded_fen"))
          .put("in_transit_fen", financeTotal.getLong("in_transit_fen"))
          .put("tax_paid_fen", tax.json().getJsonObject("total").getLong("paid_fen"));
      for (String figure : reports.fieldNames()) {
        if (!reports.getLong(figure).equals(after.getLong(figure))) {
          findings.add("daily reports: " + figure + " is " + reports.getLong(figure) + " in the report, "
              + after.getLong(figure) + " in the journal");
        }
      }
      out.println("day: reports " + reports.encode() + " | journal " + after.encode());
      return new JsonObject().put("reports", reports).put("journal", after).put("equal", reports.equals(after));
    }
    throw new IllegalStateException("unreachable: the last attempt always returns");
  }

  /**
   * From the postings of the orders paid on {@code day}: what the payee accounts were credited by
   * payments, debited by settlements and by channel refunds, what they still owe, and what the
   * treasury accounts were credited for orders the tax authority can still confirm.
   */
  private static JsonObject journalFigures(Harness harness, LocalDate day) throws Exception {
    OffsetDateTime from = day.atStartOfDay().atOffset(ZoneOffset.ofHours(8));
    try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement("""
        WITH d AS (SELECT order_no, status FROM orders WHERE paid_at >= ? AND paid_at < ?),
        treasury AS (SELECT 'payee:' || account_id AS account FROM payee_account WHERE side = 'TREASURY')
        SELECT coalesce(sum(p.credit_fen) FILTER (WHERE e.kind = 'PAYMENT'), 0),
               coalesce(sum(p.debit_fen) FILTER (WHERE e.kind = 'SETTLEMENT'), 0),
               coalesce(sum(p.debit_fen) FILTER (WHERE e.kind = 'REFUND'), 0),
               coalesce(sum(p.credit_fen - p.debit_fen), 0),
               coalesce(sum(p.credit_fen) FILTER (WHERE e.kind = 'PAYMENT' AND p.account IN (SELECT account FROM treasury)
                 AND d.status IN ('PAID', 'SETTLED', 'COMPLETE')), 0)
        FROM d JOIN journal_entry e ON e.order_no = d.order_no JOIN journal_posting p ON p.entry_id = e.entry_id
        WHERE p.account LIKE 'payee:%'
        """)) {
      q.setObject(1, from);
      q.setObject(2, from.plusDays(1));
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return new JsonObject().put("paid_fen", rs.getLong(1)).put("settled_fen", rs.getLong(2))
            .put("refunded_fen", rs.getLong(3)).put("in_transit_fen", rs.getLong(4)).put("tax_paid_fen", rs.getLong(5));
      }
    }
  }
}
