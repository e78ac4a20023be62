package org.clearing.person;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.clearing.journal.JournalCanonicalForm;
import org.clearing.lease.LeasedJob;

/**
 * The audit log's own SM3 chain of before audit events joined the journal's (V40), kept as history:
 * it seals the events written before that cut (those of an upgraded engine's last seconds it had not
 * sealed yet) and then has nothing left to do; every later event is sealed by
 * {@code JournalSealer} in the journal's chain. It seals the way {@code JournalSealer} seals the
 * journal and with the same text rules ({@link JournalCanonicalForm}): a seal covers the events
 * written by transactions {@code previous to_txid <= txid < horizon}, the horizon being the xmin
 * of the sealer's snapshot (no transaction below it can still add an event). {@link #verify()}
 * recomputes the chain from the rows, so an event changed or removed with the triggers switched
 * off breaks it.
 *
 * <p>Canonical text, one line per event in audit_id order, each ending with LF:
 * {@code audit_id|at|person_id|login|action|target|outcome|detail|client_ip}, {@code at} as the
 * journal writes {@code created_at} (UTC, six fraction digits), a NULL as the empty string.
 */
public final class AuditSealer implements LeasedJob {

  public static final String JOB = "audit-seal";
  public static final long INTERVAL_MS = 5_000;
  /** Bounds the rows one seal holds in memory; one transaction is never split. */
  public static final int EVENTS_PER_SEAL_MAX = 10_000;
  public static final int SEALS_PER_RUN_MAX = 20;

  private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtext('audit_seal'))";
  private static final String LAST_SEAL =
      "SELECT seal_no, to_txid::text AS to_txid, seal FROM audit_seal ORDER BY seal_no DESC LIMIT 1";
  /**
   * Capped at the cut (V40): from there on the journal's sealer seals audit events in the journal's
   * own chain, and this chain only finishes the events written before it.
   */
  private static final String HORIZON = """
      SELECT least(pg_snapshot_xmin(pg_current_snapshot()), (SELECT from_txid FROM audit_in_journal))::text AS horizon
      """;
  private static final String BOUND = """
      SELECT txid::text AS txid FROM audit_event
      WHERE txid >= $1::text::xid8 AND txid < $2::text::xid8
      ORDER BY txid OFFSET $3 LIMIT 1
      """;
  private static final String EVENTS = """
      SELECT audit_id, at, person_id, login, action, target, outcome, detail, client_ip
      FROM audit_event WHERE txid >= $1::text::xid8 AND txid < $2::text::xid8 ORDER BY audit_id
      """;
  private static final String INSERT_SEAL = """
      INSERT INTO audit_seal (seal_no, from_txid, to_txid, event_count, first_audit_id, last_audit_id,
        previous_seal, seal)
      VALUES ($1, $2::text::xid8, $3::text::xid8, $4, $5, $6, $7, $8)
      """;
  private static final String SEALS = """
      SELECT seal_no, from_txid::text AS from_txid, to_txid::text AS to_txid, event_count, previous_seal, seal
      FROM audit_seal ORDER BY seal_no
      """;

  private final Vertx vertx;
  private final Pool pool;

  public AuditSealer(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return INTERVAL_MS;
  }

  @Override
  public Future<Integer> runOnce() {
    return sealPending(0);
  }

  private Future<Integer> sealPending(int written) {
    if (written >= SEALS_PER_RUN_MAX) {
      return Future.succeededFuture(written);
    }
    return sealOnce().compose(sealed -> sealed.isEmpty() ? Future.succeededFuture(written) : sealPending(written + 1));
  }

  /** Writes at most one seal; empty when no new event has finished committing. */
  public Future<Optional<Long>> sealOnce() {
    return pool.withTransaction(conn -> conn.query(LOCK).execute()
        .compose(locked -> conn.query(LAST_SEAL).execute())
        .compose(last -> conn.query(HORIZON).execute().compose(horizon -> seal(conn, last,
            Long.parseLong(horizon.iterator().next().getString("horizon"))))));
  }

  private Future<Optional<Long>> seal(SqlConnection conn, RowSet<Row> last, long horizon) {
    Row previousRow = last.size() == 0 ? null : last.iterator().next();
    long previousNo = previousRow == null ? 0 : previousRow.getLong("seal_no");
    long fromTxid = previousRow == null ? 0 : Long.parseLong(previousRow.getString("to_txid"));
    byte[] previous = previousRow == null ? JournalCanonicalForm.genesisSeal() : previousRow.getBuffer("seal").getBytes();
    if (horizon <= fromTxid) {
      return Future.succeededFuture(Optional.empty());
    }
    return conn.preparedQuery(BOUND).execute(Tuple.of(Long.toString(fromTxid), Long.toString(horizon), EVENTS_PER_SEAL_MAX))
        .map(rows -> {
          if (rows.size() == 0) {
            return horizon;
          }
          long past = Long.parseLong(rows.iterator().next().getString("txid"));
          return past > fromTxid ? past : past + 1;
        })
        .compose(toTxid -> canonical(conn, fromTxid, toTxid).compose(covered -> {
          if (covered.count() == 0) {
            return Future.succeededFuture(Optional.<Long>empty());
          }
          return vertx.executeBlocking(() -> JournalCanonicalForm.seal(previous, covered.text().getBytes(StandardCharsets.UTF_8)))
              .compose(seal -> conn.preparedQuery(INSERT_SEAL).execute(Tuple.tuple()
                  .addLong(previousNo + 1).addString(Long.toString(fromTxid)).addString(Long.toString(toTxid))
                  .addInteger(covered.count()).addLong(covered.firstId()).addLong(covered.lastId())
                  .addBuffer(Buffer.buffer(previous)).addBuffer(Buffer.buffer(seal))))
              .map(done -> Optional.of(previousNo + 1));
        }));
  }

  /** The events of a range as canonical text. */
  record Covered(String text, int count, Long firstId, Long lastId) {}

  static Future<Covered> canonical(SqlClient client, long fromTxid, long toTxid) {
    return client.preparedQuery(EVENTS).execute(Tuple.of(Long.toString(fromTxid), Long.toString(toTxid)))
        .map(rows -> {
          StringBuilder out = new StringBuilder();
          Long first = null;
          Long lastId = null;
          for (Row row : rows) {
            long id = row.getLong("audit_id");
            first = first == null ? id : first;
            lastId = id;
            out.append(id).append('|').append(JournalCanonicalForm.createdAt(row.getOffsetDateTime("at"))).append('|');
            Long personId = row.getLong("person_id");
            out.append(personId == null ? "" : personId.toString()).append('|');
            for (String field : new String[] {"login", "action", "target", "outcome", "detail"}) {
              JournalCanonicalForm.appendField(out, row.getString(field)).append('|');
            }
            JournalCanonicalForm.appendField(out, row.getString("client_ip")).append('\n');
          }
          return new Covered(out.toString(), rows.size(), first, lastId);
        });
  }

  /** What recomputing the chain found: every seal matches, or the first that does not. */
  public record Verification(int sealsChecked, Long firstBrokenSealNo) {
    public boolean ok() {
      return firstBrokenSealNo == null;
    }
  }

  /** Recomputes every seal from the stored events, in order; stops at the first mismatch. */
  public Future<Verification> verify() {
    return pool.query(SEALS).execute().compose(seals -> check(seals.iterator(), JournalCanonicalForm.genesisSeal(), 0));
  }

  private Future<Verification> check(java.util.Iterator<Row> seals, byte[] previous, int checked) {
    if (!seals.hasNext()) {
      return Future.succeededFuture(new Verification(checked, null));
    }
    Row seal = seals.next();
    long sealNo = seal.getLong("seal_no");
    byte[] stored = seal.getBuffer("seal").getBytes();
    if (!Arrays.equals(previous, seal.getBuffer("previous_seal").getBytes())) {
      return Future.succeededFuture(new Verification(checked, sealNo));
    }
    return canonical(pool, Long.parseLong(seal.getString("from_txid")), Long.parseLong(seal.getString("to_txid")))
        .compose(covered -> vertx.executeBlocking(() -> covered.count() == seal.getInteger("event_count")
            && Arrays.equals(stored, JournalCanonicalForm.seal(previous, covered.text().getBytes(StandardCharsets.UTF_8)))))
        .compose(matches -> matches ? check(seals, stored, checked + 1)
            : Future.succeededFuture(new Verification(checked, sealNo)));
  }
}
