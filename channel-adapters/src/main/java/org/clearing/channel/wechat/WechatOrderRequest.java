package org.clearing.channel.wechat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.clearing.channel.Money;

/**
 * The body of a plain (single-merchant) order, {@code POST /v3/pay/transactions/{jsapi|native}}
 * (WeChat Pay's documentation): used when an order has one leg. A service provider (服务商) orders
 * for a sub-merchant at {@code POST /v3/pay/partner/transactions/{jsapi|native}} with {@code
 * sp_appid}, {@code sp_mchid} and {@code sub_mchid} instead of {@code appid} and {@code mchid}, the
 * payer as {@code sp_openid}. Build with {@link #builder}; {@link Builder#build()} refuses a field
 * WeChat would refuse.
 */
public record WechatOrderRequest(WechatTradeType tradeType, JsonObject body) {

  public String path() {
    return (isPartner() ? "/v3/pay/partner/transactions/" : "/v3/pay/transactions/") + tradeType.pathSegment();
  }

  /** Whether a service provider orders it for a sub-merchant. */
  public boolean isPartner() {
    return body.containsKey("sp_mchid");
  }

  public static Builder builder(WechatTradeType tradeType) {
    return new Builder(tradeType);
  }

  /** Collects the fields; every setter returns this builder. */
  public static final class Builder {
    private final WechatTradeType tradeType;
    private String appid;
    private String mchid;
    private String description;
    private String outTradeNo;
    private Instant timeExpire;
    private String attach;
    private String notifyUrl;
    private Money amount;
    private String payerOpenid;
    private boolean profitSharing;
    private String subMchid;

    private Builder(WechatTradeType tradeType) {
      this.tradeType = java.util.Objects.requireNonNull(tradeType, "tradeType");
    }

    /**
     * Orders as a service provider for the sub-merchant {@code subMchid}: {@link #appid} and
     * {@link #mchid} are then sent as {@code sp_appid} and {@code sp_mchid}.
     */
    public Builder subMchid(String subMchid) {
      this.subMchid = subMchid;
      return this;
    }

    public Builder appid(String appid) {
      this.appid = appid;
      return this;
    }

    public Builder mchid(String mchid) {
      this.mchid = mchid;
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder outTradeNo(String outTradeNo) {
      this.outTradeNo = outTradeNo;
      return this;
    }

    public Builder timeExpire(Instant timeExpire) {
      this.timeExpire = timeExpire;
      return this;
    }

    public Builder attach(String attach) {
      this.attach = attach;
      return this;
    }

    public Builder notifyUrl(String notifyUrl) {
      this.notifyUrl = notifyUrl;
      return this;
    }

    public Builder amount(Money amount) {
      this.amount = amount;
      return this;
    }

    /** Required for JSAPI, refused for Native. */
    public Builder payerOpenid(String payerOpenid) {
      this.payerOpenid = payerOpenid;
      return this;
    }

    /** Must be set at order time if the order will be split later (§1.9). */
    public Builder profitSharing(boolean profitSharing) {
      this.profitSharing = profitSharing;
      return this;
    }

    /** @throws IllegalArgumentException naming the first field WeChat would refuse */
    public WechatOrderRequest build() {
      boolean partner = subMchid != null;
      JsonObject body = new JsonObject();
      if (partner) {
        body.put("sp_appid", OrderFields.text(appid, "sp_appid"))
            .put("sp_mchid", OrderFields.text(mchid, "sp_mchid"))
            .put("sub_mchid", OrderFields.text(subMchid, "sub_mchid"));
      } else {
        body.put("appid", OrderFields.text(appid, "appid")).put("mchid", OrderFields.text(mchid, "mchid"));
      }
      body.put("description", OrderFields.text(description, "description"))
          .put("out_trade_no", OrderFields.outTradeNo(outTradeNo, "out_trade_no"))
          .put("time_expire", OrderFields.timeExpire(timeExpire))
          .put("notify_url", OrderFields.notifyUrl(notifyUrl))
          .put("amount", new JsonObject()
              .put("total", OrderFields.positiveFen(amount, "amount"))
              .put("currency", "CNY"));
      if (attach != null && !attach.isEmpty()) {
        body.put("attach", attach);
      }
      if (profitSharing) {
        body.put("settle_info", new JsonObject().put("profit_sharing", true));
      }
      if (partner && tradeType == WechatTradeType.JSAPI) {
        // The payer's openid under the service provider's app (sp_openid).
        body.put("payer", new JsonObject().put("sp_openid", OrderFields.text(payerOpenid, "payer sp_openid")));
      } else {
        WechatCombineOrderRequest.putPayer(tradeType, payerOpenid, body, "payer");
      }
      return new WechatOrderRequest(tradeType, body);
    }
  }
}
