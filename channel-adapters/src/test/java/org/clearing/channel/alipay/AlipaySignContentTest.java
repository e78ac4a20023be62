package org.clearing.channel.alipay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The request and notification canonical strings leave out what §2.1/§2.3 and the official SDK
 * leave out.
 */
class AlipaySignContentTest {

  /** The §2.3 sample notification, as decoded form fields. */
  static Map<String, String> sampleNotification() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("total_amount", "2.00");
    fields.put("buyer_id", "2088102116773037");
    fields.put("body", "大乐透2.1");
    fields.put("trade_no", "2016071921001003030200089909");
    fields.put("refund_fee", "0.00");
    fields.put("notify_time", "2016-07-19 14:10:49");
    fields.put("subject", "大乐透2.1");
    fields.put("sign_type", "RSA2");
    fields.put("charset", "utf-8");
    fields.put("notify_type", "trade_status_sync");
    fields.put("out_trade_no", "0719141034-6418");
    fields.put("gmt_close", "2016-07-19 14:10:46");
    fields.put("gmt_payment", "2016-07-19 14:10:47");
    fields.put("trade_status", "TRADE_SUCCESS");
    fields.put("version", "1.0");
    fields.put("sign", "kPbQIjX+"); // elided in the sample; never part of the string
    fields.put("gmt_create", "2016-07-19 14:10:44");
    fields.put("app_id", "2015102700040153");
    fields.put("seller_id", "2088102119685838");
    fields.put("notify_id", "4a91b7a78a503640467525113fb7d8bg8e");
    return fields;
  }

  /** The example string of §2.3 step 3, verbatim. */
  static final String SECTION_2_3_EXAMPLE =
      "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8"
          + "&gmt_close=2016-07-19 14:10:46&gmt_payment=2016-07-19 14:10:47"
          + "&notify_id=4a91b7a78a503640467525113fb7d8bg8e&notify_time=2016-07-19 14:10:49"
          + "&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00"
          + "&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00"
          + "&trade_no=2016071921001003030200089909&trade_status=TRADE_SUCCESS&version=1.0";

  /**
   * The §2.3 example string lacks {@code gmt_create}, although the §2.3 sample form carries it: the
   * reference is inconsistent with its own rule ("every other parameter that arrived is signed").
   * With the sample exactly as given, the string is the example plus gmt_create in its sorted place
   * (the SDK agrees, see AlipaySdkInteropTest); without gmt_create it is the example verbatim.
   */
  @Test
  void theSampleNotificationGivesTheExampleStringOfSection2Point3() {
    assertEquals(
        SECTION_2_3_EXAMPLE.replace(
            "&gmt_payment=", "&gmt_create=2016-07-19 14:10:44&gmt_payment="),
        AlipaySignContent.notification(sampleNotification()));
    Map<String, String> withoutGmtCreate = sampleNotification();
    withoutGmtCreate.remove("gmt_create");
    assertEquals(SECTION_2_3_EXAMPLE, AlipaySignContent.notification(withoutGmtCreate));
  }

  @Test
  void requestFormKeepsSignTypeButDropsSignAndEmptyValues() {
    Map<String, String> params = new HashMap<>();
    params.put("sign", "abc");
    params.put("sign_type", "RSA2");
    params.put("notify_url", "");
    params.put("", "orphan");
    params.put("method", "alipay.trade.query");
    params.put("app_id", "1");
    assertEquals(
        "app_id=1&method=alipay.trade.query&sign_type=RSA2", AlipaySignContent.request(params));
  }

  @Test
  void notificationFormDropsSignSignTypeAndEmptyValuesAsTheSdkDoes() {
    Map<String, String> fields = new HashMap<>();
    fields.put("sign", "abc");
    fields.put("sign_type", "RSA2");
    fields.put("passback_params", "");
    fields.put("b", "2");
    fields.put("a", "1");
    assertEquals("a=1&b=2", AlipaySignContent.notification(fields));
  }

  @Test
  void valuesStayRawAndKeysSortInStringOrder() {
    Map<String, String> params = new HashMap<>();
    params.put("biz_content", "{\"subject\":\"契税 & 印花税=1\"}");
    params.put("Z", "upper sorts first");
    params.put("a_b", "x");
    params.put("ab", "y");
    assertEquals(
        "Z=upper sorts first&a_b=x&ab=y&biz_content={\"subject\":\"契税 & 印花税=1\"}",
        AlipaySignContent.request(params));
  }

  @Test
  void neitherFormChangesTheCallersMap() {
    Map<String, String> fields = sampleNotification();
    Map<String, String> before = new LinkedHashMap<>(fields);
    AlipaySignContent.notification(fields);
    AlipaySignContent.request(fields);
    assertEquals(before, fields);
  }
}
