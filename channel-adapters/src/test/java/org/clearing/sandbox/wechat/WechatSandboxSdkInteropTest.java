package org.clearing.sandbox.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.wechat.pay.java.core.RSAPublicKeyConfig;
import com.wechat.pay.java.core.exception.ServiceException;
import com.wechat.pay.java.core.exception.ValidationException;
import com.wechat.pay.java.core.http.DefaultHttpClientBuilder;
import com.wechat.pay.java.core.http.HttpClient;
import com.wechat.pay.java.service.payments.model.Transaction;
import com.wechat.pay.java.service.payments.nativepay.NativePayService;
import com.wechat.pay.java.service.payments.nativepay.model.Amount;
import com.wechat.pay.java.service.payments.nativepay.model.CloseOrderRequest;
import com.wechat.pay.java.service.payments.nativepay.model.PrepayRequest;
import com.wechat.pay.java.service.payments.nativepay.model.QueryOrderByOutTradeNoRequest;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.clearing.crypto.Crypto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves the official wechatpay-java SDK 0.2.17 talks to the sandbox on the wire: its signed
// Native order, query and close are accepted, and it verifies the sandbox's signed answers (and
// refuses them with the wrong platform key). Only the host is redirected, by an OkHttp interceptor.
class WechatSandboxSdkInteropTest {

  static final String MCHID = "1900000001";
  static final String APPID = "wxd678efh567hg6787";
  static final String SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
  static final String API_V3_KEY = "0123456789abcdef0123456789abcdef";
  static final KeyPair MERCHANT = Crypto.generateRsa(2048);

  @TempDir static Path directory;
  static Vertx vertx;
  static WechatSandbox sandbox;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    // Every answer signed with the PUB_KEY_ID key, which the SDK's public-key config trusts.
    sandbox = WechatSandboxTest.await(WechatSandbox.start(vertx, new WechatSandbox.Options(0, directory,
        1000, MCHID, APPID, "secret", API_V3_KEY, SERIAL, MERCHANT.getPublic(), Set.of(), 100)));
  }

  @AfterAll
  static void stop() throws Exception {
    WechatSandboxTest.await(sandbox.stop());
    WechatSandboxTest.await(vertx.close());
  }

  static NativePayService sdk(PublicKey platformKey) {
    RSAPublicKeyConfig config = new RSAPublicKeyConfig.Builder().merchantId(MCHID)
        .privateKey(MERCHANT.getPrivate()).merchantSerialNumber(SERIAL).publicKey(platformKey)
        .publicKeyId(sandbox.publicKeyId()).apiV3Key(API_V3_KEY).build();
    OkHttpClient redirect = new OkHttpClient.Builder().addInterceptor(chain -> {
      HttpUrl url = chain.request().url().newBuilder().scheme("http").host("127.0.0.1")
          .port(sandbox.port()).build();
      return chain.proceed(chain.request().newBuilder().url(url).build());
    }).build();
    HttpClient http = new DefaultHttpClientBuilder().config(config).okHttpClient(redirect).build();
    return new NativePayService.Builder().config(config).httpClient(http).build();
  }

  static PrepayRequest prepay(String outTradeNo) {
    PrepayRequest request = new PrepayRequest();
    request.setAppid(APPID);
    request.setMchid(MCHID);
    request.setDescription("契税");
    request.setOutTradeNo(outTradeNo);
    request.setNotifyUrl("https://example.gov.cn/callbacks/wechat");
    Amount amount = new Amount();
    amount.setTotal(12345);
    amount.setCurrency("CNY");
    request.setAmount(amount);
    return request;
  }

  @Test
  void theSdkOpensQueriesAndClosesANativeOrderAndVerifiesEveryAnswer() {
    NativePayService service = sdk(sandbox.platformPublicKey());
    String codeUrl = service.prepay(prepay("WTF202611270000000901")).getCodeUrl();
    assertTrue(codeUrl.startsWith("weixin://wxpay/bizpayurl?pr="), codeUrl);

    QueryOrderByOutTradeNoRequest query = new QueryOrderByOutTradeNoRequest();
    query.setMchid(MCHID);
    query.setOutTradeNo("WTF202611270000000901");
    Transaction transaction = service.queryOrderByOutTradeNo(query);
    assertEquals(Transaction.TradeStateEnum.NOTPAY, transaction.getTradeState());
    assertEquals(12345, transaction.getAmount().getTotal());

    CloseOrderRequest close = new CloseOrderRequest();
    close.setMchid(MCHID);
    close.setOutTradeNo("WTF202611270000000901");
    service.closeOrder(close);
    assertEquals(Transaction.TradeStateEnum.CLOSED, service.queryOrderByOutTradeNo(query).getTradeState());
  }

  @Test
  void theSdkSeesTheSandboxsErrorFormAndRefusesAnswersSignedWithAnotherKey() {
    NativePayService service = sdk(sandbox.platformPublicKey());
    QueryOrderByOutTradeNoRequest missing = new QueryOrderByOutTradeNoRequest();
    missing.setMchid(MCHID);
    missing.setOutTradeNo("WTF202611270000000999");
    ServiceException notFound = assertThrows(ServiceException.class, () -> service.queryOrderByOutTradeNo(missing));
    assertEquals("ORDER_NOT_EXIST", notFound.getErrorCode());

    NativePayService fooled = sdk(Crypto.generateRsa(2048).getPublic());
    assertThrows(ValidationException.class, () -> fooled.prepay(prepay("WTF202611270000000902")));
  }
}
