package org.clearing.sandbox.alipay;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.clearing.channel.Money;
import org.clearing.crypto.Crypto;

/**
 * The sandbox's trades: one status enum, one transition table, and every change expressed as a
 * journal record that {@link #apply} replays, so a restart rebuilds exactly the same book. All
 * methods are synchronized: the HTTP handlers, the payer page and timers may call from different
 * threads, and the book is small.
 */
final class AlipayTradeBook {

  static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  /** A trade's state at Alipay (Alipay's documentation); TRADE_FINISHED is never reached here. */
  enum Status {
    WAIT_BUYER_PAY,
    TRADE_SUCCESS,
    TRADE_CLOSED;

    private static final Map<Status, Set<Status>> ALLOWED = Map.of(
        WAIT_BUYER_PAY, EnumSet.of(TRADE_SUCCESS, TRADE_CLOSED),
        // A full refund closes a paid trade (§2.3); partial refunds keep TRADE_SUCCESS.
        TRADE_SUCCESS, EnumSet.of(TRADE_CLOSED),
        TRADE_CLOSED, EnumSet.noneOf(Status.class));

    Status to(Status next) {
      if (!ALLOWED.get(this).contains(next)) {
        throw new IllegalStateException("illegal trade transition " + this + " -> " + next);
      }
      return next;
    }
  }

  /** One settle_detail_infos entry: who receives how much of the trade. */
  record Leg(String transInType, String transIn, Money amount) {}

  record Refund(String outRequestNo, Money amount, Instant at) {}

  /** One trade; mutable fields change only inside the book. */
  static final class Trade {
    final String outTradeNo;
    final String tradeNo;
    final String pageToken;
    final String productCode;
    final String subject;
    final Money total;
    final List<Leg> legs;
    final String notifyUrl;
    final String returnUrl;
    final Instant createdAt;
    final Instant expiresAt;
    final String fingerprint;
    Status status = Status.WAIT_BUYER_PAY;
    Instant paidAt;
    Instant closedAt;
    String buyerId = "";
    /** What the payer paid: the total, unless a fault made the wallet pay another amount. */
    Money paid;
    final Map<String, Refund> refunds = new LinkedHashMap<>();

    Trade(JsonObject r) {
      outTradeNo = r.getString("out_trade_no");
      tradeNo = r.getString("trade_no");
      pageToken = r.getString("page_token");
      productCode = r.getString("product_code");
      subject = r.getString("subject");
      total = Money.ofFen(r.getLong("total_fen"));
      List<Leg> list = new ArrayList<>();
      for (Object o : r.getJsonArray("legs")) {
        JsonObject leg = (JsonObject) o;
        list.add(new Leg(leg.getString("trans_in_type"), leg.getString("trans_in"),
            Money.ofFen(leg.getLong("amount_fen"))));
      }
      legs = List.copyOf(list);
      notifyUrl = r.getString("notify_url", "");
      returnUrl = r.getString("return_url", "");
      createdAt = Instant.parse(r.getString("created_at"));
      expiresAt = Instant.parse(r.getString("expires_at"));
      fingerprint = r.getString("fingerprint");
    }

    /** The trade's money as Alipay reports it: what was paid once paid, else the total asked. */
    Money amount() {
      return paid == null ? total : paid;
    }

    Money refunded() {
      return refunds.values().stream().map(Refund::amount).reduce(Money.ZERO, Money::plus);
    }

    /** The status as a payer or merchant sees it at {@code now}: an unpaid trade lapses. */
    Status statusAt(Instant now) {
      return status == Status.WAIT_BUYER_PAY && now.isAfter(expiresAt) ? Status.TRADE_CLOSED : status;
    }
  }

  /** What a request to open a trade asks for; the fingerprint detects a changed repeat. */
  record Spec(String outTradeNo, String productCode, String subject, Money total, List<Leg> legs,
      String notifyUrl, String returnUrl, Instant expiresAt, String fingerprint) {}

  private final Map<String, Trade> byOutTradeNo = new LinkedHashMap<>();
  private final Map<String, Trade> byPageToken = new LinkedHashMap<>();
  private final AtomicLong sequence = new AtomicLong();

  synchronized Optional<Trade> find(String outTradeNo) {
    return Optional.ofNullable(byOutTradeNo.get(outTradeNo));
  }

  synchronized Optional<Trade> byPageToken(String token) {
    return Optional.ofNullable(byPageToken.get(token));
  }

  /** The record that opens a trade for {@code spec}; the caller applies and journals it. */
  JsonObject openRecord(Spec spec, Instant now) {
    JsonArray legs = new JsonArray();
    spec.legs().forEach(l -> legs.add(new JsonObject().put("trans_in_type", l.transInType())
        .put("trans_in", l.transIn()).put("amount_fen", l.amount().fen())));
    return new JsonObject().put("t", "open").put("out_trade_no", spec.outTradeNo())
        .put("trade_no", newTradeNo(now)).put("page_token", Crypto.randomToken(18))
        .put("product_code", spec.productCode()).put("subject", spec.subject())
        .put("total_fen", spec.total().fen()).put("legs", legs)
        .put("notify_url", spec.notifyUrl()).put("return_url", spec.returnUrl())
        .put("created_at", now.toString()).put("expires_at", spec.expiresAt().toString())
        .put("fingerprint", spec.fingerprint());
  }

  static JsonObject payRecord(String outTradeNo, String buyerId, Instant now) {
    return new JsonObject().put("t", "pay").put("out_trade_no", outTradeNo)
        .put("buyer_id", buyerId).put("at", now.toString());
  }

  /** A payment of {@code paid} instead of the trade's total (the amount fault). */
  static JsonObject payRecord(String outTradeNo, String buyerId, Instant now, Money paid) {
    return payRecord(outTradeNo, buyerId, now).put("paid_fen", paid.fen());
  }

  static JsonObject closeRecord(String outTradeNo, Instant now) {
    return new JsonObject().put("t", "close").put("out_trade_no", outTradeNo).put("at", now.toString());
  }

  static JsonObject refundRecord(String outTradeNo, String outRequestNo, Money amount, Instant now) {
    return new JsonObject().put("t", "refund").put("out_trade_no", outTradeNo)
        .put("out_request_no", outRequestNo).put("amount_fen", amount.fen()).put("at", now.toString());
  }

  /** Applies one record, at start (replay) or live. A record that breaks the table throws. */
  synchronized Trade apply(JsonObject record) {
    String type = record.getString("t");
    if ("open".equals(type)) {
      Trade trade = new Trade(record);
      byOutTradeNo.put(trade.outTradeNo, trade);
      byPageToken.put(trade.pageToken, trade);
      return trade;
    }
    Trade trade = byOutTradeNo.get(record.getString("out_trade_no"));
    if (trade == null) {
      throw new IllegalStateException("journal names an unknown trade " + record.encode());
    }
    Instant at = Instant.parse(record.getString("at"));
    switch (type) {
      case "pay" -> {
        trade.status = trade.status.to(Status.TRADE_SUCCESS);
        trade.paidAt = at;
        trade.buyerId = record.getString("buyer_id");
        trade.paid = record.containsKey("paid_fen") ? Money.ofFen(record.getLong("paid_fen")) : trade.total;
      }
      case "close" -> {
        trade.status = trade.status.to(Status.TRADE_CLOSED);
        trade.closedAt = at;
      }
      case "refund" -> {
        Money amount = Money.ofFen(record.getLong("amount_fen"));
        trade.refunds.put(record.getString("out_request_no"),
            new Refund(record.getString("out_request_no"), amount, at));
        if (trade.refunded().equals(trade.amount())) {
          trade.status = trade.status.to(Status.TRADE_CLOSED);
          trade.closedAt = at;
        }
      }
      default -> throw new IllegalStateException("unknown journal record " + record.encode());
    }
    return trade;
  }

  /** Payments (by payment day) and refunds (by refund day) of one Beijing calendar day. */
  synchronized List<BillEntry> day(LocalDate day) {
    List<BillEntry> entries = new ArrayList<>();
    for (Trade trade : byOutTradeNo.values()) {
      if (trade.paidAt != null && LocalDate.ofInstant(trade.paidAt, BEIJING).equals(day)) {
        entries.add(new BillEntry(trade, null));
      }
      for (Refund refund : trade.refunds.values()) {
        if (LocalDate.ofInstant(refund.at(), BEIJING).equals(day)) {
          entries.add(new BillEntry(trade, refund));
        }
      }
    }
    return entries;
  }

  /** A bill line's source: a payment when {@code refund} is null. */
  record BillEntry(Trade trade, Refund refund) {}

  /** Alipay trade numbers are 28 digits starting with the date (§2.3 sample). */
  private String newTradeNo(Instant now) {
    String date = LocalDate.ofInstant(now, BEIJING).toString().replace("-", "");
    long random = Crypto.random().nextLong(1_000_000_000L);
    return String.format("%s2200%07d%09d", date, sequence.incrementAndGet() % 10_000_000L, random);
  }
}
