package org.clearing.sandbox.unionpay;

// Proves a UnionPay demo restarted on the same directory keeps its merchant and channel keys and
// still serves yesterday's bill from its journal, to an adapter that verifies it strictly.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.BillFile;
import org.clearing.channel.Money;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnionPayDemoRestartTest {

  @TempDir Path directory;
  Vertx vertx;
  WebClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aRestartedDemoKeepsItsKeysAndServesYesterdaysBill() throws Exception {
    Clock yesterday = Clock.offset(Clock.systemUTC(), Duration.ofDays(-1));
    Set<String> receivers = Set.of("898340100000101", "898340100000102");
    UnionPayDemo first = await(UnionPayDemo.start(vertx, directory, 0, 1000, receivers,
        yesterday));
    UnionPayAdapter before = new UnionPayAdapter(vertx, client,
        first.adapterConfig(directory.resolve("bills")), yesterday);
    String outTradeNo = "UTF20261126000000001";
    await(before.openOrder(new OpenOrderRequest("TF20261126000000001", outTradeNo,
        Money.ofFen(3000), "tax", yesterday.instant().plusSeconds(900),
        List.of(new SplitLeg(1, "a", "898340100000101", Money.ofFen(2000)),
            new SplitLeg(2, "b", "898340100000102", Money.ofFen(1000))),
        "http://127.0.0.1:9/notify", "", OpenOrderRequest.Flow.CHANNEL_QR, "")));
    JsonObject paid = await(client.postAbs(first.sandbox().baseUrl() + "/sandbox/pay")
        .timeout(5000).sendJsonObject(new JsonObject().put("out_trade_no", outTradeNo)))
        .bodyAsJsonObject();
    String queryId = paid.getString("transaction_id");
    assertInstanceOf(RefundResult.Accepted.class, await(before.refund(new RefundRequest(
        outTradeNo, queryId, "RUTF20261126000000001", Money.ofFen(400), Money.ofFen(3000),
        List.of(), "http://127.0.0.1:9/notify", "test"))));
    String merchantCertId = first.merchant().certId();
    var root = first.sandbox().rootCertificate();
    await(first.stop());

    UnionPayDemo second = await(UnionPayDemo.start(vertx, directory, 0, 1000, receivers));
    try {
      assertEquals(merchantCertId, second.merchant().certId(), "same merchant certificate");
      assertEquals(root, second.sandbox().rootCertificate(), "same channel root");
      UnionPayAdapter after = new UnionPayAdapter(vertx, client,
          second.adapterConfig(directory.resolve("bills")));
      LocalDate day = LocalDate.now(yesterday.withZone(UnionPaySandbox.BEIJING));
      BillFile bill = await(after.downloadBill(day));
      List<StatementLine> lines = new ArrayList<>();
      try (StatementReader reader = after.readBill(bill)) {
        reader.forEachRemaining(lines::add);
      }
      assertTrue(lines.stream().anyMatch(l -> l.kind() == StatementLine.Kind.PAYMENT
          && l.transactionId().equals(queryId) && l.amount().fen() == 3000), lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.kind() == StatementLine.Kind.REFUND
          && l.amount().fen() == -400 && l.outTradeNo().equals(outTradeNo)), lines.toString());
      assertEquals(2, lines.stream()
          .filter(l -> l.kind() == StatementLine.Kind.SPLIT_SETTLEMENT).count());
      assertEquals(second.sandbox().netFenOn(day), 3000 - 400);
      assertNotEquals(0, lines.size());

      BillFile today = await(after.downloadBill(LocalDate.now(UnionPaySandbox.BEIJING)));
      try (StatementReader reader = after.readBill(today)) {
        assertTrue(!reader.hasNext(), "nothing happened today");
      }
      assertEquals(UnionPayCertificates.UNIONPAY_OWNER,
          UnionPayCertificates.owner(second.sandbox().signingCertificate()));
    } finally {
      await(second.stop());
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
