package org.clearing.sandbox.wechat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * One order the WeChat sandbox holds: a plain order (one sub-order, the merchant's own) or a
 * combined payment (合单, one sub-order per leg). State changes only through {@link #pay} and
 * {@link #close}, under the order's lock, so a double submission pays once.
 */
final class SandboxOrder {

  static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

  /**
   * One sub-order: who receives it, under which number, how much. A service provider's sub-order
   * names itself as {@code mchid} and the sub-merchant paid as {@code subMchid} (empty for a
   * direct merchant's).
   */
  record Sub(String mchid, String subMchid, String outTradeNo, long amountFen, String description, String attach) {

    /** The receiver: the sub-merchant of a service provider's sub-order, else the mchid. */
    String receiver() {
      return subMchid.isEmpty() ? mchid : subMchid;
    }
  }

  /** The only states the sandbox needs: NOTPAY → SUCCESS, NOTPAY → CLOSED. */
  enum State { NOTPAY, SUCCESS, CLOSED }

  /** What came of a payment attempt. */
  enum PayOutcome { PAID, ALREADY_PAID, CLOSED, EXPIRED }

  final boolean combined;
  final String tradeType;
  final String outTradeNo;
  final String appid;
  final String mchid;
  final String description;
  final String notifyUrl;
  final Instant expiresAt;
  final String openid;
  final List<Sub> subs;
  final String prepayId;
  final String codeToken;
  final String fingerprint;

  private State state = State.NOTPAY;
  private final List<String> transactionIds = new ArrayList<>();
  private Instant paidAt;
  private String payerOpenid = "";
  private String eventId = "";
  private final long[] refundedFen;

  SandboxOrder(boolean combined, String tradeType, String outTradeNo, String appid, String mchid,
      String description, String notifyUrl, Instant expiresAt, String openid, List<Sub> subs,
      String prepayId, String codeToken, String fingerprint) {
    this.combined = combined;
    this.tradeType = tradeType;
    this.outTradeNo = outTradeNo;
    this.appid = appid;
    this.mchid = mchid;
    this.description = description;
    this.notifyUrl = notifyUrl;
    this.expiresAt = expiresAt;
    this.openid = openid;
    this.subs = List.copyOf(subs);
    this.prepayId = prepayId;
    this.codeToken = codeToken;
    this.fingerprint = fingerprint;
    this.refundedFen = new long[subs.size()];
  }

  synchronized State state() {
    return state;
  }

  synchronized Instant paidAt() {
    return paidAt;
  }

  synchronized String payerOpenid() {
    return payerOpenid;
  }

  synchronized String eventId() {
    return eventId;
  }

  synchronized String transactionId(int subIndex) {
    return transactionIds.isEmpty() ? "" : transactionIds.get(subIndex);
  }

  long totalFen() {
    long total = 0;
    for (Sub sub : subs) {
      total = Math.addExact(total, sub.amountFen());
    }
    return total;
  }

  synchronized PayOutcome pay(Instant now, String payer, List<String> newTransactionIds, String newEventId) {
    if (state == State.SUCCESS) {
      return PayOutcome.ALREADY_PAID;
    }
    if (state == State.CLOSED) {
      return PayOutcome.CLOSED;
    }
    if (!now.isBefore(expiresAt)) {
      return PayOutcome.EXPIRED;
    }
    markPaid(now, payer, newTransactionIds, newEventId);
    return PayOutcome.PAID;
  }

  synchronized void markPaid(Instant at, String payer, List<String> ids, String event) {
    state = State.SUCCESS;
    paidAt = at;
    payerOpenid = payer;
    transactionIds.clear();
    transactionIds.addAll(ids);
    eventId = event;
  }

  /** Closes an unpaid order; returns the state it was in. */
  synchronized State close() {
    State before = state;
    if (state == State.NOTPAY) {
      state = State.CLOSED;
    }
    return before;
  }

  /** Reserves a refund of a sub-order; false when it would exceed what is left. */
  synchronized boolean reserveRefund(int subIndex, long fen) {
    long after = Math.addExact(refundedFen[subIndex], fen);
    if (state != State.SUCCESS || after > subs.get(subIndex).amountFen()) {
      return false;
    }
    refundedFen[subIndex] = after;
    return true;
  }

  synchronized long refundedFen(int subIndex) {
    return refundedFen[subIndex];
  }

  static String time(Instant instant) {
    return RFC3339.format(instant.atOffset(ZoneOffset.ofHours(8)));
  }

  /**
   * The resource WeChat shows for this order: a {@code Transaction} for a plain order, the combined
   * form (combine_* and sub_orders) otherwise (WeChat Pay's documentation). A notification always says
   * SUCCESS; a query says REFUND for a sub-order refunded since, as WeChat does.
   */
  synchronized JsonObject resource(boolean forNotification) {
    if (!combined) {
      String subMchid = subs.get(0).subMchid();
      // A service provider's order (partner API) names sp_appid, sp_mchid and the sub_mchid.
      JsonObject json = subMchid.isEmpty() ? new JsonObject().put("appid", appid).put("mchid", mchid)
          : new JsonObject().put("sp_appid", appid).put("sp_mchid", mchid).put("sub_mchid", subMchid);
      json.put("out_trade_no", outTradeNo).put("trade_type", tradeType)
          .put("trade_state", tradeState(0, forNotification))
          .put("trade_state_desc", describe(tradeState(0, forNotification)))
          .put("attach", subs.get(0).attach());
      JsonObject amount = new JsonObject().put("total", subs.get(0).amountFen()).put("currency", "CNY");
      if (state == State.SUCCESS) {
        json.put("transaction_id", transactionIds.get(0)).put("bank_type", "OTHERS")
            .put("success_time", time(paidAt))
            .put("payer", new JsonObject().put(subMchid.isEmpty() ? "openid" : "sp_openid", payerOpenid));
        amount.put("payer_total", subs.get(0).amountFen()).put("payer_currency", "CNY");
      }
      return json.put("amount", amount);
    }
    JsonArray subOrders = new JsonArray();
    for (int i = 0; i < subs.size(); i++) {
      Sub sub = subs.get(i);
      JsonObject amount = new JsonObject().put("total_amount", sub.amountFen()).put("currency", "CNY");
      JsonObject json = new JsonObject().put("mchid", sub.mchid());
      if (!sub.subMchid().isEmpty()) {
        json.put("sub_mchid", sub.subMchid());
      }
      json.put("trade_state", tradeState(i, forNotification)).put("trade_type", tradeType)
          .put("attach", sub.attach()).put("out_trade_no", sub.outTradeNo());
      if (state == State.SUCCESS) {
        json.put("transaction_id", transactionIds.get(i)).put("bank_type", "OTHERS")
            .put("success_time", time(paidAt));
        amount.put("payer_amount", sub.amountFen()).put("payer_currency", "CNY");
      }
      subOrders.add(json.put("amount", amount));
    }
    JsonObject json = new JsonObject().put("combine_appid", appid).put("combine_mchid", mchid)
        .put("combine_out_trade_no", outTradeNo).put("sub_orders", subOrders);
    String payer = state == State.SUCCESS ? payerOpenid : openid;
    if (!payer.isEmpty()) {
      json.put("combine_payer_info", new JsonObject().put("openid", payer));
    }
    return json;
  }

  private String tradeState(int subIndex, boolean forNotification) {
    if (state == State.SUCCESS && !forNotification && refundedFen[subIndex] > 0) {
      return "REFUND";
    }
    return state.name();
  }

  private static String describe(String tradeState) {
    return switch (tradeState) {
      case "SUCCESS" -> "支付成功";
      case "REFUND" -> "转入退款";
      case "CLOSED" -> "已关闭";
      default -> "未支付";
    };
  }

  /** The journal record of the order as created. */
  JsonObject toJson() {
    JsonArray subsJson = new JsonArray();
    subs.forEach(s -> subsJson.add(new JsonObject().put("mchid", s.mchid()).put("sub_mchid", s.subMchid())
        .put("out_trade_no", s.outTradeNo()).put("amount_fen", s.amountFen())
        .put("description", s.description()).put("attach", s.attach())));
    return new JsonObject().put("type", "order").put("combined", combined)
        .put("trade_type", tradeType).put("out_trade_no", outTradeNo).put("appid", appid)
        .put("mchid", mchid).put("description", description).put("notify_url", notifyUrl)
        .put("expires_at", expiresAt.toString()).put("openid", openid).put("subs", subsJson)
        .put("prepay_id", prepayId).put("code_token", codeToken).put("fingerprint", fingerprint);
  }

  static SandboxOrder fromJson(JsonObject json) {
    List<Sub> subs = new ArrayList<>();
    json.getJsonArray("subs").forEach(o -> {
      JsonObject s = (JsonObject) o;
      subs.add(new Sub(s.getString("mchid"), s.getString("sub_mchid", ""), s.getString("out_trade_no"),
          s.getLong("amount_fen"),
          s.getString("description"), s.getString("attach")));
    });
    return new SandboxOrder(json.getBoolean("combined"), json.getString("trade_type"),
        json.getString("out_trade_no"), json.getString("appid"), json.getString("mchid"),
        json.getString("description"), json.getString("notify_url"),
        Instant.parse(json.getString("expires_at")), json.getString("openid"), subs,
        json.getString("prepay_id"), json.getString("code_token"), json.getString("fingerprint"));
  }
}
