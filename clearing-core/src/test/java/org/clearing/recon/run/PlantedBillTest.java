package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.cli.ReconcileCommand;
import org.clearing.channel.Channel;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

// Proves that a bill in each channel's own format with every discrepancy planted (missing, extra,
// 1 fen off, refunded at the channel only, a leg settled short) yields exactly those items, per
// account too; that the upload route, a re-run and the reconcile command give the same items; and
// that the exceptions queue lists, filters and resolves with who, when and why.
class PlantedBillTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ReconBench bench;
  private static ApiCaller http;

  @BeforeAll
  static void start() throws Exception {
    bench = new ReconBench(engine.get());
    http = bench.routes("finance-officer-7");
  }

  @AfterAll
  static void stop() throws Exception {
    bench.close();
  }

  @org.junit.jupiter.api.Test
  void theReconcileCommandRefusesAnUnknownChannelOrAMissingFile() {
    String day = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    assertEquals(2, new CommandLine(new ReconcileCommand()).execute("--date", day, "--bill", "paypal=pom.xml",
        "--pg-url", bench.engine.pgUrl()));
    assertEquals(2, new CommandLine(new ReconcileCommand()).execute("--date", day, "--bill",
        "wechat=no-such-bill.csv", "--pg-url", bench.engine.pgUrl()));
    assertEquals(2, new CommandLine(new ReconcileCommand()).execute("--date", "yesterday", "--bill",
        "wechat=pom.xml"), "picocli refuses a date that is not YYYY-MM-DD");
  }

  private record Paid(String orderNo, BillFixtures.Payment payment) {}

  private Paid paid(Channel channel) throws Exception {
    String orderNo = bench.newOrder();
    bench.pay(channel, orderNo);
    bench.awaitStatus(orderNo, "PAID");
    Row order = Await.result(bench.pool.preparedQuery(
        "SELECT paid_transaction_id, paid_at FROM orders WHERE order_no = $1").execute(Tuple.of(orderNo)))
        .iterator().next();
    List<BillFixtures.Leg> legs = new ArrayList<>();
    Await.result(bench.pool.preparedQuery("SELECT g.leg_no, a.channel_account, g.amount_fen FROM leg g"
            + " JOIN payee_channel_account a ON a.payee_account_id = g.payee_account_id AND a.channel = $2"
            + " WHERE g.order_no = $1 ORDER BY g.leg_no").execute(Tuple.of(orderNo, channel.code())))
        .forEach(row -> legs.add(new BillFixtures.Leg(row.getInteger(0), row.getString(1), row.getLong(2))));
    return new Paid(orderNo, new BillFixtures.Payment(OutTradeNumbers.of(channel, orderNo),
        order.getString("paid_transaction_id"), order.getOffsetDateTime("paid_at").toInstant(), legs));
  }

  private static BillFixtures.Payment withLegs(BillFixtures.Payment p, long firstDeltaFen, long secondDeltaFen) {
    List<BillFixtures.Leg> legs = new ArrayList<>();
    for (BillFixtures.Leg leg : p.legs()) {
      long delta = leg.legNo() == 1 ? firstDeltaFen : leg.legNo() == 2 ? secondDeltaFen : 0;
      legs.add(new BillFixtures.Leg(leg.legNo(), leg.channelAccount(), leg.amountFen() + delta));
    }
    return new BillFixtures.Payment(p.outTradeNo(), p.transactionId(), p.paidAt(), legs);
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void everyPlantedDiscrepancyIsFoundExactlyAndNothingElse(Channel channel) throws Exception {
    Paid matched = paid(channel);
    Paid oneFenOff = paid(channel);
    Paid legShort = paid(channel);
    Paid missing = paid(channel);
    assertEquals(2, legShort.payment().legs().size(), "the typical order has two legs");
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));
    Instant now = Instant.now();
    BillFixtures.Payment extra = new BillFixtures.Payment(OutTradeNumbers.of(channel, "TF209912310000000001"),
        "4200009999" + channel.ordinal(), now.minusSeconds(600), matched.payment().legs());
    Path bill = BillFixtures.write(channel, today, List.of(matched.payment(),
            withLegs(oneFenOff.payment(), 1, 0), withLegs(legShort.payment(), -100, 100), extra),
        List.of(new BillFixtures.Refund(matched.payment(), "RFX000" + channel.ordinal(), 100, now.minusSeconds(300))));

    ApiCaller.Answer uploaded = http.raw("POST", "/api/v1/admin/reconciliation/runs/" + today + "/"
        + channel.code() + "/bill", Files.readAllBytes(bill), Map.of("Content-Type", "application/octet-stream"));

    assertEquals(200, uploaded.status(), uploaded.text());
    long runId = uploaded.json().getLong("run_id");
    assertEquals("UPLOADED", uploaded.json().getString("bill_source"));
    boolean legsInBill = channel != Channel.ALIPAY;
    TreeSet<String> expected = new TreeSet<>(List.of(
        "PAYMENT AMOUNT_MISMATCH " + oneFenOff.payment().outTradeNo(),
        "PAYMENT SHORT " + missing.payment().outTradeNo(),
        "PAYMENT LONG " + extra.outTradeNo(),
        "REFUND STATUS_MISMATCH " + matched.payment().outTradeNo() + " RFX000" + channel.ordinal()));
    if (legsInBill) {
      for (BillFixtures.Leg leg : legShort.payment().legs()) {
        String key = channel == Channel.WECHAT ? Integer.toString(leg.legNo()) : leg.channelAccount();
        expected.add("LEG SPLIT_MISMATCH " + legShort.payment().outTradeNo() + " " + key);
      }
    }
    assertEquals(expected, discrepancies(runId));
    assertEquals(expected.size(), uploaded.json().getLong("open_items"), "the LONG one is unknown at the channel");
    assertAccounts(runId, channel, List.of(matched, oneFenOff, legShort, missing), legShort);

    List<String> items = items(runId);
    JsonObject queue = get("/api/v1/admin/reconciliation/items?status=open&channel=" + channel.code()
        + "&date=" + today).json();
    assertEquals(expected.size(), queue.getJsonArray("items").size(), queue.encode());
    JsonArray longs = get("/api/v1/admin/reconciliation/items?status=open&class=LONG&channel="
        + channel.code()).json().getJsonArray("items");
    assertEquals(1, longs.size());
    String resolvePath = "/api/v1/admin/reconciliation/items/" + runId + "/"
        + longs.getJsonObject(0).getInteger("item_no") + "/resolve";
    ApiCaller.Answer bad = post(resolvePath, new JsonObject().put("action", "IGNORE").put("reason", "x"));
    assertEquals(422, bad.status());
    assertEquals("application/problem+json", bad.contentType());
    assertEquals("action", bad.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    ApiCaller.Answer accepted = post(resolvePath, new JsonObject().put("action", "ACCEPT")
        .put("reason", "a test payment of the channel's, confirmed by phone"));
    assertEquals(200, accepted.status(), accepted.text());
    assertEquals("RESOLVED", accepted.json().getString("resolution_status"));
    assertEquals("finance-officer-7", accepted.json().getJsonObject("resolution").getString("by"));

    ReconciliationRun.Result again = Await.result(bench.run.runUploaded(today, channel, bill));

    assertEquals(runId, again.runId());
    assertEquals(items, items(runId), "a re-run gives the same items");
    assertEquals(expected.size() - 1, again.openItems(), "the resolution is kept across the re-run");
    int exit = new CommandLine(new ReconcileCommand()).execute("--date", today.toString(),
        "--bill", channel.code() + "=" + bill, "--data-dir", bench.engine.dataDir().toString(),
        "--pg-url", bench.engine.pgUrl());
    assertEquals(0, exit);
    assertEquals(items, items(runId), "the reconcile command gives the same items");
    assertEquals(0, bench.count("SELECT count(*) FROM channel_inbox WHERE source = 'BILL'"), "nothing was booked");
    Files.delete(bill);
  }

  private ApiCaller.Answer get(String path) {
    return ReconBench.get(http, path);
  }

  private ApiCaller.Answer post(String path, JsonObject body) {
    return ReconBench.post(http, path, body);
  }

  private static TreeSet<String> discrepancies(long runId) throws Exception {
    TreeSet<String> found = new TreeSet<>();
    Await.result(bench.pool.preparedQuery("SELECT kind, class, out_trade_no, key FROM recon_item"
            + " WHERE run_id = $1 AND class <> 'MATCHED'").execute(Tuple.of(runId)))
        .forEach(row -> found.add(row.getString(0) + " " + row.getString(1) + " " + row.getString(2)
            + (row.getString(3).isEmpty() ? "" : " " + row.getString(3))));
    return found;
  }

  private static List<String> items(long runId) throws Exception {
    List<String> all = new ArrayList<>();
    Await.result(bench.pool.preparedQuery("SELECT item_no, class, kind, out_trade_no, key, channel_amount_fen,"
            + " engine_amount_fen, payee_account_id FROM recon_item WHERE run_id = $1 ORDER BY item_no")
        .execute(Tuple.of(runId))).forEach(row -> all.add(row.toJson().encode()));
    return all;
  }

  /** Each account expects its legs of the four paid orders; the channel settled those of the agreed payments. */
  private static void assertAccounts(long runId, Channel channel, List<Paid> paid, Paid legShort) throws Exception {
    Map<String, Long> expectedFen = new HashMap<>();
    Map<String, Long> settledFen = new HashMap<>();
    for (Paid p : paid) {
      Map<Integer, String> payees = new HashMap<>();
      Await.result(bench.pool.preparedQuery("SELECT leg_no, payee_account_id FROM leg WHERE order_no = $1")
          .execute(Tuple.of(p.orderNo()))).forEach(row -> payees.put(row.getInteger(0), row.getString(1)));
      boolean agreed = p == paid.get(0) || p == legShort;
      for (BillFixtures.Leg leg : p.payment().legs()) {
        String payee = payees.get(leg.legNo());
        expectedFen.merge(payee, leg.amountFen(), Long::sum);
        long shifted = p == legShort && channel != Channel.ALIPAY ? (leg.legNo() == 1 ? -100 : 100) : 0;
        settledFen.merge(payee, agreed ? leg.amountFen() + shifted : 0, Long::sum);
      }
    }
    Map<String, Long> storedExpected = new HashMap<>();
    Map<String, Long> storedSettled = new HashMap<>();
    Await.result(bench.pool.preparedQuery("SELECT payee_account_id, expected_fen, settled_fen FROM recon_account"
        + " WHERE run_id = $1").execute(Tuple.of(runId))).forEach(row -> {
          storedExpected.put(row.getString(0), row.getLong(1));
          storedSettled.put(row.getString(0), row.getLong(2));
        });
    assertEquals(expectedFen, storedExpected);
    assertEquals(settledFen, storedSettled);
    assertTrue(storedExpected.size() >= 2);
  }
}
