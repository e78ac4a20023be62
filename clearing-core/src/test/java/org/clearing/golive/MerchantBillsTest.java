package org.clearing.golive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.wechat.WechatTradeBillRow;
import org.clearing.channel.wechat.WechatTradeBillWriter;
import org.clearing.client.Role;
import org.clearing.payment.ChannelSet;
import org.clearing.recon.run.ReconciliationRun;
import org.clearing.settlement.SettlementIntake;
import org.clearing.settlement.SettlementJob;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves that settlement and the daily reconciliation read the bill of every merchant of a channel,
 * each against that merchant's own orders: with two WeChat merchants in two regions, both
 * merchants' legs settle and the day's run matches both bills with nothing unexplained, recording
 * each bill; a discrepancy planted in the second merchant's bill is found as that merchant's; and,
 * by attack, a line of one merchant's bill naming an order paid at the other neither settles that
 * order's legs nor matches its payment.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MerchantBillsTest {

  @RegisterExtension
  @Order(1)
  static final TwoWechatMerchants merchants = new TwoWechatMerchants();

  @RegisterExtension
  @Order(2)
  static final EngineExtension engine = EngineExtension.with(config -> config
      .withSandboxes(false, 0, 1)
      .withMerchantConfig(merchants.merchantConfig())
      .withPublicBaseUrl("http://127.0.0.1:" + config.httpPort()));

  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final LocalDate TODAY = LocalDate.now(BEIJING);
  private static Pool pool;

  @BeforeAll
  static void start() {
    // The tests settle when they choose: the job's own run could settle what an attack must leave.
    Await.result(engine.engine().jobs().stop(SettlementJob.JOB));
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2).setMaxWaitQueueSize(16))
        .connectingTo(engine.engine().database().connectOptions()).using(engine.engine().vertx()).build();
  }

  @AfterAll
  static void stop() {
    Await.result(pool.close());
  }

  /** A payment as a bill shows it: its legs, each its own sub-order row. */
  private record Payment(String outTradeNo, String transactionId, LocalDateTime paidAt, List<Leg> legs) {}

  private record Leg(int legNo, String receiver, long amountFen) {}

  @Test
  @Order(1)
  void aLineOfOneMerchantsBillNamingAnOrderPaidAtTheOtherNeitherSettlesNorMatchesIt() throws Exception {
    String atA = paid(TwoWechatMerchants.REGION_A, "BILLS-ATTACK-A");
    String atB = paid(TwoWechatMerchants.REGION_B, "BILLS-ATTACK-B");
    // Merchant A's bill lists its own payment and, to the fen, the payment made at merchant B.
    Path billOfA = bill(TwoWechatMerchants.MCHID_A, List.of(payment(atA), payment(atB)), null);

    ChannelSet channels = engine.engine().channels();
    ChannelSet.Merchant merchantA = merchant(TwoWechatMerchants.MCHID_A);
    SettlementIntake.Result settled = Await.result(new SettlementIntake(engine.engine().vertx(), pool, Map.of())
        .settle(channels.ordersOf(Channel.WECHAT, merchantA), merchantA.adapter(),
            new BillFile(Channel.WECHAT, TODAY, billOfA)));

    assertEquals(List.of("SETTLED"), legStatuses(atA), "A's own line settles A's order");
    assertEquals(List.of("PAID"), legStatuses(atB), "A's bill does not settle an order paid at B");
    assertEquals(legs(atA), settled.legsSettled());

    ApiCaller.Answer uploaded = upload(TwoWechatMerchants.MCHID_A, billOfA);
    assertEquals(200, uploaded.status(), uploaded.text());
    long runId = uploaded.json().getLong("run_id");
    String tradeB = OutTradeNumbers.of(Channel.WECHAT, atB);
    assertEquals(new TreeSet<>(List.of("PAYMENT LONG " + tradeB + " " + TwoWechatMerchants.MCHID_A)),
        discrepancies(runId), "in A's bill, B's payment is an item, not a match");
    assertEquals(1, engine.count("SELECT count(*) FROM recon_item WHERE run_id = " + runId + " AND kind = 'PAYMENT'"
        + " AND class = 'MATCHED' AND out_trade_no = '" + tradeB + "' AND merchant_id = '"
        + TwoWechatMerchants.MCHID_B + "'"), "B's own bill matches it");
    assertEquals(0, engine.count("SELECT count(*) FROM channel_inbox WHERE source = 'BILL'"), "nothing was booked");
    Files.delete(billOfA);
  }

  @Test
  @Order(2)
  void bothMerchantsLegsSettleAndTheDayMatchesBothBillsWithNothingUnexplained() {
    String atA = paid(TwoWechatMerchants.REGION_A, "BILLS-DAY-A");
    String atB = paid(TwoWechatMerchants.REGION_B, "BILLS-DAY-B");

    Await.result(engine.engine().settlement().run(TODAY));

    for (String orderNo : List.of(atA, atB)) {
      assertTrue(legStatuses(orderNo).stream().allMatch("SETTLED"::equals), orderNo + ": " + legStatuses(orderNo));
    }
    assertEquals(0, engine.count("SELECT count(*) FROM leg g JOIN orders o ON o.order_no = g.order_no"
        + " WHERE o.paid_channel = 'wechat' AND g.status = 'PAID'"), "every leg of both merchants settled");

    ReconciliationRun.Result run = Await.result(engine.engine().reconciliation().run(TODAY, Channel.WECHAT));

    assertEquals(List.of(TwoWechatMerchants.MCHID_A, TwoWechatMerchants.MCHID_B),
        run.bills().stream().map(ReconciliationRun.Bill::merchantId).toList(), "each merchant's bill was read");
    for (ReconciliationRun.Bill bill : run.bills()) {
      assertEquals(ReconciliationRun.BillSource.FETCHED, bill.source());
      assertTrue(bill.channelLines() > 0, bill.toString());
      assertEquals(0, bill.discrepancies(), bill.toString());
    }
    assertEquals(0, run.summary().discrepancies(), "nothing unexplained");
    assertEquals(0, run.openItems());
    assertEquals(2, engine.count("SELECT count(*) FROM recon_bill WHERE run_id = " + run.runId()));
    for (var paid : Map.of(atA, TwoWechatMerchants.MCHID_A, atB, TwoWechatMerchants.MCHID_B).entrySet()) {
      assertEquals(1, engine.count("SELECT count(*) FROM recon_item WHERE run_id = " + run.runId()
          + " AND kind = 'PAYMENT' AND class = 'MATCHED' AND merchant_id = '" + paid.getValue() + "'"
          + " AND out_trade_no = '" + OutTradeNumbers.of(Channel.WECHAT, paid.getKey()) + "'"), paid.getKey());
    }
  }

  @Test
  @Order(3)
  void aDiscrepancyPlantedInTheSecondMerchantsBillIsFoundAsThatMerchants() throws Exception {
    List<Payment> ofB = new ArrayList<>();
    for (String orderNo : paidAt(TwoWechatMerchants.MCHID_B)) {
      ofB.add(payment(orderNo));
    }
    Payment planted = ofB.get(ofB.size() - 1);
    Path billOfB = bill(TwoWechatMerchants.MCHID_B, ofB, planted.outTradeNo());

    ApiCaller.Answer unknown = upload("1900000099", billOfB);
    assertEquals(422, unknown.status(), unknown.text());
    assertEquals("merchant", unknown.json().getJsonArray("errors").getJsonObject(0).getString("field"));

    ApiCaller.Answer uploaded = upload(TwoWechatMerchants.MCHID_B, billOfB);

    assertEquals(200, uploaded.status(), uploaded.text());
    long runId = uploaded.json().getLong("run_id");
    assertEquals(new TreeSet<>(List.of("PAYMENT AMOUNT_MISMATCH " + planted.outTradeNo() + " "
        + TwoWechatMerchants.MCHID_B)), discrepancies(runId));
    JsonArray bills = uploaded.json().getJsonArray("bills");
    assertEquals(TwoWechatMerchants.MCHID_A, bills.getJsonObject(0).getString("merchant_id"));
    assertEquals("FETCHED", bills.getJsonObject(0).getString("bill_source"));
    assertEquals(0, bills.getJsonObject(0).getLong("discrepancies"));
    assertEquals(TwoWechatMerchants.MCHID_B, bills.getJsonObject(1).getString("merchant_id"));
    assertEquals("UPLOADED", bills.getJsonObject(1).getString("bill_source"));
    assertEquals(1, bills.getJsonObject(1).getLong("discrepancies"));
    JsonObject queue = engine.as(Role.FINANCE).get("/api/v1/admin/reconciliation/items?status=open&channel=wechat&date="
        + TODAY).json();
    assertEquals(1, queue.getJsonArray("items").size(), queue.encode());
    assertEquals(TwoWechatMerchants.MCHID_B, queue.getJsonArray("items").getJsonObject(0).getString("merchant_id"));
    Files.delete(billOfB);
  }

  private static ApiCaller.Answer upload(String mchid, Path bill) throws Exception {
    return engine.as(Role.FINANCE).send("POST", "/api/v1/admin/reconciliation/runs/" + TODAY + "/wechat/bill?merchant="
        + mchid, Files.readAllBytes(bill), Map.of("Content-Type", "application/octet-stream"), true);
  }

  private static ChannelSet.Merchant merchant(String mchid) {
    return engine.engine().channels().merchants(Channel.WECHAT).stream().filter(m -> mchid.equals(m.id()))
        .findFirst().orElseThrow();
  }

  /** An order of {@code region} paid in WeChat at that region's merchant. */
  private static String paid(String region, String caseNo) {
    ApiCaller.Answer created = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical(caseNo).put("region", region).encode(), caseNo);
    assertEquals(201, created.status(), created.text());
    String orderNo = created.json().getString("order_no");
    Browser wallet = new Browser(Browser.WECHAT);
    Browser.Page page = wallet.open(created.json().getJsonObject("qr").getString("url"));
    assertEquals(200, page.status(), page.url() + "\n" + page.html());
    assertEquals(200, wallet.submitForm(page).status());
    Await.value("order " + orderNo + " is PAID", () -> engine.as(Role.REGISTRATION).get("/api/v1/orders/" + orderNo)
        .json().getString("status"), "PAID"::equals);
    return orderNo;
  }

  /** The orders paid in WeChat at merchant {@code mchid}, in order. */
  private static List<String> paidAt(String mchid) {
    List<String> orders = new ArrayList<>();
    Await.result(pool.preparedQuery("SELECT o.order_no FROM orders o JOIN channel_order c ON c.order_no = o.order_no"
            + " AND c.channel = o.paid_channel WHERE o.paid_channel = 'wechat' AND c.merchant_id = $1 ORDER BY o.order_no")
        .execute(Tuple.of(mchid))).forEach(row -> orders.add(row.getString(0)));
    return orders;
  }

  private static Payment payment(String orderNo) {
    Row order = Await.result(pool.preparedQuery("SELECT paid_transaction_id, paid_at FROM orders WHERE order_no = $1")
        .execute(Tuple.of(orderNo))).iterator().next();
    List<Leg> legs = new ArrayList<>();
    Await.result(pool.preparedQuery("SELECT g.leg_no, a.channel_account, g.amount_fen FROM leg g"
            + " JOIN payee_channel_account a ON a.payee_account_id = g.payee_account_id AND a.channel = 'wechat'"
            + " WHERE g.order_no = $1 ORDER BY g.leg_no").execute(Tuple.of(orderNo)))
        .forEach(row -> legs.add(new Leg(row.getInteger(0), row.getString(1), row.getLong(2))));
    return new Payment(OutTradeNumbers.of(Channel.WECHAT, orderNo), order.getString(0),
        LocalDateTime.ofInstant(order.getOffsetDateTime(1).toInstant(), BEIJING), legs);
  }

  /**
   * Merchant {@code mchid}'s trade bill of {@code payments} in WeChat's format, one row per
   * sub-order; the first leg of {@code oneFenOver} (if any) shows one fen more than was paid.
   */
  private static Path bill(String mchid, List<Payment> payments, String oneFenOver) throws Exception {
    String appid = merchants.merchant(mchid).getString("appid");
    List<WechatTradeBillRow> rows = new ArrayList<>();
    for (Payment p : payments) {
      for (Leg leg : p.legs()) {
        long fen = leg.amountFen() + (p.outTradeNo().equals(oneFenOver) && leg.legNo() == 1 ? 1 : 0);
        rows.add(WechatTradeBillRow.payment(p.paidAt(), appid, leg.receiver(), p.transactionId() + leg.legNo(),
            p.outTradeNo() + "L" + leg.legNo(), "o-payer", "JSAPI", Money.ofFen(fen), Money.ZERO, 60, "税费", ""));
      }
    }
    Path file = Files.createTempFile("merchant-bill-" + mchid + "-", ".csv");
    try (OutputStream out = Files.newOutputStream(file)) {
      WechatTradeBillWriter.write(out, rows.iterator());
    }
    return file;
  }

  private static List<String> legStatuses(String orderNo) {
    List<String> statuses = new ArrayList<>();
    Await.result(pool.preparedQuery("SELECT DISTINCT status FROM leg WHERE order_no = $1 ORDER BY status")
        .execute(Tuple.of(orderNo))).forEach(row -> statuses.add(row.getString(0)));
    return statuses;
  }

  private static long legs(String orderNo) {
    return engine.count("SELECT count(*) FROM leg WHERE order_no = '" + orderNo + "'");
  }

  /** The run's items other than matches: kind, class, trade number and the merchant whose bill shows it. */
  private static TreeSet<String> discrepancies(long runId) {
    TreeSet<String> found = new TreeSet<>();
    Await.result(pool.preparedQuery("SELECT kind, class, out_trade_no, merchant_id FROM recon_item"
            + " WHERE run_id = $1 AND class <> 'MATCHED'").execute(Tuple.of(runId)))
        .forEach(row -> found.add(row.getString(0) + " " + row.getString(1) + " " + row.getString(2) + " "
            + row.getString(3)));
    return found;
  }
}
