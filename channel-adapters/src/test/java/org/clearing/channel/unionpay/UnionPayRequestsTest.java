package org.clearing.channel.unionpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.channel.unionpay.UnionPayRequests.Consume;
import org.clearing.channel.unionpay.UnionPayRequests.SplitLeg;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The merchant's requests carry the §3.1 transaction codes, a Beijing txnTime from the clock and
 * a signature the sandbox accepts; orderId and split rules are enforced before anything is sent.
 */
class UnionPayRequestsTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T04:00:00Z"), ZoneOffset.UTC);
  static final String MER_ID = "777290058110048";
  static final String LEG_A = "123456789012341";
  static final String LEG_B = "123456789012342";

  static UnionPayRequests requests;
  static UnionPayRequestVerifier channel;

  @BeforeAll
  static void setUp() {
    Pki pki = Pki.generate(CLOCK, UnionPayCertificates.SANDBOX_SIGNING_CN, MER_ID);
    requests =
        new UnionPayRequests(
            UnionPayRsaProfile.forMerchant(
                pki.merchant().keyPair().getPrivate(), pki.merchant().certificate()),
            MER_ID,
            CLOCK);
    channel = new UnionPayRequestVerifier();
    channel.register(MER_ID, pki.merchant().certificate());
  }

  static Consume order(List<SplitLeg> split) {
    return new Consume(
        "BDC20260301A",
        12345,
        "https://pay.example.gov.cn/cb/unionpay",
        "https://pay.example.gov.cn/done",
        Instant.parse("2026-03-01T04:30:00Z"),
        split,
        null);
  }

  @Test
  void aQrApplyIsA0107ConsumeWithBeijingTxnTimeAndAVerifiableSignature() {
    Map<String, String> fields =
        requests.applyQrConsume(order(List.of(new SplitLeg(LEG_A, 12000), new SplitLeg(LEG_B, 345))));
    assertEquals("01", fields.get("txnType"));
    assertEquals("07", fields.get("txnSubType"));
    assertEquals("000000", fields.get("bizType"));
    assertEquals("08", fields.get("channelType"));
    assertEquals("20260301120000", fields.get("txnTime"));
    assertEquals("20260301123000", fields.get("payTimeout"));
    assertEquals("12345", fields.get("txnAmt"));
    assertEquals(
        "{\"accSplitType\":\"1\",\"accSplitMchts\":[{\"accSplitMerId\":\"123456789012341\","
            + "\"accSplitAmt\":\"12000\"},{\"accSplitMerId\":\"123456789012342\",\"accSplitAmt\":\"345\"}]}",
        fields.get("accSplitData"));
    assertFalse(fields.containsKey("frontUrl"));
    assertTrue(fields.get("certId").matches("[0-9]+"));
    assertTrue(channel.verify(fields).isOk());
  }

  @Test
  void aFrontConsumeRendersAsAnEscapedAutoPostingForm() {
    Consume order =
        new Consume("BDC20260301A", 100, "https://b/cb", "https://f/?a=1&b=\"x\"", null, List.of(),
            "<script>alert('x')</script>\"");
    Map<String, String> fields = requests.frontConsume(order);
    assertEquals("000201", fields.get("bizType"));
    assertEquals("01", fields.get("txnSubType"));
    String html = UnionPayRequests.autoPostForm("https://gw/frontTransReq.do?x=1&y=2", fields);
    assertTrue(html.contains("<form method=\"post\" action=\"https://gw/frontTransReq.do?x=1&amp;y=2\">"));
    assertTrue(html.contains("value=\"https://f/?a=1&amp;b=&quot;x&quot;\""));
    assertTrue(html.contains("value=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;\""));
    assertFalse(html.contains("<script>"));
    assertTrue(html.contains("name=\"signature\" value=\"" + fields.get("signature") + "\""));
    Consume badReserved =
        new Consume("BDC20260301A", 100, "https://b/cb", "https://f/", null, null, "a=b");
    assertThrows(IllegalArgumentException.class, () -> requests.frontConsume(badReserved));
    Consume noFrontUrl = new Consume("BDC20260301A", 100, "https://b/cb", null, null, null, null);
    assertThrows(IllegalArgumentException.class, () -> requests.frontConsume(noFrontUrl));
  }

  @Test
  void queryRefundAndFileTransferCarryTheirCodes() {
    Map<String, String> query =
        requests.query("BDC20260301A", "20260301115500", UnionPayRequests.BIZ_TYPE_QR);
    assertEquals("00", query.get("txnType"));
    assertEquals("00", query.get("txnSubType"));
    assertEquals("20260301115500", query.get("txnTime"));
    assertTrue(channel.verify(query).isOk());

    Map<String, String> refund =
        requests.refund("RF20260301A", "260301120000123456789", 2345, "https://b/cb", "000000");
    assertEquals("04", refund.get("txnType"));
    assertEquals("260301120000123456789", refund.get("origQryId"));
    assertEquals("2345", refund.get("txnAmt"));
    assertTrue(channel.verify(refund).isOk());

    Map<String, String> file = requests.fileTransfer(LocalDate.of(2026, 2, 28));
    assertEquals("76", file.get("txnType"));
    assertEquals("01", file.get("txnSubType"));
    assertEquals("0228", file.get("settleDate"));
    assertEquals("00", file.get("fileType"));
    assertTrue(channel.verify(file).isOk());

    assertThrows(IllegalArgumentException.class,
        () -> requests.query("BDC20260301A", "2026-03-01", "000000"));
    assertThrows(IllegalArgumentException.class,
        () -> requests.refund("RF20260301A", "short", 1, "https://b/cb", "000000"));
    assertThrows(IllegalArgumentException.class,
        () -> requests.refund("RF20260301A", "260301120000123456789", 0, "https://b/cb", "000000"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"12345678", "ABCDEFGHIJabcdefghij0123456789ABCDEFGHIJ"})
  void orderIdsOf8To40LettersAndDigitsAreAccepted(String orderId) {
    UnionPayRequests.checkOrderId(orderId);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {"", "1234567", "ABCDEFGHIJabcdefghij0123456789ABCDEFGHIJK", "BDC-20260301",
          "BDC_20260301", "BDC 20260301", "订单20260301A"})
  void orderIdsBreakingTheRulesAreRefused(String orderId) {
    assertThrows(IllegalArgumentException.class, () -> UnionPayRequests.checkOrderId(orderId));
  }

  @Test
  void aSplitMustSumToTheOrderExactly() {
    assertThrows(IllegalArgumentException.class,
        () -> UnionPayRequests.accSplitData(12345, List.of(new SplitLeg(LEG_A, 12344))));
    assertThrows(IllegalArgumentException.class,
        () -> UnionPayRequests.accSplitData(12345, List.of(new SplitLeg(LEG_A, 12346))));
    assertThrows(IllegalArgumentException.class,
        () -> requests.applyQrConsume(order(List.of(new SplitLeg(LEG_A, 1), new SplitLeg(LEG_B, 1)))));
  }

  @Test
  void aSplitHasAtMostFiveDistinctWellFormedReceivers() {
    List<SplitLeg> five = legs(5);
    assertTrue(UnionPayRequests.accSplitData(5, five).contains("\"123456789012305\""));
    assertThrows(IllegalArgumentException.class, () -> UnionPayRequests.accSplitData(6, legs(6)));
    assertThrows(IllegalArgumentException.class, () -> UnionPayRequests.accSplitData(0, List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> UnionPayRequests.accSplitData(2, List.of(new SplitLeg(LEG_A, 1), new SplitLeg(LEG_A, 1))));
    assertThrows(IllegalArgumentException.class,
        () -> UnionPayRequests.accSplitData(1, List.of(new SplitLeg("12345678901234", 1))));
    assertThrows(IllegalArgumentException.class,
        () -> UnionPayRequests.accSplitData(1, List.of(new SplitLeg("12345678901234\"", 1))));
    assertThrows(IllegalArgumentException.class,
        () -> UnionPayRequests.accSplitData(1, List.of(new SplitLeg(LEG_A, 1), new SplitLeg(LEG_B, 0))));
  }

  private static List<SplitLeg> legs(int count) {
    return java.util.stream.IntStream.rangeClosed(1, count)
        .mapToObj(i -> new SplitLeg(String.format("1234567890123%02d", i), 1))
        .toList();
  }
}
