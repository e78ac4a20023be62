package org.clearing.channel.alipay;

import static org.clearing.channel.alipay.AlipayTestKeys.APP_ID;
import static org.clearing.channel.alipay.AlipayTestKeys.CLOCK;
import static org.clearing.channel.alipay.AlipayTestKeys.MERCHANT;
import static org.clearing.channel.alipay.AlipayTestKeys.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Money;
import org.clearing.crypto.SignatureScheme;
import org.junit.jupiter.api.Test;

/**
 * Requests carry the §2.1 common parameters, exact biz_content, and an RSA2 sign over the request
 * form.
 */
class AlipayRequestSignerTest {

  private final AlipayRequestSigner signer =
      new AlipayRequestSigner(APP_ID, MERCHANT.getPrivate(), CLOCK);

  static AlipayOrder splitOrder() {
    return new AlipayOrder(
        "BDC_20260605_0001",
        Money.parseYuan("12345.67"),
        "契税及登记费",
        NOW.plus(Duration.ofMinutes(30)),
        List.of(
            new AlipayOrder.SettleLeg("cardAliasNo", "TREASURY01", Money.parseYuan("12000.00")),
            new AlipayOrder.SettleLeg("cardAliasNo", "NONTAX02", Money.parseYuan("345.67"))),
        true);
  }

  @Test
  void precreateCarriesTheCommonParametersAndASignOverTheRequestForm() {
    Map<String, String> params = signer.precreate(splitOrder(), "https://engine.example/cb/alipay");
    assertEquals(APP_ID, params.get("app_id"));
    assertEquals("alipay.trade.precreate", params.get("method"));
    assertEquals("JSON", params.get("format"));
    assertEquals("utf-8", params.get("charset"));
    assertEquals("RSA2", params.get("sign_type"));
    assertEquals("2026-06-05 10:00:00", params.get("timestamp"));
    assertEquals("1.0", params.get("version"));
    assertEquals("https://engine.example/cb/alipay", params.get("notify_url"));
    assertFalse(params.containsKey("return_url"));
    byte[] content = AlipaySignContent.request(params).getBytes(StandardCharsets.UTF_8);
    assertTrue(
        SignatureScheme.SHA256_RSA.verify(MERCHANT.getPublic(), content, params.get("sign")));
  }

  @Test
  void precreateBizContentHasExactYuanOneSettleDetailPerLegAndRoyaltyFreeze() {
    assertEquals(
        "{\"out_trade_no\":\"BDC_20260605_0001\",\"total_amount\":\"12345.67\","
            + "\"subject\":\"契税及登记费\",\"product_code\":\"FACE_TO_FACE_PAYMENT\","
            + "\"time_expire\":\"2026-06-05 10:30:00\","
            + "\"settle_info\":{\"settle_detail_infos\":[{\"trans_in_type\":\"cardAliasNo\","
            + "\"trans_in\":\"TREASURY01\",\"amount\":\"12000.00\"},"
            + "{\"trans_in_type\":\"cardAliasNo\",\"trans_in\":\"NONTAX02\","
            + "\"amount\":\"345.67\"}]},"
            + "\"extend_params\":{\"royalty_freeze\":\"true\"}}",
        signer.precreate(splitOrder(), null).get("biz_content"));
  }

  @Test
  void wapPayUsesQuickWapWayAndCarriesReturnUrl() {
    AlipayOrder order = new AlipayOrder("A1", Money.ofFen(1), "登记费", NOW, List.of(), false);
    Map<String, String> params = signer.wapPay(order, "https://n.example", "https://r.example");
    assertEquals("alipay.trade.wap.pay", params.get("method"));
    assertEquals("https://r.example", params.get("return_url"));
    assertEquals(
        "{\"out_trade_no\":\"A1\",\"total_amount\":\"0.01\",\"subject\":\"登记费\","
            + "\"product_code\":\"QUICK_WAP_WAY\",\"time_expire\":\"2026-06-05 10:00:00\"}",
        params.get("biz_content"));
  }

  @Test
  void queryCloseRefundAndBillHaveTheirBizContent() {
    assertEquals("{\"out_trade_no\":\"A1\"}", signer.query("A1").get("biz_content"));
    assertEquals("alipay.trade.close", signer.close("A1").get("method"));
    assertEquals(
        "{\"out_trade_no\":\"A1\",\"refund_amount\":\"10.50\",\"out_request_no\":\"R1\"}",
        signer.refund("A1", Money.ofFen(1050), "R1").get("biz_content"));
    Map<String, String> bill = signer.billDownloadUrl(LocalDate.of(2026, 6, 4));
    assertEquals("alipay.data.dataservice.bill.downloadurl.query", bill.get("method"));
    assertEquals("{\"bill_type\":\"trade\",\"bill_date\":\"2026-06-04\"}", bill.get("biz_content"));
  }

  @Test
  void formBodyUrlEncodesEveryValueAndDecodesBackToTheSignedMap() {
    Map<String, String> params = signer.precreate(splitOrder(), "https://engine.example/cb?x=1");
    String body = AlipayRequestSigner.formBody(params);
    assertFalse(body.contains("契"));
    assertFalse(body.contains("{"));
    assertEquals(params, AlipayForm.decode(body.getBytes(StandardCharsets.US_ASCII)).fields());
  }

  @Test
  void anOutTradeNoThatAlipayWouldRefuseIsACallerBug() {
    assertThrows(IllegalArgumentException.class, () -> signer.query("A-1"));
    assertThrows(IllegalArgumentException.class, () -> signer.query("A".repeat(65)));
    assertThrows(IllegalArgumentException.class, () -> signer.query(""));
  }

  @Test
  void legsThatDoNotSumToTheTotalOrNonPositiveAmountsAreCallerBugs() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new AlipayOrder(
                "A1",
                Money.ofFen(100),
                "s",
                NOW,
                List.of(new AlipayOrder.SettleLeg("cardAliasNo", "T", Money.ofFen(99))),
                false));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AlipayOrder("A1", Money.ZERO, "s", NOW, List.of(), false));
    assertThrows(IllegalArgumentException.class, () -> signer.refund("A1", Money.ZERO, "R1"));
  }
}
