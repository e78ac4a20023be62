package org.clearing.console;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.Money;
import org.clearing.history.OrderHistory;
import org.clearing.history.OrderSearch;
import org.clearing.order.Order;
import org.clearing.order.OrderLine;
import org.clearing.outbox.WebhookRepository;
import org.clearing.refund.RefundRepository;
import org.clearing.split.Leg;

/**
 * An order's story as the page shows it: each kind of record as rows of text, and all of them
 * merged into one timeline, oldest first. Amounts in yuan, times in Beijing time, the payer masked.
 */
final class OperatorStoryView {

  private OperatorStoryView() {}

  static Map<String, Object> of(OrderHistory.Story story, Locale locale) {
    boolean english = Locale.ENGLISH.equals(locale);
    Order order = story.order().order();
    List<Map<String, Object>> timeline = new ArrayList<>();
    Map<String, Object> data = new HashMap<>();
    data.put("order", Map.of("orderNo", order.orderNo(), "caseNo", order.caseNo(), "region", order.region(),
        "status", order.status().name(), "amountYuan", yuan(order.total().fen()),
        "payer", OrderSearch.maskName(order.payerName()) + " " + order.payerIdMasked(),
        "createdAt", OperatorConsoleRoutes.at(order.createdAt()), "expiresAt", OperatorConsoleRoutes.at(order.expiresAt())));
    event(timeline, order.createdAt(), "created", order.orderNo() + " · " + yuan(order.total().fen()));

    Set<Integer> refunded = OperatorConsoleRoutes.refundedLines(story);
    List<Map<String, Object>> lines = new ArrayList<>();
    for (OrderLine line : order.lines()) {
      lines.add(Map.of("lineNo", line.lineNo(), "kind", english ? line.kind().englishName() : line.kind().chineseName(),
          "amountYuan", yuan(line.amount().fen()), "payee", line.payeeAccountId(), "side", line.side().name(),
          "refunded", refunded.contains(line.lineNo())));
    }
    data.put("lines", lines);
    List<Map<String, Object>> legs = new ArrayList<>();
    for (Leg leg : order.legs()) {
      legs.add(Map.of("legNo", leg.legNo(), "payee", leg.payeeAccountId(), "amountYuan", yuan(leg.amount().fen()),
          "status", leg.status().name()));
    }
    data.put("legs", legs);

    List<Map<String, Object>> channelOrders = new ArrayList<>();
    for (OrderHistory.ChannelOrder c : story.channelOrders()) {
      channelOrders.add(Map.of("channel", c.channel(), "outTradeNo", c.outTradeNo(), "flow", c.flow(),
          "status", c.status(), "reference", text(c.channelReference()), "openedAt", OperatorConsoleRoutes.at(c.openedAt())));
      event(timeline, c.openedAt(), "channelOrder", c.channel() + " · " + c.outTradeNo() + " · " + c.status());
    }
    data.put("channelOrders", channelOrders);

    List<Map<String, Object>> callbacks = new ArrayList<>();
    for (OrderHistory.Callback c : story.callbacks()) {
      callbacks.add(Map.of("channel", c.channel(), "kind", c.kind(), "source", c.source(),
          "transactionId", c.transactionId(), "amountYuan", yuan(c.amountFen()), "outcome", c.outcome(),
          "occurredAt", OperatorConsoleRoutes.at(c.occurredAt()), "receivedAt", OperatorConsoleRoutes.at(c.receivedAt())));
      event(timeline, c.receivedAt(), "callback", c.channel() + " " + c.kind() + " (" + c.source() + ") "
          + yuan(c.amountFen()) + " → " + c.outcome());
    }
    data.put("callbacks", callbacks);

    data.put("payment", story.payment().map(p -> Map.of("channel", p.channel(), "transactionId", p.transactionId(),
        "paidAt", OperatorConsoleRoutes.at(p.paidAt()))).orElse(null));
    story.payment().ifPresent(p -> event(timeline, p.paidAt(), "paid", p.channel() + " · " + p.transactionId()));
    List<Map<String, Object>> duplicates = new ArrayList<>();
    for (OrderHistory.Duplicate d : story.duplicates()) {
      duplicates.add(Map.of("channel", d.channel(), "transactionId", d.transactionId(), "amountYuan", yuan(d.amountFen()),
          "refundNo", d.refundNo(), "status", d.status(), "at", OperatorConsoleRoutes.at(d.updatedAt())));
      event(timeline, d.updatedAt(), "duplicate", d.channel() + " · " + d.transactionId() + " · " + d.status());
    }
    data.put("duplicates", duplicates);

    List<Map<String, Object>> entries = new ArrayList<>();
    for (OrderHistory.Entry e : story.journal()) {
      List<Map<String, Object>> postings = new ArrayList<>();
      for (OrderHistory.Posting p : e.postings()) {
        postings.add(Map.of("account", p.account(), "debitYuan", p.debitFen() == 0 ? "" : yuan(p.debitFen()),
            "creditYuan", p.creditFen() == 0 ? "" : yuan(p.creditFen())));
      }
      Map<String, Object> entry = new HashMap<>();
      entry.put("entryId", e.entryId());
      entry.put("kind", e.kind());
      entry.put("channel", text(e.channel()));
      entry.put("at", OperatorConsoleRoutes.at(e.createdAt()));
      entry.put("sealed", e.sealNo() != null);
      entry.put("seal", e.sealNo() == null ? "" : "#" + e.sealNo() + " " + e.sealHex().substring(0, 16) + "…");
      entry.put("postings", postings);
      entries.add(entry);
      event(timeline, e.createdAt(), "journal", "#" + e.entryId() + " " + e.kind());
    }
    data.put("entries", entries);

    List<Map<String, Object>> refunds = new ArrayList<>();
    for (OrderHistory.Refund r : story.refunds()) {
      RefundRepository.Refund refund = r.refund();
      refunds.add(Map.of("refundId", refund.refundId(), "mode", refund.mode(), "status", refund.status().name(),
          "amountYuan", yuan(refund.amountFen()), "lines", refund.lineNos().toString(), "reason", text(refund.reason()),
          "at", OperatorConsoleRoutes.at(r.createdAt())));
      event(timeline, r.createdAt(), "refund", refund.refundId() + " · " + yuan(refund.amountFen()) + " · "
          + refund.status());
    }
    data.put("refunds", refunds);

    data.put("resolution", story.resolution().map(r -> Map.of("action", r.action(), "amountYuan", yuan(r.amountFen()),
        "returnedYuan", yuan(r.returnedFen()), "by", r.resolvedBy(), "reason", r.reason(),
        "at", OperatorConsoleRoutes.at(r.resolvedAt()))).orElse(null));
    story.resolution().ifPresent(r -> event(timeline, r.resolvedAt(), "resolution", r.action() + " · "
        + r.resolvedBy() + " · " + r.reason()));

    List<Map<String, Object>> webhooks = new ArrayList<>();
    for (OrderHistory.Webhook w : story.webhooks()) {
      WebhookRepository.EventState e = w.event();
      String state = e.deliveredAt() != null ? "delivered" : e.gaveUpAt() != null ? "gave_up" : "pending";
      List<Map<String, Object>> deliveries = new ArrayList<>();
      for (WebhookRepository.Delivery d : w.deliveries()) {
        deliveries.add(Map.of("attempt", d.attempt(), "clientId", d.clientId(), "status", d.status(),
            "outcome", d.outcome(), "latencyMs", d.latencyMs(), "at", OperatorConsoleRoutes.at(d.attemptedAt().toInstant())));
        event(timeline, d.attemptedAt().toInstant(), "delivery", "#" + e.eventId() + " " + e.type() + " → "
            + d.clientId() + " HTTP " + d.status() + " " + d.outcome());
      }
      webhooks.add(Map.of("eventId", e.eventId(), "type", e.type(), "state", state, "attempts", e.attempts(),
          "at", OperatorConsoleRoutes.at(e.createdAt().toInstant()), "deliveries", deliveries));
      event(timeline, e.createdAt().toInstant(), "webhook", "#" + e.eventId() + " " + e.type());
    }
    data.put("webhooks", webhooks);

    timeline.sort(Comparator.comparing((Map<String, Object> m) -> (Instant) m.get("instant")));
    data.put("timeline", timeline);
    return data;
  }

  private static void event(List<Map<String, Object>> timeline, Instant at, String kind, String text) {
    if (at != null) {
      timeline.add(Map.of("instant", at, "at", OperatorConsoleRoutes.at(at), "kind", kind, "text", text));
    }
  }

  private static String yuan(long fen) {
    return Money.ofFen(fen).toYuanString();
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
