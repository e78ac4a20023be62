package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.journal.Journal;
import org.clearing.order.OrderStatus;
import org.clearing.order.Orders;
import org.clearing.outbox.Outbox;
import org.clearing.split.Leg;
import org.clearing.split.LegStatus;
import org.clearing.split.Legs;
import org.clearing.store.GroupCommitter;

/**
 * Records verified payments, exactly once each. A payment is recorded in the inbox under its
 * channel transaction id and, in the same transaction, moves its order (PAID, or EXCEPTION for a
 * wrong amount), marks the legs paid, books its balanced journal entry and writes its outbox
 * event; only after the commit may the channel be acknowledged. Concurrent payments are
 * group-committed: one transaction, a handful of set-based statements and one flush per group.
 */
public final class PaymentIntake {

  /** Where a notification came from; a query result takes exactly the callback's path. */
  public enum Source {
    CALLBACK,
    QUERY,
    BILL
  }

  /**
   * What recording did; {@code outcome} is null for a duplicate. {@code openElsewhere} are, for a
   * payment that paid its order now, the order's channel orders still open at other channels (read
   * in the same transaction, so the caller closes them without asking the database again); empty
   * otherwise.
   */
  public record Recorded(boolean duplicate, String orderNo, PaymentDecision.Outcome outcome,
      List<ChannelOrders.Other> openElsewhere) {

    public Recorded(boolean duplicate, String orderNo, PaymentDecision.Outcome outcome) {
      this(duplicate, orderNo, outcome, List.of());
    }
  }

  /** Callbacks waiting for a group beyond this are refused with "try again" (the channel resends). */
  public static final int QUEUED_MAX = 4_096;
  /** The most payments in one transaction. */
  public static final int GROUP_SIZE_MAX = 128;
  /** Groups committing at once; each holds one pool connection. */
  public static final int GROUPS_IN_FLIGHT_MAX = 3;

  // The statements of one group commit. Public so that the load harness's baseline runs exactly
  // this SQL, one transaction per callback, and can never drift from what the engine does.
  public static final String LOCK_ORDERS =
      "SELECT order_no, status, total_fen FROM orders WHERE order_no = ANY($1::text[])"
          + " ORDER BY order_no FOR UPDATE";
  public static final String SELECT_LEGS =
      "SELECT order_no, leg_no, payee_account_id, amount_fen, status FROM leg"
          + " WHERE order_no = ANY($1::text[]) ORDER BY order_no, leg_no";
  public static final String SELECT_RECORDED =
      "SELECT i.channel, i.event_key FROM channel_inbox i"
          + " JOIN unnest($1::text[], $2::text[]) AS k(channel, event_key)"
          + " ON i.channel = k.channel AND i.event_key = k.event_key WHERE i.kind = 'PAYMENT'";
  /** The payee each named channel order was opened with; a notification must name the same. */
  public static final String SELECT_PAYEES =
      "SELECT c.channel, c.out_trade_no, c.payee::text AS payee FROM channel_order c"
          + " JOIN unnest($1::text[], $2::text[]) AS k(channel, out_trade_no)"
          + " ON c.channel = k.channel AND c.out_trade_no = k.out_trade_no WHERE c.payee IS NOT NULL";
  /** The channel orders of the locked orders still open (a paid order's others are closed). */
  public static final String SELECT_OPEN =
      "SELECT order_no, channel, out_trade_no, merchant_id FROM channel_order"
          + " WHERE order_no = ANY($1::text[]) AND status IN ('OPENING', 'OPEN')";
  public static final String INSERT_INBOX = """
      INSERT INTO channel_inbox (channel, kind, event_key, order_no, out_trade_no, transaction_id,
                                 amount_fen, outcome, source, event_id, occurred_at)
      SELECT channel, 'PAYMENT', event_key, order_no, out_trade_no, event_key, amount_fen, outcome,
             source, event_id, occurred_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[],
                  $7::text[], $8::text[], $9::timestamptz[])
        AS x(channel, event_key, order_no, out_trade_no, amount_fen, outcome, source, event_id,
             occurred_at)
      ON CONFLICT (channel, kind, event_key) DO NOTHING
      """;
  private static final String INSERT_REFUND_INBOX =
      "INSERT INTO channel_inbox (channel, kind, event_key, order_no, out_trade_no, transaction_id,"
          + " amount_fen, outcome, source, event_id, occurred_at)"
          + " VALUES ($1, 'REFUND', $2, $3, $4, $5, $6, $7, $8, $9, $10)"
          + " ON CONFLICT (channel, kind, event_key) DO NOTHING";

  private static final String SELECT_REFUND_PAYEE = """
      SELECT c.payee::text AS payee FROM channel_order c
      WHERE c.channel = $1 AND c.payee IS NOT NULL
        AND (c.out_trade_no = $2
             OR c.order_no IN (SELECT order_no FROM orders
                               WHERE paid_channel = $1 AND paid_transaction_id = $3 AND $3 <> ''))
      LIMIT 1
      """;

  private final Pool pool;
  private final GroupCommitter<Item, Recorded> committer;

  private record Item(PaymentNotification payment, Source source) {}

  public PaymentIntake(Vertx vertx, Pool pool) {
    this.pool = pool;
    this.committer = new GroupCommitter<>(vertx, this::commitGroup, QUEUED_MAX, GROUP_SIZE_MAX,
        GROUPS_IN_FLIGHT_MAX);
  }

  /** Records a payment; fails with {@link GroupCommitter.Overloaded} when too many are waiting. */
  public Future<Recorded> recordPayment(PaymentNotification payment, Source source) {
    if (!payment.successful()) {
      // Not money: nothing to record. Keeping it out of the inbox matters, because the same
      // transaction id may yet succeed (Alipay notifies WAIT_BUYER_PAY, then TRADE_SUCCESS).
      return Future.succeededFuture(new Recorded(false, null, PaymentDecision.Outcome.NOT_SUCCESSFUL));
    }
    return committer.submit(new Item(payment, source));
  }

  public GroupCommitter<?, ?> committer() {
    return committer;
  }

  private Future<List<Recorded>> commitGroup(List<Item> items) {
    List<PaymentNotification> payments = items.stream().map(Item::payment).toList();
    List<String> orderNos = payments.stream()
        .map(p -> OutTradeNumbers.orderNo(p.channel(), p.outTradeNo()).orElse(null)).toList();
    String[] lockOrder = new TreeSet<>(orderNos.stream().filter(o -> o != null).toList())
        .toArray(String[]::new);
    String[] channels = payments.stream().map(p -> p.channel().code()).toArray(String[]::new);
    return pool.withTransaction(conn -> {
      // The reads go out together, in one round trip: PostgreSQL runs them in this order, so each
      // read after the lock starts once the lock is granted and sees every payment committed
      // before it, as when each waited for the one before.
      Future<RowSet<Row>> heads = conn.preparedQuery(LOCK_ORDERS).execute(Tuple.of(lockOrder));
      Future<RowSet<Row>> legs = conn.preparedQuery(SELECT_LEGS).execute(Tuple.of(lockOrder));
      Future<RowSet<Row>> recorded = conn.preparedQuery(SELECT_RECORDED).execute(Tuple.tuple()
          .addArrayOfString(channels)
          .addArrayOfString(payments.stream().map(PaymentNotification::transactionId).toArray(String[]::new)));
      Future<RowSet<Row>> payees = conn.preparedQuery(SELECT_PAYEES).execute(Tuple.tuple()
          .addArrayOfString(channels)
          .addArrayOfString(payments.stream().map(PaymentNotification::outTradeNo).toArray(String[]::new)));
      Future<RowSet<Row>> open = conn.preparedQuery(SELECT_OPEN).execute(Tuple.of(lockOrder));
      return Future.all(heads, legs, recorded, payees, open).compose(read -> {
        Map<String, PaymentBooking.OrderState> states = orderStates(heads.result(), legs.result());
        List<PaymentBooking.Booking> bookings = PaymentBooking.book(
            payments, orderNos, states, keys(recorded.result()), payees(payees.result()));
        return write(conn, bookings, items, states).map(v -> recordedAll(bookings, open.result()));
      });
    });
  }

  /** One result per booking; a payment that paid its order now names its order's other open channel orders. */
  private static List<Recorded> recordedAll(List<PaymentBooking.Booking> bookings, RowSet<Row> openRows) {
    Map<String, List<Row>> open = new HashMap<>();
    for (Row row : openRows) {
      open.computeIfAbsent(row.getString("order_no"), k -> new ArrayList<>()).add(row);
    }
    List<Recorded> all = new ArrayList<>(bookings.size());
    for (PaymentBooking.Booking b : bookings) {
      List<ChannelOrders.Other> others = List.of();
      if (!b.duplicate() && b.outcome() == PaymentDecision.Outcome.APPLIED && open.containsKey(b.orderNo())) {
        others = open.get(b.orderNo()).stream()
            .filter(row -> !row.getString("channel").equals(b.payment().channel().code()))
            .map(row -> new ChannelOrders.Other(Channel.fromCode(row.getString("channel")).orElseThrow(),
                row.getString("out_trade_no"), row.getString("merchant_id")))
            .toList();
      }
      all.add(new Recorded(b.duplicate(), b.orderNo(), b.outcome(), others));
    }
    return all;
  }

  private static Map<String, PaymentBooking.OrderState> orderStates(RowSet<Row> heads, RowSet<Row> legRows) {
    Map<String, List<Leg>> legs = new HashMap<>();
    for (Row row : legRows) {
      legs.computeIfAbsent(row.getString("order_no"), k -> new ArrayList<>()).add(new Leg(
          row.getInteger("leg_no"), row.getString("payee_account_id"),
          Money.ofFen(row.getLong("amount_fen")), LegStatus.valueOf(row.getString("status"))));
    }
    Map<String, PaymentBooking.OrderState> states = new HashMap<>();
    for (Row row : heads) {
      String orderNo = row.getString("order_no");
      states.put(orderNo, new PaymentBooking.OrderState(orderNo,
          OrderStatus.valueOf(row.getString("status")), row.getLong("total_fen"),
          legs.getOrDefault(orderNo, List.of())));
    }
    return states;
  }

  private static Map<String, PayeeIdentity> payees(RowSet<Row> rows) {
    Map<String, PayeeIdentity> payees = new HashMap<>();
    for (Row row : rows) {
      payees.put(row.getString("channel") + "|" + row.getString("out_trade_no"),
          PayeeIdentity.fromJson(row.getString("payee")));
    }
    return payees;
  }

  private static Set<String> keys(RowSet<Row> recorded) {
    Set<String> keys = new HashSet<>();
    for (Row row : recorded) {
      keys.add(row.getString("channel") + "|" + row.getString("event_key"));
    }
    return keys;
  }

  /**
   * Writes one group: the inbox rows, the orders' moves, the legs' and channel orders' moves (each
   * one statement through its door), the journal entries and the events: as many statements as
   * before the doors, whatever the group's size.
   */
  private static Future<Void> write(SqlConnection conn, List<PaymentBooking.Booking> all, List<Item> items,
      Map<String, PaymentBooking.OrderState> states) {
    List<PaymentBooking.Booking> fresh = new ArrayList<>();
    List<Source> sources = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      // Somebody else's payment leaves no trace here: no inbox row, no entry, no event.
      if (!all.get(i).duplicate() && all.get(i).outcome() != PaymentDecision.Outcome.FOREIGN) {
        fresh.add(all.get(i));
        sources.add(items.get(i).source());
      }
    }
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<?>> writes = new ArrayList<>();
    writes.add(conn.preparedQuery(INSERT_INBOX).execute(inboxTuple(fresh, sources)).compose(rows ->
        rows.rowCount() == fresh.size() ? Future.succeededFuture()
            : Future.failedFuture(new IllegalStateException(
                "a payment was recorded concurrently; the group is retried one by one"))));
    List<PaymentBooking.Booking> moves = fresh.stream().filter(b -> b.toStatus() != null).toList();
    if (!moves.isEmpty()) {
      // The orders are locked (LOCK_ORDERS): each move must happen.
      writes.add(Orders.transition(conn, Orders.Guard.LOCKED, moves.stream().map(b -> new Orders.Move(
          b.orderNo(), b.fromStatus(), b.toStatus(), paid(b) ? new Orders.Paid(b.payment().channel().code(),
              b.payment().transactionId(), utc(b.payment().paidAt())) : null)).toList()));
    }
    List<PaymentBooking.Booking> applied = fresh.stream()
        .filter(b -> b.outcome() == PaymentDecision.Outcome.APPLIED).toList();
    if (!applied.isEmpty()) {
      writes.add(Legs.transition(conn, LegStatus.PAID, applied.stream()
          .flatMap(b -> states.get(b.orderNo()).legs().stream().map(l -> Legs.Move.of(b.orderNo(), l.legNo())))
          .toList()));
      writes.add(ChannelOrders.transition(conn, ChannelOrderStatus.PAID, applied.stream()
          .map(b -> new ChannelOrders.Key(b.orderNo(), b.payment().channel())).toList(), null));
    }
    writes.add(Journal.post(conn, fresh.stream().map(PaymentBooking.Booking::entry).toList()));
    writes.add(Outbox.append(conn, fresh.stream().map(PaymentBooking.Booking::event)
        .filter(e -> e != null).map(PaymentIntake::outboxEvent).toList()));
    return Future.all(writes).mapEmpty();
  }

  private static Tuple inboxTuple(List<PaymentBooking.Booking> fresh, List<Source> sources) {
    return Tuple.tuple()
        .addArrayOfString(fresh.stream().map(b -> b.payment().channel().code()).toArray(String[]::new))
        .addArrayOfString(fresh.stream().map(PaymentBooking.Booking::inboxKey).toArray(String[]::new))
        .addArrayOfString(fresh.stream().map(PaymentBooking.Booking::orderNo).toArray(String[]::new))
        .addArrayOfString(fresh.stream().map(b -> b.payment().outTradeNo()).toArray(String[]::new))
        .addArrayOfLong(fresh.stream().map(b -> b.payment().amount().fen()).toArray(Long[]::new))
        .addArrayOfString(fresh.stream().map(b -> b.outcome().name()).toArray(String[]::new))
        .addArrayOfString(sources.stream().map(Source::name).toArray(String[]::new))
        .addArrayOfString(fresh.stream().map(b -> b.payment().eventId()).toArray(String[]::new))
        .addArrayOfOffsetDateTime(fresh.stream().map(b -> utc(b.payment().paidAt()))
            .toArray(OffsetDateTime[]::new));
  }

  private static boolean paid(PaymentBooking.Booking booking) {
    return booking.outcome() == PaymentDecision.Outcome.APPLIED;
  }

  /** The booking's event as the outbox takes it; the booking itself stays free of Vert.x types. */
  public static Outbox.Event outboxEvent(PaymentBooking.OutboxEvent event) {
    return new Outbox.Event(event.type(), event.orderNo(), new JsonObject(event.payload()));
  }

  private static OffsetDateTime utc(java.time.Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  /**
   * The payee the refunded payment's channel order was opened with: found by our order number
   * at the channel or, where the refund names only the payment (UnionPay's origQryId), by the
   * order that payment paid. Empty when none was recorded.
   */
  public Future<Optional<PayeeIdentity>> expectedPayee(RefundNotification refund) {
    return pool.preparedQuery(SELECT_REFUND_PAYEE).execute(Tuple.of(refund.channel().code(),
            refund.outTradeNo(), refund.transactionId()))
        .map(rows -> rows.size() == 0 ? Optional.<PayeeIdentity>empty()
            : Optional.of(PayeeIdentity.fromJson(rows.iterator().next().getString("payee"))));
  }

  /**
   * Records a refund notification once per refund and outcome; the money side of refunds lives
   * with the refund flow, which reads the inbox.
   */
  public Future<Recorded> recordRefund(RefundNotification refund, Source source) {
    String key = refund.outRefundNo() + ":" + refund.status().name();
    String orderNo = OutTradeNumbers.orderNo(refund.channel(), refund.parentOutTradeNo()).orElse(null);
    return pool.preparedQuery(INSERT_REFUND_INBOX).execute(Tuple.tuple()
            .addString(refund.channel().code())
            .addString(key)
            .addString(orderNo)
            .addString(refund.outTradeNo())
            .addString(refund.transactionId())
            .addLong(refund.amount().fen())
            .addString(refund.status().name())
            .addString(source.name())
            .addString(refund.eventId())
            .addOffsetDateTime(utc(refund.occurredAt())))
        .map(rows -> new Recorded(rows.rowCount() == 0, orderNo, null));
  }
}
