package org.clearing.sandbox.alipay;

import static org.clearing.sandbox.alipay.AlipayTestWorld.await;
import static org.clearing.sandbox.alipay.AlipayTestWorld.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayApiException;
import com.alipay.api.DefaultAlipayClient;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.request.AlipayTradeWapPayRequest;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.Key;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.clearing.crypto.Crypto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox speaks real Alipay: the official SDK (alipay-sdk-java 4.40.734.ALL, test scope only)
 * calls the sandbox's gateway with its own signing and parameter layout, accepts the sandbox's
 * signed answers, builds a wap.pay GET URL the sandbox serves, and its rsaCheckV1 accepts the
 * sandbox's notifications; an SDK that trusts another Alipay key refuses the same answers.
 */
class AlipaySandboxSdkInteropTest {

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

  private static String base64(Key key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  private static DefaultAlipayClient sdk(String alipayPublicKey) {
    return new DefaultAlipayClient(world.sandbox().gatewayUrl(), AlipayDemo.APP_ID,
        base64(world.demo.merchantKeys().getPrivate()), "json", "utf-8", alipayPublicKey, "RSA2");
  }

  private static String precreateBiz(String no) {
    return new JsonObject().put("out_trade_no", no).put("total_amount", "88.88")
        .put("subject", "契税 & 登记费")
        .put("settle_info", new JsonObject().put("settle_detail_infos", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("trans_in_type", "userId").put("trans_in", "2088000000000101")
                .put("amount", "80.00"))
            .add(new JsonObject().put("trans_in_type", "userId").put("trans_in", "2088000000000102")
                .put("amount", "8.88")))).encode();
  }

  @Test
  void theSdkPrecreatesAndQueriesAtTheSandboxAndAcceptsItsSignedAnswers() throws Exception {
    DefaultAlipayClient client = sdk(base64(world.sandbox().alipayPublicKey()));
    String no = world.outTradeNo();
    AlipayTradePrecreateRequest precreate = new AlipayTradePrecreateRequest();
    precreate.setNotifyUrl(world.notifyUrl());
    precreate.setBizContent(precreateBiz(no));
    AlipayTradePrecreateResponse created = client.execute(precreate);
    assertTrue(created.isSuccess(), created.getBody());
    assertEquals(no, created.getOutTradeNo());
    assertTrue(created.getQrCode().startsWith(world.sandbox().baseUrl() + "/sandbox/qr/"));
    assertTrue(text(world.get(created.getQrCode())).contains("8.88"));

    AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
    query.setBizContent(new JsonObject().put("out_trade_no", no).encode());
    AlipayTradeQueryResponse waiting = client.execute(query);
    assertTrue(waiting.isSuccess(), waiting.getBody());
    assertEquals("WAIT_BUYER_PAY", waiting.getTradeStatus());

    world.postJson(world.sandbox().baseUrl() + "/sandbox/pay", new JsonObject().put("out_trade_no", no));
    AlipayTradeQueryResponse paid = client.execute(query);
    assertEquals("TRADE_SUCCESS", paid.getTradeStatus());
    assertEquals("88.88", paid.getTotalAmount());

    AlipayTradeQueryRequest missing = new AlipayTradeQueryRequest();
    missing.setBizContent(new JsonObject().put("out_trade_no", "ANOSUCHTRADE").encode());
    AlipayTradeQueryResponse notExist = client.execute(missing);
    assertFalse(notExist.isSuccess());
    assertEquals("ACQ.TRADE_NOT_EXIST", notExist.getSubCode());
  }

  @Test
  void theSdkRefusesTheSandboxsAnswerWhenItTrustsAnotherAlipayKey() {
    DefaultAlipayClient client = sdk(base64(Crypto.generateRsa(2048).getPublic()));
    AlipayTradePrecreateRequest precreate = new AlipayTradePrecreateRequest();
    precreate.setBizContent(precreateBiz(world.outTradeNo()));
    assertThrows(AlipayApiException.class, () -> client.execute(precreate));
  }

  @Test
  void aWapPayUrlBuiltByTheSdkWithGetOpensTheSandboxPayerPage() throws Exception {
    DefaultAlipayClient client = sdk(base64(world.sandbox().alipayPublicKey()));
    String no = world.outTradeNo();
    AlipayTradeWapPayRequest wap = new AlipayTradeWapPayRequest();
    wap.setNotifyUrl(world.notifyUrl());
    wap.setBizContent(new JsonObject().put("out_trade_no", no).put("total_amount", "1.23")
        .put("subject", "登记费").put("product_code", "QUICK_WAP_WAY").encode());
    String url = client.pageExecute(wap, "GET").getBody();
    assertTrue(url.startsWith(world.sandbox().gatewayUrl() + "?"), url);
    String page = text(world.get(url));
    assertTrue(page.contains("1.23") && page.contains(no), page);
  }

  @Test
  void theSdksRsaCheckV1AcceptsTheSandboxsNotificationAndRefusesAChangedOne() throws Exception {
    String no = world.outTradeNo();
    await(world.adapter.openOrder(world.order(no,
        org.clearing.channel.OpenOrderRequest.Flow.CHANNEL_QR, 1234)));
    world.postJson(world.sandbox().baseUrl() + "/sandbox/pay", new JsonObject().put("out_trade_no", no));
    Map<String, String> fields = world.waitFor(no, l -> !l.isEmpty()).get(0).fields();
    String alipayKey = base64(world.sandbox().alipayPublicKey());
    assertTrue(AlipaySignature.rsaCheckV1(new HashMap<>(fields), alipayKey, "utf-8", "RSA2"));
    Map<String, String> changed = new HashMap<>(fields);
    changed.put("total_amount", "1234.00");
    assertFalse(AlipaySignature.rsaCheckV1(changed, alipayKey, "utf-8", "RSA2"));
  }
}
