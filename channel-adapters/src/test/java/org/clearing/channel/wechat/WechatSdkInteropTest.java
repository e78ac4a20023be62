package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.wechat.pay.java.core.auth.WechatPay2Credential;
import com.wechat.pay.java.core.cipher.AeadAesCipher;
import com.wechat.pay.java.core.cipher.RSASigner;
import com.wechat.pay.java.core.exception.ValidationException;
import com.wechat.pay.java.core.notification.NotificationParser;
import com.wechat.pay.java.core.notification.RSAPublicKeyNotificationConfig;
import com.wechat.pay.java.core.notification.RequestParam;
import com.wechat.pay.java.service.payments.model.Transaction;
import com.wechat.pay.java.service.refund.model.RefundNotification;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.Rejection;
import org.clearing.channel.wechat.WechatAuthorization.MerchantKey;
import org.clearing.channel.wechat.WechatAuthorization.Outcome;
import org.clearing.channel.wechat.WechatNotificationSigner.SignedNotification;
import org.clearing.crypto.Crypto;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with the official wechatpay-java SDK 0.2.17 (test scope only): the SDK accepts
 * and decrypts what our sandbox signs, we accept what the SDK signs and encrypts, and a one-byte
 * change is refused on both sides. Only the public-key and explicit-key configurations are used,
 * so nothing reaches the network.
 */
class WechatSdkInteropTest {

  static final String API_V3_KEY = "0123456789abcdef0123456789abcdef";
  static final String MCHID = "1900000001";
  static final String APPID = "wxd678efh567hg6787";
  static final WechatPlatformCredential PLATFORM =
      WechatPlatformCredential.withPublicKeyId(WechatSignatureType.RSA);
  static final KeyPair MERCHANT = Crypto.generateRsa(2048);
  static final String MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";

  // The SDK checks freshness against the real clock, so the sandbox signs with it too.
  private final WechatNotificationSigner sandbox =
      new WechatNotificationSigner(PLATFORM, API_V3_KEY, Clock.systemUTC());
  private final NotificationParser sdkParser = new NotificationParser(
      new RSAPublicKeyNotificationConfig.Builder()
          .publicKey(PLATFORM.publicKey())
          .publicKeyId(PLATFORM.serial())
          .apiV3Key(API_V3_KEY)
          .build());
  private final WechatNotificationVerifier ourVerifier = new WechatNotificationVerifier(
      PLATFORM.addTo(WechatPlatformKeys.empty()), API_V3_KEY, MCHID, APPID, Clock.systemUTC(),
      Duration.ofMinutes(5));

  private static RequestParam sdkRequest(SignedNotification notification, byte[] body) {
    Map<String, String> headers = notification.headers();
    return new RequestParam.Builder()
        .serialNumber(headers.get("Wechatpay-Serial"))
        .nonce(headers.get("Wechatpay-Nonce"))
        .signature(headers.get("Wechatpay-Signature"))
        .timestamp(headers.get("Wechatpay-Timestamp"))
        .signType(headers.get("Wechatpay-Signature-Type"))
        .body(new String(body, StandardCharsets.UTF_8))
        .build();
  }

  @Test
  void theSdkAcceptsAndDecryptsAPaymentOurSandboxSignedInPublicKeyMode() {
    SignedNotification signed =
        sandbox.sign(sandbox.transactionEnvelope("EV-1", WechatNotificationVerifierTest.transaction()));
    Transaction transaction = sdkParser.parse(sdkRequest(signed, signed.body()), Transaction.class);
    assertEquals("BDC20250101A", transaction.getOutTradeNo());
    assertEquals("4200000000202501010000000001", transaction.getTransactionId());
    assertEquals(Transaction.TradeStateEnum.SUCCESS, transaction.getTradeState());
    assertEquals(12345, transaction.getAmount().getTotal());
    assertEquals("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", transaction.getPayer().getOpenid());
    assertEquals("2025-01-01T11:59:30+08:00", transaction.getSuccessTime());
    assertInstanceOf(PaymentNotification.class, ourVerifier.verify(signed.headersLowercased(), signed.body()));
  }

  @Test
  void theSdkAcceptsARefundOurSandboxSigned() {
    SignedNotification signed =
        sandbox.sign(sandbox.refundEnvelope("EV-R", WechatNotificationVerifierTest.refund("SUCCESS")));
    RefundNotification refund = sdkParser.parse(sdkRequest(signed, signed.body()), RefundNotification.class);
    assertEquals("RF20250101A", refund.getOutRefundNo());
    assertEquals(345L, refund.getAmount().getRefund());
  }

  @Test
  void aOneByteChangeToBodyOrSignatureIsRefusedByTheSdkAndByUs() {
    SignedNotification signed =
        sandbox.sign(sandbox.transactionEnvelope("EV-1", WechatNotificationVerifierTest.transaction()));
    byte[] body = signed.body().clone();
    int at = new String(body, StandardCharsets.UTF_8).indexOf("EV-1") + 3;
    body[at] = '2';
    assertThrows(ValidationException.class,
        () -> sdkParser.parse(sdkRequest(signed, body), Transaction.class));
    assertEquals(Rejection.Reason.BAD_SIGNATURE,
        ((Rejection) ourVerifier.verify(signed.headersLowercased(), body)).reason());

    byte[] signature = Base64.getDecoder().decode(signed.headers().get("Wechatpay-Signature"));
    signature[0] ^= 0x01;
    Map<String, String> headers = new java.util.HashMap<>(signed.headers());
    headers.put("Wechatpay-Signature", Base64.getEncoder().encodeToString(signature));
    SignedNotification tampered = new SignedNotification(headers, signed.body());
    assertThrows(ValidationException.class,
        () -> sdkParser.parse(sdkRequest(tampered, tampered.body()), Transaction.class));
    assertEquals(Rejection.Reason.BAD_SIGNATURE,
        ((Rejection) ourVerifier.verify(tampered.headersLowercased(), tampered.body())).reason());
  }

  @Test
  void ourAuthorizationCheckAcceptsTheSdksSignedRequestAndRefusesAChangedByte() throws Exception {
    WechatPay2Credential credential =
        new WechatPay2Credential(MCHID, new RSASigner(MERCHANT_SERIAL, MERCHANT.getPrivate()));
    WechatAuthorization check = new WechatAuthorization(
        Map.of(MERCHANT_SERIAL, new MerchantKey(MCHID, MERCHANT.getPublic())), Clock.systemUTC(),
        Duration.ofMinutes(5));
    String body = "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1900000001\",\"description\":\"契税\"}";
    String header = credential.getAuthorization(
        new URI("https://api.mch.weixin.qq.com/v3/pay/transactions/native"), "POST", body);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    WechatAuthorization.Result result = check.verify("POST", "/v3/pay/transactions/native", bytes, header);
    assertEquals(Outcome.OK, result.outcome(), result.detail());

    String query = credential.getAuthorization(new URI(
        "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/BDC20250101A?mchid=1900000001"),
        "GET", "");
    assertTrue(check.verify("GET", "/v3/pay/transactions/out-trade-no/BDC20250101A?mchid=1900000001",
        new byte[0], query).ok());

    bytes[bytes.length - 3] ^= 0x01;
    assertEquals(Outcome.BAD_SIGNATURE,
        check.verify("POST", "/v3/pay/transactions/native", bytes, header).outcome());
  }

  @Test
  void ourCipherDecryptsWhatTheSdkEncryptsAndTheOtherWayRound() {
    AeadAesCipher sdk = new AeadAesCipher(API_V3_KEY.getBytes(StandardCharsets.UTF_8));
    byte[] aad = "transaction".getBytes(StandardCharsets.UTF_8);
    byte[] nonce = "abcdef123456".getBytes(StandardCharsets.UTF_8);
    String sealedBySdk = sdk.encrypt(aad, nonce, AeadCipherTest.PLAINTEXT.getBytes(StandardCharsets.UTF_8));
    assertEquals(AeadCipherTest.CIPHERTEXT, sealedBySdk);

    // The SDK's encrypt returns base64 text; its decrypt takes the decoded bytes.
    AeadCipher ours = AeadCipher.aes256Gcm(API_V3_KEY);
    String message = new JsonObject().put("金额", 1).encode();
    String sealedBySdk2 = sdk.encrypt(aad, nonce, message.getBytes(StandardCharsets.UTF_8));
    assertEquals(message, new String(
        ours.decrypt("transaction", "abcdef123456", sealedBySdk2).orElseThrow(), StandardCharsets.UTF_8));
    String sealedByUs = ours.encrypt("refund", "0123456789ab", message.getBytes(StandardCharsets.UTF_8));
    assertEquals(message, sdk.decrypt("refund".getBytes(StandardCharsets.UTF_8),
        "0123456789ab".getBytes(StandardCharsets.UTF_8),
        Base64.getDecoder().decode(sealedByUs)));

    byte[] raw = Base64.getDecoder().decode(sealedBySdk2);
    raw[raw.length - 1] ^= 0x01;
    String tampered = Base64.getEncoder().encodeToString(raw);
    assertTrue(ours.decrypt("transaction", "abcdef123456", tampered).isEmpty());
    assertThrows(RuntimeException.class, () -> sdk.decrypt(aad, nonce, raw));
  }
}
