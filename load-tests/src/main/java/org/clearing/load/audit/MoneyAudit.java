package org.clearing.load.audit;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.load.driver.SystemUnderTest;
import org.clearing.load.scenario.PayScenario;

/**
 * After every run: the channels' truth (what each sandbox says was paid) against the engine's
 * books. Every order the driver created is paid (PAID, or SETTLED/COMPLETE once the settlement job
 * has read the day's bill) exactly when its channel took the money, and OPEN otherwise; each paid order has its payment recorded once and booked once for its total; the
 * journal balances, entry by entry and in all; per channel the sandboxes' count and sum equal the
 * engine's; and the engine's own invariants hold. Any finding fails the run.
 */
public final class MoneyAudit {

  /** The audit's verdict; {@code findings} is empty when clean. */
  public record Verdict(List<String> findings, Map<Channel, long[]> sandboxPaid, Map<Channel, long[]> enginePaid,
      long ordersAudited) {
    public boolean clean() {
      return findings.isEmpty();
    }

    public JsonObject json() {
      JsonObject channels = new JsonObject();
      sandboxPaid.forEach((c, v) -> channels.put(c.code(), new JsonObject()
          .put("sandbox_count", v[0]).put("sandbox_fen", v[1])
          .put("engine_count", enginePaid.get(c)[0]).put("engine_fen", enginePaid.get(c)[1])));
      return new JsonObject().put("clean", clean()).put("orders_audited", ordersAudited)
          .put("channels", channels).put("findings", new io.vertx.core.json.JsonArray(findings));
    }
  }

  private static final int FINDINGS_SHOWN_MAX = 20;
  /** A paid order may have moved on: its legs settled from the day's bill, or complete. */
  private static final java.util.Set<String> PAID_STATES = java.util.Set.of("PAID", "SETTLED", "COMPLETE");

  private MoneyAudit() {}

  public static Verdict run(SystemUnderTest harness, List<PayScenario.Story> stories) throws Exception {
    List<String> findings = new ArrayList<>();
    Map<String, Boolean> sandboxSaysPaid = sandboxTruth(harness, stories, findings);
    Map<Channel, long[]> sandboxPaid = new EnumMap<>(Channel.class);
    Map<Channel, long[]> enginePaid = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      sandboxPaid.put(channel, new long[2]);
      enginePaid.put(channel, new long[2]);
    }
    try (Connection db = harness.jdbc()) {
      Map<String, String> status = new HashMap<>();
      Map<String, long[]> inbox = new HashMap<>();
      Map<String, long[]> journal = new HashMap<>();
      String[] orderNos = stories.stream().map(PayScenario.Story::orderNo).toArray(String[]::new);
      query(db, "SELECT order_no, status FROM orders WHERE order_no = ANY(?)", orderNos,
          rs -> status.put(rs.getString(1), rs.getString(2)));
      query(db, "SELECT order_no, count(*) FILTER (WHERE outcome = 'APPLIED'), count(*),"
          + " coalesce(sum(amount_fen) FILTER (WHERE outcome = 'APPLIED'), 0)"
          + " FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = ANY(?) GROUP BY order_no", orderNos,
          rs -> inbox.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)}));
      query(db, "SELECT e.order_no, count(DISTINCT e.entry_id), coalesce(sum(p.debit_fen), 0)"
          + " FROM journal_entry e JOIN journal_posting p USING (entry_id)"
          + " WHERE e.kind = 'PAYMENT' AND e.order_no = ANY(?) GROUP BY e.order_no", orderNos,
          rs -> journal.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)}));
      for (PayScenario.Story story : stories) {
        boolean paid = sandboxSaysPaid.getOrDefault(story.orderNo(), false);
        if (story.payStatus() == 200 && !paid) {
          findings.add(story.outTradeNo() + ": the sandbox confirmed the payment but has no record of it");
        }
        if (paid) {
          sandboxPaid.get(story.channel())[0]++;
          sandboxPaid.get(story.channel())[1] += story.totalFen();
        }
        String engineStatus = status.get(story.orderNo());
        long[] in = inbox.getOrDefault(story.orderNo(), new long[3]);
        long[] booked = journal.getOrDefault(story.orderNo(), new long[2]);
        if (engineStatus == null) {
          findings.add(story.orderNo() + ": created but unknown to the engine");
          continue;
        }
        boolean enginePaidIt = PAID_STATES.contains(engineStatus);
        if (enginePaidIt) {
          enginePaid.get(story.channel())[0]++;
          enginePaid.get(story.channel())[1] += in[2];
        }
        if (paid != enginePaidIt || (!paid && !"OPEN".equals(engineStatus))) {
          findings.add(story.orderNo() + " (" + story.channel().code() + "): " + engineStatus + ", the channel says "
              + (paid ? "paid (lost)" : "not paid"));
        }
        if (paid && (in[0] != 1 || in[2] != story.totalFen())) {
          findings.add(story.orderNo() + ": " + in[0] + " applied payments for " + in[2] + " fen, not 1 for " + story.totalFen());
        }
        if (in[1] != in[0]) {
          findings.add(story.orderNo() + ": " + (in[1] - in[0]) + " payments recorded but not applied (duplicates?)");
        }
        if (booked[0] != (paid ? 1 : 0) || booked[1] != (paid ? story.totalFen() : 0)) {
          findings.add(story.orderNo() + ": " + booked[0] + " payment entries debiting " + booked[1] + " fen");
        }
      }
    }
    for (Channel channel : Channel.values()) {
      long[] s = sandboxPaid.get(channel);
      long[] e = enginePaid.get(channel);
      if (s[0] != e[0] || s[1] != e[1]) {
        findings.add(channel.code() + ": the sandbox holds " + s[0] + " payments for " + s[1]
            + " fen, the engine " + e[0] + " for " + e[1] + " fen");
      }
    }
    journalAndInvariants(harness, findings);
    List<String> shown = findings.size() <= FINDINGS_SHOWN_MAX ? findings
        : new ArrayList<>(findings.subList(0, FINDINGS_SHOWN_MAX));
    if (findings.size() > FINDINGS_SHOWN_MAX) {
      shown.add("... and " + (findings.size() - FINDINGS_SHOWN_MAX) + " more");
    }
    return new Verdict(shown, sandboxPaid, enginePaid, stories.size());
  }

  /**
   * What every audit ends with: the journal balances entry by entry and in all, its balances can be
   * read, and the engine's own invariants hold.
   */
  public static void journalAndInvariants(SystemUnderTest harness, List<String> findings) throws Exception {
    try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT (SELECT coalesce(sum(debit_fen) - sum(credit_fen), 0) FROM journal_posting),"
            + " (SELECT count(*) FROM (SELECT entry_id FROM journal_posting GROUP BY entry_id"
            + "   HAVING sum(debit_fen) <> sum(credit_fen)) x)");
        ResultSet rs = q.executeQuery()) {
      rs.next();
      if (rs.getLong(1) != 0 || rs.getLong(2) != 0) {
        findings.add("journal unbalanced: debits - credits = " + rs.getLong(1) + ", unbalanced entries " + rs.getLong(2));
      }
    }
    HttpResponse<String> invariants = harness.signedGet("admin", "/api/v1/admin/invariants");
    if (invariants.statusCode() != 200 || !new JsonObject(invariants.body()).getBoolean("ok", false)) {
      findings.add("invariants: " + invariants.statusCode() + " " + invariants.body());
    }
    HttpResponse<String> balances = harness.signedGet("admin", "/api/v1/journal/balances");
    if (balances.statusCode() != 200) {
      findings.add("journal balances: " + balances.statusCode() + " " + balances.body());
    }
  }

  /** Asks each sandbox, order by order, whether it took the money (its own record, not ours). */
  private static Map<String, Boolean> sandboxTruth(SystemUnderTest harness, List<PayScenario.Story> stories,
      List<String> findings) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      Map<String, Future<Boolean>> answers = new HashMap<>();
      for (PayScenario.Story story : stories) {
        answers.put(story.orderNo(), pool.submit(() -> paidAtSandbox(harness, story)));
      }
      Map<String, Boolean> truth = new HashMap<>();
      for (PayScenario.Story story : stories) {
        try {
          truth.put(story.orderNo(), answers.get(story.orderNo()).get());
        } catch (java.util.concurrent.ExecutionException e) {
          findings.add(story.outTradeNo() + ": sandbox record unreadable: " + e.getCause().getMessage());
        }
      }
      return truth;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Whether {@code story}'s sandbox says its order was paid (and for its total; anything else throws). */
  public static boolean paidAtSandbox(SystemUnderTest harness, PayScenario.Story story) throws Exception {
    String path = switch (story.channel()) {
      case WECHAT -> "/sandbox/splits/";
      case ALIPAY -> "/sandbox/trades/";
      case UNIONPAY -> "/sandbox/orders/";
    } + story.outTradeNo();
    HttpResponse<String> answer = harness.sandboxGet(story.channel(), path);
    if (answer.statusCode() == 404) {
      return false;
    }
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(answer.statusCode() + " " + answer.body());
    }
    JsonObject record = new JsonObject(answer.body());
    long paidFen = switch (story.channel()) {
      case WECHAT -> "SUCCESS".equals(record.getString("state"))
          ? record.getJsonArray("receivers").stream().mapToLong(r -> ((JsonObject) r).getLong("paid_fen")).sum() : 0;
      case ALIPAY -> record.getString("trade_status", "").matches("TRADE_SUCCESS|TRADE_FINISHED")
          ? Money.parseYuan(record.getString("total_amount")).fen() : 0;
      case UNIONPAY -> record.getString("queryId") != null ? record.getLong("txnAmtFen") : 0;
    };
    if (paidFen != 0 && paidFen != story.totalFen()) {
      throw new IllegalStateException("the sandbox took " + paidFen + " fen for an order of " + story.totalFen());
    }
    return paidFen != 0;
  }

  /** Runs {@code sql} with the order numbers as its one array parameter. */
  static void query(Connection db, String sql, String[] orderNos, RowConsumer each) throws Exception {
    try (PreparedStatement q = db.prepareStatement(sql)) {
      q.setArray(1, db.createArrayOf("text", orderNos));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          each.accept(rs);
        }
      }
    }
  }

  interface RowConsumer {
    void accept(ResultSet row) throws Exception;
  }
}
