package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks, inside the engine, the journal seals that cover a span of audit events (a day of the
 * audit log on the auditor's page): each seal recomputed from its rows with the same bytes as the
 * sealer ({@link SealRange}), linked to the seal before it, and each of its audit events against
 * what the seal recorded of it. It answers for those seals only, so a page stays quick however long
 * the journal; {@code verify-journal} ({@link JournalVerifier}) walks the whole chain from its start.
 */
public final class JournalChainCheck {

  /** Bounds one check: a day's events fit in far fewer seals (they are sealed a second apart at most). */
  public static final int SEALS_MAX = 2_000;

  private static final String SEALS = """
      SELECT j.seal_no, j.from_txid::text AS from_txid, j.to_txid::text AS to_txid, j.entry_count,
             j.first_entry_id, j.last_entry_id, j.audit_event_count, j.previous_seal, j.seal,
             p.seal AS predecessor, p.to_txid::text AS predecessor_to_txid
      FROM journal_seal j LEFT JOIN journal_seal p ON p.seal_no = j.seal_no - 1
      WHERE j.seal_no IN (SELECT DISTINCT seal_no FROM journal_seal_audit WHERE audit_id BETWEEN $1 AND $2)
      ORDER BY j.seal_no LIMIT $3
      """;
  private static final String SEALED_AUDIT =
      "SELECT audit_id, line_sm3 FROM journal_seal_audit WHERE seal_no = $1";

  /**
   * What the check found: {@code ok}, or the first seal that does not hold, why, and the audit event
   * that broke it when it was one.
   */
  public record Outcome(boolean ok, int sealsChecked, Long firstBrokenSealNo, Long firstBrokenAuditId,
      String reason) {}

  private final Vertx vertx;
  private final Pool pool;

  public JournalChainCheck(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** Checks every seal that recorded an audit event with an id in {@code [firstAuditId, lastAuditId]}. */
  public Future<Outcome> ofAuditEvents(long firstAuditId, long lastAuditId) {
    return pool.preparedQuery(SEALS).execute(Tuple.of(firstAuditId, lastAuditId, SEALS_MAX)).compose(rows -> {
      List<Row> seals = new ArrayList<>();
      rows.forEach(seals::add);
      return next(seals.iterator(), 0);
    });
  }

  private Future<Outcome> next(Iterator<Row> seals, int checked) {
    if (!seals.hasNext()) {
      return Future.succeededFuture(new Outcome(true, checked, null, null, null));
    }
    Row seal = seals.next();
    return check(seal).compose(broken -> broken.isPresent()
        ? Future.succeededFuture(new Outcome(false, checked, seal.getLong("seal_no"),
            broken.get().auditId() < 0 ? null : broken.get().auditId(), broken.get().reason()))
        : next(seals, checked + 1));
  }

  private Future<Optional<SealedAuditEvents.Break>> check(Row seal) {
    long sealNo = seal.getLong("seal_no");
    long fromTxid = Long.parseLong(seal.getString("from_txid"));
    byte[] previous = seal.getBuffer("previous_seal").getBytes();
    byte[] predecessor = sealNo == 1 ? JournalCanonicalForm.genesisSeal()
        : seal.getBuffer("predecessor") == null ? null : seal.getBuffer("predecessor").getBytes();
    long predecessorTo = sealNo == 1 ? 0
        : seal.getString("predecessor_to_txid") == null ? -1 : Long.parseLong(seal.getString("predecessor_to_txid"));
    if (predecessor == null) {
      return broken("seal " + (sealNo - 1) + " is missing");
    }
    if (!Arrays.equals(previous, predecessor) || fromTxid != predecessorTo) {
      return broken("previous_seal is not the seal before it");
    }
    return SealRange.read(pool, fromTxid, Long.parseLong(seal.getString("to_txid")))
        .compose(covered -> pool.preparedQuery(SEALED_AUDIT).execute(Tuple.of(sealNo)).compose(recorded -> {
          SortedMap<Long, byte[]> sealed = new TreeMap<>();
          recorded.forEach(row -> sealed.put(row.getLong("audit_id"), row.getBuffer("line_sm3").getBytes()));
          return vertx.executeBlocking(() -> {
            if (covered.entryCount() != seal.getInteger("entry_count")) {
              return Optional.of(new SealedAuditEvents.Break(-1, "it records " + seal.getInteger("entry_count")
                  + " entries, its range holds " + covered.entryCount()));
            }
            SortedMap<Long, byte[]> now = new TreeMap<>();
            covered.auditLines().forEach(line -> now.put(line.auditId(), SealedAuditEvents.lineSm3(line.line())));
            Optional<SealedAuditEvents.Break> event = SealedAuditEvents.firstBreak(now, sealed);
            if (event.isPresent()) {
              return event;
            }
            if (covered.auditEventCount() != seal.getInteger("audit_event_count")) {
              return Optional.of(new SealedAuditEvents.Break(-1, "it records " + seal.getInteger("audit_event_count")
                  + " audit events, its range holds " + covered.auditEventCount()));
            }
            byte[] recomputed = JournalCanonicalForm.seal(previous, covered.canonical().getBytes(StandardCharsets.UTF_8));
            return Arrays.equals(recomputed, seal.getBuffer("seal").getBytes()) ? Optional.<SealedAuditEvents.Break>empty()
                : Optional.of(new SealedAuditEvents.Break(-1,
                    "SM3 of the previous seal and its entries and audit events differs from the stored seal"));
          });
        }));
  }

  /** A break that names no audit event (id -1): the seal's own link, counts or SM3. */
  private static Future<Optional<SealedAuditEvents.Break>> broken(String reason) {
    return Future.succeededFuture(Optional.of(new SealedAuditEvents.Break(-1, reason)));
  }
}
