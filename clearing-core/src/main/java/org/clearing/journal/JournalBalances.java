package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Open balances per journal account (debits minus credits, in fen): what each channel still holds
 * for us ({@code clearing:*}, positive), what is still owed to each payee account
 * ({@code payee:*}, negative), refunds owed ({@code refund:*}) and {@code suspense}. There is no
 * balance row: a balance is a sum of postings, computed when asked.
 */
public final class JournalBalances {

  private static final String BALANCES =
      "SELECT account, sum(debit_fen) - sum(credit_fen) AS balance_fen FROM journal_posting"
          + " GROUP BY account ORDER BY account";

  private final Pool pool;

  public JournalBalances(Pool pool) {
    this.pool = pool;
  }

  public Future<Map<String, Long>> all() {
    return pool.query(BALANCES).execute().map(rows -> {
      Map<String, Long> balances = new LinkedHashMap<>();
      for (Row row : rows) {
        balances.put(row.getString("account"), row.getLong("balance_fen"));
      }
      return balances;
    });
  }
}
