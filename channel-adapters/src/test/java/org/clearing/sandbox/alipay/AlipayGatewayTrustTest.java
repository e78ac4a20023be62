package org.clearing.sandbox.alipay;

import static org.clearing.sandbox.alipay.AlipayTestWorld.await;
import static org.clearing.sandbox.alipay.AlipayTestWorld.failure;
import static org.clearing.sandbox.alipay.AlipayTestWorld.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.CloseResult;
import org.clearing.channel.Money;
import org.clearing.channel.OpenOrderRequest.Flow;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.channel.alipay.AlipayGatewayException;
import org.clearing.channel.alipay.AlipayMethod;
import org.clearing.channel.alipay.AlipayRequestSigner;
import org.clearing.crypto.Crypto;
import org.clearing.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trust on both sides of the gateway: the adapter treats a slow, failing, tampered or
 * wrongly signed answer as unknown, never as an outcome; the sandbox refuses merchant requests it
 * cannot authenticate with Alipay's unsigned error_response, and enforces the split rules
 * (receiver count, sums, registered receivers, and the optional 30 % cap).
 */
class AlipayGatewayTrustTest {

  @TempDir static Path directory;
  static AlipayTestWorld world;

  @BeforeAll
  static void start() {
    world = new AlipayTestWorld(directory, Clock.systemUTC(), false, 1000);
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  @AfterEach
  void noFaults() {
    world.sandbox().faults().set(SandboxFaults.NONE);
  }

  private AlipayAdapter adapter(String gatewayUrl, java.security.PublicKey alipayKey, long timeoutMs) {
    AlipayAdapter.Config c = world.demo.adapterConfig(directory.resolve("bills"));
    return new AlipayAdapter(world.vertx, world.web, new AlipayAdapter.Config(gatewayUrl,
        c.appId(), c.sellerId(), c.merchantPrivateKey(), alipayKey, timeoutMs, c.billDirectory(),
        c.notifyTimeBound(), c.clock()));
  }

  private String openOrder() {
    String no = world.outTradeNo();
    await(world.adapter.openOrder(world.order(no, Flow.CHANNEL_QR, 100)));
    return no;
  }

  @Test
  void anAnswerSlowerThanTheCallTimeoutIsUnknownForEveryOperation() {
    String no = openOrder();
    world.sandbox().faults().set(SandboxFaults.NONE.withResponseDelayMs(1_500));
    AlipayAdapter impatient = adapter(world.sandbox().gatewayUrl(),
        world.sandbox().alipayPublicKey(), 300);
    assertInstanceOf(QueryResult.Unknown.class, await(impatient.query(no)));
    assertInstanceOf(CloseResult.Unknown.class, await(impatient.close(no)));
    assertInstanceOf(RefundResult.Unknown.class, await(impatient.refund(new RefundRequest(no, "",
        no + "R", Money.ofFen(1), Money.ofFen(100), List.of(), world.notifyUrl(), ""))));
    AlipayGatewayException e = assertInstanceOf(AlipayGatewayException.class,
        failure(impatient.openOrder(world.order(world.outTradeNo(), Flow.CHANNEL_QR, 100))));
    assertTrue(e.outcomeUnknown());
  }

  @Test
  void a5xxFromTheGatewayIsUnknown() {
    String no = openOrder();
    world.sandbox().faults().set(SandboxFaults.NONE.withFailRequestsPercent(100));
    QueryResult.Unknown unknown = assertInstanceOf(QueryResult.Unknown.class,
        await(world.adapter.query(no)));
    assertTrue(unknown.reason().contains("503"), unknown.reason());
  }

  @Test
  void anAnswerWithOneChangedFieldIsUnknownNotPaid() {
    String no = openOrder();
    HttpServer proxy = await(world.vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> world.web.postAbs(world.sandbox().gatewayUrl()).timeout(5_000)
            .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .sendBuffer(body))
        .onSuccess(answer -> request.response().putHeader("Content-Type", "application/json")
            .end(answer.bodyAsString().replace("WAIT_BUYER_PAY", "TRADE_SUCCESS")
                .replace("\"total_amount\":\"1.00\"", "\"total_amount\":\"100.00\""))))
        .listen(0, "127.0.0.1"));
    try {
      AlipayAdapter viaProxy = adapter("http://127.0.0.1:" + proxy.actualPort() + "/gateway.do",
          world.sandbox().alipayPublicKey(), 5_000);
      QueryResult.Unknown unknown = assertInstanceOf(QueryResult.Unknown.class,
          await(viaProxy.query(no)));
      assertTrue(unknown.reason().contains("BAD_SIGNATURE"), unknown.reason());
    } finally {
      await(proxy.close());
    }
  }

  @Test
  void anAnswerSignedByAKeyTheMerchantDoesNotTrustIsUnknown() {
    String no = openOrder();
    AlipayAdapter trustsAnother = adapter(world.sandbox().gatewayUrl(),
        Crypto.generateRsa(2048).getPublic(), 5_000);
    assertInstanceOf(QueryResult.Unknown.class, await(trustsAnother.query(no)));
    assertInstanceOf(RefundResult.Unknown.class, await(trustsAnother.refund(new RefundRequest(no,
        "", no + "R", Money.ofFen(1), Money.ofFen(100), List.of(), world.notifyUrl(), ""))));
  }

  private JsonObject rawGateway(Map<String, String> params) {
    HttpResponse<Buffer> response = await(world.web.postAbs(world.sandbox().gatewayUrl())
        .timeout(5_000)
        .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        .sendBuffer(Buffer.buffer(AlipayRequestSigner.formBody(params), "UTF-8")));
    return new JsonObject(text(response));
  }

  @Test
  void aRequestSignedWithAnotherKeyGetsTheUnsignedInvalidSignatureError() {
    Map<String, String> params = new AlipayRequestSigner(AlipayDemo.APP_ID,
        Crypto.generateRsa(2048).getPrivate(), Clock.systemUTC()).query("A1");
    JsonObject answer = rawGateway(params);
    assertFalse(answer.containsKey("sign"));
    JsonObject error = answer.getJsonObject("error_response");
    assertEquals("40002", error.getString("code"));
    assertEquals("Invalid Arguments", error.getString("msg"));
    assertEquals("isv.invalid-signature", error.getString("sub_code"));
  }

  @Test
  void anUnsignedRequestOrOneWithAStaleTimestampIsRefused() {
    Map<String, String> signed = new AlipayRequestSigner(AlipayDemo.APP_ID,
        world.demo.merchantKeys().getPrivate(), Clock.systemUTC()).query("A1");
    Map<String, String> unsigned = new java.util.LinkedHashMap<>(signed);
    unsigned.remove("sign");
    assertEquals("isv.missing-signature",
        rawGateway(unsigned).getJsonObject("error_response").getString("sub_code"));
    Map<String, String> old = new AlipayRequestSigner(AlipayDemo.APP_ID,
        world.demo.merchantKeys().getPrivate(),
        Clock.offset(Clock.systemUTC(), Duration.ofHours(-1))).query("A1");
    assertEquals("isv.invalid-timestamp",
        rawGateway(old).getJsonObject("error_response").getString("sub_code"));
    Map<String, String> unknownApp = new java.util.LinkedHashMap<>(signed);
    unknownApp.put("app_id", "2021999999999999");
    assertEquals("isv.invalid-app-id",
        rawGateway(unknownApp).getJsonObject("error_response").getString("sub_code"));
  }

  private String splitProblem(AlipaySandbox sandbox, PrivateKeyHolder merchant, long totalFen,
      JsonArray legs) {
    JsonObject biz = new JsonObject().put("out_trade_no", world.outTradeNo())
        .put("total_amount", Money.ofFen(totalFen).toYuanString()).put("subject", "split")
        .put("product_code", "FACE_TO_FACE_PAYMENT")
        .put("settle_info", new JsonObject().put("settle_detail_infos", legs));
    Map<String, String> params = new AlipayRequestSigner(AlipayDemo.APP_ID, merchant.key,
        Clock.systemUTC()).sign(AlipayMethod.PRECREATE, biz.encode(), world.notifyUrl(), null);
    HttpResponse<Buffer> response = await(world.web.postAbs(sandbox.gatewayUrl()).timeout(5_000)
        .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        .sendBuffer(Buffer.buffer(AlipayRequestSigner.formBody(params), "UTF-8")));
    JsonObject value = new JsonObject(text(response))
        .getJsonObject("alipay_trade_precreate_response");
    return value.getString("code").equals("10000") ? "" : value.getString("sub_msg");
  }

  private record PrivateKeyHolder(java.security.PrivateKey key) {}

  private static JsonArray legs(String account, long... fen) {
    JsonArray legs = new JsonArray();
    for (long amount : fen) {
      legs.add(new JsonObject().put("trans_in_type", "userId").put("trans_in", account)
          .put("amount", Money.ofFen(amount).toYuanString()));
    }
    return legs;
  }

  @Test
  void theSandboxRefusesSplitsThatBreakAlipaysRulesAndAppliesTheCapOnlyWhenAsked() {
    PrivateKeyHolder merchant = new PrivateKeyHolder(world.demo.merchantKeys().getPrivate());
    AlipaySandbox bound = world.sandbox();
    assertEquals("", splitProblem(bound, merchant, 300, legs("2088000000000101", 100, 200)));
    assertTrue(splitProblem(bound, merchant, 300, legs("2088000000000101", 100, 201))
        .contains("exceed"));
    assertTrue(splitProblem(bound, merchant, 300, legs("2088000000000101", 100, 100))
        .contains("do not equal"));
    assertTrue(splitProblem(bound, merchant, 100, legs("2088000000000999", 100))
        .contains("not a bound receiver"));
    assertTrue(splitProblem(bound, merchant, 100, legs("1088000000000101", 100))
        .contains("not a 2088 user id"));

    AlipaySandbox open = await(AlipaySandbox.start(world.vertx, AlipaySandbox.Options.of(0,
        directory.resolve("open-sandbox"), 1000, AlipayDemo.APP_ID,
        world.demo.merchantKeys().getPublic(), AlipayDemo.SELLER_ID, Set.of())));
    AlipaySandbox capped = await(AlipaySandbox.start(world.vertx, AlipaySandbox.Options.of(0,
        directory.resolve("capped-sandbox"), 1000, AlipayDemo.APP_ID,
        world.demo.merchantKeys().getPublic(), AlipayDemo.SELLER_ID, Set.of())
        .withSplitCapPercent(30)));
    try {
      long[] fifty = new long[50];
      java.util.Arrays.fill(fifty, 1);
      assertEquals("", splitProblem(open, merchant, 50, legs("2088000000000999", fifty)));
      long[] fiftyOne = new long[51];
      java.util.Arrays.fill(fiftyOne, 1);
      assertTrue(splitProblem(open, merchant, 51, legs("2088000000000999", fiftyOne))
          .contains("more than 50"));
      assertEquals("", splitProblem(open, merchant, 100, legs("2088000000000999", 100)),
          "no cap by default: the whole trade may go to the receivers");

      JsonArray thirty = legs(AlipayDemo.SELLER_ID, 70);
      thirty.add(legs("2088000000000101", 30).getJsonObject(0));
      assertEquals("", splitProblem(capped, merchant, 100, thirty));
      JsonArray thirtyOne = legs(AlipayDemo.SELLER_ID, 69);
      thirtyOne.add(legs("2088000000000101", 31).getJsonObject(0));
      assertTrue(splitProblem(capped, merchant, 100, thirtyOne).contains("30%"));
    } finally {
      await(open.stop());
      await(capped.stop());
    }
  }

  @Test
  void anOrderWithAThirdDecimalInItsAmountIsRefused() {
    JsonObject biz = new JsonObject().put("out_trade_no", world.outTradeNo())
        .put("total_amount", "1.001").put("subject", "x");
    Map<String, String> params = new AlipayRequestSigner(AlipayDemo.APP_ID,
        world.demo.merchantKeys().getPrivate(), Clock.systemUTC())
        .sign(AlipayMethod.PRECREATE, biz.encode(), world.notifyUrl(), null);
    JsonObject answer = rawGateway(params).getJsonObject("alipay_trade_precreate_response");
    assertEquals("40004", answer.getString("code"));
    assertEquals("ACQ.INVALID_PARAMETER", answer.getString("sub_code"));
    assertTrue(new String(answer.encode().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
        .contains("decimal"));
  }
}
