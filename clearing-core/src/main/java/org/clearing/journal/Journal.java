package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The one door for money: every journal entry the engine writes goes through {@link #post} (or
 * {@link #postOnce}), inside the caller's transaction, beside the change it books. Nothing else
 * inserts into {@code journal_entry} or {@code journal_posting}. The entries arrive already
 * balanced ({@link JournalEntry} checks that on construction) with account names built by
 * {@link JournalAccount}; the database checks the balance again at commit, refuses zero and
 * negative amounts, and refuses any change or deletion of what was posted.
 *
 * <p>A batch of entries is written in one statement, however many entries and postings it has, so
 * the payment intake's group commit costs one journal statement per group.
 */
public final class Journal {

  private static final String ENTRIES = """
      INSERT INTO journal_entry (entry_key, kind, order_no, channel)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
      """;
  private static final String POSTINGS = """
      RETURNING entry_id, entry_key
      )
      INSERT INTO journal_posting (entry_id, posting_no, account, debit_fen, credit_fen)
      SELECT e.entry_id, p.posting_no, p.account, p.debit_fen, p.credit_fen
      FROM e JOIN unnest($5::text[], $6::int4[], $7::text[], $8::int8[], $9::int8[])
        AS p(entry_key, posting_no, account, debit_fen, credit_fen) USING (entry_key)
      """;
  /** A second entry under a booked key fails the transaction (unique violation). */
  static final String INSERT = "WITH e AS (\n" + ENTRIES + POSTINGS;
  /** An entry whose key is booked already is skipped, postings and all. */
  static final String INSERT_ONCE =
      "WITH e AS (\n" + ENTRIES + "ON CONFLICT (entry_key) DO NOTHING\n" + POSTINGS;

  private Journal() {}

  /**
   * Posts balanced entries in the caller's transaction. An entry key booked before fails the
   * transaction: booking the same thing twice is refused, never silently merged.
   */
  public static Future<Void> post(SqlConnection conn, List<JournalEntry> entries) {
    return write(conn, INSERT, entries).mapEmpty();
  }

  /** Posts one balanced entry in the caller's transaction; see {@link #post(SqlConnection, List)}. */
  public static Future<Void> post(SqlConnection conn, JournalEntry entry) {
    return post(conn, List.of(entry));
  }

  /**
   * Posts the entries whose keys are not booked yet and skips the others: for bookings that a
   * re-run or a replay may ask for again (a reconciliation write-off keyed by its item's identity).
   *
   * @return how many postings were written (0 when every entry was booked already)
   */
  public static Future<Integer> postOnce(SqlConnection conn, List<JournalEntry> entries) {
    return write(conn, INSERT_ONCE, entries);
  }

  private static Future<Integer> write(SqlConnection conn, String sql, List<JournalEntry> entries) {
    if (entries.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return conn.preparedQuery(sql).execute(tuple(entries)).map(rows -> rows.rowCount());
  }

  private static Tuple tuple(List<JournalEntry> entries) {
    List<String> keys = new ArrayList<>();
    List<Integer> numbers = new ArrayList<>();
    List<String> accounts = new ArrayList<>();
    List<Long> debits = new ArrayList<>();
    List<Long> credits = new ArrayList<>();
    for (JournalEntry entry : entries) {
      for (int i = 0; i < entry.postings().size(); i++) {
        JournalEntry.Posting posting = entry.postings().get(i);
        keys.add(entry.entryKey());
        numbers.add(i + 1);
        accounts.add(posting.account());
        debits.add(posting.debitFen());
        credits.add(posting.creditFen());
      }
    }
    return Tuple.tuple()
        .addArrayOfString(entries.stream().map(JournalEntry::entryKey).toArray(String[]::new))
        .addArrayOfString(entries.stream().map(JournalEntry::kind).toArray(String[]::new))
        .addArrayOfString(entries.stream().map(JournalEntry::orderNo).toArray(String[]::new))
        .addArrayOfString(entries.stream().map(JournalEntry::channel).toArray(String[]::new))
        .addArrayOfString(keys.toArray(String[]::new))
        .addArrayOfInteger(numbers.toArray(Integer[]::new))
        .addArrayOfString(accounts.toArray(String[]::new))
        .addArrayOfLong(debits.toArray(Long[]::new))
        .addArrayOfLong(credits.toArray(Long[]::new));
  }
}
