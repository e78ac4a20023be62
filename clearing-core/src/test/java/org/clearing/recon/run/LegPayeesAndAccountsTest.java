package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.wechat.WechatTradeBillRow;
import org.clearing.channel.wechat.WechatTradeBillWriter;
import org.clearing.payment.MerchantOrders;
import org.clearing.recon.match.MatchOptions;
import org.clearing.recon.match.SettlementComparison;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Proves, over a day of a few thousand orders (items across many insert batches, records across
// many pages), that every leg item's payee is the account the per-item lookup by leg number gives
// (payees differ per order and per leg; legs whose records the day lacks, and a leg the engine does
// not have, fall back to the lookup), and that the per-account results stored in one statement are
// what the pure SettlementComparison computes from the same expected and settled legs.
class LegPayeesAndAccountsTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ReconBench bench;

  /** Enough orders for eight insert batches and as many record pages. */
  private static final int ORDERS = 2_600;
  private static final int LONG_ORDERS = 3;

  /** Plants, by the order's number modulo a prime, chosen so that no order of the day has two. */
  private static boolean shiftedLegs(int i) {
    return i % 97 == 2;
  }

  private static boolean thirdLeg(int i) {
    return i % 101 == 4;
  }

  private static boolean missing(int i) {
    return i % 89 == 3;
  }

  private static boolean paidDaysAgo(int i) {
    return i % 103 == 5;
  }

  @BeforeAll
  static void start() throws Exception {
    bench = new ReconBench(engine.get());
    // The day is inserted as rows, without the journal entries a payment would have booked.
    engine.get().skipInvariantCheck();
  }

  @AfterAll
  static void stop() throws Exception {
    bench.close();
  }

  @Test
  void legItemsNameTheLookedUpPayeeAndAccountsAgreeWithThePureComparison() throws Exception {
    insertDay();
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));
    Path bill = Files.createTempFile("wechat-tradebill-", ".csv");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bill))) {
      WechatTradeBillWriter.write(out, billRows().iterator());
    }

    ReconciliationRun.Result result = Await.result(bench.run.runUploaded(today, Channel.WECHAT, bill));
    Files.delete(bill);

    long runId = result.runId();
    int shifted = 0;
    int third = 0;
    int missed = 0;
    int daysAgo = 0;
    for (int i = 1; i <= ORDERS; i++) {
      shifted += shiftedLegs(i) ? 1 : 0;
      third += thirdLeg(i) ? 1 : 0;
      missed += missing(i) ? 1 : 0;
      daysAgo += paidDaysAgo(i) ? 1 : 0;
    }
    assertEquals(2L * (shifted + third + daysAgo), result.summary().items(org.clearing.recon.match.ReconClass.SPLIT_MISMATCH));
    assertEquals(missed, result.summary().items(org.clearing.recon.match.ReconClass.SHORT));
    assertEquals(LONG_ORDERS, result.summary().items(org.clearing.recon.match.ReconClass.LONG));

    // Every leg item names the payee the lookup by out_trade_no and leg number gives.
    assertEquals(0, bench.count("SELECT count(*) FROM recon_item i WHERE run_id = " + runId + " AND kind = 'LEG'"
        + " AND payee_account_id IS DISTINCT FROM (SELECT g.payee_account_id FROM channel_order co"
        + " JOIN leg g ON g.order_no = co.order_no WHERE co.channel = 'wechat' AND co.out_trade_no = i.out_trade_no"
        + " AND g.leg_no = i.key::int)"));
    long legItems = 2L * (ORDERS - missed) + third;
    assertEquals(legItems, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + runId + " AND kind = 'LEG'"));
    assertEquals(third, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + runId
        + " AND kind = 'LEG' AND payee_account_id IS NULL"), "the third legs have no payee: the orders have two legs");
    assertEquals(2L * daysAgo, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + runId
            + " AND kind = 'LEG' AND engine_records = 0 AND key IN ('1', '2') AND payee_account_id IS NOT NULL"),
        "legs without records of the day still get their payee, by the lookup");
    assertEquals(4, bench.count("SELECT count(DISTINCT (key, payee_account_id)) FROM recon_item WHERE run_id = "
        + runId + " AND kind = 'LEG' AND payee_account_id IS NOT NULL"), "each leg number goes to two payees");

    List<SettlementComparison.AccountSettlement> stored = stored(runId);
    assertEquals(pureComparison(runId, today), stored);
    assertEquals(4, stored.size());
    assertTrue(stored.stream().anyMatch(a -> a.legsMismatched() > 0), stored.toString());
    assertTrue(stored.stream().anyMatch(a -> a.legsMissing() > 0), stored.toString());
    assertTrue(stored.stream().anyMatch(a -> a.legsExcess() > 0), stored.toString());
  }

  /**
   * Paid WeChat orders of two legs: even orders pay the treasury as leg 1, odd ones the other
   * region's non-tax account as leg 1 (so a payee taken from the wrong leg or order shows).
   */
  private static void insertDay() {
    TestDatabase.execute(bench.engine.pgUrl(), """
        INSERT INTO orders (order_no, client_id, idempotency_key, request_hash, case_no, region, payer_name,
                            payer_id_cipher, payer_id_masked, total_fen, status, qr_token, expires_at,
                            paid_channel, paid_transaction_id, paid_at)
        SELECT 'BN' || lpad(i::text, 18, '0'), 'bench', 'k' || i, '\\x00', 'C' || i, '341500', 'x', '\\x00',
               'x', 3000 + i %% 7, 'PAID', 'tok' || i, now() + interval '1 day', 'wechat', 'T' || i,
               CASE WHEN i %% 103 = 5 THEN now() - interval '2 days' ELSE now() - interval '10 minutes' END
        FROM generate_series(1, %1$d) i;
        INSERT INTO leg (order_no, leg_no, payee_account_id, amount_fen, status)
        SELECT order_no, 1, CASE WHEN right(order_no, 1)::int %% 2 = 0 THEN 'TRE-341500' ELSE 'NTX-341522' END,
               total_fen - 2000, 'PAID' FROM orders WHERE client_id = 'bench'
        UNION ALL
        SELECT order_no, 2, CASE WHEN right(order_no, 1)::int %% 2 = 0 THEN 'NTX-341500' ELSE 'TRE-341522' END,
               2000, 'PAID' FROM orders WHERE client_id = 'bench';
        INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status)
        SELECT order_no, 'wechat', '%2$s' || order_no, 'IN_APP', 'PAID' FROM orders WHERE client_id = 'bench';
        INSERT INTO channel_inbox (channel, kind, event_key, order_no, out_trade_no, transaction_id, amount_fen,
                                   outcome, source, event_id, occurred_at)
        SELECT 'wechat', 'PAYMENT', paid_transaction_id, order_no, '%2$s' || order_no, paid_transaction_id,
               total_fen, 'APPLIED', 'CALLBACK', 'e' || order_no, now() - interval '10 minutes'
        FROM orders WHERE client_id = 'bench';
        ANALYZE;
        """.formatted(ORDERS, OutTradeNumbers.prefix(Channel.WECHAT)));
  }

  /** The channel's side: each order's sub-order rows, with the plants, then orders unknown to the engine. */
  private static List<WechatTradeBillRow> billRows() {
    LocalDateTime paidAt = LocalDateTime.ofInstant(Instant.now().minusSeconds(600), ZoneOffset.ofHours(8));
    List<WechatTradeBillRow> rows = new ArrayList<>();
    for (int i = 1; i <= ORDERS; i++) {
      if (missing(i)) {
        continue;
      }
      long first = 1000 + i % 7;
      long second = 2000;
      if (shiftedLegs(i)) {
        first -= 100;
        second += 100;
      }
      String outTradeNo = OutTradeNumbers.of(Channel.WECHAT, "BN" + String.format("%018d", i));
      rows.add(row(paidAt, outTradeNo, i, 1, i % 2 == 0 ? "1900000101" : "1900000104", first));
      if (thirdLeg(i)) {
        rows.add(row(paidAt, outTradeNo, i, 2, "1900000103", second - 1000));
        rows.add(row(paidAt, outTradeNo, i, 3, "1900000102", 1000));
      } else {
        rows.add(row(paidAt, outTradeNo, i, 2, i % 2 == 0 ? "1900000102" : "1900000103", second));
      }
    }
    for (int extra = 1; extra <= LONG_ORDERS; extra++) {
      rows.add(WechatTradeBillRow.payment(paidAt, "wxd678efh567hg6787", "1900000101", "X" + extra,
          OutTradeNumbers.of(Channel.WECHAT, "BX" + String.format("%017d", extra)), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
          "JSAPI", Money.ofFen(3000), Money.ZERO, 60, "税费", ""));
    }
    return rows;
  }

  private static WechatTradeBillRow row(LocalDateTime paidAt, String outTradeNo, int order, int leg,
      String subMerchant, long fen) {
    return WechatTradeBillRow.payment(paidAt, "wxd678efh567hg6787", subMerchant, "T" + order + leg,
        OutTradeNumbers.part(Channel.WECHAT, outTradeNo, leg), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI",
        Money.ofFen(fen), Money.ZERO, 60, "税费", "");
  }

  private static List<SettlementComparison.AccountSettlement> stored(long runId) throws Exception {
    List<SettlementComparison.AccountSettlement> accounts = new ArrayList<>();
    Await.result(bench.pool.preparedQuery("SELECT payee_account_id, legs_expected, expected_fen, legs_settled,"
            + " settled_fen, legs_missing, missing_fen, legs_excess, excess_fen, legs_mismatched FROM recon_account"
            + " WHERE run_id = $1 ORDER BY payee_account_id COLLATE \"C\"").execute(Tuple.of(runId)))
        .forEach(row -> accounts.add(new SettlementComparison.AccountSettlement(row.getString(0), row.getInteger(1),
            row.getLong(2), row.getInteger(3), row.getLong(4), row.getInteger(5), row.getLong(6), row.getInteger(7),
            row.getLong(8), row.getInteger(9))));
    return accounts;
  }

  /** The run's own expected and settled legs, compared by the reconciliation module. */
  private static List<SettlementComparison.AccountSettlement> pureComparison(long runId, LocalDate day)
      throws Exception {
    MatchOptions options = MatchOptions.beijingDay(Channel.WECHAT, day);
    List<MerchantOrders> merchants = bench.channels.merchants(Channel.WECHAT).stream()
        .map(m -> bench.channels.ordersOf(Channel.WECHAT, m)).toList();
    String legs = "SELECT true AS expected, * FROM (" + ReconciliationRun.expectedLegs(merchants) + ") e"
        + " UNION ALL SELECT false, * FROM (" + ReconciliationRun.SETTLED_LEGS + ") s";
    List<SettlementComparison.Leg> expected = new ArrayList<>();
    List<SettlementComparison.Leg> settled = new ArrayList<>();
    for (Row row : Await.result(bench.pool.preparedQuery(legs).execute(ReconciliationRun.accountsArguments(runId,
        Channel.WECHAT, options.dayStart(), options.dayEnd(), merchants)))) {
      (row.getBoolean(0) ? expected : settled).add(new SettlementComparison.Leg(row.getString(1), row.getString(2),
          row.getLong(3)));
    }
    assertTrue(expected.size() > 2 * (ORDERS - 100), "the expected legs were read: " + expected.size());
    List<SettlementComparison.AccountSettlement> accounts = new ArrayList<>(
        SettlementComparison.compare(expected, settled));
    accounts.sort(Comparator.comparing(SettlementComparison.AccountSettlement::payeeAccountId));
    return accounts;
  }
}
