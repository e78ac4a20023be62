package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries and audit events one seal covers ({@code from_txid <= txid < to_txid}, entries in
 * entry_id order, then audit events in audit_id order) and their canonical text. Shared by the
 * sealer, the export and the console's check so all render the very same bytes. The rows of one
 * range are held in memory; the sealer bounds a range to about
 * {@link JournalSealer#ENTRIES_PER_SEAL_MAX} entries (audit events come at the pace people act).
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
  /** Audit events below the cut (V40, audit_in_journal) belong to the older audit chain, not to this one. */
  private static final String SELECT_AUDIT_EVENTS = """
      SELECT a.audit_id, a.at, a.person_id, a.login, a.action, a.target, a.outcome, a.detail, a.client_ip
      FROM audit_event a
      WHERE a.txid >= $1::text::xid8 AND a.txid < $2::text::xid8
        AND a.txid >= (SELECT from_txid FROM audit_in_journal)
      ORDER BY a.audit_id
      """;

  /** One audit event's canonical line. */
  record AuditLine(long auditId, String line) {}

  /** The canonical text of a range with what a seal records about it. */
  record Covered(String canonical, int entryCount, Long firstEntryId, Long lastEntryId,
      OffsetDateTime firstCreatedAt, OffsetDateTime lastCreatedAt, List<AuditLine> auditLines) {

    int auditEventCount() {
      return auditLines.size();
    }

    Long firstAuditId() {
      return auditLines.isEmpty() ? null : auditLines.get(0).auditId();
    }

    Long lastAuditId() {
      return auditLines.isEmpty() ? null : auditLines.get(auditLines.size() - 1).auditId();
    }

    boolean isEmpty() {
      return entryCount == 0 && auditLines.isEmpty();
    }
  }

  private SealRange() {}

  static Future<Covered> read(SqlClient client, long fromTxid, long toTxid) {
    Tuple range = Tuple.of(Long.toString(fromTxid), Long.toString(toTxid));
    return client.preparedQuery(SELECT_ENTRIES).execute(range)
        .compose(entries -> client.preparedQuery(SELECT_AUDIT_EVENTS).execute(range)
            .map(events -> covered(entries, events)));
  }

  private static Covered covered(Iterable<Row> entries, Iterable<Row> events) {
    StringBuilder canonical = new StringBuilder();
    int count = 0;
    Long first = null;
    long last = -1;
    OffsetDateTime earliest = null;
    OffsetDateTime latest = null;
    for (Row row : entries) {
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
    List<AuditLine> auditLines = new ArrayList<>();
    for (Row row : events) {
      OffsetDateTime at = row.getOffsetDateTime("at");
      String line = JournalCanonicalForm.appendAuditEvent(new StringBuilder(), row.getLong("audit_id"), at,
          row.getLong("person_id"), row.getString("login"), row.getString("action"), row.getString("target"),
          row.getString("outcome"), row.getString("detail"), row.getString("client_ip")).toString();
      auditLines.add(new AuditLine(row.getLong("audit_id"), line));
      canonical.append(line);
      earliest = earliest == null || at.isBefore(earliest) ? at : earliest;
      latest = latest == null || at.isAfter(latest) ? at : latest;
    }
    return new Covered(canonical.toString(), count, first, count == 0 ? null : last, earliest, latest,
        List.copyOf(auditLines));
  }
}
