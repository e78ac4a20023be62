package org.clearing.load.scenario;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.clearing.channel.Channel;
import org.clearing.load.driver.Harness;

/** What the day's report counts: callbacks as the sandboxes sent them and the engine booked them, refunds by mode. */
final class DayCounts {

  private DayCounts() {}

  /**
   * The sandboxes' delivery logs of the day's payment callbacks, by outcome (acknowledged, dropped,
   * refused, …), and the engine's payment rows by how they arrived (callback, active query, bill)
   * and what they did (applied, not payable).
   */
  static JsonObject callbacks(Harness harness, List<DayOrder> orders) throws Exception {
    Map<String, Long> attempts = new TreeMap<>();
    for (DayOrder order : orders) {
      for (Channel channel : order.channels()) {
        if (order.payStatus().getOrDefault(channel, 0) != 200) {
          continue;
        }
        HttpResponse<String> log = harness.sandboxGet(channel, "/sandbox/callbacks/" + order.outTradeNo(channel));
        if (log.statusCode() == 200) {
          for (Object a : new JsonObject(log.body()).getJsonArray("attempts")) {
            attempts.merge(((JsonObject) a).getString("outcome"), 1L, Long::sum);
          }
        }
      }
    }
    Map<String, Long> booked = new TreeMap<>();
    try (Connection db = harness.jdbc(); PreparedStatement q = db.prepareStatement(
        "SELECT source || ' ' || outcome, count(*) FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = ANY(?)"
            + " GROUP BY 1")) {
      q.setArray(1, db.createArrayOf("text", orders.stream().map(DayOrder::orderNo).toArray(String[]::new)));
      try (ResultSet rows = q.executeQuery()) {
        while (rows.next()) {
          booked.put(rows.getString(1), rows.getLong(2));
        }
      }
    }
    return new JsonObject().put("sandbox_attempts", DayScenario.tally(attempts))
        .put("engine_payments", DayScenario.tally(booked));
  }

  /** The refunds made, by mode and final status. */
  static JsonObject refunds(List<DayOrder> orders) {
    Map<String, Long> counts = new TreeMap<>();
    orders.stream().filter(o -> o.refundId() != null)
        .forEach(o -> counts.merge(o.refundMode() + " " + o.refundStatus(), 1L, Long::sum));
    return DayScenario.tally(counts);
  }
}
