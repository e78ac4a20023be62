package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/**
 * The entries one seal covers ({@code from_txid <= txid < to_txid}, in entry_id order) and their
 * canonical text. Shared by the sealer and the export so both render the very same bytes. The rows
 * of one range are held in memory; the sealer bounds a range to about
 * {@link JournalSealer#ENTRIES_PER_SEAL_MAX} entries.
 */
final class SealRange {

  /**
   * xid8 travels as text: the Vert.x client has no codec for it, and its values stay far below
   * 2^63 so a long holds them.
   */
  private static final String SELECT_ENTRIES = """
      SELECT e.entry_id, e.entry_key, e.kind, e.order_no, e.channel, e.created_at,
             p.posting_no, p.account, p.debit_fen, p.credit_fen
      FROM journal_entry e LEFT JOIN journal_posting p ON p.entry_id = e.entry_id
      WHERE e.txid >= $1::text::xid8 AND e.txid < $2::text::xid8
      ORDER BY e.entry_id, p.posting_no
      """;

  /** The canonical text of a range with what a seal records about it. */
  record Covered(String canonical, int entryCount, Long firstEntryId, Long lastEntryId,
      OffsetDateTime firstCreatedAt, OffsetDateTime lastCreatedAt) {}

  private SealRange() {}

  static Future<Covered> read(SqlClient client, long fromTxid, long toTxid) {
    return client.preparedQuery(SELECT_ENTRIES)
        .execute(Tuple.of(Long.toString(fromTxid), Long.toString(toTxid)))
        .map(rows -> {
          StringBuilder canonical = new StringBuilder();
          int count = 0;
          Long first = null;
          long last = -1;
          OffsetDateTime earliest = null;
          OffsetDateTime latest = null;
          for (Row row : rows) {
            long entryId = row.getLong("entry_id");
            if (count == 0 || entryId != last) {
              OffsetDateTime createdAt = row.getOffsetDateTime("created_at");
              JournalCanonicalForm.appendEntry(canonical, entryId, row.getString("entry_key"),
                  row.getString("kind"), row.getString("order_no"), row.getString("channel"), createdAt);
              count++;
              first = first == null ? entryId : first;
              last = entryId;
              earliest = earliest == null || createdAt.isBefore(earliest) ? createdAt : earliest;
              latest = latest == null || createdAt.isAfter(latest) ? createdAt : latest;
            }
            Integer postingNo = row.getInteger("posting_no");
            if (postingNo != null) {
              JournalCanonicalForm.appendPosting(canonical, postingNo, row.getString("account"),
                  row.getLong("debit_fen"), row.getLong("credit_fen"));
            }
          }
          return new Covered(canonical.toString(), count, first, count == 0 ? null : last, earliest, latest);
        });
  }
}
