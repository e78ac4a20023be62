package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.clearing.channel.Money;
import org.clearing.channel.wechat.WechatCombineOrderRequest.SubOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Order bodies carry WeChat's field names and fen amounts, and fields WeChat refuses are refused. */
class WechatOrderRequestTest {

  static final Instant EXPIRES = Instant.parse("2025-01-01T04:30:00Z");

  static SubOrder leg(String mchid, String outTradeNo, long fen) {
    return new SubOrder(mchid, outTradeNo, Money.ofFen(fen), "leg-" + outTradeNo, "契税");
  }

  static WechatCombineOrderRequest.Builder combine(WechatTradeType type) {
    return WechatCombineOrderRequest.builder(type)
        .combineAppid("wxd678efh567hg6787")
        .combineMchid("1900000001")
        .combineOutTradeNo("BDC20250101A")
        .timeExpire(EXPIRES)
        .notifyUrl("http://127.0.0.1:18080/callbacks/wechat");
  }

  static WechatOrderRequest.Builder plain(WechatTradeType type) {
    return WechatOrderRequest.builder(type)
        .appid("wxd678efh567hg6787")
        .mchid("1900000001")
        .description("不动产登记费")
        .outTradeNo("BDC20250101A")
        .timeExpire(EXPIRES)
        .notifyUrl("https://engine.example.gov.cn/callbacks/wechat")
        .amount(Money.ofFen(8000));
  }

  @Test
  void aJsapiCombinedOrderHasOneSubOrderPerLegAndThePayer() {
    WechatCombineOrderRequest request = combine(WechatTradeType.JSAPI)
        .payerOpenid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        .subOrder(leg("1900000101", "BDC20250101A-1", 1234500))
        .subOrder(leg("1900000102", "BDC20250101A-2", 8000))
        .build();
    assertEquals("/v3/combine-transactions/jsapi", request.path());
    assertEquals(new JsonObject("""
        {"combine_appid":"wxd678efh567hg6787","combine_mchid":"1900000001",
         "combine_out_trade_no":"BDC20250101A",
         "sub_orders":[
          {"mchid":"1900000101","attach":"leg-BDC20250101A-1",
           "amount":{"total_amount":1234500,"currency":"CNY"},
           "out_trade_no":"BDC20250101A-1","description":"契税"},
          {"mchid":"1900000102","attach":"leg-BDC20250101A-2",
           "amount":{"total_amount":8000,"currency":"CNY"},
           "out_trade_no":"BDC20250101A-2","description":"契税"}],
         "time_expire":"2025-01-01T12:30:00+08:00",
         "notify_url":"http://127.0.0.1:18080/callbacks/wechat",
         "combine_payer_info":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"""), request.body());
  }

  @Test
  void aNativeCombinedOrderHasNoPayerAndRefusesOne() {
    WechatCombineOrderRequest request = combine(WechatTradeType.NATIVE)
        .subOrder(leg("1900000101", "BDC20250101A-1", 1))
        .subOrder(leg("1900000102", "BDC20250101A-2", 2))
        .build();
    assertEquals("/v3/combine-transactions/native", request.path());
    assertFalse(request.body().containsKey("combine_payer_info"));
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE)
        .payerOpenid("o1").subOrder(leg("1", "ABCDEF-1", 1)).subOrder(leg("2", "ABCDEF-2", 1)).build());
  }

  @Test
  void aJsapiCombinedOrderWithoutPayerIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.JSAPI)
        .subOrder(leg("1", "ABCDEF-1", 1)).subOrder(leg("2", "ABCDEF-2", 1)).build());
  }

  @Test
  void oneOrElevenSubOrdersAreRefusedAndTwoToTenAccepted() {
    WechatCombineOrderRequest.Builder one = combine(WechatTradeType.NATIVE).subOrder(leg("1", "ABCDEF-0", 1));
    assertThrows(IllegalArgumentException.class, one::build);
    WechatCombineOrderRequest.Builder builder = combine(WechatTradeType.NATIVE);
    for (int i = 0; i < 10; i++) {
      builder.subOrder(leg("1", "ABCDEF-" + i, 1));
    }
    assertEquals(10, builder.build().body().getJsonArray("sub_orders").size());
    builder.subOrder(leg("1", "ABCDEF-10", 1));
    assertThrows(IllegalArgumentException.class, builder::build);
  }

  @Test
  void duplicateSubOrderNumbersOrZeroAmountsOrMissingFieldsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE)
        .subOrder(leg("1", "ABCDEF-1", 1)).subOrder(leg("2", "ABCDEF-1", 1)).build());
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE)
        .subOrder(leg("1", "ABCDEF-1", 0)).subOrder(leg("2", "ABCDEF-2", 1)).build());
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE)
        .subOrder(new SubOrder("1", "ABCDEF-1", Money.ofFen(1), "", "契税"))
        .subOrder(leg("2", "ABCDEF-2", 1)).build());
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE)
        .subOrder(new SubOrder(null, "ABCDEF-1", Money.ofFen(1), "a", "契税"))
        .subOrder(leg("2", "ABCDEF-2", 1)).build());
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE).timeExpire(null)
        .subOrder(leg("1", "ABCDEF-1", 1)).subOrder(leg("2", "ABCDEF-2", 1)).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ABCDE", "A23456789012345678901234567890123", "BDC 2025", "BDC2025#1", "单号123456"})
  void anOutTradeNoOutsideTheAllowedShapeIsRefused(String outTradeNo) {
    assertThrows(IllegalArgumentException.class,
        () -> plain(WechatTradeType.NATIVE).outTradeNo(outTradeNo).build());
    assertThrows(IllegalArgumentException.class, () -> combine(WechatTradeType.NATIVE)
        .combineOutTradeNo(outTradeNo).subOrder(leg("1", "ABCDEF-1", 1))
        .subOrder(leg("2", "ABCDEF-2", 1)).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ABCDEF", "A2345678901234567890123456789012", "a_b-c|d*e@f"})
  void anOutTradeNoOfSixToThirtyTwoAllowedCharactersIsAccepted(String outTradeNo) {
    assertEquals(outTradeNo, plain(WechatTradeType.NATIVE).outTradeNo(outTradeNo).build()
        .body().getString("out_trade_no"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://engine.example/cb?order=1", "http://127.0.0.1:8080/cb?", "ftp://example/cb",
      "/callbacks/wechat", "https://engine.example/cb#x", "not a url"})
  void aNotifyUrlWithAQueryOrWithoutHttpIsRefused(String url) {
    assertThrows(IllegalArgumentException.class,
        () -> plain(WechatTradeType.NATIVE).notifyUrl(url).build());
  }

  @Test
  void aPlainJsapiOrderHasAmountTotalAndPayer() {
    WechatOrderRequest request = plain(WechatTradeType.JSAPI)
        .payerOpenid("oUser").attach("order-1").profitSharing(true).build();
    assertEquals("/v3/pay/transactions/jsapi", request.path());
    assertEquals(new JsonObject("""
        {"appid":"wxd678efh567hg6787","mchid":"1900000001","description":"不动产登记费",
         "out_trade_no":"BDC20250101A","time_expire":"2025-01-01T12:30:00+08:00",
         "notify_url":"https://engine.example.gov.cn/callbacks/wechat",
         "amount":{"total":8000,"currency":"CNY"},"attach":"order-1",
         "settle_info":{"profit_sharing":true},"payer":{"openid":"oUser"}}"""), request.body());
  }

  @Test
  void aPlainNativeOrderRefusesANonPositiveAmountOrMissingPayerForJsapi() {
    assertEquals("/v3/pay/transactions/native", plain(WechatTradeType.NATIVE).build().path());
    assertThrows(IllegalArgumentException.class,
        () -> plain(WechatTradeType.NATIVE).amount(Money.ZERO).build());
    assertThrows(IllegalArgumentException.class,
        () -> plain(WechatTradeType.NATIVE).amount(Money.ofFen(-1)).build());
    assertThrows(IllegalArgumentException.class, () -> plain(WechatTradeType.JSAPI).build());
    assertThrows(IllegalArgumentException.class, () -> plain(WechatTradeType.NATIVE).description(" ").build());
  }
}
