package org.clearing.report;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clearing.crypto.Crypto;

/**
 * Draws the daily reports from the books. A day is a business day in Beijing time; its orders are
 * those paid that day (as the receipts endpoints count them), shown as they stand when the report
 * is drawn — a leg settled the next morning shows as settled in a report drawn after it.
 *
 * <p>Wiring: {@code new DailyReports(pool, Clock.systemUTC())}.
 */
public final class DailyReports {

  public static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  /**
   * Per line: settled when its leg is, unless the channel gave the line back before settlement
   * (the leg then settled net of it); refunded when the channel gave it back; in transit
   * otherwise. A line is in at most one refund ({@code refund_line}'s key), so the three are
   * disjoint and sum to what was paid. Orders in EXCEPTION that were never paid are counted on the
   * day they last changed, as exceptions only.
   */
  private static final String FINANCE = """
      WITH day_orders AS (
        SELECT o.order_no, o.status, o.paid_at IS NOT NULL AS paid FROM orders o
        WHERE (o.paid_at >= $1 AND o.paid_at < $2)
           OR (o.paid_at IS NULL AND o.status = 'EXCEPTION' AND o.updated_at >= $1 AND o.updated_at < $2)
      ), lines AS (
        SELECT l.payee_account_id, l.kind, l.amount_fen, d.paid, d.status = 'EXCEPTION' AS exception,
               g.status = 'SETTLED' AS leg_settled,
               coalesce(r.mode = 'CHANNEL' AND r.status = 'SUCCEEDED', false) AS channel_refunded,
               coalesce(r.mode = 'AUTHORITY' AND r.status = 'PAID_BACK', false) AS authority_refunded
        FROM day_orders d
        JOIN order_line l ON l.order_no = d.order_no
        JOIN leg g ON g.order_no = l.order_no AND g.payee_account_id = l.payee_account_id
        LEFT JOIN refund_line rl ON rl.order_no = l.order_no AND rl.line_no = l.line_no
        LEFT JOIN refund r ON r.refund_id = rl.refund_id
      )
      SELECT x.payee_account_id, a.name, a.side, x.kind,
             count(*) FILTER (WHERE paid) AS paid_count,
             coalesce(sum(amount_fen) FILTER (WHERE paid), 0) AS paid_fen,
             coalesce(sum(amount_fen) FILTER (WHERE paid AND leg_settled AND NOT channel_refunded), 0) AS settled_fen,
             coalesce(sum(amount_fen) FILTER (WHERE paid AND NOT leg_settled AND NOT channel_refunded), 0) AS in_transit_fen,
             coalesce(sum(amount_fen) FILTER (WHERE paid AND channel_refunded), 0) AS refunded_fen,
             coalesce(sum(amount_fen) FILTER (WHERE paid AND authority_refunded), 0) AS authority_refunded_fen,
             count(*) FILTER (WHERE exception) AS exception_count,
             coalesce(sum(amount_fen) FILTER (WHERE exception), 0) AS exception_fen
      FROM lines x JOIN payee_account a ON a.account_id = x.payee_account_id
      GROUP BY x.payee_account_id, a.name, a.side, x.kind
      ORDER BY x.payee_account_id, x.kind
      """;
  private static final String SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";
  private static final String LAST_SEAL = """
      SELECT seal_no, seal, last_created_at FROM journal_seal
      WHERE last_created_at >= $1 AND last_created_at < $2 ORDER BY seal_no DESC LIMIT 1
      """;
  /** The daily run's tables (migration V11) may not exist in this engine; their absence is not an error. */
  private static final String RECON_PRESENT =
      "SELECT to_regclass('recon_item') IS NOT NULL AND to_regclass('recon_run') IS NOT NULL AS present";
  private static final String RECON_OPEN = """
      SELECT r.channel, count(*) AS open_count FROM recon_item i JOIN recon_run r ON r.run_id = i.run_id
      WHERE r.business_date = $1 AND i.resolution_status = 'OPEN' GROUP BY r.channel ORDER BY r.channel
      """;
  /** The lines {@code GET /api/v1/tax/receipts} lists: treasury side, paid that day, not taken back. */
  private static final String TAX = """
      SELECT l.kind, coalesce(l.tax_office_code, '') AS tax_office_code,
             count(*) AS paid_count, sum(l.amount_fen) AS paid_fen,
             count(*) FILTER (WHERE l.confirmation_no IS NOT NULL) AS confirmed_count,
             coalesce(sum(l.amount_fen) FILTER (WHERE l.confirmation_no IS NOT NULL), 0) AS confirmed_fen,
             count(*) FILTER (WHERE l.confirmation_no IS NULL) AS unconfirmed_count,
             coalesce(sum(l.amount_fen) FILTER (WHERE l.confirmation_no IS NULL), 0) AS unconfirmed_fen
      FROM order_line l JOIN orders o ON o.order_no = l.order_no
      WHERE l.side = 'TREASURY' AND o.paid_at >= $1 AND o.paid_at < $2 AND o.status = ANY($3::text[])
        AND ($4::text[] IS NULL OR o.region = ANY($4::text[]))
      GROUP BY l.kind, coalesce(l.tax_office_code, '')
      ORDER BY l.kind, tax_office_code
      """;
  /**
   * The order statuses whose lines an authority can confirm, as {@code ReceiptRepository} lists
   * them (its constant is package-private there); a test holds the two reports equal.
   */
  static final String[] CONFIRMABLE = {"PAID", "SETTLED", "COMPLETE"};

  private final Pool pool;
  private final Clock clock;

  public DailyReports(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * The figures, the open items and the seal are read in one read-only repeatable-read transaction,
   * so they describe one state of the books even while payments and settlements go on.
   */
  public Future<FinanceReport> finance(LocalDate day) {
    Tuple range = range(day);
    return pool.withTransaction(conn -> conn.query(SNAPSHOT).execute()
        .compose(v -> conn.preparedQuery(FINANCE).execute(range)).compose(result -> {
          List<FinanceReport.Row> rows = new ArrayList<>();
          for (Row r : result) {
            rows.add(new FinanceReport.Row(r.getString("payee_account_id"), r.getString("name"),
                r.getString("side"), r.getString("kind"), r.getLong("paid_count"), r.getLong("paid_fen"),
                r.getLong("settled_fen"), r.getLong("in_transit_fen"), r.getLong("refunded_fen"),
                r.getLong("authority_refunded_fen"), r.getLong("exception_count"), r.getLong("exception_fen")));
          }
          return conn.preparedQuery(LAST_SEAL).execute(range).compose(seals -> reconItems(conn, day)
              .compose(recon -> (recon.available() ? SettlementReport.lines(conn, day, null)
                      : Future.succeededFuture(List.<SettlementReport.Line>of()))
                  .map(settlement -> new FinanceReport(day, clock.instant(), rows, recon,
                      seals.size() == 0 ? Optional.empty() : Optional.of(seal(seals.iterator().next())),
                      settlement))));
        }));
  }

  public Future<TaxReport> tax(LocalDate day) {
    return tax(day, null);
  }

  /**
   * The tax report of {@code day}, of {@code regions} only when not null: a tax officer in the
   * console acts for some regions, an API client for all.
   */
  public Future<TaxReport> tax(LocalDate day, Set<String> regions) {
    return taxRows(day, day.plusDays(1), regions).map(rows -> new TaxReport(day, clock.instant(), rows));
  }

  /**
   * The report's rows over the Beijing days {@code from} (included) to {@code until} (excluded),
   * e.g. a month to date for the console's chart: the same query as the daily report, so the two
   * agree.
   */
  public Future<List<TaxReport.Row>> taxRows(LocalDate from, LocalDate until, Set<String> regions) {
    Tuple range = Tuple.tuple().addOffsetDateTime(from.atStartOfDay().atOffset(BEIJING))
        .addOffsetDateTime(until.atStartOfDay().atOffset(BEIJING))
        .addArrayOfString(CONFIRMABLE)
        .addArrayOfString(regions == null ? null : regions.toArray(String[]::new));
    return pool.preparedQuery(TAX).execute(range).map(result -> {
      List<TaxReport.Row> list = new ArrayList<>();
      for (Row r : result) {
        list.add(new TaxReport.Row(r.getString("kind"), r.getString("tax_office_code"), r.getLong("paid_count"),
            r.getLong("paid_fen"), r.getLong("confirmed_count"), r.getLong("confirmed_fen"),
            r.getLong("unconfirmed_count"), r.getLong("unconfirmed_fen")));
      }
      return list;
    });
  }

  private static Future<FinanceReport.ReconItems> reconItems(SqlConnection conn, LocalDate day) {
    return conn.query(RECON_PRESENT).execute().compose(present -> {
      if (!present.iterator().next().getBoolean("present")) {
        return Future.succeededFuture(new FinanceReport.ReconItems(false, Map.of()));
      }
      return conn.preparedQuery(RECON_OPEN).execute(Tuple.of(day)).map(result -> {
        Map<String, Long> open = new LinkedHashMap<>();
        result.forEach(r -> open.put(r.getString("channel"), r.getLong("open_count")));
        return new FinanceReport.ReconItems(true, open);
      });
    });
  }

  private static SealReference seal(Row row) {
    return new SealReference(row.getLong("seal_no"), Crypto.hex(row.getBuffer("seal").getBytes()),
        row.getOffsetDateTime("last_created_at").toInstant());
  }

  private static Tuple range(LocalDate day) {
    OffsetDateTime from = day.atStartOfDay().atOffset(BEIJING);
    return Tuple.tuple().addOffsetDateTime(from).addOffsetDateTime(from.plusDays(1));
  }
}
