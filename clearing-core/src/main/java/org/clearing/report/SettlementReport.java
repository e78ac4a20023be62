package org.clearing.report;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.clearing.recon.match.SettlementComparison.AccountSettlement;

/**
 * Per payee account and channel, what the channel settled for a business day against what the
 * engine expects, as the day's latest finished reconciliation run of each channel compared it
 * ({@code recon_account}, written by the run through the reconciliation module's
 * {@code SettlementComparison}). A channel whose day has not been reconciled has no lines.
 */
public final class SettlementReport {

  /** One account at one channel. */
  public record Line(String channel, long runId, AccountSettlement figures) {}

  private static final String LINES = """
      SELECT r.channel, r.run_id, a.payee_account_id, a.legs_expected, a.expected_fen, a.legs_settled,
             a.settled_fen, a.legs_missing, a.missing_fen, a.legs_excess, a.excess_fen, a.legs_mismatched
      FROM recon_account a JOIN recon_run r ON r.run_id = a.run_id
      WHERE r.business_date = $1 AND r.status = 'DONE' AND ($2::text IS NULL OR a.payee_account_id = $2)
        AND r.run_id = (SELECT max(l.run_id) FROM recon_run l
                        WHERE l.business_date = r.business_date AND l.channel = r.channel AND l.status = 'DONE')
      ORDER BY a.payee_account_id, r.channel
      """;
  private static final String ACCOUNT_EXISTS = "SELECT 1 FROM payee_account WHERE account_id = $1";

  private SettlementReport() {}

  /** The day's lines, of one account or (null) all. */
  public static Future<List<Line>> lines(SqlClient sql, LocalDate day, String payeeAccountId) {
    return sql.preparedQuery(LINES).execute(Tuple.of(day, payeeAccountId)).map(rows -> {
      List<Line> lines = new ArrayList<>();
      for (Row r : rows) {
        lines.add(new Line(r.getString("channel"), r.getLong("run_id"), new AccountSettlement(
            r.getString("payee_account_id"), r.getInteger("legs_expected"), r.getLong("expected_fen"),
            r.getInteger("legs_settled"), r.getLong("settled_fen"), r.getInteger("legs_missing"),
            r.getLong("missing_fen"), r.getInteger("legs_excess"), r.getLong("excess_fen"),
            r.getInteger("legs_mismatched"))));
      }
      return lines;
    });
  }

  public static Future<Boolean> accountExists(SqlClient sql, String payeeAccountId) {
    return sql.preparedQuery(ACCOUNT_EXISTS).execute(Tuple.of(payeeAccountId)).map(rows -> rows.size() > 0);
  }

  static JsonObject json(Line line) {
    AccountSettlement f = line.figures();
    return new JsonObject().put("payee_account_id", f.payeeAccountId()).put("channel", line.channel())
        .put("run_id", line.runId())
        .put("legs_expected", f.legsExpected()).put("expected_fen", f.expectedFen())
        .put("legs_settled", f.legsSettled()).put("settled_fen", f.settledFen())
        .put("legs_missing", f.legsMissing()).put("missing_fen", f.missingFen())
        .put("legs_excess", f.legsExcess()).put("excess_fen", f.excessFen())
        .put("legs_mismatched", f.legsMismatched()).put("balanced", f.balanced());
  }

  public static JsonObject json(LocalDate day, List<Line> lines) {
    JsonArray accounts = new JsonArray();
    lines.forEach(line -> accounts.add(json(line)));
    return new JsonObject().put("business_date", day.toString()).put("time_zone", "+08:00")
        .put("accounts", accounts);
  }

  static final List<String> TABLE_HEADER = List.of("payee_account_id", "channel", "run_id", "legs_expected",
      "expected_fen", "legs_settled", "settled_fen", "legs_missing", "missing_fen", "legs_excess", "excess_fen",
      "legs_mismatched", "balanced");

  static List<Object> tableRow(Line line) {
    AccountSettlement f = line.figures();
    return List.of(f.payeeAccountId(), line.channel(), line.runId(), f.legsExpected(), f.expectedFen(),
        f.legsSettled(), f.settledFen(), f.legsMissing(), f.missingFen(), f.legsExcess(), f.excessFen(),
        f.legsMismatched(), Boolean.toString(f.balanced()));
  }
}
