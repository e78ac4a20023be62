package org.clearing.recon.run;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.QueryResult;
import org.clearing.journal.Journal;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.PaymentDecision;
import org.clearing.payment.PaymentIntake;

/**
 * The queue of reconciliation items a person has to look at, and their resolutions. Every
 * resolution keeps who (the API client), when and why; where money moves there is a journal entry
 * keyed by the item's identity, so it is booked once however often the day is re-run or the
 * request is replayed.
 */
public final class ReconExceptions {

  /** The largest page of items one request returns. */
  public static final int PAGE_SIZE_MAX = 500;
  public static final int REASON_LENGTH_MAX = 1_000;

  /** What a person can do with an item. */
  public enum Action {
    /** The difference is explained; nothing moves. */
    ACCEPT,
    /** Ask the channel again and book the payment it confirms through the intake. */
    BOOK_PAYMENT,
    /** Move the unexplained difference between the channel's clearing account and suspense. */
    WRITE_OFF,
    /** Money the order cannot take: book it as such, and the duplicate-refund job pays it back. */
    REFUND
  }

  /**
   * Filters of the list; null means any. {@code afterRunId/afterItemNo} page on. {@code regions}
   * keeps the items of those regions and the items of no region (money the engine cannot place),
   * which someone must still look at.
   */
  public record Filter(String status, String reconClass, Channel channel, String payeeAccountId,
      LocalDate businessDate, long afterRunId, int afterItemNo, int limit, Set<String> regions) {

    public Filter(String status, String reconClass, Channel channel, String payeeAccountId,
        LocalDate businessDate, long afterRunId, int afterItemNo, int limit) {
      this(status, reconClass, channel, payeeAccountId, businessDate, afterRunId, afterItemNo, limit, null);
    }
  }

  /** An expected refusal: the HTTP status, the field (or null) and why. */
  public record Refusal(int status, String field, String detail) {}

  /** The outcome of a resolve request: the item as stored, or a refusal. */
  public record Resolution(JsonObject item, Refusal refusal) {
    static Resolution refused(int status, String field, String detail) {
      return new Resolution(null, new Refusal(status, field, detail));
    }
  }

  private static final String COLUMNS = """
      i.run_id, i.item_no, r.business_date, r.channel, i.class, i.kind, i.out_trade_no, i.key,
      i.transaction_id, i.channel_reference, i.engine_reference, i.channel_amount_fen, i.engine_amount_fen,
      i.payee_account_id, i.reason, i.resolution_status, i.resolved_by, i.resolved_at, i.resolution_action,
      i.resolution_reason, i.journal_entry_key, coalesce(pa.region, o.region) AS region, i.merchant_id
      """;
  /**
   * An item's region: its leg's payee account's, else its channel order's order's; an item the
   * engine cannot place (a payment of no order of ours) has none.
   */
  private static final String PLACED = """
      FROM recon_item i JOIN recon_run r ON r.run_id = i.run_id
      LEFT JOIN payee_account pa ON pa.account_id = i.payee_account_id
      LEFT JOIN channel_order co ON co.channel = r.channel AND co.out_trade_no = i.out_trade_no
      LEFT JOIN orders o ON o.order_no = co.order_no
      """;
  private static final String LIST = "SELECT " + COLUMNS + PLACED + """
      WHERE ($1::text IS NULL OR i.resolution_status = $1) AND i.resolution_status IS NOT NULL
        AND ($2::text IS NULL OR i.class = $2) AND ($3::text IS NULL OR r.channel = $3)
        AND ($4::text IS NULL OR i.payee_account_id = $4) AND ($5::date IS NULL OR r.business_date = $5)
        AND (i.run_id, i.item_no) > ($6, $7)
        AND ($9::text[] IS NULL OR coalesce(pa.region, o.region) IS NULL
             OR coalesce(pa.region, o.region) = ANY($9::text[]))
      ORDER BY i.run_id, i.item_no LIMIT $8
      """;
  private static final String LOCK = "SELECT " + COLUMNS + PLACED + """
      WHERE i.run_id = $1 AND i.item_no = $2 FOR UPDATE OF i
      """;
  private static final String RESOLVE = """
      UPDATE recon_item SET resolution_status = 'RESOLVED', resolved_by = $3, resolved_at = now(),
             resolution_action = $4, resolution_reason = $5, journal_entry_key = $6
      WHERE run_id = $1 AND item_no = $2
      """;
  private static final String RUNS = """
      SELECT r.run_id, r.channel, r.status, r.bill_source, r.started_at, r.finished_at, r.error,
             (SELECT count(*) FROM recon_item i WHERE i.run_id = r.run_id) AS items,
             (SELECT count(*) FROM recon_item i WHERE i.run_id = r.run_id AND i.resolution_status = 'OPEN') AS open_items,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('merchant_id', b.merchant_id, 'bill_source', b.bill_source,
                       'bill_sha256', b.bill_sha256, 'channel_lines', b.channel_lines, 'items', b.items,
                       'discrepancies', b.discrepancies) ORDER BY b.merchant_no), '[]'::jsonb)
              FROM recon_bill b WHERE b.run_id = r.run_id)::text AS bills
      FROM recon_run r WHERE r.business_date = $1 ORDER BY r.channel
      """;
  private static final String ORDER_STATUS = "SELECT status FROM orders WHERE order_no = $1";
  private static final String MERCHANT_OF_TRADE =
      "SELECT merchant_id FROM channel_order WHERE channel = $1 AND out_trade_no = $2";

  private final Pool pool;
  private final ChannelSet channels;
  private final PaymentIntake intake;

  public ReconExceptions(Pool pool, ChannelSet channels, PaymentIntake intake) {
    this.pool = pool;
    this.channels = channels;
    this.intake = intake;
  }

  public Future<JsonObject> list(Filter filter) {
    int limit = Math.min(Math.max(filter.limit(), 1), PAGE_SIZE_MAX);
    return pool.preparedQuery(LIST).execute(Tuple.tuple()
            .addString(filter.status()).addString(filter.reconClass())
            .addString(filter.channel() == null ? null : filter.channel().code())
            .addString(filter.payeeAccountId()).addLocalDate(filter.businessDate())
            .addLong(filter.afterRunId()).addInteger(filter.afterItemNo()).addInteger(limit)
            .addArrayOfString(filter.regions() == null ? null : filter.regions().toArray(String[]::new)))
        .map(rows -> {
          JsonArray items = new JsonArray();
          Row last = null;
          for (Row row : rows) {
            items.add(json(row));
            last = row;
          }
          JsonObject page = new JsonObject().put("items", items);
          if (rows.size() == limit && last != null) {
            page.put("next_after", last.getLong("run_id") + ":" + last.getInteger("item_no"));
          }
          return page;
        });
  }

  /** A day's runs, one per channel at most: their status, when, and how many items are still open. */
  public Future<List<JsonObject>> runs(LocalDate day) {
    return pool.preparedQuery(RUNS).execute(Tuple.of(day)).map(rows -> {
      List<JsonObject> runs = new java.util.ArrayList<>();
      for (Row row : rows) {
        runs.add(new JsonObject().put("run_id", row.getLong("run_id")).put("channel", row.getString("channel"))
            .put("status", row.getString("status")).put("bill_source", row.getString("bill_source"))
            .put("started_at", row.getOffsetDateTime("started_at").toInstant().toString())
            .put("finished_at", row.getOffsetDateTime("finished_at") == null ? null
                : row.getOffsetDateTime("finished_at").toInstant().toString())
            .put("error", row.getString("error")).put("items", row.getLong("items"))
            .put("open_items", row.getLong("open_items"))
            .put("bills", new JsonArray(row.getString("bills"))));
      }
      return runs;
    });
  }

  /**
   * Resolves an item. A replay of the same action and reason returns the stored resolution; a
   * different resolution of a resolved item is refused (409).
   */
  public Future<Resolution> resolve(long runId, int itemNo, Action action, String reason, String clientId) {
    return resolve(runId, itemNo, action, reason, clientId, null, conn -> Future.succeededFuture());
  }

  /**
   * Resolves an item for someone acting for {@code regions} only (null: every region): an item of
   * another region is refused (403) and left as it is. {@code record} runs in the resolution's
   * transaction once the item is resolved (a person's console writes its audit event there), so
   * the two are kept or lost together.
   */
  public Future<Resolution> resolve(long runId, int itemNo, Action action, String reason, String by,
      Set<String> regions, Function<SqlConnection, Future<Void>> record) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK).execute(Tuple.of(runId, itemNo))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(Resolution.refused(404, null, "no such item"));
          }
          Row item = rows.iterator().next();
          String region = item.getString("region");
          if (regions != null && region != null && !regions.contains(region)) {
            return Future.succeededFuture(Resolution.refused(403, null, "the item is of region " + region));
          }
          String status = item.getString("resolution_status");
          if (status == null) {
            return Future.succeededFuture(Resolution.refused(409, null, "a MATCHED item has nothing to resolve"));
          }
          if (!"OPEN".equals(status)) {
            boolean replay = action.name().equals(item.getString("resolution_action"))
                && reason.equals(item.getString("resolution_reason"));
            return Future.succeededFuture(replay ? new Resolution(json(item), null)
                : Resolution.refused(409, null, "the item is already " + status + " ("
                    + item.getString("resolution_action") + ")"));
          }
          return apply(conn, item, action, reason, by)
              .compose(resolution -> resolution.refusal() != null ? Future.succeededFuture(resolution)
                  : record.apply(conn).map(resolution));
        }));
  }

  private Future<Resolution> apply(SqlConnection conn, Row item, Action action, String reason, String clientId) {
    return switch (action) {
      case ACCEPT -> store(conn, item, action, reason, clientId, null);
      case WRITE_OFF -> writeOff(conn, item, reason, clientId);
      case BOOK_PAYMENT, REFUND -> bookPayment(conn, item, action, reason, clientId);
    };
  }

  /**
   * The channel's figure less the engine's: positive when the channel holds more for us than our
   * books say (debit clearing, credit suspense), negative when less (debit suspense, credit
   * clearing). Keyed by the item's identity, not its number, so a re-run cannot book it twice.
   */
  private Future<Resolution> writeOff(SqlConnection conn, Row item, String reason, String clientId) {
    long differenceFen = Math.subtractExact(item.getLong("channel_amount_fen"), item.getLong("engine_amount_fen"));
    if (differenceFen == 0) {
      return Future.succeededFuture(Resolution.refused(422, "action",
          "both sides show the same amount: there is nothing to write off"));
    }
    Channel channel = Channel.fromCode(item.getString("channel")).orElseThrow();
    String key = "RECON_WRITE_OFF:" + channel.code() + ":" + item.getLocalDate("business_date") + ":"
        + item.getString("kind") + ":" + item.getString("out_trade_no") + ":" + item.getString("key")
        + ":" + item.getString("transaction_id");
    String clearing = JournalAccount.clearing(channel);
    String debit = differenceFen > 0 ? clearing : JournalAccount.SUSPENSE;
    String credit = differenceFen > 0 ? JournalAccount.SUSPENSE : clearing;
    long amountFen = Math.abs(differenceFen);
    String orderNo = OutTradeNumbers.orderNo(channel, item.getString("out_trade_no")).orElse(null);
    JournalEntry entry = new JournalEntry(key, "RECON_WRITE_OFF", orderNo, channel.code(), List.of(
        JournalEntry.Posting.debit(debit, amountFen), JournalEntry.Posting.credit(credit, amountFen)));
    return Journal.postOnce(conn, List.of(entry))
        .compose(v -> store(conn, item, Action.WRITE_OFF, reason, clientId, key));
  }

  /** Asks the channel; only a payment it confirms now is booked (through the one intake path). */
  private Future<Resolution> bookPayment(SqlConnection conn, Row item, Action action, String reason, String clientId) {
    if (!"PAYMENT".equals(item.getString("kind"))) {
      return Future.succeededFuture(Resolution.refused(422, "action", action + " applies to payment items only"));
    }
    Channel channel = Channel.valueOf(item.getString("channel").toUpperCase());
    // Asked of the merchant the channel order was opened with: another one does not know it.
    return conn.preparedQuery(MERCHANT_OF_TRADE).execute(Tuple.of(channel.code(), item.getString("out_trade_no")))
        .compose(rows -> bookPayment(conn, item, action, reason, clientId, channel,
            channels.adapter(channel, rows.size() == 0 ? null : rows.iterator().next().getString("merchant_id"))));
  }

  private Future<Resolution> bookPayment(SqlConnection conn, Row item, Action action, String reason, String clientId,
      Channel channel, Optional<ChannelAdapter> adapter) {
    if (adapter.isEmpty()) {
      return Future.succeededFuture(Resolution.refused(409, null, "no adapter for " + channel.code()));
    }
    String outTradeNo = item.getString("out_trade_no");
    Optional<String> orderNo = OutTradeNumbers.orderNo(channel, outTradeNo);
    Future<Boolean> orderCanTake = action == Action.REFUND && orderNo.isPresent()
        ? conn.preparedQuery(ORDER_STATUS).execute(Tuple.of(orderNo.get()))
            .map(rows -> rows.size() == 1 && "OPEN".equals(rows.iterator().next().getString("status")))
        : Future.succeededFuture(false);
    return orderCanTake.compose(open -> {
      if (open) {
        return Future.succeededFuture(Resolution.refused(409, "action", "order " + orderNo.get()
            + " is open and would take this payment: BOOK_PAYMENT it, then refund through the refund API"));
      }
      return adapter.get().query(outTradeNo).compose(answer -> {
        if (!(answer instanceof QueryResult.Paid paid)) {
          return Future.succeededFuture(Resolution.refused(409, null,
              "the channel does not confirm a payment now: " + answer));
        }
        return intake.recordPayment(paid.payment(), PaymentIntake.Source.BILL).compose(recorded -> {
          if (recorded.outcome() == PaymentDecision.Outcome.FOREIGN) {
            return Future.succeededFuture(Resolution.refused(409, null, "the channel's answer pays "
                + paid.payment().payee() + ", not the payee this order was opened with"));
          }
          String booked = recorded.duplicate() ? "already booked" : "booked as " + recorded.outcome();
          return store(conn, item, action, reason + " [" + booked + "]", clientId, null);
        });
      });
    });
  }

  private Future<Resolution> store(SqlConnection conn, Row item, Action action, String reason,
      String clientId, String entryKey) {
    long runId = item.getLong("run_id");
    int itemNo = item.getInteger("item_no");
    return conn.preparedQuery(RESOLVE).execute(Tuple.of(runId, itemNo, clientId, action.name(), reason, entryKey))
        .compose(v -> conn.preparedQuery(LOCK).execute(Tuple.of(runId, itemNo)))
        .map(rows -> new Resolution(json(rows.iterator().next()), null));
  }

  static JsonObject json(Row row) {
    JsonObject json = new JsonObject()
        .put("run_id", row.getLong("run_id")).put("item_no", row.getInteger("item_no"))
        .put("business_date", row.getLocalDate("business_date").toString())
        .put("channel", row.getString("channel")).put("class", row.getString("class"))
        .put("kind", row.getString("kind")).put("out_trade_no", row.getString("out_trade_no"))
        .put("key", row.getString("key")).put("transaction_id", row.getString("transaction_id"))
        .put("channel_reference", row.getString("channel_reference"))
        .put("engine_reference", row.getString("engine_reference"))
        .put("channel_amount_fen", row.getLong("channel_amount_fen"))
        .put("engine_amount_fen", row.getLong("engine_amount_fen"))
        .put("payee_account_id", row.getString("payee_account_id"))
        .put("reason", row.getString("reason"))
        .put("resolution_status", row.getString("resolution_status"))
        .put("region", row.getString("region"))
        .put("merchant_id", row.getString("merchant_id"));
    if (row.getString("resolved_by") != null) {
      json.put("resolution", new JsonObject().put("by", row.getString("resolved_by"))
          .put("at", row.getOffsetDateTime("resolved_at").toInstant().toString())
          .put("action", row.getString("resolution_action"))
          .put("reason", row.getString("resolution_reason"))
          .put("journal_entry_key", row.getString("journal_entry_key")));
    }
    return json;
  }

  static List<String> statuses() {
    return List.of("open", "resolved", "auto");
  }
}
