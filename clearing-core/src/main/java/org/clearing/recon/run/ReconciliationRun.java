package org.clearing.recon.run;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Optional;
import org.clearing.channel.BillFile;
import org.clearing.channel.BillSplit;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.QueryResult;
import org.clearing.channel.StatementReader;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.MerchantOrders;
import org.clearing.payment.PaymentDecision;
import org.clearing.payment.PaymentIntake;
import org.clearing.recon.match.ItemKind;
import org.clearing.recon.match.MatchOptions;
import org.clearing.recon.match.ReconClass;
import org.clearing.recon.match.ReconMatcher;
import org.clearing.recon.match.SettlementComparison;
import org.clearing.recon.match.ReconSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily reconciliation of one channel and business day: take the bill of each of the
 * channel's merchants (fetched through its adapter, or uploaded by a finance officer in the
 * channel's own format), stream it and the engine's records of that merchant's channel orders of
 * the day through the {@link ReconMatcher}, store every item (saying whose bill it is from) and
 * what was read of each bill, then the per-payee-account results. A merchant's bill is never
 * matched against another merchant's orders: a line naming an order paid at another merchant is
 * an item, not a match. A LONG payment (paid at the channel, unknown here: a lost
 * callback) is verified by a query and, if the channel confirms it, booked through {@link
 * PaymentIntake} like any callback (source BILL); the intake decides whether the order takes it or
 * it is refunded as a payment the order cannot take. Its item is then AUTO-resolved.
 *
 * <p>Idempotent: a day has one run row; a re-run replaces its items (the same inputs give the same
 * items in the same order) and carries resolutions over by the item's identity; the intake's inbox
 * books each channel transaction once however often it is re-run.
 */
public final class ReconciliationRun {

  private static final Logger LOG = LoggerFactory.getLogger(ReconciliationRun.class);
  public static final String JOB = "reconciliation";
  static final ZoneOffset BEIJING = MatchOptions.BEIJING;
  /** A RUNNING row older than this is taken to be from a crashed instance and may be taken over. */
  static final long STALE_RUN_MINUTES = 30;
  /** A FAILED scheduled run (e.g. the bill not yet published) is tried again after this long. */
  static final long RETRY_AFTER_MINUTES = 15;
  /** LONG payments verified by query per run; beyond this they stay OPEN for a person (the summary says how many). */
  static final int LONG_VERIFIED_MAX = 1_000;
  /** Resolutions carried over by a re-run; people resolve items one at a time, so this is generous. */
  static final int CARRIED_RESOLUTIONS_MAX = 100_000;

  /** Where the bill came from. */
  public enum BillSource {
    FETCHED,
    UPLOADED
  }

  /**
   * What a run did, over every merchant's bill of the channel.
   *
   * @param billSource UPLOADED when one of the bills was uploaded
   * @param billSha256 the bill's SHA-256 when the channel has one merchant; with several, the
   *     SHA-256 of their list ({@link #billsSha256})
   * @param summary the sum of the bills' summaries
   * @param bills each merchant's bill, the channel's default merchant first
   */
  public record Result(long runId, Channel channel, LocalDate businessDate, BillSource billSource,
      String billSha256, int items, long openItems, int autoBooked, ReconSummary summary, List<Bill> bills,
      Timing timing) {}

  /**
   * Where a run's time went, in milliseconds, summed over the merchants' bills. {@code billMs}:
   * the bills fetched from the channel, or an upload read through once to check it (which also
   * sorts it for the match; its parser's time is counted in the match, whose first step it is),
   * plus any wait for the files' hashes (taken alongside the match). The match reads a bill, the
   * engine's records and writes items in one pass, so its phases are the time spent inside each:
   * {@code parseMs} in the bill's parser, {@code engineReadMs} waiting for the engine's pages,
   * {@code itemWriteMs} waiting for item inserts, {@code matchMs} the rest (the matcher's sort and
   * join); {@code accountsMs} the per-account comparison after it. {@code matchTotalMs} is the
   * whole pass, with an uploaded bill's parse in its check.
   */
  public record Timing(long billMs, long parseMs, long engineReadMs, long matchMs, long itemWriteMs, long matchTotalMs,
      long accountsMs) {}

  /**
   * What a run read of one merchant: whose bill (null: the channel's only merchant, configured
   * without an id), where it came from, its digest and lines, and what matching it came to.
   */
  public record Bill(String merchantId, BillSource source, String sha256, long channelLines, int items,
      long discrepancies) {}

  /** The day's run is in progress elsewhere; try again later. */
  public static final class AlreadyRunning extends RuntimeException {
    AlreadyRunning(Channel channel, LocalDate day) {
      super("the reconciliation of " + channel.code() + " for " + day + " is running");
    }
  }

  /** The engine has no adapter for the channel, so it can neither fetch nor read its bills. */
  public static final class NoChannel extends RuntimeException {
    NoChannel(Channel channel) {
      super("no adapter is configured for " + channel.code());
    }
  }

  /** An uploaded bill names a merchant the channel does not have. */
  public static final class NoMerchant extends RuntimeException {
    NoMerchant(Channel channel, String merchantId) {
      super("is not a merchant of " + channel.code() + ": " + merchantId);
    }
  }

  private static final String START = """
      INSERT INTO recon_run (business_date, channel, status, bill_source)
      VALUES ($1, $2, 'RUNNING', $3)
      ON CONFLICT (business_date, channel) DO UPDATE
        SET status = 'RUNNING', bill_source = EXCLUDED.bill_source, bill_sha256 = NULL,
            started_at = now(), finished_at = NULL, error = NULL
      WHERE recon_run.status <> 'RUNNING'
         OR recon_run.started_at < now() - make_interval(mins => $4::int)
      RETURNING run_id
      """;
  private static final String RESOLVED = """
      SELECT kind, out_trade_no, key, transaction_id, resolution_status, resolved_by, resolved_at,
             resolution_action, resolution_reason, journal_entry_key, merchant_id
      FROM recon_item WHERE run_id = $1 AND resolution_status IN ('RESOLVED', 'AUTO')
      ORDER BY item_no LIMIT $2
      """;
  /**
   * An item's identity includes its merchant: a line of one merchant's bill naming another's order
   * is not the other merchant's item. A resolution from before items named their merchant (NULL)
   * carries over by the rest of its identity.
   */
  private static final String CARRY_OVER = """
      UPDATE recon_item r SET resolution_status = x.status, resolved_by = x.by, resolved_at = x.at,
             resolution_action = x.action, resolution_reason = x.reason, journal_entry_key = x.entry_key
      FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                  $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[])
        AS x(kind, out_trade_no, key, transaction_id, status, by, at, action, reason, entry_key, merchant_id)
      WHERE r.run_id = $1 AND r.kind = x.kind AND r.out_trade_no = x.out_trade_no AND r.key = x.key
        AND r.transaction_id = x.transaction_id
        AND (x.merchant_id IS NULL OR r.merchant_id IS NOT DISTINCT FROM x.merchant_id)
      """;
  private static final String DELETE_ITEMS = "DELETE FROM recon_item WHERE run_id = $1";
  private static final String DELETE_ACCOUNTS = "DELETE FROM recon_account WHERE run_id = $1";
  private static final String DELETE_BILLS = "DELETE FROM recon_bill WHERE run_id = $1";
  private static final String INSERT_BILL = """
      INSERT INTO recon_bill (run_id, merchant_no, merchant_id, bill_source, bill_sha256, channel_lines, items,
                              discrepancies, summary)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
      """;
  /**
   * The legs the engine expects the channel to settle for the day: every leg of the orders paid
   * there, and of a whole payment the order could not take (the channel split it as the plan said,
   * and EngineRecords expects its legs too, before it was given back). A leg is named by its
   * payment's out_trade_no, as the reconciliation items name it. Those of one merchant's orders
   * ({@link MerchantOrders#condition} from {@code $first}), as its bill is matched; the channel is
   * $2, the day from $4 to $5 (the numbering of {@link #ACCOUNTS}).
   */
  static String expectedLegs(int first) {
    return """
        SELECT g.payee_account_id, coalesce(pi.out_trade_no, co.out_trade_no, o.order_no) AS out_trade_no, g.amount_fen
        FROM orders o JOIN leg g ON g.order_no = o.order_no
        LEFT JOIN channel_inbox pi ON pi.channel = o.paid_channel AND pi.kind = 'PAYMENT'
          AND pi.event_key = o.paid_transaction_id
        LEFT JOIN channel_order co ON co.order_no = o.order_no AND co.channel = o.paid_channel
        WHERE o.paid_channel = $2 AND o.paid_at >= $4 AND o.paid_at < $5 AND MERCHANTS
        UNION ALL
        SELECT g.payee_account_id, i.out_trade_no, g.amount_fen
        FROM channel_inbox i JOIN orders o ON o.order_no = i.order_no JOIN leg g ON g.order_no = i.order_no
        LEFT JOIN channel_order co ON co.channel = i.channel AND co.out_trade_no = i.out_trade_no
        WHERE i.channel = $2 AND i.kind = 'PAYMENT' AND i.outcome = 'NOT_PAYABLE' AND i.amount_fen = o.total_fen
          AND o.paid_channel IS DISTINCT FROM i.channel AND i.occurred_at >= $4 AND i.occurred_at < $5
          AND MERCHANTS
        """.replace("MERCHANTS", MerchantOrders.condition("co", first));
  }

  /** Where the first merchant's parameters of {@link #expectedLegs} start; each merchant has three. */
  static final int MERCHANT_PARAMETERS_FIRST = 6;

  /** The expected legs of every merchant whose bill the run read (a leg of two merchants counts twice, as before). */
  static String expectedLegs(List<?> merchants) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < merchants.size(); i++) {
      parts.add(expectedLegs(MERCHANT_PARAMETERS_FIRST + 3 * i));
    }
    return String.join("UNION ALL\n", parts);
  }

  /**
   * The legs the channel settled, from the run's items ($1): each leg item with the channel's side
   * (an agreed one at the engine's amount), when the bill shows the legs ($3). A bill that does not
   * show the split ({@link BillSplit#NONE}): the legs of an agreed payment went as the settle plan
   * said.
   */
  static final String SETTLED_LEGS = """
      SELECT i.payee_account_id, i.out_trade_no,
             CASE WHEN i.class = 'MATCHED' THEN i.engine_amount_fen ELSE i.channel_amount_fen END AS amount_fen
      FROM recon_item i
      WHERE $3 AND i.run_id = $1 AND i.kind = 'LEG' AND i.payee_account_id IS NOT NULL
        AND (i.class = 'MATCHED' OR i.channel_amount_fen <> 0)
      UNION ALL
      SELECT g.payee_account_id, i.out_trade_no, g.amount_fen
      FROM recon_item i JOIN channel_order co ON co.channel = $2 AND co.out_trade_no = i.out_trade_no
      JOIN leg g ON g.order_no = co.order_no
      WHERE NOT $3 AND i.run_id = $1 AND i.kind = 'PAYMENT' AND i.class = 'MATCHED'
      """;
  /**
   * Per payee account, the expected legs (EXPECTED) against the settled ones, compared as {@link
   * SettlementComparison#compare} compares them, in the database in one statement: each side
   * summed per (account, out_trade_no) (a leg named twice on one side is summed), joined on that
   * pair; a pair on one side only is missing (expected) or excess (settled), on both with
   * different sums mismatched (counted once). Streaming the day's two million legs out sorted and
   * comparing them here took about ten seconds of a million-line day; only the accounts' rows
   * leave the statement now. SettlementRunTest holds it to the pure comparison.
   */
  static final String ACCOUNTS = """
      INSERT INTO recon_account (run_id, payee_account_id, legs_expected, expected_fen, legs_settled,
                                 settled_fen, legs_mismatched, legs_missing, missing_fen, legs_excess, excess_fen)
      SELECT $1, coalesce(e.payee_account_id, s.payee_account_id),
             coalesce(sum(e.legs), 0)::int4, coalesce(sum(e.fen), 0)::int8,
             coalesce(sum(s.legs), 0)::int4, coalesce(sum(s.fen), 0)::int8,
             (count(*) FILTER (WHERE e.fen <> s.fen))::int4,
             coalesce(sum(e.legs) FILTER (WHERE s.payee_account_id IS NULL), 0)::int4,
             coalesce(sum(e.fen) FILTER (WHERE s.payee_account_id IS NULL), 0)::int8,
             coalesce(sum(s.legs) FILTER (WHERE e.payee_account_id IS NULL), 0)::int4,
             coalesce(sum(s.fen) FILTER (WHERE e.payee_account_id IS NULL), 0)::int8
      FROM (SELECT payee_account_id, out_trade_no, sum(amount_fen) AS fen, count(*) AS legs
            FROM (EXPECTED) legs GROUP BY payee_account_id, out_trade_no) e
      FULL JOIN (SELECT payee_account_id, out_trade_no, sum(amount_fen) AS fen, count(*) AS legs
            FROM (SETTLED) legs GROUP BY payee_account_id, out_trade_no) s
        ON s.payee_account_id = e.payee_account_id AND s.out_trade_no = e.out_trade_no
      GROUP BY coalesce(e.payee_account_id, s.payee_account_id)
      """;

  private static final String FINISH = """
      UPDATE recon_run SET status = 'DONE', finished_at = now(), bill_sha256 = $2, summary = $3::jsonb
      WHERE run_id = $1
      """;
  private static final String FAIL =
      "UPDATE recon_run SET status = 'FAILED', finished_at = now(), error = $2 WHERE run_id = $1";
  private static final String AUTO_RESOLVE = """
      UPDATE recon_item SET resolution_status = 'AUTO', resolved_by = 'reconciliation', resolved_at = now(),
             resolution_action = 'BOOK_PAYMENT', resolution_reason = $3
      WHERE run_id = $1 AND item_no = $2 AND resolution_status = 'OPEN'
      """;
  /**
   * LONG payments still open after the carry-over: one a person already resolved (e.g. accepted
   * as not ours) is not booked behind their back by a re-run.
   */
  private static final String OPEN_LONG_PAYMENTS = """
      SELECT item_no, out_trade_no, merchant_id, count(*) OVER () AS open_total FROM recon_item
      WHERE run_id = $1 AND class = 'LONG' AND kind = 'PAYMENT' AND resolution_status = 'OPEN'
      ORDER BY item_no LIMIT $2
      """;
  private static final String OPEN_ITEMS =
      "SELECT count(*) FROM recon_item WHERE run_id = $1 AND resolution_status = 'OPEN'";
  private static final String DUE = """
      SELECT channel FROM recon_run WHERE business_date = $1
        AND (status IN ('DONE', 'RUNNING') OR finished_at > now() - make_interval(mins => $2::int))
      """;

  /**
   * Matching runs on its own single worker thread: one day's match at a time per instance keeps
   * the heap bound of the matcher (two sort runs) and leaves the shared worker pool free; a day of
   * a million lines takes about a minute, so the blocked-thread warning is set far above that.
   */
  static final String WORKER_POOL = "clearing-reconciliation";
  static final int WORKER_THREADS = 1;
  static final long WORKER_EXECUTE_MINUTES_MAX = 60;

  private final Vertx vertx;
  private final WorkerExecutor worker;
  private final Pool pool;
  private final ChannelSet channels;
  private final PaymentIntake intake;
  private final Path tempDirectory;

  public ReconciliationRun(Vertx vertx, Pool pool, ChannelSet channels, PaymentIntake intake,
      Path tempDirectory) {
    this.vertx = vertx;
    this.worker = vertx.createSharedWorkerExecutor(WORKER_POOL, WORKER_THREADS, WORKER_EXECUTE_MINUTES_MAX,
        TimeUnit.MINUTES);
    this.pool = pool;
    this.channels = channels;
    this.intake = intake;
    this.tempDirectory = tempDirectory;
  }

  /** Reconciles a day with the bills fetched from the channel, one per merchant. */
  public Future<Result> run(LocalDate day, Channel channel) {
    return merchants(channel).compose(merchants -> run(day, channel, merchants, null, null, null));
  }

  /**
   * Reconciles a day with the bill of the channel's default merchant supplied by hand, in the
   * channel's own format byte for byte (the caller keeps ownership of the file); the other
   * merchants' bills, if the channel has several, are fetched.
   */
  public Future<Result> runUploaded(LocalDate day, Channel channel, Path billFile) {
    return runUploaded(day, channel, null, billFile);
  }

  /**
   * Reconciles a day with the bill of merchant {@code merchantId} (null: the channel's default
   * merchant) supplied by hand; the other merchants' bills are fetched.
   */
  public Future<Result> runUploaded(LocalDate day, Channel channel, String merchantId, Path billFile) {
    BillFile bill = new BillFile(channel, day, billFile);
    return merchants(channel).compose(merchants -> {
      ChannelSet.Merchant uploaded = merchantId == null ? merchants.get(0)
          : merchants.stream().filter(m -> merchantId.equals(m.id())).findFirst().orElse(null);
      if (uploaded == null) {
        return Future.failedFuture(new NoMerchant(channel, merchantId));
      }
      MatchOptions options = matchOptions(channel, day);
      return worker.executeBlocking(() -> check(uploaded, channel, options, bill), true)
          .compose(checked -> run(day, channel, merchants, uploaded, bill, checked)
              .eventually(() -> worker.executeBlocking(() -> {
                checked.close();
                return null;
              }, false)));
    });
  }

  /**
   * The upload's check, with the engine's records of its merchant asked for first: the database
   * runs and sorts their query while the bill is read and sorted here, as it would during the
   * match. The records are those of the day as the check began (the run reads none of its own
   * rows); they are read as the match goes.
   */
  private CheckedBill check(ChannelSet.Merchant merchant, Channel channel, MatchOptions options, BillFile bill) {
    EngineRecords records = EngineRecords.open(pool, channel, channels.ordersOf(channel, merchant), options.dayStart(),
        options.dayEnd());
    try {
      return readThrough(merchant.adapter(), bill, options, records);
    } catch (RuntimeException e) {
      records.close();
      throw e;
    }
  }

  /**
   * The matcher's options for a day: EngineRecords reads the day ordered by out_trade_no
   * (COLLATE "C"), so the matcher only checks that order.
   */
  private MatchOptions matchOptions(Channel channel, LocalDate day) {
    return MatchOptions.beijingDay(channel, day).withTempDirectory(tempDirectory).withRecordsPresorted(true);
  }

  /**
   * An uploaded bill read through and sorted for the matcher before its run starts, with the
   * time that took and the part of it spent in the channel's parser.
   */
  private record CheckedBill(ReconMatcher.SortedBill sorted, EngineRecords records, long checkMs, long parseMs) {
    /** Deletes the bill's run files and closes the records' cursor, matched or not. */
    void close() {
      try {
        sorted.close();
      } finally {
        records.close();
      }
    }
  }

  /**
   * Reads an uploaded bill through once before its run starts: a file that is not the channel's
   * bill is refused as such ({@link UnreadableBill}) and changes nothing, where a failure half-way
   * through the run would have replaced the day's items and marked the run FAILED. The reading is
   * the matcher's own first half (the bill's sort), so the run matches what was read here and the
   * file is parsed once, not twice. On the reconciliation's worker.
   */
  private static CheckedBill readThrough(ChannelAdapter adapter, BillFile bill, MatchOptions options,
      EngineRecords records) {
    long startNs = System.nanoTime();
    StatementReader reader;
    try {
      reader = adapter.readBill(bill);
    } catch (RuntimeException e) {
      throw unreadable(bill, e);
    }
    ReconMatcher.SortedBill sorted = null;
    try (StatementReader open = reader) {
      TimedLines lines = new TimedLines(new ParserFailures(open));
      sorted = new ReconMatcher(options).sortBill(lines);
      return new CheckedBill(sorted, records, (System.nanoTime() - startNs) / 1_000_000, lines.ms());
    } catch (ParserFailure e) {
      throw unreadable(bill, e.getCause());
    } catch (IOException e) {
      if (sorted != null) {
        sorted.close();
      }
      throw unreadable(bill, e);
    }
  }

  private static UnreadableBill unreadable(BillFile bill, Throwable e) {
    // The parsers name the line and the problem; some name the file too, which is ours, not the caller's.
    String problem = String.valueOf(e.getMessage()).replace(" " + bill.path(), "")
        .replace(bill.path().toString(), "the upload");
    return new UnreadableBill(bill.channel(), problem);
  }

  /** What the parser threw, told apart from a failure of the sort around it (e.g. a full disk). */
  private static final class ParserFailure extends RuntimeException {
    ParserFailure(RuntimeException cause) {
      super(cause);
    }
  }

  /** The bill's lines, with whatever their parser throws marked as the bill's fault. */
  private record ParserFailures(StatementReader lines) implements java.util.Iterator<org.clearing.channel.StatementLine> {
    @Override
    public boolean hasNext() {
      try {
        return lines.hasNext();
      } catch (RuntimeException e) {
        throw new ParserFailure(e);
      }
    }

    @Override
    public org.clearing.channel.StatementLine next() {
      try {
        return lines.next();
      } catch (RuntimeException e) {
        throw new ParserFailure(e);
      }
    }
  }

  /** An uploaded file that cannot be read as the channel's bill; the message says where and why. */
  public static final class UnreadableBill extends RuntimeException {
    UnreadableBill(Channel channel, String problem) {
      super("is not a readable " + channel.code() + " bill: " + problem);
    }
  }

  /** The day to reconcile at {@code now}: yesterday (Beijing) once past {@code runAt}, else none. */
  static Optional<LocalDate> dueDay(Instant now, LocalTime runAt) {
    OffsetDateTime beijing = now.atOffset(BEIJING);
    return beijing.toLocalTime().isBefore(runAt) ? Optional.empty()
        : Optional.of(beijing.toLocalDate().minusDays(1));
  }

  /** Runs every configured channel of {@code day} that has no finished or recently failed run. */
  public Future<List<Result>> runDue(LocalDate day) {
    return pool.preparedQuery(DUE).execute(Tuple.of(day, RETRY_AFTER_MINUTES)).compose(rows -> {
      List<String> done = new ArrayList<>();
      rows.forEach(row -> done.add(row.getString("channel")));
      Future<List<Result>> chain = Future.succeededFuture(new ArrayList<>());
      for (Channel channel : Channel.values()) {
        if (!channels.offers(channel) || done.contains(channel.code())) {
          continue;
        }
        chain = chain.compose(results -> run(day, channel)
            .map(result -> {
              results.add(result);
              return results;
            })
            .recover(error -> {
              LOG.warn("event=recon.run_failed channel={} day={} error=\"{}\"", channel.code(), day,
                  error.getMessage());
              return Future.succeededFuture(results);
            }));
      }
      return chain;
    });
  }

  /** Every merchant of the channel, the default first (its bills are what a run reads). */
  private Future<List<ChannelSet.Merchant>> merchants(Channel channel) {
    List<ChannelSet.Merchant> merchants = channels.merchants(channel);
    return merchants.isEmpty() ? Future.failedFuture(new NoChannel(channel)) : Future.succeededFuture(merchants);
  }

  /** A merchant's part of a run: whose bill, which channel orders it is matched with, the file. */
  private record MerchantBill(ChannelSet.Merchant merchant, MerchantOrders orders, BillFile file, BillSource source,
      CheckedBill checked) {}

  /**
   * The run of {@code day}: every merchant's bill, {@code uploaded}'s as given (null: all fetched),
   * matched one after another.
   */
  private Future<Result> run(LocalDate day, Channel channel, List<ChannelSet.Merchant> merchants,
      ChannelSet.Merchant uploaded, BillFile uploadedBill, CheckedBill checked) {
    long billCheckMs = checked == null ? 0 : checked.checkMs() - checked.parseMs();
    BillSource source = uploaded == null ? BillSource.FETCHED : BillSource.UPLOADED;
    return pool.preparedQuery(START).execute(Tuple.of(day, channel.code(), source.name(), STALE_RUN_MINUTES))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture(rows.iterator().next().getLong("run_id"))
            : Future.<Long>failedFuture(new AlreadyRunning(channel, day)))
        .compose(runId -> {
          long fetchStartNs = System.nanoTime();
          return bills(day, channel, merchants, uploaded, uploadedBill, checked)
              .compose(bills -> {
                long billMs = billCheckMs + (System.nanoTime() - fetchStartNs) / 1_000_000;
                return worker.executeBlocking(() -> matchAndStore(runId, channel, day, bills, billMs), true);
              })
              .compose(stored -> verifyLongPayments(runId, stored.longPayments(), 0, 0)
                  .compose(booked -> finish(runId, channel, source, stored, booked)))
              .onFailure(error -> pool.preparedQuery(FAIL).execute(Tuple.of(runId, String.valueOf(error.getMessage())))
                  .onFailure(e -> LOG.warn("event=recon.fail_not_recorded run_id={} error={}", runId, e.toString())));
        });
  }

  /**
   * Each merchant's bill, fetched one after another (the uploaded one as given). The day is
   * reconciled only with all of them: a bill not yet published fails the run, naming its
   * merchant, and the run is tried again later.
   */
  private Future<List<MerchantBill>> bills(LocalDate day, Channel channel, List<ChannelSet.Merchant> merchants,
      ChannelSet.Merchant uploaded, BillFile uploadedBill, CheckedBill checked) {
    Future<List<MerchantBill>> chain = Future.succeededFuture(new ArrayList<>());
    for (ChannelSet.Merchant merchant : merchants) {
      chain = chain.compose(bills -> {
        Future<BillFile> file = merchant == uploaded ? Future.succeededFuture(uploadedBill)
            : merchant.adapter().downloadBill(day).recover(error -> Future.failedFuture(merchants.size() == 1 ? error
                : new IllegalStateException("merchant " + merchant.id() + ": " + error.getMessage(), error)));
        return file.map(bill -> {
          bills.add(new MerchantBill(merchant, channels.ordersOf(channel, merchant), bill,
              merchant == uploaded ? BillSource.UPLOADED : BillSource.FETCHED, merchant == uploaded ? checked : null));
          return bills;
        });
      });
    }
    return chain;
  }

  /** A LONG payment to verify at the channel, through the merchant whose bill shows it. */
  private record LongPayment(int itemNo, String outTradeNo, ChannelAdapter adapter) {}

  private record Stored(String billSha256, ReconSummary summary, ItemWriter writer, List<Bill> bills,
      List<LongPayment> longPayments, long longPaymentsNotVerified, Timing timing) {}

  /** On a worker: carry-over read, replace items, match each merchant's bill, bills and account results. */
  private Stored matchAndStore(long runId, Channel channel, LocalDate day, List<MerchantBill> bills, long billMs) {
    // Each file's hash is taken on another thread while the match reads the same file (from the
    // page cache): a million-line bill is a few hundred megabytes to hash.
    List<Future<String>> hashes = new ArrayList<>();
    for (MerchantBill bill : bills) {
      hashes.add(vertx.executeBlocking(() -> sha256(bill.file().path()), false));
    }
    List<Row> resolved = new ArrayList<>();
    Blocking.await(pool.preparedQuery(RESOLVED).execute(Tuple.of(runId, CARRIED_RESOLUTIONS_MAX)))
        .forEach(resolved::add);
    Blocking.await(pool.preparedQuery(DELETE_ACCOUNTS).execute(Tuple.of(runId)));
    Blocking.await(pool.preparedQuery(DELETE_BILLS).execute(Tuple.of(runId)));
    Blocking.await(pool.preparedQuery(DELETE_ITEMS).execute(Tuple.of(runId)));
    MatchOptions options = matchOptions(channel, day);
    ItemWriter writer = new ItemWriter(pool, runId, channel);
    ReconSummary total = null;
    List<ReconSummary> summaries = new ArrayList<>();
    List<Integer> itemCounts = new ArrayList<>();
    long parseMs = 0;
    long checkParseMs = 0;
    long engineReadMs = 0;
    long startNs = System.nanoTime();
    for (MerchantBill bill : bills) {
      writer.merchant(bill.merchant().id());
      int itemsBefore = writer.items();
      ReconMatcher matcher = new ReconMatcher(options);
      ReconSummary summary;
      // The records' query runs (and sorts) while a bill not yet read is read and sorted.
      try (EngineRecords records = bill.checked() != null ? bill.checked().records()
          : EngineRecords.open(pool, channel, bill.orders(), options.dayStart(), options.dayEnd())) {
        writer.legPayees(records.legPayees());
        ReconMatcher.SortedBill sorted;
        if (bill.checked() != null) {
          sorted = bill.checked().sorted();
          checkParseMs += bill.checked().parseMs();
        } else {
          try (StatementReader billLines = bill.merchant().adapter().readBill(bill.file())) {
            TimedLines lines = new TimedLines(billLines);
            sorted = matcher.sortBill(lines);
            parseMs += lines.ms();
          }
        }
        try (ReconMatcher.SortedBill read = sorted) {
          summary = matcher.match(read, records, writer);
        }
        engineReadMs += records.readMs();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      summaries.add(summary);
      total = total == null ? summary : total.plus(summary);
      itemCounts.add(writer.items() - itemsBefore);
    }
    writer.finish();
    // An uploaded bill was parsed in its check: that parse is part of the match's work, done earlier.
    long matchTotalMs = (System.nanoTime() - startNs) / 1_000_000 + checkParseMs;
    parseMs += checkParseMs;
    long accountsStartNs = System.nanoTime();
    carryOver(runId, resolved);
    storeAccounts(runId, channel, options, bills);
    long accountsMs = (System.nanoTime() - accountsStartNs) / 1_000_000;
    long hashWaitStartNs = System.nanoTime();
    List<Bill> read = new ArrayList<>();
    for (int i = 0; i < bills.size(); i++) {
      MerchantBill bill = bills.get(i);
      ReconSummary summary = summaries.get(i);
      read.add(new Bill(bill.merchant().id(), bill.source(), Blocking.await(hashes.get(i)), summary.channelLines(),
          itemCounts.get(i), summary.discrepancies()));
    }
    long hashWaitMs = (System.nanoTime() - hashWaitStartNs) / 1_000_000;
    storeBills(runId, read, summaries);
    Timing timing = new Timing(billMs + hashWaitMs, parseMs, engineReadMs,
        Math.max(0, matchTotalMs - parseMs - engineReadMs - writer.writeMs()), writer.writeMs(), matchTotalMs,
        accountsMs);
    List<LongPayment> longPayments = new ArrayList<>();
    long notVerified = 0;
    for (Row row : Blocking.await(pool.preparedQuery(OPEN_LONG_PAYMENTS).execute(Tuple.of(runId, LONG_VERIFIED_MAX)))) {
      String merchantId = row.getString("merchant_id");
      bills.stream().filter(b -> java.util.Objects.equals(b.merchant().id(), merchantId)).findFirst()
          .ifPresent(b -> longPayments.add(new LongPayment(row.getInteger("item_no"), row.getString("out_trade_no"),
              b.merchant().adapter())));
      notVerified = row.getLong("open_total") - longPayments.size();
    }
    return new Stored(billsSha256(read), total, writer, read, longPayments, notVerified, timing);
  }

  /** What was read of each merchant's bill, in the channel's order of merchants. */
  private void storeBills(long runId, List<Bill> bills, List<ReconSummary> summaries) {
    for (int i = 0; i < bills.size(); i++) {
      Bill bill = bills.get(i);
      Blocking.await(pool.preparedQuery(INSERT_BILL).execute(Tuple.tuple().addLong(runId).addInteger(i + 1)
          .addString(bill.merchantId()).addString(bill.source().name()).addString(bill.sha256())
          .addLong(bill.channelLines()).addInteger(bill.items()).addLong(bill.discrepancies())
          .addString(summaryJson(summaries.get(i)).encode())));
    }
  }

  /**
   * The run's digest of its bills: the bill's own when there is one (as before merchants had
   * bills of their own), else the SHA-256 of the lines {@code <merchant id> <bill's SHA-256>}.
   */
  static String billsSha256(List<Bill> bills) {
    if (bills.size() == 1) {
      return bills.get(0).sha256();
    }
    StringBuilder list = new StringBuilder();
    bills.forEach(bill -> list.append(bill.merchantId()).append(' ').append(bill.sha256()).append('\n'));
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(list.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Per payee account: the engine's expected legs (of every merchant whose bill the run read)
   * against the settled ones, in one statement ({@link #ACCOUNTS}).
   */
  private void storeAccounts(long runId, Channel channel, MatchOptions options, List<MerchantBill> bills) {
    // PostgreSQL estimates the expected legs at about 1 % of their rows (it cannot estimate the
    // merchant condition) and joins the day's legs by nested loops: 11.8 s of a million-line day.
    // The statement reads whole days, so hash joins are right at any size.
    Blocking.await(pool.withTransaction(conn -> conn.query("SET LOCAL work_mem = '" + PagedRows.SORT_MEMORY
            + "'; SET LOCAL enable_nestloop = off").execute()
        .compose(v -> conn.preparedQuery(accountsSql(bills)).execute(accountsArguments(runId, channel,
            options.dayStart(), options.dayEnd(), bills.stream().map(MerchantBill::orders).toList())))));
  }

  static String accountsSql(List<?> merchants) {
    return ACCOUNTS.replace("EXPECTED", expectedLegs(merchants)).replace("SETTLED", SETTLED_LEGS);
  }

  /** $1 the run, $2 the channel, $3 whether its bill shows legs, $4-$5 the day, then each merchant's three. */
  static Tuple accountsArguments(long runId, Channel channel, Instant dayStart, Instant dayEnd,
      List<MerchantOrders> merchants) {
    Tuple arguments = Tuple.of(runId, channel.code(), BillSplit.of(channel).showsLegs(),
        dayStart.atOffset(ZoneOffset.UTC), dayEnd.atOffset(ZoneOffset.UTC));
    merchants.forEach(merchant -> merchant.bind(arguments));
    return arguments;
  }

  private void carryOver(long runId, List<Row> resolved) {
    if (resolved.isEmpty()) {
      return;
    }
    Blocking.await(pool.preparedQuery(CARRY_OVER).execute(Tuple.tuple().addLong(runId)
        .addArrayOfString(resolved.stream().map(r -> r.getString("kind")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("out_trade_no")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("key")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("transaction_id")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("resolution_status")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("resolved_by")).toArray(String[]::new))
        .addArrayOfOffsetDateTime(resolved.stream().map(r -> r.getOffsetDateTime("resolved_at"))
            .toArray(OffsetDateTime[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("resolution_action")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("resolution_reason")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("journal_entry_key")).toArray(String[]::new))
        .addArrayOfString(resolved.stream().map(r -> r.getString("merchant_id")).toArray(String[]::new))));
  }

  /**
   * Verifies LONG payments one at a time (each query has the adapter's timeout): only what the
   * channel itself confirms when asked is booked, never the bill line as such.
   */
  private Future<Integer> verifyLongPayments(long runId, List<LongPayment> payments, int index, int booked) {
    if (index >= payments.size()) {
      return Future.succeededFuture(booked);
    }
    LongPayment item = payments.get(index);
    ChannelAdapter adapter = item.adapter();
    return adapter.query(item.outTradeNo())
        .compose(answer -> {
          // The channel's own answer is what is booked (its transaction id, its amount); the bill
          // only pointed at the order.
          if (!(answer instanceof QueryResult.Paid paid)) {
            LOG.info("event=recon.long_unverified channel={} out_trade_no={} answer={}",
                adapter.channel().code(), item.outTradeNo(), answer.getClass().getSimpleName());
            return Future.succeededFuture(0);
          }
          return intake.recordPayment(paid.payment(), PaymentIntake.Source.BILL)
              .compose(recorded -> recorded.outcome() == PaymentDecision.Outcome.FOREIGN
                  ? Future.failedFuture(new IllegalStateException("the channel's answer pays "
                      + paid.payment().payee() + ", not the payee the order was opened with"))
                  : pool.preparedQuery(AUTO_RESOLVE).execute(Tuple.of(runId, item.itemNo(),
                  "verified by query; " + (recorded.duplicate() ? "already booked"
                      : "booked as " + recorded.outcome()))).map(1));
        })
        .recover(error -> {
          LOG.warn("event=recon.long_not_booked channel={} out_trade_no={} error=\"{}\"",
              adapter.channel().code(), item.outTradeNo(), error.getMessage());
          return Future.succeededFuture(0);
        })
        .compose(one -> verifyLongPayments(runId, payments, index + 1, booked + one));
  }

  private Future<Result> finish(long runId, Channel channel, BillSource source, Stored stored, int autoBooked) {
    ReconSummary summary = stored.summary();
    JsonObject json = summaryJson(summary).put("auto_booked", autoBooked)
        .put("long_payments_not_verified", stored.longPaymentsNotVerified())
        .put("bill_ms", stored.timing().billMs()).put("match_ms", stored.timing().matchTotalMs())
        .put("parse_ms", stored.timing().parseMs())
        .put("engine_read_ms", stored.timing().engineReadMs())
        .put("item_write_ms", stored.timing().itemWriteMs()).put("accounts_ms", stored.timing().accountsMs());
    return pool.preparedQuery(FINISH).execute(Tuple.of(runId, stored.billSha256(), json.encode()))
        .compose(v -> pool.preparedQuery(OPEN_ITEMS).execute(Tuple.of(runId)))
        .map(rows -> {
          long open = rows.iterator().next().getLong(0);
          LOG.info("event=recon.run_done run_id={} channel={} day={} source={} bills={} lines={} records={} items={}"
                  + " discrepancies={} auto_booked={} open={} match_ms={} parse_ms={} engine_read_ms={} item_write_ms={}"
                  + " accounts_ms={}", runId,
              channel.code(), summary.businessDate(), source, stored.bills().size(), summary.channelLines(),
              summary.engineRecords(),
              stored.writer().items(), summary.discrepancies(), autoBooked, open, stored.timing().matchTotalMs(),
              stored.timing().parseMs(), stored.timing().engineReadMs(), stored.timing().itemWriteMs(),
              stored.timing().accountsMs());
          return new Result(runId, channel, summary.businessDate(), source, stored.billSha256(),
              stored.writer().items(), open, autoBooked, summary, stored.bills(), stored.timing());
        });
  }

  static JsonObject summaryJson(ReconSummary summary) {
    JsonObject byClass = new JsonObject();
    summary.byClass().forEach((reconClass, total) -> byClass.put(reconClass.name(), new JsonObject()
        .put("items", total.items()).put("channel_fen", total.channelFen())
        .put("engine_fen", total.engineFen())));
    JsonObject byKind = new JsonObject();
    for (ItemKind kind : ItemKind.values()) {
      JsonObject counts = new JsonObject();
      for (ReconClass reconClass : ReconClass.values()) {
        long n = summary.items(kind, reconClass);
        if (n > 0) {
          counts.put(reconClass.name(), n);
        }
      }
      byKind.put(kind.name(), counts);
    }
    return new JsonObject().put("channel_lines", summary.channelLines())
        .put("engine_records", summary.engineRecords()).put("discrepancies", summary.discrepancies())
        .put("fee_fen", summary.feeFen()).put("by_class", byClass).put("by_kind", byKind);
  }

  /** The bill's lines, with the time spent in its parser. */
  private static final class TimedLines implements java.util.Iterator<org.clearing.channel.StatementLine> {
    private final java.util.Iterator<org.clearing.channel.StatementLine> lines;
    private long ns;

    TimedLines(java.util.Iterator<org.clearing.channel.StatementLine> lines) {
      this.lines = lines;
    }

    @Override
    public boolean hasNext() {
      long startNs = System.nanoTime();
      boolean more = lines.hasNext();
      ns += System.nanoTime() - startNs;
      return more;
    }

    @Override
    public org.clearing.channel.StatementLine next() {
      long startNs = System.nanoTime();
      org.clearing.channel.StatementLine line = lines.next();
      ns += System.nanoTime() - startNs;
      return line;
    }

    long ms() {
      return ns / 1_000_000;
    }
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
