package org.clearing.load.audit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.clearing.load.driver.OpenLoopDriver;

/**
 * After an order-creation run: every order the engine answered 201 for is stored once, OPEN,
 * with the lines of its request, legs that add up to its total, and nothing booked; a request the
 * driver never sent (its in-flight bound) left nothing behind; a request whose answer was lost may
 * or may not have created its order, but if it did, the order is whole.
 */
public final class CreateAudit {

  /** The verdict; clean when {@code findings} is empty. */
  public record Verdict(List<String> findings, long created, long absent, long unknownOutcome) {
    public boolean clean() {
      return findings.isEmpty();
    }

    public JsonObject json() {
      return new JsonObject().put("clean", clean()).put("orders_created", created)
          .put("requests_not_sent_and_absent", absent).put("answers_lost", unknownOutcome)
          .put("findings", new JsonArray(findings));
    }
  }

  private record Stored(String status, long totalFen, long lineCount, long lineFen, long legFen, long journalEntries) {}

  private static final int FINDINGS_SHOWN_MAX = 20;
  private static final String STORED = """
      SELECT o.idempotency_key, o.status, o.total_fen,
             (SELECT count(*) FROM order_line l WHERE l.order_no = o.order_no),
             (SELECT coalesce(sum(l.amount_fen), 0) FROM order_line l WHERE l.order_no = o.order_no),
             (SELECT coalesce(sum(g.amount_fen), 0) FROM leg g WHERE g.order_no = o.order_no),
             (SELECT count(*) FROM journal_entry e WHERE e.order_no = o.order_no)
      FROM orders o WHERE o.idempotency_key = ANY(?)
      """;

  private CreateAudit() {}

  public static Verdict run(Connection db, List<OpenLoopDriver.PreparedRequest> requests, int[] statuses)
      throws Exception {
    String[] keys = requests.stream().map(r -> r.headers().get("Idempotency-Key")).toArray(String[]::new);
    Map<String, List<Stored>> stored = new HashMap<>();
    try (PreparedStatement query = db.prepareStatement(STORED)) {
      query.setArray(1, db.createArrayOf("text", keys));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          stored.computeIfAbsent(rows.getString(1), k -> new ArrayList<>()).add(new Stored(rows.getString(2),
              rows.getLong(3), rows.getLong(4), rows.getLong(5), rows.getLong(6), rows.getLong(7)));
        }
      }
    }
    List<String> findings = new ArrayList<>();
    long created = 0;
    long absent = 0;
    long unknown = 0;
    for (int i = 0; i < requests.size(); i++) {
      List<Stored> orders = stored.getOrDefault(keys[i], List.of());
      int status = statuses[i];
      if (orders.size() > 1) {
        add(findings, keys[i] + ": " + orders.size() + " orders under one idempotency key");
        continue;
      }
      if (status == 201) {
        created++;
        if (orders.isEmpty()) {
          add(findings, keys[i] + ": answered 201 but no order is stored");
          continue;
        }
      } else if (status == 0) {
        absent++;
        if (!orders.isEmpty()) {
          add(findings, keys[i] + ": never sent, yet an order is stored");
        }
        continue;
      } else {
        unknown++;
        if (orders.isEmpty()) {
          continue;
        }
      }
      check(findings, keys[i], orders.get(0), requests.get(i));
    }
    return new Verdict(findings, created, absent, unknown);
  }

  private static void check(List<String> findings, String key, Stored order, OpenLoopDriver.PreparedRequest request) {
    JsonArray lines = new JsonObject(request.body()).getJsonArray("lines");
    long requestedFen = 0;
    for (Object line : lines) {
      requestedFen += ((JsonObject) line).getLong("amount_fen");
    }
    if (!"OPEN".equals(order.status()) && !"EXPIRED".equals(order.status())) {
      add(findings, key + ": stored " + order.status() + ", but nobody paid or cancelled it");
    }
    if (order.lineCount() != lines.size() || order.lineFen() != requestedFen || order.totalFen() != requestedFen) {
      add(findings, key + ": asked " + lines.size() + " lines for " + requestedFen + " fen, stored "
          + order.lineCount() + " lines for " + order.lineFen() + " fen, total " + order.totalFen());
    }
    if (order.legFen() != order.totalFen()) {
      add(findings, key + ": legs add up to " + order.legFen() + " fen, the total is " + order.totalFen());
    }
    if (order.journalEntries() != 0) {
      add(findings, key + ": " + order.journalEntries() + " journal entries for an order nobody paid");
    }
  }

  private static void add(List<String> findings, String finding) {
    if (findings.size() < FINDINGS_SHOWN_MAX) {
      findings.add(finding);
    } else if (findings.size() == FINDINGS_SHOWN_MAX) {
      findings.add("... more findings not shown");
    }
  }
}
