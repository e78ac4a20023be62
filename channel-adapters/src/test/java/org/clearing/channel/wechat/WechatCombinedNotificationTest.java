package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.Rejection;
import org.clearing.channel.Rejection.Reason;
import org.junit.jupiter.api.Test;

// Proves a combined-payment (合单) notification becomes ONE payment of the combined order: summed
// amount, first sub-order's transaction id, latest success time, paid only if every sub-order is.
class WechatCombinedNotificationTest {

  private static final WechatPlatformCredential PLATFORM = WechatNotificationVerifierTest.RSA_PUBLIC_KEY;
  private final MutableClock clock = new MutableClock(WechatNotificationVerifierTest.NOW);
  private final WechatNotificationVerifier verifier = new WechatNotificationVerifier(
      PLATFORM.addTo(WechatPlatformKeys.empty()), WechatNotificationVerifierTest.API_V3_KEY,
      "1900000001", "wxd678efh567hg6787", clock, Duration.ofMinutes(5));
  private final WechatNotificationSigner signer =
      new WechatNotificationSigner(PLATFORM, WechatNotificationVerifierTest.API_V3_KEY, clock);

  static JsonObject combined() {
    return new JsonObject("""
        {"combine_appid":"wxd678efh567hg6787","combine_mchid":"1900000001",
         "combine_out_trade_no":"WTF202611270000000001",
         "combine_payer_info":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
         "sub_orders":[
          {"mchid":"1900000101","trade_state":"SUCCESS","trade_type":"JSAPI",
           "transaction_id":"4200000000202611270000000001","out_trade_no":"WTF202611270000000001L1",
           "amount":{"total_amount":100000,"payer_amount":100000,"currency":"CNY"},
           "success_time":"2026-11-27T10:00:01+08:00"},
          {"mchid":"1900000102","trade_state":"SUCCESS","trade_type":"JSAPI",
           "transaction_id":"4200000000202611270000000002","out_trade_no":"WTF202611270000000001L2",
           "amount":{"total_amount":8000,"payer_amount":8000,"currency":"CNY"},
           "success_time":"2026-11-27T10:00:03+08:00"}]}""");
  }

  private Notification deliver(JsonObject resource) {
    var signed = signer.sign(signer.transactionEnvelope("EV-C1", resource));
    return verifier.verify(signed.headersLowercased(), signed.body());
  }

  @Test
  void aCombinedNotificationBecomesOnePaymentOfTheSumAtTheLatestSuccessTime() {
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, deliver(combined()));
    assertEquals("EV-C1", payment.eventId());
    assertEquals("WTF202611270000000001", payment.outTradeNo());
    assertEquals("4200000000202611270000000001", payment.transactionId());
    assertEquals(Money.ofFen(108000), payment.amount());
    assertEquals("CNY", payment.currency());
    assertTrue(payment.successful());
    assertEquals(Instant.parse("2026-11-27T02:00:03Z"), payment.paidAt());
    assertEquals("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", payment.payerRef());
  }

  @Test
  void aCombinedNotificationWithOneUnpaidSubOrderIsNotSuccessful() {
    JsonObject resource = combined();
    JsonObject second = resource.getJsonArray("sub_orders").getJsonObject(1);
    second.put("trade_state", "NOTPAY").remove("success_time");
    second.remove("transaction_id");
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, deliver(resource));
    assertFalse(payment.successful());
    assertEquals(Instant.parse("2026-11-27T02:00:01Z"), payment.paidAt());
  }

  @Test
  void aCombinedNotificationForAnotherMerchantOrAppIsForeign() {
    assertRejected(Reason.FOREIGN, deliver(combined().put("combine_mchid", "1900000999")));
    assertRejected(Reason.FOREIGN, deliver(combined().put("combine_appid", "wx0000000000000000")));
  }

  @Test
  void aCombinedNotificationWithoutSubOrdersOrWithAFractionalAmountIsMalformed() {
    JsonObject empty = combined();
    empty.remove("sub_orders");
    assertRejected(Reason.MALFORMED, deliver(empty));
    JsonObject fraction = combined();
    fraction.getJsonArray("sub_orders").getJsonObject(0).getJsonObject("amount")
        .put("total_amount", 1000.5);
    assertRejected(Reason.MALFORMED, deliver(fraction));
    JsonObject paidWithoutId = combined();
    paidWithoutId.getJsonArray("sub_orders").getJsonObject(0).remove("transaction_id");
    assertRejected(Reason.MALFORMED, deliver(paidWithoutId));
  }

  @Test
  void aTamperedCombinedNotificationIsABadSignature() {
    var signed = signer.sign(signer.transactionEnvelope("EV-C1", combined()));
    byte[] body = signed.body().clone();
    body[10] ^= 0x01;
    assertRejected(Reason.BAD_SIGNATURE, verifier.verify(signed.headersLowercased(), body));
  }

  @Test
  void thePlainSingleOrderNotificationStillParsesAsBefore() {
    JsonObject single = WechatNotificationVerifierTest.transaction();
    PaymentNotification payment = assertInstanceOf(PaymentNotification.class, deliver(single));
    assertEquals("BDC20250101A", payment.outTradeNo());
    assertEquals(Money.ofFen(12345), payment.amount());
  }

  private static void assertRejected(Reason reason, Notification notification) {
    Rejection rejection = assertInstanceOf(Rejection.class, notification);
    assertEquals(reason, rejection.reason(), rejection.detail());
  }
}
