package org.clearing.channel.wechat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.clearing.channel.Money;

/**
 * The body of a combined payment (合单支付), {@code POST /v3/combine-transactions/{jsapi|native}}:
 * one payment, one sub-order per split leg, each to its own merchant id (WeChat Pay's documentation). A
 * direct merchant may send 2 to 10 sub-orders; a single leg goes through {@link
 * WechatOrderRequest} instead.
 */
public record WechatCombineOrderRequest(WechatTradeType tradeType, JsonObject body) {

  /** A direct merchant's limits on {@code sub_orders} (§1.2). */
  public static final int SUB_ORDERS_MIN = 2;

  public static final int SUB_ORDERS_MAX = 10;

  /**
   * One leg: who receives it, under which order number, how much. A direct merchant's receiver is
   * the sub-order's {@code mchid}; a service provider's sub-orders all carry its own {@code mchid}
   * and the receiver as {@code subMchid}.
   *
   * @param subMchid the sub-merchant paid through a service provider; null for a direct merchant
   */
  public record SubOrder(
      String mchid, String subMchid, String outTradeNo, Money amount, String attach, String description) {

    /** A direct merchant's sub-order, paid to {@code mchid}. */
    public SubOrder(String mchid, String outTradeNo, Money amount, String attach, String description) {
      this(mchid, null, outTradeNo, amount, attach, description);
    }
  }

  public String path() {
    return "/v3/combine-transactions/" + tradeType.pathSegment();
  }

  public static Builder builder(WechatTradeType tradeType) {
    return new Builder(tradeType);
  }

  /** Collects the fields; every setter returns this builder. */
  public static final class Builder {
    private final WechatTradeType tradeType;
    private final List<SubOrder> subOrders = new ArrayList<>();
    private String combineAppid;
    private String combineMchid;
    private String combineOutTradeNo;
    private Instant timeExpire;
    private String notifyUrl;
    private String payerOpenid;

    private Builder(WechatTradeType tradeType) {
      this.tradeType = Objects.requireNonNull(tradeType, "tradeType");
    }

    public Builder combineAppid(String combineAppid) {
      this.combineAppid = combineAppid;
      return this;
    }

    public Builder combineMchid(String combineMchid) {
      this.combineMchid = combineMchid;
      return this;
    }

    public Builder combineOutTradeNo(String combineOutTradeNo) {
      this.combineOutTradeNo = combineOutTradeNo;
      return this;
    }

    public Builder timeExpire(Instant timeExpire) {
      this.timeExpire = timeExpire;
      return this;
    }

    public Builder notifyUrl(String notifyUrl) {
      this.notifyUrl = notifyUrl;
      return this;
    }

    /** Required for JSAPI (sent as {@code combine_payer_info.openid}), refused for Native. */
    public Builder payerOpenid(String payerOpenid) {
      this.payerOpenid = payerOpenid;
      return this;
    }

    public Builder subOrder(SubOrder subOrder) {
      subOrders.add(Objects.requireNonNull(subOrder, "subOrder"));
      return this;
    }

    /** @throws IllegalArgumentException naming the first field WeChat would refuse */
    public WechatCombineOrderRequest build() {
      if (subOrders.size() < SUB_ORDERS_MIN || subOrders.size() > SUB_ORDERS_MAX) {
        throw new IllegalArgumentException(
            "a direct merchant sends 2-10 sub_orders, not " + subOrders.size());
      }
      String combineNo = OrderFields.outTradeNo(combineOutTradeNo, "combine_out_trade_no");
      Set<String> seen = new HashSet<>();
      JsonArray subs = new JsonArray();
      for (SubOrder sub : subOrders) {
        String outTradeNo = OrderFields.outTradeNo(sub.outTradeNo(), "sub_orders.out_trade_no");
        if (!seen.add(outTradeNo)) {
          throw new IllegalArgumentException("duplicate sub-order out_trade_no " + outTradeNo);
        }
        JsonObject json = new JsonObject().put("mchid", OrderFields.text(sub.mchid(), "sub_orders.mchid"));
        if (sub.subMchid() != null) {
          json.put("sub_mchid", OrderFields.text(sub.subMchid(), "sub_orders.sub_mchid"));
        }
        subs.add(json
            .put("attach", OrderFields.text(sub.attach(), "sub_orders.attach"))
            .put("amount", new JsonObject()
                .put("total_amount", OrderFields.positiveFen(sub.amount(), "sub_orders.amount"))
                .put("currency", "CNY"))
            .put("out_trade_no", outTradeNo)
            .put("description", OrderFields.text(sub.description(), "sub_orders.description")));
      }
      JsonObject body = new JsonObject()
          .put("combine_appid", OrderFields.text(combineAppid, "combine_appid"))
          .put("combine_mchid", OrderFields.text(combineMchid, "combine_mchid"))
          .put("combine_out_trade_no", combineNo)
          .put("sub_orders", subs)
          .put("time_expire", OrderFields.timeExpire(timeExpire))
          .put("notify_url", OrderFields.notifyUrl(notifyUrl));
      putPayer(tradeType, payerOpenid, body, "combine_payer_info");
      return new WechatCombineOrderRequest(tradeType, body);
    }
  }

  static void putPayer(WechatTradeType type, String openid, JsonObject body, String field) {
    if (type == WechatTradeType.JSAPI) {
      body.put(field, new JsonObject().put("openid", OrderFields.text(openid, "payer openid")));
    } else if (openid != null) {
      throw new IllegalArgumentException("a Native order has no payer openid");
    }
  }
}
