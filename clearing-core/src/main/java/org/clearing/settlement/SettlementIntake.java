package org.clearing.settlement;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clearing.channel.BillFile;
import org.clearing.channel.BillSplit;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;
import org.clearing.journal.Journal;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;
import org.clearing.order.Orders;
import org.clearing.payment.ChannelAccounts;
import org.clearing.payment.MerchantOrders;
import org.clearing.receipt.ReceiptRepository;
import org.clearing.split.LegStatus;
import org.clearing.split.Legs;

/**
 * Settles legs from a channel's bill: a leg is settled when the channel reports that its money
 * reached its account, with the settlement entry (debit the payee account, credit the channel's
 * clearing account). The channels say it differently ({@link BillSplit}): a split line per
 * receiver, a bill row per leg that names its leg number, or a row per trade whose settle plan was
 * fixed when the order was opened; the adapter's statement lines carry the order's number and the
 * leg, so nothing here knows a channel's number format. A leg whose reported amount differs is
 * left paid for the daily reconciliation to report; a leg under a channel refund still open
 * (requested, accepted or unknown) is left paid until the refund is final. Idempotent: a settled
 * leg is never settled again.
 */
public final class SettlementIntake {

  /** Bill lines handled per transaction. */
  public static final int BATCH_SIZE_MAX = 500;
  /** Channels' business days are Beijing's (the bill of a day lists that day's payments). */
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  /**
   * The bill's orders, locked before their legs are read. Planning a refund holds its order's row
   * from before it reads the legs' statuses until the refund is committed, so once this lock is
   * taken a channel refund of these orders is either committed (and {@link #SELECT_LEGS}, a later
   * statement with a fresher snapshot, sees it) or will be planned after the legs are settled
   * (and sees them settled: an authority refund).
   */
  private static final String LOCK_ORDERS =
      "SELECT order_no FROM orders WHERE order_no = ANY($1::text[]) ORDER BY order_no FOR UPDATE";
  /**
   * Legs with what the channel already gave back of them: a leg settles at its amount less the
   * channel refunds taken from it before settlement, so the clearing account is emptied exactly.
   * {@code open_refunds} counts the channel refunds of the leg whose outcome is not known yet.
   * Only the legs of orders paid through the bill's merchant ($2-$4): another merchant's bill
   * naming them settles nothing.
   */
  private static final String SELECT_LEGS = """
      SELECT g.order_no, g.leg_no, g.payee_account_id, g.amount_fen, g.status, o.total_fen, o.paid_channel,
             coalesce((SELECT sum(rg.amount_fen) FROM refund_leg rg JOIN refund r ON r.refund_id = rg.refund_id
                       WHERE r.order_no = g.order_no AND rg.leg_no = g.leg_no AND r.mode = 'CHANNEL'
                         AND r.status = 'SUCCEEDED'), 0) AS refunded_fen,
             (SELECT count(*) FROM refund_leg rg JOIN refund r ON r.refund_id = rg.refund_id
              WHERE r.order_no = g.order_no AND rg.leg_no = g.leg_no AND r.mode = 'CHANNEL'
                AND r.status IN ('REQUESTED', 'ACCEPTED', 'UNKNOWN')) AS open_refunds
      FROM leg g JOIN orders o ON o.order_no = g.order_no
      LEFT JOIN channel_order co ON co.order_no = o.order_no AND co.channel = o.paid_channel
      WHERE g.order_no = ANY($1::text[]) AND MERCHANT
      ORDER BY g.order_no, g.leg_no FOR UPDATE OF g
      """.replace("MERCHANT", MerchantOrders.condition("co", 2));
  /** Paid orders none of whose legs waits for its money any more, locked for their move. */
  private static final String SETTLED_ORDERS = """
      SELECT o.order_no FROM orders o
      WHERE o.order_no = ANY($1::text[]) AND o.status = $2
        AND NOT EXISTS (SELECT 1 FROM leg g WHERE g.order_no = o.order_no AND g.status NOT IN ('SETTLED', 'REFUNDED'))
      ORDER BY o.order_no FOR UPDATE OF o
      """;

  /**
   * The channels and business days (Beijing) of orders paid in {@code [$1, $2)} that still have a
   * leg waiting for its money. The order statuses are spelled out so that the partial index
   * {@code orders_awaiting_settlement} serves the query: an order whose legs may be unsettled is
   * PAID, or REFUNDING while a refund of some of its lines is open.
   */
  private static final String AWAITING_DAYS = """
      SELECT DISTINCT o.paid_channel, (o.paid_at AT TIME ZONE INTERVAL '+08:00')::date AS day
      FROM orders o
      WHERE o.status IN ('PAID', 'REFUNDING') AND o.paid_at >= $1 AND o.paid_at < $2
        AND EXISTS (SELECT 1 FROM leg g WHERE g.order_no = o.order_no AND g.status = 'PAID')
      ORDER BY 2, 1 LIMIT $3
      """;

  private final Vertx vertx;
  private final Pool pool;
  private final ChannelAccounts channelAccounts;

  /** A result: lines read, legs settled now, orders that became SETTLED. */
  public record Result(long linesRead, long legsSettled, long ordersSettled) {
    public Result plus(Result other) {
      return new Result(linesRead + other.linesRead, legsSettled + other.legsSettled,
          ordersSettled + other.ordersSettled);
    }
  }

  public SettlementIntake(Vertx vertx, Pool pool, Map<Channel, Map<String, String>> channelAccounts) {
    this(vertx, pool, ChannelAccounts.fixed(channelAccounts));
  }

  /** @param channelAccounts the receivers a bill line may name (the engine's are live) */
  public SettlementIntake(Vertx vertx, Pool pool, ChannelAccounts channelAccounts) {
    this.vertx = vertx;
    this.pool = pool;
    this.channelAccounts = channelAccounts;
  }

  /** A channel's bill of one business day. */
  public record ChannelDay(Channel channel, LocalDate day) {}

  /**
   * The channels' business days from {@code from} up to (not including) {@code before} whose
   * bills may still settle legs: those with legs of orders paid that day still waiting for their
   * money. At most {@code daysMax} of them, the oldest first.
   */
  public Future<List<ChannelDay>> awaitingDays(LocalDate from, LocalDate before, int daysMax) {
    return pool.preparedQuery(AWAITING_DAYS).execute(Tuple.of(from.atStartOfDay().atOffset(BEIJING),
        before.atStartOfDay().atOffset(BEIJING), daysMax)).map(rows -> {
          List<ChannelDay> days = new ArrayList<>();
          rows.forEach(row -> Channel.fromCode(row.getString("paid_channel"))
              .ifPresent(channel -> days.add(new ChannelDay(channel, row.getLocalDate("day")))));
          return days;
        });
  }

  /** What a bill line says was settled: a leg by number, by receiver, or the whole order. */
  record Report(String orderNo, Integer legNo, String payeeAccountId, long amountFen, String ref) {}

  /**
   * Reads the bill of one merchant (on a worker, in bounded batches) and settles what it reports
   * of that merchant's orders.
   */
  public Future<Result> settle(MerchantOrders merchant, ChannelAdapter adapter, BillFile bill) {
    return vertx.executeBlocking(() -> adapter.readBill(bill))
        .compose(reader -> next(merchant, bill.channel(), reader, new Result(0, 0, 0))
            .eventually(() -> vertx.executeBlocking(() -> {
              reader.close();
              return null;
            })));
  }

  private Future<Result> next(MerchantOrders merchant, Channel channel, StatementReader reader, Result soFar) {
    return vertx.executeBlocking(() -> {
      List<StatementLine> batch = new ArrayList<>(BATCH_SIZE_MAX);
      while (batch.size() < BATCH_SIZE_MAX && reader.hasNext()) {
        batch.add(reader.next());
      }
      return batch;
    }).compose(batch -> batch.isEmpty() ? Future.succeededFuture(soFar)
        : apply(merchant, channel, batch).compose(result -> next(merchant, channel, reader, soFar.plus(result))));
  }

  /**
   * What a line says was settled, read as the channel's bill shows the split: by the leg a row
   * names, by the receiver a split line names, or (a bill without the split) the whole order.
   */
  Optional<Report> report(Channel channel, StatementLine line) {
    if (line.kind() == StatementLine.Kind.REFUND) {
      return Optional.empty();
    }
    String ref = channel.code() + ":" + line.transactionId();
    Optional<String> orderNo = OutTradeNumbers.orderNo(channel, line.parentOutTradeNo());
    long amountFen = line.amount().fen();
    return switch (BillSplit.of(channel)) {
      case BY_RECEIVER -> {
        if (line.kind() != StatementLine.Kind.SPLIT_SETTLEMENT) {
          yield Optional.empty();
        }
        String payee = channelAccounts.payeeAccount(channel, line.subAccount()).orElse(null);
        yield orderNo.filter(o -> payee != null).map(o -> new Report(o, null, payee, amountFen, ref));
      }
      case BY_LEG_NO -> orderNo.map(o -> new Report(o, line.legNo() == 0 ? null : line.legNo(), null,
          amountFen, ref));
      case NONE -> orderNo.map(o -> new Report(o, null, null, amountFen, ref));
    };
  }

  private Future<Result> apply(MerchantOrders merchant, Channel channel, List<StatementLine> lines) {
    List<Report> reports = new ArrayList<>();
    lines.forEach(line -> report(channel, line).ifPresent(reports::add));
    if (reports.isEmpty()) {
      return Future.succeededFuture(new Result(lines.size(), 0, 0));
    }
    String[] orderNos = reports.stream().map(Report::orderNo).distinct().toArray(String[]::new);
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ORDERS).execute(Tuple.of(orderNos))
        .compose(locked -> conn.preparedQuery(SELECT_LEGS).execute(merchant.bind(Tuple.of(orderNos))))
        .compose(rows -> {
          Map<String, List<Row>> legs = new HashMap<>();
          rows.forEach(row -> legs.computeIfAbsent(row.getString("order_no"), k -> new ArrayList<>()).add(row));
          List<Settle> settle = new ArrayList<>();
          for (Report report : reports) {
            for (Row leg : legs.getOrDefault(report.orderNo(), List.of())) {
              if (!channel.code().equals(leg.getString("paid_channel")) || !"PAID".equals(leg.getString("status"))) {
                continue;
              }
              boolean matches = report.legNo() != null
                  ? leg.getInteger("leg_no").equals(report.legNo()) && leg.getLong("amount_fen") == report.amountFen()
                  : report.payeeAccountId() != null
                      ? leg.getString("payee_account_id").equals(report.payeeAccountId())
                          && leg.getLong("amount_fen") == report.amountFen()
                      : leg.getLong("total_fen") == report.amountFen();
              long netFen = leg.getLong("amount_fen") - leg.getLong("refunded_fen");
              // A leg under a channel refund whose outcome is not known yet is left PAID, and settled
              // by a later run of the bill once the refund is final. The channel takes a refund it
              // accepts from the money it has not paid out yet, so what reaches the payee account is
              // the leg less that refund; settling the leg whole now would book money the account
              // never got, and the refund's own entry (debit payee, credit clearing, made when the
              // engine learns of its success) would then take it from the account a second time.
              // Settling the leg less the open refund instead would strand that part if the refund
              // failed, on a leg already SETTLED. Waiting keeps one rule: a leg settles once, at its
              // amount less the channel refunds that SUCCEEDED (what the invariants expect).
              boolean refundOpen = leg.getLong("open_refunds") > 0;
              // A bill that reports a leg twice settles it once.
              boolean listed = settle.stream().anyMatch(l -> l.move().orderNo().equals(report.orderNo())
                  && l.move().legNo() == leg.getInteger("leg_no"));
              if (matches && netFen > 0 && !listed && !refundOpen) {
                settle.add(new Settle(new Legs.Move(report.orderNo(), leg.getInteger("leg_no"), report.ref()),
                    leg.getString("payee_account_id"), netFen));
              }
            }
          }
          if (settle.isEmpty()) {
            return Future.succeededFuture(new Result(lines.size(), 0, 0));
          }
          return settleLegs(conn, channel, settle, lines.size());
        }));
  }

  /** A leg to settle: which, whose, and its amount net of the channel refunds taken from it. */
  private record Settle(Legs.Move move, String payeeAccountId, long netFen) {}

  private Future<Result> settleLegs(SqlConnection conn, Channel channel, List<Settle> settle, int linesRead) {
    return Legs.transition(conn, LegStatus.SETTLED, settle.stream().map(Settle::move).toList())
        .compose(moved -> {
          if (moved.isEmpty()) {
            return Future.succeededFuture(new Result(linesRead, 0, 0));
          }
          List<JournalEntry> entries = new ArrayList<>();
          List<String> orders = new ArrayList<>();
          for (Settle leg : settle) {
            if (!moved.contains(leg.move())) {
              continue;
            }
            String orderNo = leg.move().orderNo();
            orders.add(orderNo);
            entries.add(new JournalEntry(
                "SETTLEMENT:" + channel.code() + ":" + orderNo + ":" + leg.move().legNo(), "SETTLEMENT",
                orderNo, channel.code(), List.of(
                    JournalEntry.Posting.debit(JournalAccount.payee(leg.payeeAccountId()), leg.netFen()),
                    JournalEntry.Posting.credit(JournalAccount.clearing(channel), leg.netFen()))));
          }
          OrderStatus settledStatus = OrderTransitions.next(OrderStatus.PAID, OrderEvent.ALL_LEGS_SETTLED).orElseThrow();
          return Journal.post(conn, entries)
              .compose(v -> conn.preparedQuery(SETTLED_ORDERS).execute(Tuple.of(
                  orders.stream().distinct().toArray(String[]::new), OrderStatus.PAID.name())))
              .compose(done -> {
                List<Orders.Move> moves = new ArrayList<>();
                done.forEach(row -> moves.add(
                    Orders.Move.of(row.getString("order_no"), OrderStatus.PAID, OrderEvent.ALL_LEGS_SETTLED)));
                return Orders.transition(conn, Orders.Guard.LOCKED, moves);
              })
              .compose(movedOrders -> {
                List<Future<Boolean>> completions = new ArrayList<>();
                movedOrders.forEach(orderNo -> completions.add(
                    ReceiptRepository.completeIfDone(conn, orderNo, settledStatus)));
                return Future.all(completions).map(v -> new Result(linesRead, entries.size(), movedOrders.size()));
              });
        });
  }
}
