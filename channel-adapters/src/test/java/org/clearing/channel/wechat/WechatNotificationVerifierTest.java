package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.Rejection.Reason;
import org.clearing.channel.Rejection;
import org.clearing.channel.wechat.WechatNotificationSigner.Fault;
import org.clearing.channel.wechat.WechatNotificationSigner.SignedNotification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Notifications built by the sandbox's signer are accepted by the merchant's verifier in
 * certificate, public-key and SM2 modes at once, and every rejection path gives its reason.
 */
class WechatNotificationVerifierTest {

  static final String API_V3_KEY = "0123456789abcdef0123456789abcdef";
  static final String MCHID = "1900000001";
  static final String APPID = "wxd678efh567hg6787";
  static final Instant NOW = Instant.parse("2025-01-01T04:00:00Z");
  static final WechatPlatformCredential RSA_CERT =
      WechatPlatformCredential.withCertificate(WechatSignatureType.RSA, java.time.Clock.systemUTC());
  static final WechatPlatformCredential RSA_PUBLIC_KEY =
      WechatPlatformCredential.withPublicKeyId(WechatSignatureType.RSA);
  static final WechatPlatformCredential SM2 =
      WechatPlatformCredential.withPublicKeyId(WechatSignatureType.SM2);
  static final WechatPlatformCredential UNTRUSTED =
      WechatPlatformCredential.withPublicKeyId(WechatSignatureType.RSA);

  private final MutableClock clock = new MutableClock(NOW);
  private final WechatNotificationVerifier verifier = new WechatNotificationVerifier(
      SM2.addTo(RSA_PUBLIC_KEY.addTo(WechatPlatformKeys.empty().withCertificate(RSA_CERT.certificate().orElseThrow()))),
      API_V3_KEY, MCHID, APPID, clock, Duration.ofMinutes(5));
  private final WechatNotificationSigner signer = signer(RSA_CERT);

  private WechatNotificationSigner signer(WechatPlatformCredential credential) {
    return new WechatNotificationSigner(credential, API_V3_KEY, clock);
  }

  static JsonObject transaction() {
    return new JsonObject("""
        {"appid":"wxd678efh567hg6787","mchid":"1900000001","out_trade_no":"BDC20250101A",
         "transaction_id":"4200000000202501010000000001","trade_type":"NATIVE",
         "trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"",
         "success_time":"2025-01-01T11:59:30+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
         "amount":{"total":12345,"payer_total":12345,"currency":"CNY","payer_currency":"CNY"}}""");
  }

  static JsonObject refund(String status) {
    JsonObject refund = new JsonObject("""
        {"mchid":"1900000001","out_trade_no":"BDC20250101A",
         "transaction_id":"4200000000202501010000000001","out_refund_no":"RF20250101A",
         "refund_id":"50000000382019052709732678859","refund_status":"SUCCESS",
         "success_time":"2025-01-01T11:58:00+08:00","user_received_account":"支付用户零钱",
         "amount":{"total":12345,"refund":345,"payer_total":12345,"payer_refund":345}}""");
    refund.put("refund_status", status);
    if (!status.equals("SUCCESS")) {
      refund.remove("success_time");
    }
    return refund;
  }

  private Notification deliver(SignedNotification notification) {
    return verifier.verify(notification.headersLowercased(), notification.body());
  }

  private Notification deliverTransaction(JsonObject transaction) {
    return deliver(signer.sign(signer.transactionEnvelope("EV-1", transaction)));
  }

  private static void assertRejected(Reason reason, Notification notification) {
    Rejection rejection = assertInstanceOf(Rejection.class, notification);
    assertEquals(reason, rejection.reason(), rejection.detail());
  }

  @Test
  void aPaymentSignedWithTheCertificateKeyIsAcceptedWithEveryField() {
    SignedNotification signed = signer.sign(signer.transactionEnvelope("EV-2018022511223320873", transaction()));
    assertEquals(RSA_CERT.serial(), signed.headers().get("Wechatpay-Serial"));
    assertTrue(RSA_CERT.serial().matches("[0-9A-F]{40}"), RSA_CERT.serial());
    assertEquals("WECHATPAY2-SHA256-RSA2048", signed.headers().get("Wechatpay-Signature-Type"));
    assertEquals("1735704000", signed.headers().get("Wechatpay-Timestamp"));

    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, deliver(signed));
    assertEquals(new PaymentNotification(Channel.WECHAT, "EV-2018022511223320873", "BDC20250101A",
        "4200000000202501010000000001", Money.ofFen(12345), "CNY", true,
        Instant.parse("2025-01-01T03:59:30Z"), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        PayeeIdentity.of(MCHID, APPID, "")), payment);
  }

  @Test
  void theEnvelopeHasWechatsFieldsAndAnEncryptedResource() {
    JsonObject envelope = new JsonObject(new String(
        signer.transactionEnvelope("EV-1", transaction()), StandardCharsets.UTF_8));
    assertEquals("2025-01-01T12:00:00+08:00", envelope.getString("create_time"));
    assertEquals("encrypt-resource", envelope.getString("resource_type"));
    assertEquals("TRANSACTION.SUCCESS", envelope.getString("event_type"));
    assertEquals("支付成功", envelope.getString("summary"));
    JsonObject resource = envelope.getJsonObject("resource");
    assertEquals("transaction", resource.getString("original_type"));
    assertEquals("transaction", resource.getString("associated_data"));
    assertEquals("AEAD_AES_256_GCM", resource.getString("algorithm"));
    assertEquals(12, resource.getString("nonce").length());
    byte[] plain = AeadCipher.aes256Gcm(API_V3_KEY).decrypt("transaction",
        resource.getString("nonce"), resource.getString("ciphertext")).orElseThrow();
    assertEquals(transaction(), new JsonObject(new String(plain, StandardCharsets.UTF_8)));
  }

  @Test
  void certificateAndPublicKeyModesAreAcceptedByTheSameVerifier() {
    byte[] body = signer.transactionEnvelope("EV-1", transaction());
    assertInstanceOf(PaymentNotification.class, deliver(signer.sign(body)));
    SignedNotification byPublicKey = signer(RSA_PUBLIC_KEY).sign(body);
    assertTrue(byPublicKey.headers().get("Wechatpay-Serial").matches("PUB_KEY_ID_\\d{32}"));
    assertInstanceOf(PaymentNotification.class, deliver(byPublicKey));
  }

  @Test
  void anSm2NotificationWithAnSm4ResourceIsAcceptedEndToEnd() {
    WechatNotificationSigner sm2 = signer(SM2);
    SignedNotification signed = sm2.sign(sm2.transactionEnvelope("EV-SM", transaction()));
    assertEquals("WECHATPAY2-SM2-WITH-SM3", signed.headers().get("Wechatpay-Signature-Type"));
    assertTrue(new String(signed.body(), StandardCharsets.UTF_8).contains("\"AEAD_SM4_GCM\""));
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, deliver(signed));
    assertEquals(Money.ofFen(12345), payment.amount());
    assertEquals("EV-SM", payment.eventId());
  }

  @Test
  void anAbsentSignatureTypeHeaderMeansRsa() {
    SignedNotification signed = signer.sign(signer.transactionEnvelope("EV-1", transaction()));
    Map<String, String> headers = signed.headersLowercased();
    headers.remove("wechatpay-signature-type");
    assertInstanceOf(PaymentNotification.class, verifier.verify(headers, signed.body()));
  }

  @Test
  void aRefundSuccessIsARefundNotification() {
    RefundNotification refund = assertInstanceOf(RefundNotification.class,
        deliver(signer.sign(signer.refundEnvelope("EV-R", refund("SUCCESS")))));
    assertEquals(new RefundNotification(Channel.WECHAT, "EV-R", "BDC20250101A",
        "4200000000202501010000000001", "RF20250101A", "50000000382019052709732678859",
        Money.ofFen(345), RefundNotification.Status.SUCCEEDED,
        Instant.parse("2025-01-01T03:58:00Z"), PayeeIdentity.of(MCHID, "", "")), refund);
  }

  @Test
  void aCombinedPaymentLegsRefundCarriesTheEngineNumbersAndTheLeg() {
    JsonObject leg = refund("SUCCESS").put("out_trade_no", "WTF20250101000001L2")
        .put("out_refund_no", "RF000000000007L2");
    RefundNotification refund = assertInstanceOf(RefundNotification.class,
        deliver(signer.sign(signer.refundEnvelope("EV-R2", leg))));

    assertEquals("RF000000000007L2", refund.outRefundNo());
    assertEquals("RF000000000007", refund.parentOutRefundNo());
    assertEquals("WTF20250101000001", refund.parentOutTradeNo());
    assertEquals(2, refund.legNo());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ABNORMAL", "CLOSED"})
  void anAbnormalOrClosedRefundIsAFailedRefundDatedByTheEvent(String status) {
    byte[] body = signer.refundEnvelope("EV-R", refund(status));
    assertTrue(new String(body, StandardCharsets.UTF_8).contains("\"REFUND." + status + "\""));
    RefundNotification refund = assertInstanceOf(RefundNotification.class, deliver(signer.sign(body)));
    assertEquals(RefundNotification.Status.FAILED, refund.status());
    assertEquals(NOW, refund.occurredAt());
  }

  @ParameterizedTest
  @ValueSource(strings = {"wechatpay-serial", "wechatpay-signature", "wechatpay-timestamp", "wechatpay-nonce"})
  void aMissingHeaderIsMalformed(String header) {
    SignedNotification signed = signer.sign(signer.transactionEnvelope("EV-1", transaction()));
    Map<String, String> headers = signed.headersLowercased();
    headers.remove(header);
    assertRejected(Reason.MALFORMED, verifier.verify(headers, signed.body()));
    headers.put(header, " ");
    assertRejected(Reason.MALFORMED, verifier.verify(headers, signed.body()));
  }

  @Test
  void aNonNumericTimestampOrUnknownSignatureTypeIsMalformed() {
    SignedNotification signed = signer.sign(signer.transactionEnvelope("EV-1", transaction()));
    Map<String, String> headers = signed.headersLowercased();
    headers.put("wechatpay-timestamp", "2025-01-01T04:00:00Z");
    assertRejected(Reason.MALFORMED, verifier.verify(headers, signed.body()));
    headers = signed.headersLowercased();
    headers.put("wechatpay-signature-type", "WECHATPAY2-SHA1-RSA1024");
    assertRejected(Reason.MALFORMED, verifier.verify(headers, signed.body()));
  }

  @Test
  void aProbeSignatureIsAProbeEvenUnderAnUnknownSerial() {
    byte[] body = signer.transactionEnvelope("EV-1", transaction());
    SignedNotification probe = signer.sign(body, Fault.probeSignature());
    assertTrue(probe.headers().get("Wechatpay-Signature").startsWith("WECHATPAY/SIGNTEST/"));
    assertRejected(Reason.PROBE, deliver(probe));
    assertRejected(Reason.PROBE, deliver(signer(UNTRUSTED).sign(body, Fault.probeSignature())));
  }

  @Test
  void anUntrustedSerialIsAnUnknownKey() {
    assertRejected(Reason.UNKNOWN_KEY,
        deliver(signer(UNTRUSTED).sign(signer.transactionEnvelope("EV-1", transaction()))));
  }

  @Test
  void aTimestampFiveMinutesOffEitherWayIsStaleAndJustUnderIsFresh() {
    byte[] body = signer.transactionEnvelope("EV-1", transaction());
    assertRejected(Reason.STALE, deliver(signer.sign(body, Fault.skewedTimestamp(Duration.ofMinutes(-5)))));
    assertRejected(Reason.STALE, deliver(signer.sign(body, Fault.skewedTimestamp(Duration.ofMinutes(5)))));
    assertRejected(Reason.STALE, deliver(signer.sign(body, Fault.skewedTimestamp(Duration.ofHours(-25)))));
    assertInstanceOf(PaymentNotification.class,
        deliver(signer.sign(body, Fault.skewedTimestamp(Duration.ofSeconds(-299)))));
    assertInstanceOf(PaymentNotification.class,
        deliver(signer.sign(body, Fault.skewedTimestamp(Duration.ofSeconds(299)))));
  }

  @Test
  void aSignatureByAnotherKeyIsABadSignature() {
    SignedNotification forged = signer.sign(signer.transactionEnvelope("EV-1", transaction()),
        Fault.forgedSignature(UNTRUSTED.privateKey()));
    assertRejected(Reason.BAD_SIGNATURE, deliver(forged));
  }

  @Test
  void aTamperedBodyByteNonceOrSignatureIsABadSignature() {
    SignedNotification signed = signer.sign(signer.transactionEnvelope("EV-1", transaction()));
    byte[] body = signed.body().clone();
    body[body.length / 2] ^= 0x01;
    assertRejected(Reason.BAD_SIGNATURE, verifier.verify(signed.headersLowercased(), body));

    Map<String, String> headers = signed.headersLowercased();
    headers.put("wechatpay-nonce", headers.get("wechatpay-nonce") + "X");
    assertRejected(Reason.BAD_SIGNATURE, verifier.verify(headers, signed.body()));

    headers = signed.headersLowercased();
    byte[] signature = Base64.getDecoder().decode(headers.get("wechatpay-signature"));
    signature[10] ^= 0x01;
    headers.put("wechatpay-signature", Base64.getEncoder().encodeToString(signature));
    assertRejected(Reason.BAD_SIGNATURE, verifier.verify(headers, signed.body()));
    headers.put("wechatpay-signature", "not base64 !");
    assertRejected(Reason.BAD_SIGNATURE, verifier.verify(headers, signed.body()));
  }

  @Test
  void anRsaSignatureClaimingTheSm2TypeIsABadSignature() {
    SignedNotification signed = signer.sign(signer.transactionEnvelope("EV-1", transaction()));
    Map<String, String> headers = signed.headersLowercased();
    headers.put("wechatpay-signature-type", "WECHATPAY2-SM2-WITH-SM3");
    assertRejected(Reason.BAD_SIGNATURE, verifier.verify(headers, signed.body()));
  }

  @Test
  void aTamperedCiphertextThatWasSignedAnywayIsABadSignature() {
    JsonObject envelope = new JsonObject(new String(
        signer.transactionEnvelope("EV-1", transaction()), StandardCharsets.UTF_8));
    JsonObject resource = envelope.getJsonObject("resource");
    byte[] sealed = Base64.getDecoder().decode(resource.getString("ciphertext"));
    sealed[5] ^= 0x01;
    resource.put("ciphertext", Base64.getEncoder().encodeToString(sealed));
    assertRejected(Reason.BAD_SIGNATURE, deliver(signer.sign(bytes(envelope))));
  }

  @Test
  void aResourceUnderAnotherApiV3KeyIsABadSignature() {
    WechatNotificationSigner otherKey =
        new WechatNotificationSigner(RSA_CERT, "ZZZZ456789abcdef0123456789abcdef", clock);
    assertRejected(Reason.BAD_SIGNATURE,
        deliver(otherKey.sign(otherKey.transactionEnvelope("EV-1", transaction()))));
  }

  @Test
  void anUnknownAlgorithmOrBadNonceInTheResourceIsMalformed() {
    JsonObject envelope = new JsonObject(new String(
        signer.transactionEnvelope("EV-1", transaction()), StandardCharsets.UTF_8));
    envelope.getJsonObject("resource").put("algorithm", "AEAD_AES_128_GCM");
    assertRejected(Reason.MALFORMED, deliver(signer.sign(bytes(envelope))));
    envelope.getJsonObject("resource").put("algorithm", "AEAD_AES_256_GCM").put("nonce", "short");
    assertRejected(Reason.MALFORMED, deliver(signer.sign(bytes(envelope))));
  }

  @Test
  void anotherMerchantsOrAppsPaymentOrRefundIsForeign() {
    assertRejected(Reason.FOREIGN, deliverTransaction(transaction().put("mchid", "1900000002")));
    assertRejected(Reason.FOREIGN, deliverTransaction(transaction().put("appid", "wx0000000000000000")));
    JsonObject noMchid = transaction();
    noMchid.remove("mchid");
    assertRejected(Reason.MALFORMED, deliverTransaction(noMchid));
    assertRejected(Reason.FOREIGN,
        deliver(signer.sign(signer.refundEnvelope("EV-R", refund("SUCCESS").put("mchid", "1")))));
    assertRejected(Reason.FOREIGN,
        deliverTransaction(transaction().put("sub_mchid", "1900000109")));
  }

  @Test
  void aSignedBodyThatIsNotJsonOrHasNoResourceIsMalformed() {
    assertRejected(Reason.MALFORMED, deliver(signer.sign("not json".getBytes(StandardCharsets.UTF_8))));
    assertRejected(Reason.MALFORMED, deliver(signer.sign("[1,2]".getBytes(StandardCharsets.UTF_8))));
    assertRejected(Reason.MALFORMED, deliver(signer.sign(new byte[0])));
    assertRejected(Reason.MALFORMED, deliver(signer.sign(
        "{\"id\":\"EV-1\",\"event_type\":\"TRANSACTION.SUCCESS\"}".getBytes(StandardCharsets.UTF_8))));
    assertRejected(Reason.MALFORMED, deliver(signer.sign(
        "{\"id\":\"EV-1\",\"event_type\":\"TRANSACTION.SUCCESS\",\"resource\":\"x\"}".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aResourceThatDecryptsToSomethingOtherThanJsonIsMalformed() {
    String nonce = "0123456789ab";
    JsonObject envelope = new JsonObject()
        .put("id", "EV-1").put("event_type", "TRANSACTION.SUCCESS")
        .put("resource", new JsonObject().put("algorithm", "AEAD_AES_256_GCM").put("nonce", nonce)
            .put("associated_data", "transaction")
            .put("ciphertext", AeadCipher.aes256Gcm(API_V3_KEY).encrypt("transaction", nonce,
                "{\"amount\":".getBytes(StandardCharsets.UTF_8))));
    assertRejected(Reason.MALFORMED, deliver(signer.sign(bytes(envelope))));
  }

  @Test
  void aMissingOrNonIntegerAmountIsMalformed() {
    JsonObject noAmount = transaction();
    noAmount.remove("amount");
    assertRejected(Reason.MALFORMED, deliverTransaction(noAmount));
    JsonObject noTotal = transaction();
    noTotal.getJsonObject("amount").remove("total");
    assertRejected(Reason.MALFORMED, deliverTransaction(noTotal));
    assertRejected(Reason.MALFORMED, deliverTransaction(transaction().put("amount",
        new JsonObject().put("total", 123.45).put("currency", "CNY"))));
    assertRejected(Reason.MALFORMED, deliverTransaction(transaction().put("amount",
        new JsonObject().put("total", "12345").put("currency", "CNY"))));
    assertRejected(Reason.MALFORMED, deliverTransaction(transaction().put("amount",
        new JsonObject().put("total", -1).put("currency", "CNY"))));
  }

  @Test
  void missingIdsOrABadSuccessTimeAreMalformed() {
    for (String field : new String[] {"out_trade_no", "transaction_id", "success_time", "trade_state"}) {
      JsonObject transaction = transaction();
      transaction.remove(field);
      assertRejected(Reason.MALFORMED, deliverTransaction(transaction));
    }
    assertRejected(Reason.MALFORMED, deliverTransaction(transaction().put("success_time", "2025-01-01 11:59:30")));
    assertRejected(Reason.MALFORMED, deliverTransaction(transaction().put("out_trade_no", 42)));
  }

  @Test
  void anUnexpectedEventTypeIsMalformed() {
    byte[] body = signer.envelope("EV-1", "TRANSACTION.FAIL", "支付失败", "transaction", transaction());
    assertRejected(Reason.MALFORMED, deliver(signer.sign(body)));
  }

  @Test
  void aResendSignsTheSameBodyAgainAndBothDeliveriesCarryTheSameEventId() {
    byte[] body = signer.transactionEnvelope("EV-1", transaction());
    SignedNotification first = signer.sign(body);
    clock.advance(Duration.ofSeconds(15));
    SignedNotification second = signer.sign(body);
    assertArrayEquals(first.body(), second.body());
    assertEquals(((PaymentNotification) deliver(first)).eventId(),
        ((PaymentNotification) deliver(second)).eventId());
  }

  @Test
  void acknowledgementsHaveWechatsForms() {
    WechatAck ok = WechatAck.success();
    assertEquals(204, ok.status());
    assertEquals(0, ok.body().length);
    assertTrue(ok.delivered());
    WechatAck bad = WechatAck.rejected(new Rejection(Channel.WECHAT, Reason.BAD_SIGNATURE, "x"));
    assertEquals(401, bad.status());
    assertEquals(new JsonObject().put("code", "FAIL").put("message", "bad_signature"),
        new JsonObject(new String(bad.body(), StandardCharsets.UTF_8)));
    assertEquals(401, WechatAck.rejected(new Rejection(Channel.WECHAT, Reason.PROBE, "")).status());
    assertEquals(400, WechatAck.rejected(new Rejection(Channel.WECHAT, Reason.MALFORMED, "")).status());
    WechatAck later = WechatAck.retryLater("数据库不可用");
    assertEquals(500, later.status());
    assertTrue(!later.delivered());
    assertEquals("FAIL", new JsonObject(new String(later.body(), StandardCharsets.UTF_8)).getString("code"));
  }

  @Test
  void platformKeysFindEachEntryWithItsType() {
    WechatPlatformKeys keys = SM2.addTo(RSA_PUBLIC_KEY.addTo(
        WechatPlatformKeys.empty().withCertificate(RSA_CERT.certificate().orElseThrow())));
    assertEquals(3, keys.size());
    assertEquals(WechatSignatureType.RSA, keys.find(RSA_CERT.serial()).orElseThrow().type());
    assertEquals(WechatSignatureType.SM2, keys.find(SM2.serial()).orElseThrow().type());
    assertTrue(keys.find(UNTRUSTED.serial()).isEmpty());
    WechatPlatformCredential sm2Cert =
        WechatPlatformCredential.withCertificate(WechatSignatureType.SM2, clock);
    assertTrue(sm2Cert.serial().matches("[0-9A-F]{40}"));
    assertEquals(WechatSignatureType.SM2, WechatPlatformKeys.empty()
        .withCertificate(sm2Cert.certificate().orElseThrow()).find(sm2Cert.serial()).orElseThrow().type());
  }

  private static byte[] bytes(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }


}
