package org.clearing.sandbox.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.BillFile;
import org.clearing.channel.Money;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.QueryResult;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.channel.wechat.WechatRequestSigner;
import org.clearing.crypto.Pem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves a WeChat demo restarted on the same directory keeps its merchant and platform keys and
// its history (payments, bills), and that both platform keys (certificate and PUB_KEY_ID) sign.
class WechatDemoRestartTest {

  @TempDir Path directory;
  Vertx vertx;
  WebClient client;

  @BeforeEach
  void start() {
    // A low budget makes any blocking on an event loop show up as a warning in the log.
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  @Test
  void aRestartedDemoKeepsItsKeysItsOrdersAndTheDaysBill() throws Exception {
    WechatDemo first = await(WechatDemo.start(vertx, directory, 0, 1000, WechatSandboxTest.RECEIVERS));
    WechatAdapter adapter = new WechatAdapter(vertx, client, first.adapterConfig(directory.resolve("bills")));
    String no = "WTF202611270000000042";
    List<SplitLeg> legs = List.of(new SplitLeg(1, "tax", "1900000101", Money.ofFen(30000)),
        new SplitLeg(2, "fee", "1900000103", Money.ofFen(550)));
    await(adapter.openOrder(new OpenOrderRequest(no.substring(1), no, Money.ofFen(30550), "契税",
        Instant.now().plusSeconds(600), legs, "http://127.0.0.1:9/none", "",
        OpenOrderRequest.Flow.CHANNEL_QR, "")));
    HttpResponse<Buffer> paid = await(client.postAbs(first.sandbox().baseUrl() + "/sandbox/pay")
        .timeout(5000).sendJsonObject(new JsonObject().put("out_trade_no", no)));
    assertEquals(200, paid.statusCode());
    String certificateSerial = first.sandbox().platformKeys().find(
        org.clearing.channel.wechat.WechatPlatformKeys.certificateSerial(first.sandbox().platformCertificate()))
        .orElseThrow().serial();
    String publicKeyId = first.sandbox().publicKeyId();
    String merchantKey = Pem.write(first.adapterConfig(directory).merchantPrivateKey());
    await(first.stop());

    WechatDemo second = await(WechatDemo.start(vertx, directory, 0, 1000, WechatSandboxTest.RECEIVERS));
    try {
      assertEquals(publicKeyId, second.sandbox().publicKeyId());
      assertEquals(certificateSerial, org.clearing.channel.wechat.WechatPlatformKeys.certificateSerial(
          second.sandbox().platformCertificate()));
      assertEquals(merchantKey, Pem.write(second.adapterConfig(directory).merchantPrivateKey()));
      WechatAdapter again = new WechatAdapter(vertx, client, second.adapterConfig(directory.resolve("bills")));
      QueryResult.Paid queried = assertInstanceOf(QueryResult.Paid.class, await(again.query(no)));
      assertEquals(Money.ofFen(30550), queried.payment().amount());

      BillFile bill = await(again.downloadBill(LocalDate.now(ZoneOffset.ofHours(8))));
      List<StatementLine> lines = new ArrayList<>();
      try (StatementReader reader = again.readBill(bill)) {
        reader.forEachRemaining(lines::add);
      }
      assertEquals(30550, lines.stream().filter(l -> l.outTradeNo().startsWith(no))
          .mapToLong(l -> l.amount().fen()).sum());
      assertEquals(2, lines.size());
    } finally {
      await(second.stop());
    }
  }

  @Test
  void answersAreSignedByBothTheCertificateKeyAndThePublicKeyIdAndTheAdapterTrustsBoth() throws Exception {
    WechatDemo demo = await(WechatDemo.start(vertx, directory, 0, 1000, Set.of()));
    try {
      var config = demo.adapterConfig(directory.resolve("bills"));
      WechatRequestSigner signer = new WechatRequestSigner(config.mchid(), config.merchantSerial(),
          config.merchantPrivateKey(), Clock.systemUTC());
      WechatAdapter adapter = new WechatAdapter(vertx, client, config);
      Set<String> serials = new HashSet<>();
      for (int i = 0; i < 40 && serials.size() < 2; i++) {
        String path = "/v3/combine-transactions/out-trade-no/WTF000000000000000" + (10 + i);
        HttpResponse<Buffer> answer = await(client.getAbs(demo.sandbox().baseUrl() + path).timeout(5000)
            .putHeader("Authorization", signer.authorization("GET", path, new byte[0])).send());
        assertEquals(404, answer.statusCode());
        serials.add(answer.getHeader("Wechatpay-Serial"));
        assertInstanceOf(QueryResult.NotFound.class, await(adapter.query("WTF000000000000000" + (10 + i))));
      }
      assertEquals(2, serials.size(), serials.toString());
      assertTrue(serials.contains(demo.sandbox().publicKeyId()), serials.toString());
      assertTrue(serials.stream().anyMatch(s -> s.matches("[0-9A-F]{40}")), serials.toString());
    } finally {
      await(demo.stop());
    }
  }
}
