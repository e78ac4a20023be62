package org.clearing.channel.unionpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.Rejection.Reason;
import org.clearing.channel.Rejection;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder.Consume;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder.Fault;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder.Refund;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Notifications the sandbox builds are verified and mapped by the merchant side exactly (§3.2);
 * every fault and malformed field becomes a rejection with the right reason.
 */
class UnionPayNotificationsTest {

  static final Instant NOW = Instant.parse("2026-03-01T04:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String MER_ID = "777290058110048";
  static final String QUERY_ID = "260301120000123456789";

  static UnionPayNotificationBuilder sandbox;
  static UnionPayNotifications merchant;

  @BeforeAll
  static void setUp() {
    // The sandbox's default CN has the test-environment owner, so the merchant runs relaxed,
    // as against UnionPay's own test environment.
    Pki pki = Pki.generate(CLOCK, UnionPayCertificates.SANDBOX_SIGNING_CN, MER_ID);
    sandbox = new UnionPayNotificationBuilder(pki, CLOCK);
    merchant =
        new UnionPayNotifications(
            new UnionPayVerifier(
                pki.root().certificate(), pki.intermediate().certificate(), CLOCK, false));
  }

  static Consume order() {
    return new Consume(
        MER_ID, "BDC20260301A", "20260301115500", 12345, "000000", "07", "6221558812340000", null);
  }

  @Test
  void aConsumeNotificationCarriesTheSection32FieldsAndMapsToAPayment() {
    Map<String, String> form = sandbox.consume(order(), QUERY_ID, Fault.NONE);
    assertEquals("156", form.get("currencyCode"));
    assertEquals("12345", form.get("settleAmt"));
    assertEquals("0301", form.get("settleDate"));
    assertEquals("0301120000", form.get("traceTime"));
    assertTrue(form.get("traceNo").matches("[0-9]{6}"));
    assertEquals("5.1.0", form.get("version"));
    assertEquals("01", form.get("signMethod"));

    Notification parsed = merchant.parse(form);
    assertEquals(
        new PaymentNotification(
            Channel.UNIONPAY,
            QUERY_ID,
            "BDC20260301A",
            QUERY_ID,
            Money.ofFen(12345),
            "CNY",
            true,
            Instant.parse("2026-03-01T03:55:00Z"),
            "622155****0000",
            PayeeIdentity.of(MER_ID, "0", "")),
        parsed);
  }

  @Test
  void aRawFormBodyDecodesAndVerifiesLikeTheMap() {
    Map<String, String> form = sandbox.consume(order(), QUERY_ID, Fault.NONE);
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    assertEquals(merchant.parse(form), merchant.parse(body.getBytes(StandardCharsets.UTF_8)));
    Notification repeated =
        merchant.parse((body + "&txnAmt=1").getBytes(StandardCharsets.UTF_8));
    assertEquals(Reason.MALFORMED, assertInstanceOf(Rejection.class, repeated).reason());
  }

  @Test
  void aNewQueryIdHas21Digits() {
    assertTrue(UnionPayNotificationBuilder.newQueryId(CLOCK).matches("260301120000[0-9]{9}"));
  }

  @ParameterizedTest
  @CsvSource({
    "FORGED_SIGNATURE, BAD_SIGNATURE",
    "UNTRUSTED_CHAIN, UNKNOWN_KEY",
    "WRONG_OWNER_CN, UNKNOWN_KEY"
  })
  void everySandboxFaultIsRejectedWithItsReason(Fault fault, Reason reason) {
    Notification parsed = merchant.parse(sandbox.consume(order(), QUERY_ID, fault));
    assertEquals(reason, assertInstanceOf(Rejection.class, parsed).reason());
  }

  @Test
  void partialSuccessIsPaidAndAnyOtherCodeIsNot() {
    assertTrue(paymentWith("respCode", "A6").successful());
    assertFalse(paymentWith("respCode", "01").successful());
  }

  @ParameterizedTest
  @CsvSource({
    "txnAmt, 123.45",
    "txnAmt, -1",
    "txnAmt, ''",
    "txnTime, 20260230120000",
    "txnTime, 2026030112",
    "currencyCode, 840",
    "txnType, 31",
    "queryId, ''",
    "orderId, ''"
  })
  void aSignedButMalformedFieldIsRejectedAsMalformed(String key, String value) {
    Map<String, String> form = new TreeMap<>(sandbox.consume(order(), QUERY_ID, Fault.NONE));
    form.put(key, value);
    Notification parsed = merchant.parse(sandbox.sign(form));
    assertEquals(Reason.MALFORMED, assertInstanceOf(Rejection.class, parsed).reason(), key);
  }

  @Test
  void anEncryptedLookingAccountIsNotShown() {
    assertEquals("", paymentWith("accNo", "aGVsbG8gd29ybGQ=").payerRef());
    assertEquals("****1234", UnionPayNotifications.maskAccount("00001234"));
  }

  @ParameterizedTest
  @CsvSource({"00, SUCCEEDED", "A6, SUCCEEDED", "03, PROCESSING", "05, PROCESSING", "01, FAILED"})
  void aRefundNotificationMapsToARefundWithItsStatus(String respCode, RefundNotification.Status status) {
    Refund refund =
        new Refund(MER_ID, "RF20260301A", QUERY_ID, "20260301115900", 2345, "000000", respCode, null);
    Notification parsed =
        merchant.parse(sandbox.refund(refund, "260301120000987654321", Fault.NONE));
    assertEquals(
        new RefundNotification(
            Channel.UNIONPAY,
            "260301120000987654321",
            "",
            QUERY_ID,
            "RF20260301A",
            "260301120000987654321",
            Money.ofFen(2345),
            status,
            Instant.parse("2026-03-01T03:59:00Z"),
            PayeeIdentity.of(MER_ID, "0", "")),
        parsed);
  }

  @Test
  void aForgedRefundIsRejected() {
    Refund refund =
        new Refund(MER_ID, "RF20260301A", QUERY_ID, "20260301115900", 2345, "000000", "00", null);
    Notification parsed = merchant.parse(sandbox.refund(refund, QUERY_ID, Fault.FORGED_SIGNATURE));
    assertEquals(Reason.BAD_SIGNATURE, assertInstanceOf(Rejection.class, parsed).reason());
  }

  private static PaymentNotification paymentWith(String key, String value) {
    Map<String, String> form = new TreeMap<>(sandbox.consume(order(), QUERY_ID, Fault.NONE));
    form.put(key, value);
    return assertInstanceOf(PaymentNotification.class, merchant.parse(sandbox.sign(form)));
  }

  @Test
  void aNotificationOver64KiBIsRefusedButAnApiAnswerOfABusyDaysBillIsRead() {
    String bill = "x".repeat(3 * 64 * 1024);
    byte[] form = ("respCode=00&fileContent=" + bill).getBytes(StandardCharsets.UTF_8);

    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> UnionPayNotifications.decodeForm(form));
    java.util.Map<String, String> answer = UnionPayNotifications.decodeForm(form, 1024 * 1024);

    org.junit.jupiter.api.Assertions.assertEquals(bill, answer.get("fileContent"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> UnionPayNotifications.decodeForm(form, 64 * 1024));
  }

  @Test
  void aNotificationReportsWhoWasPaidIncludingAcquirerSubMerchantAndSplitReceivers() {
    Map<String, String> form = new TreeMap<>(sandbox.consume(order(), QUERY_ID, Fault.NONE));
    form.put("accessType", "1");
    form.put("acqInsCode", "48021000");
    form.put("subMerId", "SUB000000000001");
    form.put("accSplitData", "{\"accSplitType\":\"1\",\"accSplitMchts\":["
        + "{\"accSplitMerId\":\"B00000000000002\",\"accSplitAmt\":\"345\"},"
        + "{\"accSplitMerId\":\"A00000000000001\",\"accSplitAmt\":\"12000\"}]}");
    PaymentNotification payment =
        assertInstanceOf(PaymentNotification.class, merchant.parse(sandbox.sign(form)));
    assertEquals(new PayeeIdentity(MER_ID, "1/48021000", "SUB000000000001",
        java.util.List.of("A00000000000001", "B00000000000002")), payment.payee());
  }

  @Test
  void aSplitSentAsBase64ReadsTheSameAndAnUnreadableOneIsMalformed() {
    String split = "{\"accSplitType\":\"1\",\"accSplitMchts\":[{\"accSplitMerId\":\"A00000000000001\","
        + "\"accSplitAmt\":\"12345\"}]}";
    assertEquals(java.util.List.of("A00000000000001"), UnionPayNotifications.splitReceivers(
        java.util.Base64.getEncoder().encodeToString(split.getBytes(StandardCharsets.UTF_8))));
    Map<String, String> form = new TreeMap<>(sandbox.consume(order(), QUERY_ID, Fault.NONE));
    form.put("accSplitData", "not a split");
    assertEquals(Rejection.Reason.MALFORMED,
        assertInstanceOf(Rejection.class, merchant.parse(sandbox.sign(form))).reason());
  }
}
