package org.clearing.load.audit;

import io.vertx.core.json.JsonArray;
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
import org.clearing.load.driver.Harness;
import org.clearing.load.scenario.DayOrder;

/**
 * The day's audit: the channels' truth (what each sandbox says it took and gave back, per order)
 * against the engine's books. Every order is in the state its story says (paid, refunded whole or
 * by a line, cancelled, expired, open); every channel transaction is booked once, the order's own
 * payment as a payment and a second one as a duplicate that was given back; every refund reached
 * its final status for the right amount; per channel the sandboxes' money in and out equals the
 * engine's; the journal balances; the engine's invariants hold. Any finding fails the day.
 */
public final class DayAudit {

  /** The verdict; {@code findings} is empty when clean. */
  public record Verdict(List<String> findings, Map<Channel, long[]> sandbox, Map<Channel, long[]> engine) {
    public boolean clean() {
      return findings.isEmpty();
    }

    /** Per channel: money in (payments taken) and out (given back), at the sandbox and in the engine. */
    public JsonObject json() {
      JsonObject channels = new JsonObject();
      sandbox.forEach((c, s) -> channels.put(c.code(), new JsonObject()
          .put("sandbox_paid_fen", s[0]).put("sandbox_refunded_fen", s[1])
          .put("engine_paid_fen", engine.get(c)[0]).put("engine_refunded_fen", engine.get(c)[1])));
      return new JsonObject().put("clean", clean()).put("channels", channels).put("findings", new JsonArray(findings));
    }
  }

  /** What the engine's tables say of one order. */
  private static final class Books {
    String status;
    final List<String[]> inbox = new ArrayList<>();
    final Map<String, long[]> entries = new HashMap<>();
    final List<String[]> refunds = new ArrayList<>();
    final List<String[]> duplicateRefunds = new ArrayList<>();
  }

  static final int FINDINGS_SHOWN_MAX = 30;

  private DayAudit() {}

  /** Audits the day's orders; {@code earlier} are findings of the day before its audit (kept first). */
  public static Verdict run(Harness harness, List<DayOrder> orders, List<String> earlier) throws Exception {
    List<String> findings = new ArrayList<>(earlier);
    Map<String, Map<Channel, long[]>> truth = sandboxTruth(harness, orders, findings);
    Map<String, Books> books = books(harness, orders);
    Map<Channel, long[]> sandbox = new EnumMap<>(Channel.class);
    Map<Channel, long[]> engine = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      sandbox.put(channel, new long[2]);
      engine.put(channel, new long[2]);
    }
    for (DayOrder order : orders) {
      Books b = books.getOrDefault(order.orderNo(), new Books());
      Map<Channel, long[]> atChannels = truth.getOrDefault(order.orderNo(), Map.of());
      atChannels.forEach((c, v) -> {
        sandbox.get(c)[0] += v[0];
        sandbox.get(c)[1] += v[1];
      });
      money(b, engine);
      auditOrder(order, b, atChannels, findings);
    }
    for (Channel channel : Channel.values()) {
      long[] s = sandbox.get(channel);
      long[] e = engine.get(channel);
      if (s[0] != e[0] || s[1] != e[1]) {
        findings.add(channel.code() + ": the sandbox took " + s[0] + " fen and gave back " + s[1]
            + ", the engine booked " + e[0] + " and gave back " + e[1]);
      }
    }
    MoneyAudit.journalAndInvariants(harness, findings);
    List<String> shown = findings.size() <= FINDINGS_SHOWN_MAX ? findings
        : new ArrayList<>(findings.subList(0, FINDINGS_SHOWN_MAX));
    if (findings.size() > FINDINGS_SHOWN_MAX) {
      shown.add("... and " + (findings.size() - FINDINGS_SHOWN_MAX) + " more");
    }
    return new Verdict(shown, sandbox, engine);
  }

  /** The engine's money per channel: payments recorded in, channel and duplicate refunds succeeded out. */
  private static void money(Books b, Map<Channel, long[]> engine) {
    for (String[] row : b.inbox) {
      if (row[1].equals("APPLIED") || row[1].equals("NOT_PAYABLE")) {
        engine.get(Channel.fromCode(row[0]).orElseThrow())[0] += Long.parseLong(row[2]);
      }
    }
    for (String[] refund : b.refunds) {
      if (refund[0].equals("CHANNEL") && refund[1].equals("SUCCEEDED")) {
        engine.get(Channel.fromCode(refund[4]).orElseThrow())[1] += Long.parseLong(refund[2]);
      }
    }
    for (String[] refund : b.duplicateRefunds) {
      if (refund[1].equals("SUCCEEDED")) {
        engine.get(Channel.fromCode(refund[0]).orElseThrow())[1] += Long.parseLong(refund[2]);
      }
    }
  }

  private static void auditOrder(DayOrder order, Books b, Map<Channel, long[]> atChannels, List<String> findings) {
    String who = order.orderNo() + " (" + order.story() + " at " + order.channels() + ")";
    if (b.status == null) {
      findings.add(who + ": unknown to the engine");
      return;
    }
    if (!order.story().endStatuses().contains(b.status)) {
      findings.add(who + ": " + b.status + ", the story ends in " + order.story().endStatuses());
    }
    long channelsPaid = atChannels.values().stream().filter(v -> v[0] > 0).count();
    long expectedPaid = order.story().paid() ? order.channels().size() : 0;
    if (channelsPaid != expectedPaid) {
      findings.add(who + ": paid at " + channelsPaid + " channels by the sandboxes' records, the story says " + expectedPaid);
    }
    atChannels.forEach((c, v) -> {
      if (v[0] != 0 && v[0] != order.totalFen()) {
        findings.add(who + ": " + c.code() + " took " + v[0] + " fen of an order of " + order.totalFen());
      }
    });
    long applied = b.inbox.stream().filter(r -> r[1].equals("APPLIED")).count();
    long duplicates = b.inbox.stream().filter(r -> r[1].equals("NOT_PAYABLE")).count();
    long expectedDuplicates = order.story() == DayOrder.Story.PAID_TWICE ? 1 : 0;
    if (applied != (order.story().paid() ? 1 : 0) || duplicates != expectedDuplicates
        || b.inbox.size() != applied + duplicates
        || b.inbox.stream().anyMatch(r -> Long.parseLong(r[2]) != order.totalFen())) {
      findings.add(who + ": payments recorded " + rows(b.inbox) + "; expected " + (order.story().paid() ? 1 : 0)
          + " applied and " + expectedDuplicates + " not payable, each of " + order.totalFen() + " fen");
    }
    entries(order, b, who, applied, duplicates, findings);
    duplicateRefunds(order, b, who, duplicates, findings);
    refunds(order, b, who, findings);
  }

  /** One journal entry per booked transaction: the payment, a duplicate and its refund, channel refunds. */
  private static void entries(DayOrder order, Books b, String who, long applied, long duplicates, List<String> findings) {
    long channelRefunds = b.refunds.stream().filter(r -> r[0].equals("CHANNEL") && r[1].equals("SUCCEEDED")).count();
    Map<String, Long> expected = Map.of("PAYMENT", applied, "DUPLICATE_PAYMENT", duplicates,
        "DUPLICATE_REFUND", duplicates, "REFUND", channelRefunds);
    expected.forEach((kind, count) -> {
      long[] found = b.entries.getOrDefault(kind, new long[2]);
      if (found[0] != count) {
        findings.add(who + ": " + found[0] + " " + kind + " journal entries, expected " + count);
      }
    });
    for (String kind : List.of("PAYMENT", "DUPLICATE_PAYMENT")) {
      long[] found = b.entries.getOrDefault(kind, new long[2]);
      if (found[0] == 1 && found[1] != order.totalFen()) {
        findings.add(who + ": the " + kind + " entry debits " + found[1] + " fen, not " + order.totalFen());
      }
    }
  }

  private static void duplicateRefunds(DayOrder order, Books b, String who, long duplicates, List<String> findings) {
    long succeeded = b.duplicateRefunds.stream()
        .filter(r -> r[1].equals("SUCCEEDED") && Long.parseLong(r[2]) == order.totalFen()).count();
    if (b.duplicateRefunds.size() != duplicates || succeeded != duplicates) {
      findings.add(who + ": duplicate refunds " + rows(b.duplicateRefunds) + "; expected " + duplicates
          + " succeeded for " + order.totalFen() + " fen");
    }
  }

  /** The story's refund: one, final, for the whole order or the named lines; none for other stories. */
  private static void refunds(DayOrder order, Books b, String who, List<String> findings) {
    List<String[]> made = b.refunds.stream().filter(r -> !r[1].equals("FAILED")).toList();
    boolean refunded = order.story() == DayOrder.Story.REFUNDED || order.story() == DayOrder.Story.PARTLY_REFUNDED;
    if (!refunded) {
      if (!made.isEmpty()) {
        findings.add(who + ": refunds " + rows(made) + " for a story without one");
      }
      return;
    }
    boolean whole = order.story() == DayOrder.Story.REFUNDED;
    boolean ok = made.size() == 1
        && (made.get(0)[0].equals("CHANNEL") ? made.get(0)[1].equals("SUCCEEDED") : made.get(0)[1].equals("PAID_BACK"))
        && Long.parseLong(made.get(0)[2]) == order.refundFenExpected()
        && Boolean.parseBoolean(made.get(0)[3]) == whole
        && (!order.refundAfterSettlement() || made.get(0)[0].equals("AUTHORITY"));
    if (!ok) {
      findings.add(who + ": refunds " + rows(made) + "; expected one " + (whole ? "whole" : "partial")
          + " refund of " + order.refundFenExpected() + " fen, " + (order.refundAfterSettlement()
              ? "PAID_BACK by the authorities (asked after settlement)"
              : "SUCCEEDED by the channel or PAID_BACK by the authorities"));
    }
  }

  private static String rows(List<String[]> rows) {
    return rows.stream().map(r -> String.join("/", r)).toList().toString();
  }

  /** Reads every table the audit needs for the day's orders, one query each. */
  private static Map<String, Books> books(Harness harness, List<DayOrder> orders) throws Exception {
    Map<String, Books> books = new HashMap<>();
    String[] orderNos = orders.stream().map(DayOrder::orderNo).toArray(String[]::new);
    try (Connection db = harness.jdbc()) {
      MoneyAudit.query(db, "SELECT order_no, status FROM orders WHERE order_no = ANY(?)", orderNos,
          rs -> books.computeIfAbsent(rs.getString(1), k -> new Books()).status = rs.getString(2));
      MoneyAudit.query(db, "SELECT order_no, channel, outcome, amount_fen, transaction_id FROM channel_inbox"
              + " WHERE kind = 'PAYMENT' AND order_no = ANY(?)", orderNos,
          rs -> books.computeIfAbsent(rs.getString(1), k -> new Books()).inbox.add(new String[] {
              rs.getString(2), rs.getString(3), Long.toString(rs.getLong(4)), rs.getString(5)}));
      MoneyAudit.query(db, "SELECT e.order_no, e.kind, count(DISTINCT e.entry_id), coalesce(sum(p.debit_fen)"
              + " FILTER (WHERE p.account LIKE 'clearing:%'), 0) FROM journal_entry e JOIN journal_posting p USING (entry_id)"
              + " WHERE e.order_no = ANY(?) GROUP BY 1, 2", orderNos,
          rs -> books.computeIfAbsent(rs.getString(1), k -> new Books()).entries.put(rs.getString(2),
              new long[] {rs.getLong(3), rs.getLong(4)}));
      MoneyAudit.query(db, "SELECT order_no, mode, status, amount_fen, whole_order, channel FROM refund"
              + " WHERE order_no = ANY(?)", orderNos,
          rs -> books.computeIfAbsent(rs.getString(1), k -> new Books()).refunds.add(new String[] {
              rs.getString(2), rs.getString(3), Long.toString(rs.getLong(4)), Boolean.toString(rs.getBoolean(5)),
              rs.getString(6)}));
      MoneyAudit.query(db, "SELECT order_no, channel, status, amount_fen FROM duplicate_refund WHERE order_no = ANY(?)",
          orderNos, rs -> books.computeIfAbsent(rs.getString(1), k -> new Books()).duplicateRefunds.add(new String[] {
              rs.getString(2), rs.getString(3), Long.toString(rs.getLong(4))}));
    }
    return books;
  }

  /** Per order and channel it was opened at: what the sandbox says it took and gave back (its own record). */
  private static Map<String, Map<Channel, long[]>> sandboxTruth(Harness harness, List<DayOrder> orders,
      List<String> findings) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      Map<DayOrder, List<Future<long[]>>> answers = new HashMap<>();
      for (DayOrder order : orders) {
        List<Future<long[]>> perChannel = new ArrayList<>();
        for (Channel channel : order.channels()) {
          perChannel.add(pool.submit(() -> atSandbox(harness, channel, order.outTradeNo(channel))));
        }
        answers.put(order, perChannel);
      }
      Map<String, Map<Channel, long[]>> truth = new HashMap<>();
      for (DayOrder order : orders) {
        Map<Channel, long[]> atChannels = new EnumMap<>(Channel.class);
        for (int c = 0; c < order.channels().size(); c++) {
          try {
            atChannels.put(order.channels().get(c), answers.get(order).get(c).get());
          } catch (java.util.concurrent.ExecutionException e) {
            findings.add(order.outTradeNo(order.channels().get(c)) + ": sandbox record unreadable: "
                + e.getCause().getMessage());
          }
        }
        truth.put(order.orderNo(), atChannels);
      }
      return truth;
    } finally {
      pool.shutdownNow();
    }
  }

  /** {paid fen, refunded fen} of one channel order, as the sandbox's control endpoint shows it. */
  private static long[] atSandbox(Harness harness, Channel channel, String outTradeNo) throws Exception {
    String path = switch (channel) {
      case WECHAT -> "/sandbox/splits/";
      case ALIPAY -> "/sandbox/trades/";
      case UNIONPAY -> "/sandbox/orders/";
    } + outTradeNo;
    HttpResponse<String> answer = harness.sandboxGet(channel, path);
    if (answer.statusCode() == 404) {
      return new long[2];
    }
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(answer.statusCode() + " " + answer.body());
    }
    JsonObject record = new JsonObject(answer.body());
    return switch (channel) {
      case WECHAT -> new long[] {
          record.getJsonArray("receivers").stream().mapToLong(r -> ((JsonObject) r).getLong("paid_fen")).sum(),
          record.getJsonArray("receivers").stream().mapToLong(r -> ((JsonObject) r).getLong("refunded_fen")).sum()};
      case ALIPAY -> new long[] {alipayPaidFen(record), Money.parseYuan(record.getString("refund_fee", "0.00")).fen()};
      case UNIONPAY -> new long[] {record.getString("queryId") != null ? record.getLong("txnAmtFen") : 0,
          record.getLong("refundedFen", 0L)};
    };
  }

  /**
   * A fully refunded trade is TRADE_CLOSED, like an unpaid one that lapsed; what its receivers got
   * tells them apart (nothing before payment), or, for a trade without a split, a refund.
   */
  private static long alipayPaidFen(JsonObject trade) {
    long split = trade.getJsonArray("split", new JsonArray()).stream()
        .mapToLong(s -> Money.parseYuan(((JsonObject) s).getString("amount")).fen()).sum();
    if (split > 0 || !trade.getJsonArray("split", new JsonArray()).isEmpty()) {
      return split;
    }
    boolean paid = trade.getString("trade_status", "").matches("TRADE_SUCCESS|TRADE_FINISHED")
        || Money.parseYuan(trade.getString("refund_fee", "0.00")).fen() > 0;
    return paid ? Money.parseYuan(trade.getString("total_amount")).fen() : 0;
  }
}
