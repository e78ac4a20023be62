package org.clearing.channel.alipay;

import static org.clearing.channel.alipay.AlipayTestKeys.ALIPAY;
import static org.clearing.channel.alipay.AlipayTestKeys.APP_ID;
import static org.clearing.channel.alipay.AlipayTestKeys.CLOCK;
import static org.clearing.channel.alipay.AlipayTestKeys.NOW;
import static org.clearing.channel.alipay.AlipayTestKeys.SELLER_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.Rejection.Reason;
import org.clearing.channel.Rejection;
import org.clearing.crypto.SignatureScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Notifications signed by the sandbox signer verify and map to payments and refunds, and every way
 * a notification can be untrustworthy gives its own rejection reason.
 */
class AlipayNotificationTest {

  private static final Instant CREATED = Instant.parse("2026-06-05T01:58:00Z");
  private static final Instant PAID = Instant.parse("2026-06-05T01:59:30Z");

  private final AlipayNotificationSigner signer =
      new AlipayNotificationSigner(ALIPAY.getPrivate(), CLOCK);
  private final AlipayNotificationVerifier verifier = verifierAt(CLOCK);

  private static AlipayNotificationVerifier verifierAt(Clock clock) {
    return new AlipayNotificationVerifier(
        ALIPAY.getPublic(),
        APP_ID,
        SELLER_ID,
        clock,
        AlipayNotificationVerifier.DEFAULT_NOTIFY_TIME_BOUND);
  }

  static AlipayTradeNotice paid() {
    return new AlipayTradeNotice(
        APP_ID,
        "notify-0001",
        "2026060522001400000000000001",
        "BDC_1",
        "2088102116773037",
        SELLER_ID,
        Money.parseYuan("12345.67"),
        Money.parseYuan("12345.67"),
        Money.parseYuan("12345.67"),
        "TRADE_SUCCESS",
        CREATED,
        PAID,
        "契税 & 登记费",
        null);
  }

  static AlipayTradeNotice refunded() {
    AlipayTradeNotice paid = paid();
    return new AlipayTradeNotice(
        APP_ID,
        "notify-0002",
        paid.tradeNo(),
        paid.outTradeNo(),
        paid.buyerId(),
        SELLER_ID,
        paid.totalAmount(),
        paid.receiptAmount(),
        paid.buyerPayAmount(),
        "TRADE_SUCCESS",
        CREATED,
        PAID,
        paid.subject(),
        new AlipayTradeNotice.Refund(
            Money.parseYuan("345.67"), Instant.parse("2026-06-05T01:59:50Z"), "R_1"));
  }

  private Map<String, String> signed(AlipayTradeNotice trade) {
    return new LinkedHashMap<>(signer.sign(trade));
  }

  /** Re-signs fields after a test changed them, so only the change under test is wrong. */
  private static Map<String, String> resign(Map<String, String> fields) {
    String content = AlipaySignContent.notification(fields);
    fields.put("sign", SignatureScheme.SHA256_RSA.sign(ALIPAY.getPrivate(), content));
    return fields;
  }

  private Reason reasonFor(Map<String, String> fields) {
    return assertInstanceOf(Rejection.class, verifier.verify(fields)).reason();
  }

  @Test
  void aPaymentNotificationFromTheFormBodyMapsToAPayment() {
    byte[] body =
        AlipayNotificationSigner.formBody(signer.sign(paid())).getBytes(StandardCharsets.US_ASCII);
    PaymentNotification payment =
        assertInstanceOf(PaymentNotification.class, verifier.verify(body));
    assertEquals(
        new PaymentNotification(
            Channel.ALIPAY,
            "notify-0001",
            "BDC_1",
            "2026060522001400000000000001",
            Money.ofFen(1234567),
            "CNY",
            true,
            PAID,
            "2088102116773037",
            PayeeIdentity.of(SELLER_ID, APP_ID, "")),
        payment);
  }

  @Test
  void theSignedFormCarriesTheSection2Point3Fields() {
    Map<String, String> fields = signer.sign(refunded());
    for (String name :
        new String[] {
          "notify_time",
          "notify_type",
          "notify_id",
          "app_id",
          "charset",
          "version",
          "sign_type",
          "trade_no",
          "out_trade_no",
          "buyer_id",
          "seller_id",
          "total_amount",
          "receipt_amount",
          "buyer_pay_amount",
          "trade_status",
          "gmt_create",
          "gmt_payment",
          "subject",
          "refund_fee",
          "gmt_refund",
          "out_biz_no",
          "sign"
        }) {
      assertFalse(fields.getOrDefault(name, "").isEmpty(), name);
    }
    assertEquals("2026-06-05 10:00:00", fields.get("notify_time"));
    assertEquals("2026-06-05 09:59:30", fields.get("gmt_payment"));
  }

  @Test
  void aRefundNotificationMapsToARefundOfTheCumulativeRefundFee() {
    RefundNotification refund =
        assertInstanceOf(RefundNotification.class, verifier.verify(signed(refunded())));
    assertEquals("notify-0002", refund.eventId());
    assertEquals("R_1", refund.outRefundNo());
    assertEquals(Money.ofFen(34567), refund.amount());
    assertEquals(RefundNotification.Status.SUCCEEDED, refund.status());
    assertEquals(Instant.parse("2026-06-05T01:59:50Z"), refund.occurredAt());
  }

  @Test
  void aFullRefundThatClosesTheTradeIsStillARefund() {
    Map<String, String> fields = signed(refunded());
    fields.put("trade_status", "TRADE_CLOSED");
    fields.put("refund_fee", "12345.67");
    RefundNotification refund =
        assertInstanceOf(RefundNotification.class, verifier.verify(resign(fields)));
    assertEquals(Money.ofFen(1234567), refund.amount());
  }

  @Test
  void anImpossibleCalendarDateIsMalformedRatherThanAdjusted() {
    Map<String, String> fields = signed(paid());
    fields.put("gmt_payment", "2026-02-30 09:59:30");
    assertEquals(Reason.MALFORMED, reasonFor(resign(fields)));
  }

  @Test
  void aRefundTimeWithMillisecondsIsRead() {
    Map<String, String> fields = signed(refunded());
    fields.put("gmt_refund", "2026-06-05 09:59:50.320");
    RefundNotification refund =
        assertInstanceOf(RefundNotification.class, verifier.verify(resign(fields)));
    assertEquals(Instant.parse("2026-06-05T01:59:50.320Z"), refund.occurredAt());
  }

  @Test
  void aZeroRefundFeeAloneIsStillAPaymentAsInTheSample() {
    Map<String, String> fields = signed(paid());
    fields.put("refund_fee", "0.00");
    assertInstanceOf(PaymentNotification.class, verifier.verify(resign(fields)));
  }

  @Test
  void aClosedTradeIsAnUnsuccessfulPaymentAtItsCloseTime() {
    Map<String, String> fields = signed(paid());
    fields.put("trade_status", "TRADE_CLOSED");
    fields.remove("gmt_payment");
    fields.put("gmt_close", "2026-06-05 09:59:00");
    PaymentNotification closed =
        assertInstanceOf(PaymentNotification.class, verifier.verify(resign(fields)));
    assertFalse(closed.successful());
    assertEquals(Instant.parse("2026-06-05T01:59:00Z"), closed.paidAt());
  }

  @Test
  void buyerOpenIdIsThePayerWhenBuyerIdIsAbsent() {
    Map<String, String> fields = signed(paid());
    fields.remove("buyer_id");
    fields.put("buyer_open_id", "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5");
    PaymentNotification payment =
        assertInstanceOf(PaymentNotification.class, verifier.verify(resign(fields)));
    assertEquals("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5", payment.payerRef());
  }

  @Test
  void aGbkNotificationVerifiesOverItsGbkBytes() {
    Map<String, String> fields = signed(paid());
    fields.put("charset", "GBK");
    byte[] content = AlipaySignContent.notification(fields).getBytes(Charset.forName("GBK"));
    fields.put("sign", SignatureScheme.SHA256_RSA.sign(ALIPAY.getPrivate(), content));
    byte[] body = AlipayForm.encode(fields, Charset.forName("GBK")).getBytes();
    assertInstanceOf(PaymentNotification.class, verifier.verify(body));
  }

  @Test
  void theAcknowledgementsAreExactlySuccessAndFail() {
    assertEquals(7, AlipayNotificationVerifier.ACK_SUCCESS.length());
    assertEquals("success", AlipayNotificationVerifier.ACK_SUCCESS);
    assertEquals("fail", AlipayNotificationVerifier.ACK_FAILURE);
  }

  @Test
  void theCallersMapIsNotChanged() {
    Map<String, String> fields = signed(paid());
    Map<String, String> before = Map.copyOf(fields);
    verifier.verify(fields);
    assertEquals(before, fields);
  }

  // ---- rejections ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sign",
        "notify_id",
        "notify_time",
        "app_id",
        "seller_id",
        "trade_no",
        "out_trade_no",
        "trade_status",
        "total_amount",
        "notify_type"
      })
  void aMissingRequiredFieldIsMalformed(String field) {
    Map<String, String> fields = signed(paid());
    fields.remove(field);
    assertEquals(Reason.MALFORMED, reasonFor(fields));
  }

  @Test
  void oneChangedByteAnywhereSignedIsABadSignature() {
    Map<String, String> fields = signed(paid());
    fields.put("total_amount", "12345.68");
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(fields));
    Map<String, String> added = signed(paid());
    added.put("passback_params", "x");
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(added));
  }

  @Test
  void anAddedEmptyFieldIsNotSignedAndChangesNothing() {
    Map<String, String> fields = signed(paid());
    Notification expected = verifier.verify(fields);
    fields.put("out_biz_no", "");
    fields.put("gmt_refund", "");
    fields.put("passback_params", "");
    assertEquals(expected, verifier.verify(fields));
  }

  @Test
  void aTamperedByteInTheRawBodyIsABadSignature() {
    String body = AlipayNotificationSigner.formBody(signer.sign(paid()));
    String tampered = body.replace("buyer_id=2088102116773037", "buyer_id=2088102116773038");
    assertEquals(
        Reason.BAD_SIGNATURE,
        assertInstanceOf(Rejection.class, verifier.verify(tampered.getBytes())).reason());
  }

  @Test
  void aForgedSignatureFromTheSandboxFaultIsABadSignature() {
    Map<String, String> forged =
        signer.sign(paid(), AlipayNotificationSigner.Fault.FORGED_SIGNATURE);
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(forged));
  }

  @Test
  void aSignTypeOtherThanRsa2IsMalformed() {
    Map<String, String> fields = signed(paid());
    fields.put("sign_type", "RSA");
    assertEquals(Reason.MALFORMED, reasonFor(fields));
  }

  @Test
  void aValidlySignedNotificationForAnotherAppOrSellerIsForeignNotForged() {
    Map<String, String> otherApp = signed(paid());
    otherApp.put("app_id", "2021000000000999");
    assertEquals(Reason.FOREIGN, reasonFor(resign(otherApp)));
    Map<String, String> otherSeller = signed(paid());
    otherSeller.put("seller_id", "2088000000000001");
    assertEquals(Reason.FOREIGN, reasonFor(resign(otherSeller)));
  }

  @Test
  void aNotifyTimeBeyondTheBoundIsStaleButAResendAfterTwentyFiveHoursIsNot() {
    Map<String, String> skewed =
        signer.sign(paid(), AlipayNotificationSigner.Fault.SKEWED_NOTIFY_TIME);
    assertEquals(Reason.STALE, reasonFor(skewed));
    Clock dayLater = Clock.fixed(NOW.plus(Duration.ofHours(25)), ZoneOffset.UTC);
    assertInstanceOf(PaymentNotification.class, verifierAt(dayLater).verify(signed(paid())));
    Clock threeDaysLater = Clock.fixed(NOW.plus(Duration.ofHours(49)), ZoneOffset.UTC);
    assertEquals(
        Reason.STALE,
        assertInstanceOf(Rejection.class, verifierAt(threeDaysLater).verify(signed(paid())))
            .reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"12345.678", "0.00", "-1.00", "1,000.00", "abc", "1e3"})
  void aTotalAmountThatIsNotAPositiveTwoDecimalYuanAmountIsMalformed(String amount) {
    Map<String, String> fields = signed(paid());
    fields.put("total_amount", amount);
    assertEquals(Reason.MALFORMED, reasonFor(resign(fields)));
  }

  @Test
  void aRefundWithAThreeDecimalOrMissingRefundFeeIsMalformed() {
    Map<String, String> fields = signed(refunded());
    fields.put("refund_fee", "345.670");
    assertEquals(Reason.MALFORMED, reasonFor(resign(fields)));
    fields.remove("refund_fee");
    assertEquals(Reason.MALFORMED, reasonFor(resign(fields)));
  }

  @Test
  void aRefundWithoutOutBizNoOrWithABadRefundTimeIsMalformed() {
    Map<String, String> noBizNo = signed(refunded());
    noBizNo.remove("out_biz_no");
    assertEquals(Reason.MALFORMED, reasonFor(resign(noBizNo)));
    Map<String, String> badTime = signed(refunded());
    badTime.put("gmt_refund", "yesterday");
    assertEquals(Reason.MALFORMED, reasonFor(resign(badTime)));
  }

  @Test
  void aPaidTradeWithoutAValidPaymentTimeIsMalformed() {
    Map<String, String> fields = signed(paid());
    fields.put("gmt_payment", "2026/06/05 09:59:30");
    assertEquals(Reason.MALFORMED, reasonFor(resign(fields)));
  }

  @Test
  void anUnknownTradeStatusOrNotifyTypeIsMalformed() {
    Map<String, String> status = signed(paid());
    status.put("trade_status", "TRADE_PENDING");
    assertEquals(Reason.MALFORMED, reasonFor(resign(status)));
    Map<String, String> type = signed(paid());
    type.put("notify_type", "fund_auth_sync");
    assertEquals(Reason.MALFORMED, reasonFor(resign(type)));
  }

  @Test
  void anUnreadableNotifyTimeIsMalformed() {
    Map<String, String> fields = signed(paid());
    fields.put("notify_time", "1749088800");
    assertEquals(Reason.MALFORMED, reasonFor(resign(fields)));
  }

  @Test
  void aBodyWithARepeatedFieldOrUnknownCharsetIsMalformed() {
    String body = AlipayNotificationSigner.formBody(signer.sign(paid()));
    Notification repeated = verifier.verify((body + "&total_amount=0.01").getBytes());
    assertEquals(Reason.MALFORMED, assertInstanceOf(Rejection.class, repeated).reason());
    Notification charset =
        verifier.verify(body.replace("charset=utf-8", "charset=x-nope").getBytes());
    assertEquals(Reason.MALFORMED, assertInstanceOf(Rejection.class, charset).reason());
  }

  @Test
  void everyRejectionIsLabelledAlipay() {
    Notification rejected = verifier.verify("garbage".getBytes());
    assertTrue(rejected instanceof Rejection r && r.channel() == Channel.ALIPAY);
  }
}
