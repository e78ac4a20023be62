package org.clearing.history;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clearing.order.OrderRepository;
import org.clearing.outbox.WebhookRepository;
import org.clearing.refund.RefundRepository;

/**
 * An order's whole story for a person: the order with its lines and legs as the API reads it
 * ({@link OrderRepository#find}), its channel orders, every verified notification the channels
 * sent with what the engine did with it, the payment that paid it and any duplicate given back,
 * its journal entries with their postings and the seal that covers each, its refunds as the API
 * reads them ({@link RefundRepository#find}), an exception's resolution, and its webhooks with
 * their deliveries as the admin API reads them ({@link WebhookRepository}).
 *
 * <p>Each list is bounded: an order has a handful of each in its life; the bounds only stop a
 * broken or attacked order from making a page of megabytes.
 */
public final class OrderHistory {

  /** Per kind of record; a real order has a few, a replayed-callback storm some dozens. */
  public static final int ROWS_PER_KIND_MAX = 200;

  private static final String CHANNEL_ORDERS = """
      SELECT channel, out_trade_no, flow, status, channel_reference, opened_at, updated_at
      FROM channel_order WHERE order_no = $1 ORDER BY opened_at LIMIT $2
      """;
  private static final String CALLBACKS = """
      SELECT channel, kind, transaction_id, amount_fen, outcome, source, event_id, occurred_at, received_at
      FROM channel_inbox WHERE order_no = $1 ORDER BY received_at, event_key LIMIT $2
      """;
  private static final String PAYMENT = """
      SELECT paid_channel, paid_transaction_id, paid_at FROM orders WHERE order_no = $1 AND paid_at IS NOT NULL
      """;
  private static final String DUPLICATES = """
      SELECT channel, transaction_id, amount_fen, out_refund_no, status, updated_at
      FROM duplicate_refund WHERE order_no = $1 ORDER BY updated_at LIMIT $2
      """;
  /** A seal covers the entries with from_txid <= txid < to_txid (V5); an entry not yet sealed has none. */
  private static final String JOURNAL = """
      SELECT e.entry_id, e.kind, e.channel, e.created_at, s.seal_no, encode(s.seal, 'hex') AS seal_hex,
             p.posting_no, p.account, p.debit_fen, p.credit_fen
      FROM journal_entry e
      JOIN journal_posting p ON p.entry_id = e.entry_id
      LEFT JOIN journal_seal s ON e.txid >= s.from_txid AND e.txid < s.to_txid
      WHERE e.order_no = $1 AND e.entry_id IN
        (SELECT entry_id FROM journal_entry WHERE order_no = $1 ORDER BY entry_id LIMIT $2)
      ORDER BY e.entry_id, p.posting_no
      """;
  private static final String REFUND_IDS =
      "SELECT refund_id, created_at FROM refund WHERE order_no = $1 ORDER BY refund_id LIMIT $2";
  private static final String RESOLUTION = """
      SELECT action, channel, transaction_id, amount_fen, returned_fen, resolved_by, reason, resolved_at
      FROM exception_resolution WHERE order_no = $1
      """;
  private static final String EVENT_IDS =
      "SELECT event_id FROM outbox WHERE order_no = $1 ORDER BY event_id LIMIT $2";

  public record ChannelOrder(String channel, String outTradeNo, String flow, String status,
      String channelReference, Instant openedAt, Instant updatedAt) {}

  /** A verified notification (or a query's or a bill's finding) and what the engine did with it. */
  public record Callback(String channel, String kind, String transactionId, long amountFen, String outcome,
      String source, String eventId, Instant occurredAt, Instant receivedAt) {}

  public record Payment(String channel, String transactionId, Instant paidAt) {}

  /** A second payment of a paid order, given back to the payer. */
  public record Duplicate(String channel, String transactionId, long amountFen, String refundNo, String status,
      Instant updatedAt) {}

  public record Posting(int postingNo, String account, long debitFen, long creditFen) {}

  /** A journal entry; {@code sealNo} and {@code sealHex} are null until the sealer covers it. */
  public record Entry(long entryId, String kind, String channel, Instant createdAt, Long sealNo, String sealHex,
      List<Posting> postings) {}

  public record Refund(RefundRepository.Refund refund, Instant createdAt) {}

  public record Resolution(String action, String channel, String transactionId, long amountFen, long returnedFen,
      String resolvedBy, String reason, Instant resolvedAt) {}

  public record Webhook(WebhookRepository.EventState event, List<WebhookRepository.Delivery> deliveries) {}

  /** Everything about one order. */
  public record Story(OrderRepository.Owned order, List<ChannelOrder> channelOrders, List<Callback> callbacks,
      Optional<Payment> payment, List<Duplicate> duplicates, List<Entry> journal, List<Refund> refunds,
      Optional<Resolution> resolution, List<Webhook> webhooks) {}

  private final Pool pool;
  private final OrderRepository orders;
  private final RefundRepository refunds;
  private final WebhookRepository webhooks;

  public OrderHistory(Pool pool, OrderRepository orders, RefundRepository refunds, WebhookRepository webhooks) {
    this.pool = pool;
    this.orders = orders;
    this.refunds = refunds;
    this.webhooks = webhooks;
  }

  /** The order's story, or empty when there is no such order. */
  public Future<Optional<Story>> of(String orderNo) {
    return orders.find(orderNo).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(Optional.empty());
      }
      Tuple bounded = Tuple.of(orderNo, ROWS_PER_KIND_MAX);
      Future<RowSet<Row>> channelOrders = pool.preparedQuery(CHANNEL_ORDERS).execute(bounded);
      Future<RowSet<Row>> callbacks = pool.preparedQuery(CALLBACKS).execute(bounded);
      Future<RowSet<Row>> payment = pool.preparedQuery(PAYMENT).execute(Tuple.of(orderNo));
      Future<RowSet<Row>> duplicates = pool.preparedQuery(DUPLICATES).execute(bounded);
      Future<RowSet<Row>> journal = pool.preparedQuery(JOURNAL).execute(bounded);
      Future<RowSet<Row>> resolution = pool.preparedQuery(RESOLUTION).execute(Tuple.of(orderNo));
      Future<List<Refund>> refundList = refundsOf(orderNo);
      Future<List<Webhook>> webhookList = webhooksOf(orderNo);
      return Future.all(List.of(channelOrders, callbacks, payment, duplicates, journal, resolution, refundList,
          webhookList)).map(all -> Optional.of(new Story(found.get(),
          map(channelOrders.result(), OrderHistory::channelOrder), map(callbacks.result(), OrderHistory::callback),
          map(payment.result(), OrderHistory::payment).stream().findFirst(),
          map(duplicates.result(), OrderHistory::duplicate), entries(journal.result()), refundList.result(),
          map(resolution.result(), OrderHistory::resolution).stream().findFirst(), webhookList.result())));
    });
  }

  private Future<List<Refund>> refundsOf(String orderNo) {
    return pool.preparedQuery(REFUND_IDS).execute(Tuple.of(orderNo, ROWS_PER_KIND_MAX)).compose(rows -> {
      List<Future<Refund>> each = new ArrayList<>();
      for (Row row : rows) {
        Instant createdAt = row.getOffsetDateTime("created_at").toInstant();
        each.add(refunds.find(row.getString("refund_id")).map(refund -> new Refund(refund, createdAt)));
      }
      return Future.all(each).map(done -> each.stream().map(Future::result).toList());
    });
  }

  private Future<List<Webhook>> webhooksOf(String orderNo) {
    return pool.preparedQuery(EVENT_IDS).execute(Tuple.of(orderNo, ROWS_PER_KIND_MAX)).compose(rows -> {
      List<Future<Optional<Webhook>>> each = new ArrayList<>();
      for (Row row : rows) {
        long eventId = row.getLong("event_id");
        each.add(webhooks.event(eventId).compose(event -> event.isEmpty()
            ? Future.succeededFuture(Optional.<Webhook>empty())
            : webhooks.deliveries(eventId).map(log -> Optional.of(new Webhook(event.get(), log)))));
      }
      return Future.all(each).map(done -> each.stream().map(Future::result).flatMap(Optional::stream).toList());
    });
  }

  private static <T> List<T> map(RowSet<Row> rows, java.util.function.Function<Row, T> mapper) {
    List<T> out = new ArrayList<>();
    rows.forEach(row -> out.add(mapper.apply(row)));
    return out;
  }

  private static ChannelOrder channelOrder(Row row) {
    return new ChannelOrder(row.getString("channel"), row.getString("out_trade_no"), row.getString("flow"),
        row.getString("status"), row.getString("channel_reference"), instant(row, "opened_at"),
        instant(row, "updated_at"));
  }

  private static Callback callback(Row row) {
    return new Callback(row.getString("channel"), row.getString("kind"), row.getString("transaction_id"),
        row.getLong("amount_fen"), row.getString("outcome"), row.getString("source"), row.getString("event_id"),
        instant(row, "occurred_at"), instant(row, "received_at"));
  }

  private static Payment payment(Row row) {
    return new Payment(row.getString("paid_channel"), row.getString("paid_transaction_id"), instant(row, "paid_at"));
  }

  private static Duplicate duplicate(Row row) {
    return new Duplicate(row.getString("channel"), row.getString("transaction_id"), row.getLong("amount_fen"),
        row.getString("out_refund_no"), row.getString("status"), instant(row, "updated_at"));
  }

  private static Resolution resolution(Row row) {
    return new Resolution(row.getString("action"), row.getString("channel"), row.getString("transaction_id"),
        row.getLong("amount_fen"), row.getLong("returned_fen"), row.getString("resolved_by"),
        row.getString("reason"), instant(row, "resolved_at"));
  }

  /** One row per posting, in entry order: folded into entries with their postings. */
  private static List<Entry> entries(RowSet<Row> rows) {
    Map<Long, Entry> entries = new LinkedHashMap<>();
    for (Row row : rows) {
      Entry entry = entries.computeIfAbsent(row.getLong("entry_id"), id -> new Entry(id, row.getString("kind"),
          row.getString("channel"), instant(row, "created_at"), row.getLong("seal_no"), row.getString("seal_hex"),
          new ArrayList<>()));
      entry.postings().add(new Posting(row.getInteger("posting_no"), row.getString("account"),
          row.getLong("debit_fen"), row.getLong("credit_fen")));
    }
    return entries.values().stream().map(e -> new Entry(e.entryId(), e.kind(), e.channel(), e.createdAt(),
        e.sealNo(), e.sealHex(), List.copyOf(e.postings()))).toList();
  }

  private static Instant instant(Row row, String column) {
    java.time.OffsetDateTime at = row.getOffsetDateTime(column);
    return at == null ? null : at.toInstant();
  }
}
