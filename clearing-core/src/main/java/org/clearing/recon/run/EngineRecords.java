package org.clearing.recon.run;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import org.clearing.channel.Channel;
import org.clearing.payment.MerchantOrders;
import org.clearing.recon.match.EngineRecord;

/**
 * The engine's side of one business day and channel, streamed from PostgreSQL through a cursor in
 * out_trade_no order ({@code COLLATE "C"}, the matcher's String order), a page at a time: the
 * payments recorded in the inbox (whatever their outcome: the money reached the channel), the
 * channel refunds and automatic duplicate refunds, and the legs of the orders paid there that day.
 * A payment the order could not take (paid at a second channel, or after cancellation) has legs
 * too when it was for the whole order: the channel order carried the split plan, so the channel
 * split it to the payees before it was given back. Only the records of the channel orders of the
 * merchant whose bill they are matched with: another merchant's bill does not show them.
 *
 * <p>Blocking: call it from a worker thread only (each page waits for the database).
 */
final class EngineRecords implements Iterator<EngineRecord>, AutoCloseable {

  /** Whether the row's channel order ({@code co}) is the merchant's whose bill is read ($4-$6). */
  private static final String MERCHANTS = MerchantOrders.condition("co", 4);

  private static final String STREAM = """
      SELECT kind, out_trade_no, transaction_id, refund_no, amount_fen, status, leg_no, account, occurred_at, payee
      FROM (
        SELECT 'PAYMENT' AS kind, i.out_trade_no, i.transaction_id, '' AS refund_no, i.amount_fen,
               'SUCCEEDED' AS status, 0 AS leg_no, '' AS account, i.occurred_at, NULL::text AS payee
        FROM channel_inbox i LEFT JOIN channel_order co ON co.channel = i.channel AND co.out_trade_no = i.out_trade_no
        WHERE i.channel = $1 AND i.kind = 'PAYMENT' AND i.occurred_at >= $2 AND i.occurred_at < $3
          AND MERCHANTS
        UNION ALL
        SELECT 'REFUND', co.out_trade_no, coalesce(o.paid_transaction_id, ''), r.out_refund_no, r.amount_fen,
               CASE r.status WHEN 'SUCCEEDED' THEN 'SUCCEEDED' WHEN 'FAILED' THEN 'FAILED' ELSE 'PENDING' END,
               0, '', r.updated_at, NULL
        FROM refund r JOIN orders o ON o.order_no = r.order_no
        JOIN channel_order co ON co.order_no = r.order_no AND co.channel = r.channel
        WHERE r.mode = 'CHANNEL' AND r.channel = $1 AND r.out_refund_no IS NOT NULL
          AND r.updated_at >= $2 AND r.updated_at < $3 AND MERCHANTS
        UNION ALL
        SELECT 'REFUND', d.out_trade_no, d.transaction_id, d.out_refund_no, d.amount_fen,
               CASE d.status WHEN 'SUCCEEDED' THEN 'SUCCEEDED' WHEN 'FAILED' THEN 'FAILED' ELSE 'PENDING' END,
               0, '', d.updated_at, NULL
        FROM duplicate_refund d LEFT JOIN channel_order co ON co.channel = d.channel AND co.out_trade_no = d.out_trade_no
        WHERE d.channel = $1 AND d.updated_at >= $2 AND d.updated_at < $3 AND MERCHANTS
        UNION ALL
        SELECT 'LEG', co.out_trade_no, coalesce(o.paid_transaction_id, ''), '', g.amount_fen, 'SUCCEEDED',
               g.leg_no, coalesce(a.channel_account, ''), o.paid_at, g.payee_account_id
        FROM orders o JOIN channel_order co ON co.order_no = o.order_no AND co.channel = o.paid_channel
        JOIN leg g ON g.order_no = o.order_no
        LEFT JOIN payee_channel_account a ON a.payee_account_id = g.payee_account_id AND a.channel = $1
        WHERE o.paid_channel = $1 AND o.paid_at >= $2 AND o.paid_at < $3 AND MERCHANTS
        UNION ALL
        SELECT 'LEG', i.out_trade_no, i.transaction_id, '', g.amount_fen, 'SUCCEEDED', g.leg_no,
               coalesce(a.channel_account, ''), i.occurred_at,
               CASE WHEN co.order_no = g.order_no THEN g.payee_account_id END
        FROM channel_inbox i JOIN orders o ON o.order_no = i.order_no
        JOIN leg g ON g.order_no = i.order_no
        LEFT JOIN payee_channel_account a ON a.payee_account_id = g.payee_account_id AND a.channel = $1
        LEFT JOIN channel_order co ON co.channel = i.channel AND co.out_trade_no = i.out_trade_no
        WHERE i.channel = $1 AND i.kind = 'PAYMENT' AND i.outcome = 'NOT_PAYABLE' AND i.amount_fen = o.total_fen
          AND o.paid_channel IS DISTINCT FROM i.channel AND i.occurred_at >= $2 AND i.occurred_at < $3
          AND MERCHANTS
      ) x
      ORDER BY out_trade_no COLLATE "C", kind, refund_no, leg_no
      """.replace("MERCHANTS", MERCHANTS);

  private final Channel channel;
  private final PagedRows<EngineRecord> rows;
  private final LegPayees legPayees = new LegPayees();
  private boolean closed;

  private EngineRecords(Channel channel, Pool pool, Tuple arguments) {
    this.channel = channel;
    this.rows = PagedRows.open(pool, STREAM, arguments, this::record);
  }

  /** Opens the cursor over the records of {@code merchant}'s orders (a read-only transaction on its own connection). */
  static EngineRecords open(Pool pool, Channel channel, MerchantOrders merchant, Instant dayStart, Instant dayEnd) {
    return new EngineRecords(channel, pool, merchant.bind(Tuple.of(channel.code(),
        dayStart.atOffset(ZoneOffset.UTC), dayEnd.atOffset(ZoneOffset.UTC))));
  }

  /** The payees of the legs just read, for the items written next. */
  LegPayees legPayees() {
    return legPayees;
  }

  long read() {
    return rows.read();
  }

  /** Time spent waiting for the database's pages. */
  long readMs() {
    return rows.readMs();
  }

  @Override
  public boolean hasNext() {
    return rows.hasNext();
  }

  @Override
  public EngineRecord next() {
    return rows.next();
  }

  private EngineRecord record(Row row) {
    OffsetDateTime at = row.getOffsetDateTime("occurred_at");
    Instant occurredAt = at == null ? null : at.toInstant();
    EngineRecord.Status status = EngineRecord.Status.valueOf(row.getString("status"));
    String outTradeNo = row.getString("out_trade_no");
    return switch (row.getString("kind")) {
      case "PAYMENT" -> EngineRecord.payment(channel, outTradeNo, row.getString("transaction_id"),
          row.getLong("amount_fen"), status, occurredAt);
      case "REFUND" -> EngineRecord.refund(channel, outTradeNo, row.getString("transaction_id"),
          row.getString("refund_no"), row.getLong("amount_fen"), status, occurredAt);
      default -> {
        int legNo = row.getInteger("leg_no");
        String account = row.getString("account");
        legPayees.add(outTradeNo, legNo, account, row.getString("payee"));
        yield EngineRecord.leg(channel, outTradeNo, legNo, account, row.getLong("amount_fen"), occurredAt);
      }
    };
  }

  /** Closes the cursor; again, nothing (an upload's records are closed after the run as well). */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      rows.close();
    }
  }
}
