package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Proves the exceptions workflow: a LONG payment the run could not verify is booked by a person
// through the intake (BOOK_PAYMENT) or refunded as money its order cannot take (REFUND), each once,
// with who, when and why kept; replays return the stored resolution; conflicting or bad requests
// are refused with problem+json naming the field.
class ResolutionTest {

  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.ofHours(8));
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ReconBench bench;
  private static ApiCaller http;

  @BeforeAll
  static void start() throws Exception {
    bench = new ReconBench(engine.get());
    http = bench.routes("finance-officer-9");
  }

  @AfterAll
  static void stop() throws Exception {
    bench.close();
  }

  /** Runs the day from the channel's bill while the channel does not answer queries, so LONG items stay open. */
  private static ReconciliationRun.Result runWithoutQueries(Channel channel) throws Exception {
    var adapter = bench.channels.adapter(channel).orElseThrow();
    BillFile bill = Await.result(adapter.downloadBill(TODAY));
    bench.setFaults(channel, new JsonObject().put("fail_requests_percent", 100));
    try {
      return Await.result(bench.run.runUploaded(TODAY, channel, bill.path()));
    } finally {
      bench.setFaults(channel, new JsonObject());
      Files.deleteIfExists(bill.path());
    }
  }

  private static JsonObject openLong(Channel channel, String outTradeNo) {
    var items = ReconBench.get(http, "/api/v1/admin/reconciliation/items?status=open&class=LONG&channel="
        + channel.code()).json().getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      if (items.getJsonObject(i).getString("out_trade_no").equals(outTradeNo)) {
        return items.getJsonObject(i);
      }
    }
    throw new AssertionError("no open LONG item for " + outTradeNo + " in " + items.encode());
  }

  private static String resolvePath(JsonObject item) {
    return "/api/v1/admin/reconciliation/items/" + item.getLong("run_id") + "/" + item.getInteger("item_no")
        + "/resolve";
  }

  @Test
  void aLostCallbackTheRunCouldNotVerifyIsBookedOnceByAPersonAndReplaysReturnTheSameResolution() throws Exception {
    bench.setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    String orderNo = bench.newOrder();
    bench.pay(Channel.WECHAT, orderNo);
    bench.setFaults(Channel.WECHAT, new JsonObject());
    ReconciliationRun.Result run = runWithoutQueries(Channel.WECHAT);
    assertEquals(0, run.autoBooked(), "the channel did not answer the query");
    JsonObject item = openLong(Channel.WECHAT, "W" + orderNo);
    JsonObject body = new JsonObject().put("action", "BOOK_PAYMENT").put("reason", "callback lost on 27 Nov");

    ApiCaller.Answer booked = ReconBench.post(http, resolvePath(item), body);

    assertEquals(200, booked.status(), booked.text());
    JsonObject resolution = booked.json().getJsonObject("resolution");
    assertEquals("finance-officer-9", resolution.getString("by"));
    assertEquals("BOOK_PAYMENT", resolution.getString("action"));
    assertTrue(resolution.getString("reason").startsWith("callback lost on 27 Nov [booked as APPLIED"),
        resolution.encode());
    assertTrue(resolution.getString("at") != null);
    assertEquals("PAID", bench.text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
    assertEquals("BILL", bench.text("SELECT source FROM channel_inbox WHERE order_no = '" + orderNo + "'"));

    ApiCaller.Answer replay = ReconBench.post(http, resolvePath(item), new JsonObject()
        .put("action", "BOOK_PAYMENT").put("reason", resolution.getString("reason")));
    assertEquals(200, replay.status(), replay.text());
    assertEquals(resolution, replay.json().getJsonObject("resolution"));
    ApiCaller.Answer other = ReconBench.post(http, resolvePath(item),
        new JsonObject().put("action", "ACCEPT").put("reason", "changed my mind"));
    assertEquals(409, other.status(), other.text());
    assertEquals(1, bench.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, bench.count("SELECT count(*) FROM journal_entry WHERE kind <> 'SETTLEMENT' AND order_no = '"
        + orderNo + "'"));

    ReconciliationRun.Result rerun = Await.result(bench.run.run(TODAY, Channel.WECHAT));
    assertEquals(0, rerun.openItems(), "the re-run matches what was booked");
    assertEquals(1, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + rerun.runId()
        + " AND out_trade_no = 'W" + orderNo + "' AND kind = 'PAYMENT' AND class = 'MATCHED'"
        + " AND resolution_status = 'RESOLVED' AND resolved_by = 'finance-officer-9'"),
        "who, when and why survive the re-run");
  }

  @Test
  void aSecondPaymentOfAPaidOrderIsRefundedNotBookedAndAnOpenOrderIsNotRefundedBehindItsBack() throws Exception {
    String orderNo = bench.newOrder();
    bench.setFaults(Channel.ALIPAY, new JsonObject().put("drop_percent", 100));
    bench.pay(Channel.ALIPAY, orderNo);
    bench.setFaults(Channel.ALIPAY, new JsonObject());
    bench.pay(Channel.UNIONPAY, orderNo);
    bench.awaitStatus(orderNo, "PAID");
    String openOrderNo = bench.newOrder();
    bench.setFaults(Channel.ALIPAY, new JsonObject().put("drop_percent", 100));
    bench.pay(Channel.ALIPAY, openOrderNo);
    bench.setFaults(Channel.ALIPAY, new JsonObject());
    runWithoutQueries(Channel.ALIPAY);

    ApiCaller.Answer refused = ReconBench.post(http, resolvePath(openLong(Channel.ALIPAY, "A" + openOrderNo)),
        new JsonObject().put("action", "REFUND").put("reason", "payer asked"));
    assertEquals(409, refused.status(), refused.text());
    assertEquals("OPEN", bench.text("SELECT status FROM orders WHERE order_no = '" + openOrderNo + "'"));

    ApiCaller.Answer refunded = ReconBench.post(http, resolvePath(openLong(Channel.ALIPAY, "A" + orderNo)),
        new JsonObject().put("action", "REFUND").put("reason", "paid twice, once by UnionPay"));

    assertEquals(200, refunded.status(), refunded.text());
    assertTrue(refunded.json().getJsonObject("resolution").getString("reason").contains("NOT_PAYABLE"));
    assertEquals("PAID", bench.text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
    for (int i = 0; i < 200 && bench.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo
        + "' AND status = 'SUCCEEDED'") == 0; i++) {
      Thread.sleep(50);
    }
    assertEquals(1, bench.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo
        + "' AND channel = 'alipay' AND status = 'SUCCEEDED'"), "the duplicate-refund job paid it back");
    // The open order's payment is left for a person to book; book it so the books end settled.
    ReconBench.post(http, resolvePath(openLong(Channel.ALIPAY, "A" + openOrderNo)),
        new JsonObject().put("action", "BOOK_PAYMENT").put("reason", "callback lost"));
    assertEquals("PAID", bench.text("SELECT status FROM orders WHERE order_no = '" + openOrderNo + "'"));
  }

  @Test
  void badRequestsAreRefusedWithTheFieldNamed() throws Exception {
    assertField(ReconBench.post(http, "/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", "2026-02-30").put("channel", "wechat")), "date");
    assertField(ReconBench.post(http, "/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", "2026-02-03").put("channel", "paypal")), "channel");
    assertField(ReconBench.post(http, "/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", "2026-02-03").put("channel", "wechat").put("force", true)), "force");
    assertField(ReconBench.get(http, "/api/v1/admin/reconciliation/items?status=closed"), "status");
    assertField(ReconBench.get(http, "/api/v1/admin/reconciliation/items?class=WRONG"), "class");
    assertField(ReconBench.get(http, "/api/v1/admin/reconciliation/items?limit=100000"), "limit");
    assertField(ReconBench.get(http, "/api/v1/admin/reconciliation/items?after=x"), "after");
    assertField(ReconBench.post(http, "/api/v1/admin/reconciliation/items/1/1/resolve",
        new JsonObject().put("action", "ACCEPT").put("reason", " ")), "reason");
    assertField(ReconBench.post(http, "/api/v1/admin/reconciliation/items/x/1/resolve",
        new JsonObject().put("action", "ACCEPT").put("reason", "ok")), "run_id");
    assertField(http.raw("POST", "/api/v1/admin/reconciliation/runs/2026-13-01/wechat/bill", new byte[] {1},
        Map.of()), "date");
    assertField(http.raw("POST", "/api/v1/admin/reconciliation/runs/2026-11-01/wechat/bill", new byte[0],
        Map.of()), "body");
    assertEquals(404, ReconBench.post(http, "/api/v1/admin/reconciliation/items/999999/1/resolve",
        new JsonObject().put("action", "ACCEPT").put("reason", "ok")).status());
    ApiCaller.Answer garbage = http.raw("POST", "/api/v1/admin/reconciliation/runs/2026-11-01/unionpay/bill",
        "not a zip".getBytes(), Map.of());
    assertField(garbage, "body");
    assertTrue(garbage.text().contains("no ZM file in the UnionPay bill\""), garbage.text());
    assertEquals(0, bench.count("SELECT count(*) FROM recon_run WHERE business_date = '2026-11-01'"
        + " AND channel = 'unionpay'"), "an unreadable bill is refused before a run is made");
    assertEquals(0, bench.count("SELECT count(*) FROM recon_item i JOIN recon_run r USING (run_id)"
        + " WHERE r.business_date = '2026-11-01'"));
  }

  private static void assertField(ApiCaller.Answer answer, String field) {
    assertEquals(422, answer.status(), answer.text());
    assertEquals("application/problem+json", answer.contentType());
    assertEquals(field, answer.json().getJsonArray("errors").getJsonObject(0).getString("field"), answer.text());
  }
}
