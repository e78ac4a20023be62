package org.clearing.report;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A day's collections as the finance bureau watches them: the lines of the orders paid that
 * business day (Beijing time), per channel, region, payee account and hour of payment, in fen.
 * Scoped to a set of regions (a payee account's region), so a county's officer sees only the
 * county's money. The same day and definition of "paid" as {@link DailyReports#finance}.
 */
public final class Collections {

  /** One channel × region × account × hour of a day; {@code hour} is 0..23 in Beijing time. */
  public record Cell(String channel, String region, String payeeAccountId, String payeeAccountName, String side,
      int hour, long lineCount, long amountFen) {}

  private static final String DAY = """
      SELECT coalesce(o.paid_channel, '') AS channel, a.region, l.payee_account_id, a.name, a.side,
             extract(hour FROM o.paid_at AT TIME ZONE 'Asia/Shanghai')::int AS hour,
             count(*) AS line_count, sum(l.amount_fen) AS amount_fen
      FROM orders o
      JOIN order_line l ON l.order_no = o.order_no
      JOIN payee_account a ON a.account_id = l.payee_account_id
      WHERE o.paid_at >= $1 AND o.paid_at < $2 AND a.region = ANY($3::text[])
      GROUP BY 1, 2, 3, 4, 5, 6
      ORDER BY 6, 1, 3
      """;
  private static final String ACCOUNT_REGIONS = "SELECT account_id, region FROM payee_account";

  private Collections() {}

  /** The day's cells of {@code regions}; no region, no cells. */
  public static Future<List<Cell>> day(SqlClient sql, LocalDate day, Set<String> regions) {
    OffsetDateTime from = day.atStartOfDay().atOffset(DailyReports.BEIJING);
    return sql.preparedQuery(DAY).execute(Tuple.tuple().addOffsetDateTime(from)
            .addOffsetDateTime(from.plusDays(1)).addArrayOfString(regions.toArray(String[]::new)))
        .map(rows -> {
          List<Cell> cells = new ArrayList<>();
          for (Row r : rows) {
            cells.add(new Cell(r.getString("channel"), r.getString("region"), r.getString("payee_account_id"),
                r.getString("name"), r.getString("side"), r.getInteger("hour"), r.getLong("line_count"),
                r.getLong("amount_fen")));
          }
          return cells;
        });
  }

  /** Every payee account's region: what scopes the settlement view, the report and the reconciliation items. */
  public static Future<Map<String, String>> accountRegions(SqlClient sql) {
    return sql.query(ACCOUNT_REGIONS).execute().map(rows -> {
      Map<String, String> regions = new HashMap<>();
      rows.forEach(r -> regions.put(r.getString("account_id"), r.getString("region")));
      return regions;
    });
  }
}
