package org.clearing.channel.alipay;

import static org.clearing.channel.alipay.AlipayTestKeys.ALIPAY;
import static org.clearing.channel.alipay.AlipayTestKeys.APP_ID;
import static org.clearing.channel.alipay.AlipayTestKeys.CLOCK;
import static org.clearing.channel.alipay.AlipayTestKeys.MERCHANT;
import static org.clearing.channel.alipay.AlipayTestKeys.base64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayApiException;
import com.alipay.api.internal.util.AlipaySignature;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.clearing.channel.Money;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.Rejection;
import org.junit.jupiter.api.Test;

/**
 * What our code signs, the official Alipay SDK (alipay-sdk-java 4.40.734.ALL) accepts, and what the
 * SDK signs, our code accepts; both build the same canonical strings. The SDK is used only here,
 * never in main code. Its V1 check removes sign and sign_type from the map it is given, so it
 * always gets a mutable copy (Alipay's documentation).
 */
class AlipaySdkInteropTest {

  private static final String ALIPAY_PUBLIC = base64(ALIPAY.getPublic());
  private static final String ALIPAY_PRIVATE = base64(ALIPAY.getPrivate());
  private static final String MERCHANT_PRIVATE = base64(MERCHANT.getPrivate());

  private final AlipayGatewayVerifier gateway =
      new AlipayGatewayVerifier(
          Map.of(APP_ID, MERCHANT.getPublic()), CLOCK, Duration.ofMinutes(15));
  private final AlipayNotificationVerifier notifications =
      new AlipayNotificationVerifier(
          ALIPAY.getPublic(),
          APP_ID,
          AlipayTestKeys.SELLER_ID,
          CLOCK,
          AlipayNotificationVerifier.DEFAULT_NOTIFY_TIME_BOUND);

  private static boolean sdkCheckV1(Map<String, String> fields) throws AlipayApiException {
    return AlipaySignature.rsaCheckV1(new HashMap<>(fields), ALIPAY_PUBLIC, "utf-8", "RSA2");
  }

  private static Map<String, String> withEmptyAndChineseValues() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("subject", "契税、印花税 & 登记费=合计");
    fields.put("passback_params", "");
    fields.put("sign_type", "RSA2");
    fields.put("sign", "whatever");
    fields.put("app_id", APP_ID);
    fields.put("biz_content", "{\"out_trade_no\":\"A1\",\"subject\":\"契税\"}");
    fields.put("Zeta", "capital letters sort first");
    return fields;
  }

  // (a) our notification passes the SDK's check

  @Test
  void aNotificationSignedByOurSandboxPassesTheSdkCheck() throws AlipayApiException {
    Map<String, String> fields =
        new AlipayNotificationSigner(ALIPAY.getPrivate(), CLOCK)
            .sign(AlipayNotificationTest.paid());
    assertTrue(sdkCheckV1(fields));
  }

  // (b) what the SDK signs, we accept

  @Test
  void aRequestSignedByTheSdkIsAcceptedByOurGateway() throws AlipayApiException {
    Map<String, String> params =
        new HashMap<>(
            new AlipayRequestSigner(APP_ID, MERCHANT.getPrivate(), CLOCK)
                .refund("A1", Money.ofFen(1050), "R1"));
    params.remove("sign");
    params.put("notify_url", "");
    String sdkSign =
        AlipaySignature.rsaSign(
            AlipaySignature.getSignContent(params), MERCHANT_PRIVATE, "utf-8", "RSA2");
    params.put("sign", sdkSign);
    assertTrue(gateway.verify(params).ok());
  }

  @Test
  void aNotificationSignedByTheSdkVerifiesWithOurVerifier() throws AlipayApiException {
    Map<String, String> fields =
        new LinkedHashMap<>(
            new AlipayNotificationSigner(ALIPAY.getPrivate(), CLOCK)
                .sign(AlipayNotificationTest.paid()));
    String content = AlipaySignature.getSignCheckContentV1(new HashMap<>(fields));
    fields.put("sign", AlipaySignature.rsa256Sign(content, ALIPAY_PRIVATE, "utf-8"));
    assertInstanceOf(PaymentNotification.class, notifications.verify(fields));
  }

  @Test
  void aResponseSignedByOurSandboxPassesTheSdkContentCheck() throws AlipayApiException {
    JsonObject value =
        new JsonObject().put("code", "10000").put("msg", "Success").put("subject", "契税");
    String body = new AlipayResponseSigner(ALIPAY.getPrivate()).sign("alipay.trade.query", value);
    String sign = new JsonObject(body).getString("sign");
    assertTrue(AlipaySignature.rsaCheck(value.encode(), sign, ALIPAY_PUBLIC, "utf-8", "RSA2"));
  }

  // (c) the canonical strings are the SDK's

  @Test
  void ourRequestFormEqualsTheSdkSignContentOfTheParametersBeforeSignIsAdded() {
    Map<String, String> fields = withEmptyAndChineseValues();
    Map<String, String> unsigned = new HashMap<>(fields);
    unsigned.remove("sign");
    assertEquals(AlipaySignature.getSignContent(unsigned), AlipaySignContent.request(fields));
    // The SDK's client builds the content before adding sign, so its function keeps a sign it
    // is given; the gateway must leave it out (§2.1), and ours does.
    assertTrue(AlipaySignature.getSignContent(new HashMap<>(fields)).contains("sign=whatever"));
  }

  /** Alipay's documentation says empty values are kept; the SDK drops them, and so do we. */
  @Test
  void ourNotificationFormEqualsTheSdkV1CheckContentWhichDropsEmptyValues() {
    Map<String, String> fields = withEmptyAndChineseValues();
    assertEquals(
        AlipaySignature.getSignCheckContentV1(new HashMap<>(fields)),
        AlipaySignContent.notification(fields));
    assertFalse(AlipaySignature.getSignCheckContentV1(new HashMap<>(fields)).contains("passback"));
    Map<String, String> sample = AlipaySignContentTest.sampleNotification();
    assertEquals(
        AlipaySignature.getSignCheckContentV1(new HashMap<>(sample)),
        AlipaySignContent.notification(sample));
  }

  // (d) one changed byte is refused on both sides

  @Test
  void oneChangedByteInOurNotificationIsRefusedByTheSdkAndByUs() throws AlipayApiException {
    Map<String, String> fields =
        new LinkedHashMap<>(
            new AlipayNotificationSigner(ALIPAY.getPrivate(), CLOCK)
                .sign(AlipayNotificationTest.paid()));
    fields.put("out_trade_no", "BDC_2");
    assertFalse(sdkCheckV1(fields));
    assertInstanceOf(Rejection.class, notifications.verify(fields));
  }

  @Test
  void oneChangedByteInAnSdkSignedRequestIsRefusedByUsAndByTheSdk() throws AlipayApiException {
    Map<String, String> params = new HashMap<>();
    params.put("app_id", APP_ID);
    params.put("method", "alipay.trade.query");
    params.put("charset", "utf-8");
    params.put("sign_type", "RSA2");
    params.put("timestamp", "2026-06-05 10:00:00");
    params.put("version", "1.0");
    params.put("biz_content", "{\"out_trade_no\":\"A1\"}");
    String content = AlipaySignature.getSignContent(params);
    params.put("sign", AlipaySignature.rsaSign(content, MERCHANT_PRIVATE, "utf-8", "RSA2"));
    assertTrue(gateway.verify(params).ok());
    params.put("biz_content", "{\"out_trade_no\":\"A2\"}");
    assertEquals(AlipayGatewayVerifier.Reason.BAD_SIGNATURE, gateway.verify(params).reason());
    assertFalse(
        AlipaySignature.rsaCheck(
            AlipaySignature.getSignContent(params),
            params.get("sign"),
            base64(MERCHANT.getPublic()),
            "utf-8",
            "RSA2"));
  }
}
