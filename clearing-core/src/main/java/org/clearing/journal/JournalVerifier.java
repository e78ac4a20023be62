package org.clearing.journal;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.bouncycastle.crypto.digests.SM3Digest;

/**
 * Recomputes the journal's seal chain — the money and the audit events of people's actions sealed
 * with it — from the database and reports the first break, naming the audit event when one was
 * changed, deleted or slipped in.
 * Plain JDBC, so the {@code verify-journal} command needs no Vert.x. One read-only repeatable-read
 * transaction gives one consistent view; seals are read {@value #SEALS_PER_PAGE} at a time and the
 * entries of a seal stream through a cursor into an incremental SM3, so memory stays bounded however
 * long the journal is.
 *
 * <p>Per seal, in order: its number follows the previous one; its txid range starts where the
 * previous ended (the first at 0); its previous_seal is the previous seal (the first: 32 zero
 * bytes); its entry count and first and last entry id match the entries in its range; and SM3 of
 * the previous seal and the canonical bytes of those entries equals its seal. The audit events in
 * its range (from the cut of V40 on) are checked the same way, and each against the SM3 the seal
 * recorded of it (journal_seal_audit), so the break names the first event that is no longer what
 * was sealed. Entries and events newer than the last seal are not yet sealed and not checked.
 */
public final class JournalVerifier {

  static final int SEALS_PER_PAGE = 100;
  /** Rows per round trip of the entry cursor. */
  private static final int ROWS_PER_FETCH = 1_000;

  private static final String PAGE = """
      SELECT seal_no, from_txid::text AS from_txid, to_txid::text AS to_txid, entry_count,
             first_entry_id, last_entry_id, audit_event_count, previous_seal, seal
      FROM journal_seal WHERE seal_no > ? ORDER BY seal_no LIMIT ?
      """;
  private static final String ENTRIES = """
      SELECT e.entry_id, e.entry_key, e.kind, e.order_no, e.channel, e.created_at,
             p.posting_no, p.account, p.debit_fen, p.credit_fen
      FROM journal_entry e LEFT JOIN journal_posting p ON p.entry_id = e.entry_id
      WHERE e.txid >= ?::text::xid8 AND e.txid < ?::text::xid8
      ORDER BY e.entry_id, p.posting_no
      """;
  /** The audit events of a seal's range; those below the cut (V40) belong to the older audit chain. */
  private static final String AUDIT_EVENTS = """
      SELECT a.audit_id, a.at, a.person_id, a.login, a.action, a.target, a.outcome, a.detail, a.client_ip
      FROM audit_event a
      WHERE a.txid >= ?::text::xid8 AND a.txid < ?::text::xid8
        AND a.txid >= (SELECT from_txid FROM audit_in_journal)
      ORDER BY a.audit_id
      """;
  private static final String SEALED_AUDIT =
      "SELECT audit_id, line_sm3 FROM journal_seal_audit WHERE seal_no = ? ORDER BY audit_id";

  /**
   * The outcome of a verification. When {@code ok} is false, {@code firstBrokenSealNo} is the first
   * seal that does not hold and {@code reason} says why, and {@code firstBrokenAuditId} the audit
   * event that broke it when it was one; the counts are of what was checked up to it.
   */
  public record Result(boolean ok, long sealsChecked, long entriesChecked, Long firstBrokenSealNo,
      String reason, long auditEventsChecked, Long firstBrokenAuditId) {

    /** A result with no audit events checked (a journal of money only). */
    public Result(boolean ok, long sealsChecked, long entriesChecked, Long firstBrokenSealNo, String reason) {
      this(ok, sealsChecked, entriesChecked, firstBrokenSealNo, reason, 0, null);
    }
  }

  private JournalVerifier() {}

  /** Verifies over a new connection ({@code jdbc:postgresql://host:port/database}). */
  public static Result verify(String jdbcUrl, String user, String password) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
      return verify(connection);
    }
  }

  /**
   * Verifies over the caller's connection, which must not be inside a transaction: this opens a
   * read-only repeatable-read one, rolls it back, and restores the connection's auto-commit.
   */
  public static Result verify(Connection connection) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    connection.setReadOnly(true);
    try {
      return walk(connection);
    } finally {
      connection.rollback();
      connection.setReadOnly(false);
      connection.setAutoCommit(autoCommit);
    }
  }

  private static Result walk(Connection connection) throws SQLException {
    Link previous = new Link(0, 0, JournalCanonicalForm.genesisSeal());
    long seals = 0;
    long entries = 0;
    long events = 0;
    while (true) {
      int read = 0;
      try (PreparedStatement page = connection.prepareStatement(PAGE)) {
        page.setLong(1, previous.sealNo());
        page.setInt(2, SEALS_PER_PAGE);
        try (ResultSet rows = page.executeQuery()) {
          while (rows.next()) {
            read++;
            Seal seal = Seal.of(rows);
            Check check = check(connection, previous, seal);
            if (check.broken() != null) {
              return new Result(false, seals, entries, seal.sealNo(), check.broken(), events, check.auditId());
            }
            seals++;
            entries += check.entries();
            events += check.auditEvents();
            previous = new Link(seal.sealNo(), seal.toTxid(), seal.seal());
          }
        }
      }
      if (read < SEALS_PER_PAGE) {
        return new Result(true, seals, entries, null, null, events, null);
      }
    }
  }

  private static Check check(Connection connection, Link previous, Seal seal) throws SQLException {
    if (seal.sealNo() != previous.sealNo() + 1) {
      return Check.broken("seal " + (previous.sealNo() + 1) + " is missing");
    }
    if (seal.fromTxid() != previous.toTxid()) {
      return Check.broken("its txid range starts at " + seal.fromTxid() + ", the previous seal ended at "
          + previous.toTxid());
    }
    if (!Arrays.equals(seal.previousSeal(), previous.seal())) {
      return Check.broken("previous_seal is not the seal before it");
    }
    Recomputed recomputed = recompute(connection, seal);
    if (recomputed.count() != seal.entryCount()) {
      return Check.broken("it records " + seal.entryCount() + " entries, its range holds " + recomputed.count());
    }
    if (!sameId(seal.firstEntryId(), recomputed.firstEntryId())
        || !sameId(seal.lastEntryId(), recomputed.lastEntryId())) {
      return Check.broken("its first and last entry ids are " + seal.firstEntryId() + ".." + seal.lastEntryId()
          + ", its range holds " + recomputed.firstEntryId() + ".." + recomputed.lastEntryId());
    }
    Optional<SealedAuditEvents.Break> event = SealedAuditEvents.firstBreak(recomputed.auditLines(),
        sealedAudit(connection, seal.sealNo()));
    if (event.isPresent()) {
      return new Check(event.get().reason(), 0, 0, event.get().auditId());
    }
    if (recomputed.auditLines().size() != seal.auditEventCount()) {
      return Check.broken("it records " + seal.auditEventCount() + " audit events, its range holds "
          + recomputed.auditLines().size());
    }
    if (!Arrays.equals(seal.seal(), recomputed.seal())) {
      return Check.broken("SM3 of the previous seal and its entries and audit events differs from the stored seal");
    }
    return new Check(null, recomputed.count(), recomputed.auditLines().size(), null);
  }

  /** What the seal recorded of each audit event it covers: id → SM3 of its line. */
  private static SortedMap<Long, byte[]> sealedAudit(Connection connection, long sealNo) throws SQLException {
    SortedMap<Long, byte[]> sealed = new TreeMap<>();
    try (PreparedStatement query = connection.prepareStatement(SEALED_AUDIT)) {
      query.setLong(1, sealNo);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          sealed.put(rows.getLong("audit_id"), rows.getBytes("line_sm3"));
        }
      }
    }
    return sealed;
  }

  private static boolean sameId(Long stored, Long found) {
    return stored == null ? found == null : stored.equals(found);
  }

  /** Streams the seal's entries through a cursor (autocommit is off) into SM3. */
  private static Recomputed recompute(Connection connection, Seal seal) throws SQLException {
    SM3Digest digest = new SM3Digest();
    digest.update(seal.previousSeal(), 0, seal.previousSeal().length);
    int count = 0;
    Long first = null;
    Long last = null;
    try (PreparedStatement query = connection.prepareStatement(ENTRIES)) {
      query.setFetchSize(ROWS_PER_FETCH);
      query.setString(1, Long.toString(seal.fromTxid()));
      query.setString(2, Long.toString(seal.toTxid()));
      try (ResultSet rows = query.executeQuery()) {
        StringBuilder line = new StringBuilder();
        while (rows.next()) {
          long entryId = rows.getLong("entry_id");
          line.setLength(0);
          if (last == null || entryId != last) {
            JournalCanonicalForm.appendEntry(line, entryId, rows.getString("entry_key"), rows.getString("kind"),
                rows.getString("order_no"), rows.getString("channel"),
                rows.getObject("created_at", OffsetDateTime.class));
            count++;
            first = first == null ? entryId : first;
            last = entryId;
          }
          int postingNo = rows.getInt("posting_no");
          if (!rows.wasNull()) {
            JournalCanonicalForm.appendPosting(line, postingNo, rows.getString("account"),
                rows.getLong("debit_fen"), rows.getLong("credit_fen"));
          }
          byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
          digest.update(bytes, 0, bytes.length);
        }
      }
    }
    SortedMap<Long, byte[]> auditLines = new TreeMap<>();
    try (PreparedStatement query = connection.prepareStatement(AUDIT_EVENTS)) {
      query.setFetchSize(ROWS_PER_FETCH);
      query.setString(1, Long.toString(seal.fromTxid()));
      query.setString(2, Long.toString(seal.toTxid()));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          long auditId = rows.getLong("audit_id");
          String line = JournalCanonicalForm.appendAuditEvent(new StringBuilder(), auditId,
              rows.getObject("at", OffsetDateTime.class), rows.getObject("person_id", Long.class),
              rows.getString("login"), rows.getString("action"), rows.getString("target"),
              rows.getString("outcome"), rows.getString("detail"), rows.getString("client_ip")).toString();
          byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
          digest.update(bytes, 0, bytes.length);
          auditLines.put(auditId, SealedAuditEvents.lineSm3(line));
        }
      }
    }
    byte[] out = new byte[digest.getDigestSize()];
    digest.doFinal(out, 0);
    return new Recomputed(count, first, last, out, auditLines);
  }

  private record Link(long sealNo, long toTxid, byte[] seal) {}

  private record Seal(long sealNo, long fromTxid, long toTxid, int entryCount, Long firstEntryId,
      Long lastEntryId, int auditEventCount, byte[] previousSeal, byte[] seal) {
    static Seal of(ResultSet row) throws SQLException {
      return new Seal(row.getLong("seal_no"), Long.parseLong(row.getString("from_txid")),
          Long.parseLong(row.getString("to_txid")), row.getInt("entry_count"),
          row.getObject("first_entry_id", Long.class), row.getObject("last_entry_id", Long.class),
          row.getInt("audit_event_count"), row.getBytes("previous_seal"), row.getBytes("seal"));
    }
  }

  private record Recomputed(int count, Long firstEntryId, Long lastEntryId, byte[] seal,
      SortedMap<Long, byte[]> auditLines) {}

  private record Check(String broken, int entries, int auditEvents, Long auditId) {
    static Check broken(String reason) {
      return new Check(reason, 0, 0, null);
    }
  }
}
