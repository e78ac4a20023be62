package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules that never break, checked by the engine on its own books: each journal
 * entry balances; each order's legs sum to its total; each channel transaction is booked at most
 * once; no order is refunded beyond what was paid; and each channel's clearing account and each
 * payee account hold exactly the money in transit — nothing more, nothing less.
 */
public final class Invariants {

  /** One check: its name, whether it holds, and the count of violations found. */
  public record Check(String name, boolean ok, long violations) {}

  private static final Map<String, String> CHECKS = new LinkedHashMap<>();

  static {
    CHECKS.put("journal entries balance", """
        SELECT count(*) FROM (SELECT entry_id FROM journal_posting GROUP BY entry_id
                              HAVING sum(debit_fen) <> sum(credit_fen)) x""");
    CHECKS.put("legs sum to the order total", """
        SELECT count(*) FROM orders o
        WHERE o.total_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM leg g WHERE g.order_no = o.order_no)""");
    CHECKS.put("each channel transaction booked at most once", """
        SELECT count(*) FROM (SELECT paid_channel, paid_transaction_id FROM orders
                              WHERE paid_transaction_id IS NOT NULL
                              GROUP BY 1, 2 HAVING count(*) > 1) x""");
    CHECKS.put("refunds never exceed what was paid", """
        SELECT count(*) FROM orders o
        WHERE (SELECT coalesce(sum(r.amount_fen), 0) FROM refund r
               WHERE r.order_no = o.order_no AND r.status NOT IN ('FAILED')) >
              CASE WHEN o.paid_transaction_id IS NULL THEN 0 ELSE o.total_fen END""");
    CHECKS.put("clearing accounts hold exactly what is in transit", """
        WITH booked AS (
          SELECT replace(p.account, 'clearing:', '') AS channel, sum(p.debit_fen - p.credit_fen) AS fen
          FROM journal_posting p WHERE p.account LIKE 'clearing:%' GROUP BY 1
        ), unsettled AS (
          SELECT o.paid_channel AS channel,
                 sum(g.amount_fen - coalesce((SELECT sum(rg.amount_fen) FROM refund_leg rg JOIN refund r
                        ON r.refund_id = rg.refund_id WHERE r.order_no = g.order_no AND rg.leg_no = g.leg_no
                        AND r.mode = 'CHANNEL' AND r.status = 'SUCCEEDED'), 0)) AS fen
          FROM leg g JOIN orders o ON o.order_no = g.order_no
          WHERE g.status = 'PAID' AND o.paid_channel IS NOT NULL GROUP BY 1
        ), held AS (
          -- A payment a person accepted against its order is in transit as that order's legs;
          -- only its excess, until given back, is still held. (A payment is accepted at most once;
          -- its refused REFUND attempts, if any, hold nothing.)
          SELECT i.channel, sum(CASE WHEN x.action = 'ACCEPT' THEN x.returned_fen ELSE i.amount_fen END) AS fen
          FROM channel_inbox i LEFT JOIN exception_resolution x
            ON x.channel = i.channel AND x.transaction_id = i.transaction_id AND x.action = 'ACCEPT'
          WHERE i.kind = 'PAYMENT' AND i.outcome IN ('UNKNOWN_ORDER', 'AMOUNT_MISMATCH', 'NOT_PAYABLE')
            AND NOT EXISTS (SELECT 1 FROM duplicate_refund d WHERE d.channel = i.channel
                            AND d.transaction_id = i.transaction_id AND d.status = 'SUCCEEDED')
          GROUP BY 1
        ), written_off AS (
          SELECT replace(p.account, 'clearing:', '') AS channel, sum(p.debit_fen - p.credit_fen) AS fen
          FROM journal_posting p JOIN journal_entry e ON e.entry_id = p.entry_id
          WHERE e.kind = 'RECON_WRITE_OFF' AND p.account LIKE 'clearing:%' GROUP BY 1
        ), channels AS (
          SELECT channel FROM booked UNION SELECT channel FROM unsettled UNION SELECT channel FROM held
        )
        SELECT count(*) FROM channels c
        LEFT JOIN booked b ON b.channel = c.channel
        LEFT JOIN unsettled u ON u.channel = c.channel
        LEFT JOIN held h ON h.channel = c.channel
        LEFT JOIN written_off w ON w.channel = c.channel
        WHERE coalesce(b.fen, 0) <> coalesce(u.fen, 0) + coalesce(h.fen, 0) + coalesce(w.fen, 0)""");
    CHECKS.put("payee accounts owe exactly the unsettled legs", """
        WITH booked AS (
          SELECT replace(p.account, 'payee:', '') AS payee, sum(p.credit_fen - p.debit_fen) AS fen
          FROM journal_posting p WHERE p.account LIKE 'payee:%' GROUP BY 1
        ), unsettled AS (
          SELECT g.payee_account_id AS payee,
                 sum(g.amount_fen - coalesce((SELECT sum(rg.amount_fen) FROM refund_leg rg JOIN refund r
                        ON r.refund_id = rg.refund_id WHERE r.order_no = g.order_no AND rg.leg_no = g.leg_no
                        AND r.mode = 'CHANNEL' AND r.status = 'SUCCEEDED'), 0)) AS fen
          FROM leg g WHERE g.status = 'PAID' GROUP BY 1
        )
        SELECT count(*) FROM (SELECT payee FROM booked UNION SELECT payee FROM unsettled) a
        LEFT JOIN booked b USING (payee) LEFT JOIN unsettled u USING (payee)
        WHERE coalesce(b.fen, 0) <> coalesce(u.fen, 0)""");
  }

  private final Pool pool;

  public Invariants(Pool pool) {
    this.pool = pool;
  }

  /** Runs every check (read-only) and returns each result. */
  public Future<List<Check>> check() {
    List<Future<Check>> checks = new ArrayList<>();
    CHECKS.forEach((name, sql) -> checks.add(pool.query(sql).execute().map(rows -> {
      long violations = rows.iterator().next().getLong(0);
      return new Check(name, violations == 0, violations);
    })));
    return Future.all(checks).map(all -> {
      List<Check> results = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        results.add(all.resultAt(i));
      }
      return results;
    });
  }
}
