package org.clearing.sandbox.alipay;

import static org.clearing.sandbox.alipay.AlipayTestWorld.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.BillFile;
import org.clearing.channel.Money;
import org.clearing.channel.OpenOrderRequest.Flow;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trade bill through Alipay's bill API: a day's payments and refunds downloaded byte for byte
 * and parsed into statement lines whose totals equal the sandbox's records; and a demo stopped
 * and started on the same directory keeps both sides' keys and still serves yesterday's bill.
 */
class AlipayBillAndRestartTest {

  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  /** A clock the test moves: the first life of the demo runs "yesterday". */
  static final class MovableClock extends Clock {
    volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static String pay(AlipayTestWorld world, long... legFen) {
    String no = world.outTradeNo();
    await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, legFen)));
    assertEquals(200, world.postJson(world.sandbox().baseUrl() + "/sandbox/pay",
        new JsonObject().put("out_trade_no", no)).statusCode());
    return no;
  }

  private static List<StatementLine> read(AlipayTestWorld world, BillFile bill) throws Exception {
    List<StatementLine> lines = new ArrayList<>();
    try (StatementReader reader = world.adapter.readBill(bill)) {
      reader.forEachRemaining(lines::add);
    }
    return lines;
  }

  @Test
  void aDaysBillListsItsPaymentsAndRefundsWithTotalsEqualToTheSandboxsRecords(@TempDir Path dir)
      throws Exception {
    try (AlipayTestWorld world = new AlipayTestWorld(dir, Clock.systemUTC(), true, 1000)) {
      String first = pay(world, 12_345, 655);
      String second = pay(world, 100);
      PaymentNotification paid = world.waitFor(first, l -> !l.isEmpty()).stream()
          .map(r -> (PaymentNotification) r.notification()).findFirst().orElseThrow();
      await(world.adapter.refund(new RefundRequest(first, paid.transactionId(), first + "R1",
          Money.ofFen(1_000), Money.ofFen(13_000), List.of(), world.notifyUrl(), "")));
      LocalDate today = LocalDate.now(BEIJING);

      BillFile bill = await(world.adapter.downloadBill(today));
      assertEquals(today, bill.day());
      byte[] bytes = Files.readAllBytes(bill.path());
      assertArrayEquals(new byte[] {'P', 'K'}, new byte[] {bytes[0], bytes[1]});
      List<StatementLine> lines = read(world, bill);

      Money sum = lines.stream().map(StatementLine::amount).reduce(Money.ZERO, Money::plus);
      assertEquals(world.sandbox().billTotal(today), sum);
      assertEquals(Money.ofFen(13_000 + 100 - 1_000), sum);
      StatementLine refund = lines.stream().filter(l -> l.kind() == StatementLine.Kind.REFUND)
          .findFirst().orElseThrow();
      assertEquals(first, refund.outTradeNo());
      assertEquals(first + "R1", refund.outRefundNo());
      assertEquals(Money.ofFen(-1_000), refund.amount());
      assertEquals(paid.transactionId(), refund.transactionId());
      assertTrue(lines.stream().anyMatch(l -> l.outTradeNo().equals(second)
          && l.kind() == StatementLine.Kind.PAYMENT && l.amount().equals(Money.ofFen(100))));
      assertEquals(3, lines.size());
      assertEquals(List.of(), read(world, await(world.adapter.downloadBill(today.minusDays(1)))),
          "a day without trades has an empty bill");
    }
  }

  @Test
  void aBillDownloadUrlStopsWorkingAfterThirtySeconds(@TempDir Path dir) {
    MovableClock clock = new MovableClock(Instant.now());
    try (AlipayTestWorld world = new AlipayTestWorld(dir, clock, false, 1000)) {
      java.util.Map<String, String> params = new org.clearing.channel.alipay.AlipayRequestSigner(
          AlipayDemo.APP_ID, world.demo.merchantKeys().getPrivate(), clock)
          .billDownloadUrl(LocalDate.ofInstant(clock.now, BEIJING).minusDays(1));
      JsonObject answer = new JsonObject(AlipayTestWorld.text(await(world.web
          .postAbs(world.sandbox().gatewayUrl()).timeout(5_000)
          .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
          .sendBuffer(io.vertx.core.buffer.Buffer.buffer(
              org.clearing.channel.alipay.AlipayRequestSigner.formBody(params), "UTF-8")))));
      String url = answer.getJsonObject("alipay_data_dataservice_bill_downloadurl_query_response")
          .getString("bill_download_url");
      assertEquals(200, world.get(url).statusCode());
      clock.now = clock.now.plusSeconds(31);
      assertEquals(404, world.get(url).statusCode());
    }
  }

  @Test
  void aRestartedDemoKeepsItsKeysAndServesYesterdaysBill(@TempDir Path dir) throws Exception {
    Instant yesterday = Instant.now().minus(Duration.ofDays(1));
    MovableClock clock = new MovableClock(yesterday);
    AlipayTestWorld world = new AlipayTestWorld(dir, clock, false, 1000);
    String no;
    byte[] alipayKey;
    byte[] merchantKey;
    try {
      no = pay(world, 4_200);
      alipayKey = world.sandbox().alipayPublicKey().getEncoded();
      merchantKey = world.demo.merchantKeys().getPublic().getEncoded();
      await(world.demo.stop());
      clock.now = Instant.now();
      world.startDemo(clock, false, 1000);

      assertArrayEquals(alipayKey, world.sandbox().alipayPublicKey().getEncoded());
      assertArrayEquals(merchantKey, world.demo.merchantKeys().getPublic().getEncoded());
      LocalDate day = LocalDate.ofInstant(yesterday, BEIJING);
      List<StatementLine> lines = read(world, await(world.adapter.downloadBill(day)));
      assertEquals(1, lines.size());
      assertEquals(no, lines.get(0).outTradeNo());
      assertEquals(Money.ofFen(4_200), lines.get(0).amount());
      assertEquals(day, lines.get(0).businessDate());
      assertInstanceOf(QueryResult.Paid.class, await(world.adapter.query(no)),
          "the journal brought the paid trade back");
    } finally {
      world.close();
    }
  }
}
