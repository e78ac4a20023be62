package org.clearing.load.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import org.clearing.client.Role;
import org.clearing.load.driver.EngineApi;

/**
 * The day's refunds as the engine's clients make them: the registration system asks (whole or by
 * lines); before settlement the engine has the channel give the money back; after settlement the
 * tax authority (treasury legs) and the finance bureau (non-tax legs) confirm each leg with their
 * refund voucher and report it paid back.
 */
final class DayRefunds {

  /** How long a refund may take to reach its final status once asked for. */
  static final Duration REFUND_WAIT_MAX = Duration.ofSeconds(60);
  /**
   * A refund asked while the settlement job is between an order's two legs is refused as
   * mixed-settlement; it is asked again once the job is through (it runs every minute).
   */
  static final int MIXED_SETTLEMENT_RETRIES_MAX = 40;
  static final long RETRY_DELAY_MS = 2_000;
  private static final Set<String> FINAL = Set.of("SUCCEEDED", "FAILED", "PAID_BACK");

  private DayRefunds() {}

  /** Asks for the order's refund and drives it to its final status; what goes wrong marks the order. */
  static Void refund(EngineApi api, DayOrder order) throws Exception {
    JsonObject body = new JsonObject().put("refund_key", "day-" + order.orderNo())
        .put("reason", order.story() == DayOrder.Story.REFUNDED ? "申请人撤回登记 applicant withdrew"
            : "核减税费 line reassessed");
    if (!order.refundLines().isEmpty()) {
      body.put("lines", new JsonArray(order.refundLines()));
    }
    String path = "/api/v1/orders/" + order.orderNo() + "/refunds";
    EngineApi.Answer answer = api.post(Role.REGISTRATION, path, body, null).get();
    for (int retry = 0; retry < MIXED_SETTLEMENT_RETRIES_MAX && answer.status() == 409
        && answer.json().getString("type", "").endsWith("/mixed-settlement"); retry++) {
      Thread.sleep(RETRY_DELAY_MS);
      answer = api.post(Role.REGISTRATION, path, body, null).get();
    }
    if (answer.status() != 201) {
      order.problem("refund answered " + answer);
      return null;
    }
    JsonObject refund = answer.json();
    String refundId = refund.getString("refund_id");
    order.refund(refundId, refund.getString("mode"), refund.getString("status"));
    if ("AUTHORITY".equals(refund.getString("mode")) && !authoritiesPayBack(api, order, refund)) {
      return null;
    }
    awaitFinal(api, order, path + "/" + refundId);
    return null;
  }

  /** Each leg by its authority: the tax authority for the treasury, the finance bureau for non-tax accounts. */
  private static boolean authoritiesPayBack(EngineApi api, DayOrder order, JsonObject refund) throws Exception {
    for (Object o : refund.getJsonArray("legs")) {
      JsonObject leg = (JsonObject) o;
      boolean treasury = "TREASURY".equals(leg.getString("side"));
      Role role = treasury ? Role.TAX : Role.FINANCE;
      String base = "/api/v1/" + (treasury ? "tax" : "finance") + "/refunds/" + refund.getString("refund_id")
          + "/legs/" + leg.getInteger("leg_no");
      EngineApi.Answer confirmed = api.post(role, base + "/confirm", new JsonObject()
          .put("voucher_no", (treasury ? "TK-" : "TF-") + refund.getString("refund_id") + "-" + leg.getInteger("leg_no")),
          null).get();
      EngineApi.Answer paidBack = confirmed.status() == 200
          ? api.post(role, base + "/paid-back", new JsonObject(), null).get() : confirmed;
      if (paidBack.status() != 200) {
        order.problem("authority refund leg " + leg.getInteger("leg_no") + " answered " + paidBack);
        return false;
      }
    }
    return true;
  }

  private static void awaitFinal(EngineApi api, DayOrder order, String path) throws Exception {
    long deadline = System.nanoTime() + REFUND_WAIT_MAX.toNanos();
    while (true) {
      EngineApi.Answer answer = api.get(Role.REGISTRATION, path).get();
      String status = answer.status() == 200 ? answer.json().getString("status") : null;
      if (status != null) {
        order.refundStatus(status);
      }
      if (status != null && FINAL.contains(status)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        order.problem("refund " + order.refundId() + " still " + status + " after " + REFUND_WAIT_MAX.toSeconds() + " s");
        return;
      }
      Thread.sleep(DayScenario.POLL_INTERVAL_MS / 2);
    }
  }
}
