package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.clearing.lease.Fence;
import org.clearing.lease.LeasedJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals committed journal entries, and the audit events of people's actions written by the same
 * transactions, into the journal's SM3 hash chain ({@link JournalCanonicalForm} says which bytes):
 * one chain for the money and for who acted on it. It is a leased background job: the hot path never waits for it.
 *
 * <p>Entry ids come from a sequence, so an entry with a lower id can commit after one with a higher
 * id. A seal therefore covers a range of writing transactions, not of ids: the entries with
 * {@code previous to_txid <= txid < horizon}, where the horizon is the xmin of the sealer's own
 * snapshot. Every transaction below it has finished (committed or rolled back), so no entry can
 * still appear in a sealed range, and the next seal starts exactly where this one ended. An open
 * transaction holds the horizon back; its entries and everything after them wait for the next run.
 *
 * <p>A {@link LeasedJob}: the engine's job loop runs it every {@value #INTERVAL_MS} ms where it holds
 * the lease.
 */
public final class JournalSealer implements LeasedJob {

  /** The job's name in {@code job_lease}. */
  public static final String JOB = "journal-seal";
  /** Seals follow commits by about a second, so a report or an export rarely waits for one. */
  public static final long INTERVAL_MS = 1_000;
  /**
   * Bounds one seal, and with it the rows held in memory and the length of the sealing transaction.
   * A single transaction with more entries than this is sealed whole (group commits are far smaller).
   */
  public static final int ENTRIES_PER_SEAL_MAX = 10_000;
  /** Seals written per run at most, so a backlog is caught up over a few runs, not in one. */
  public static final int SEALS_PER_RUN_MAX = 20;

  private static final Logger LOG = LoggerFactory.getLogger(JournalSealer.class);

  /**
   * Serializes sealers beyond the lease: a second sealer waits here and then sees the first one's
   * seal. The unique seal_no and previous_seal would refuse a racing insert anyway.
   */
  private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtext('journal_seal'))";
  private static final String LAST_SEAL =
      "SELECT seal_no, to_txid::text AS to_txid, seal FROM journal_seal ORDER BY seal_no DESC LIMIT 1";
  private static final String HORIZON =
      "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon";
  /** The txid of the first entry past the bound, if the range holds more than the bound. */
  private static final String BOUND = """
      SELECT txid::text AS txid FROM journal_entry
      WHERE txid >= $1::text::xid8 AND txid < $2::text::xid8
      ORDER BY txid OFFSET $3 LIMIT 1
      """;
  private static final String INSERT_SEAL = """
      INSERT INTO journal_seal (seal_no, from_txid, to_txid, entry_count, first_entry_id,
        last_entry_id, first_created_at, last_created_at, previous_seal, seal, audit_event_count,
        first_audit_id, last_audit_id)
      VALUES ($1, $2::text::xid8, $3::text::xid8, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
      """;
  /** What the seal recorded of each audit event it covers, so a verification can name the one changed. */
  private static final String INSERT_SEALED_AUDIT =
      "INSERT INTO journal_seal_audit (audit_id, seal_no, line_sm3) VALUES ($1, $2, $3)";

  /** One seal written. */
  public record Sealed(long sealNo, int entryCount, long fromTxid, long toTxid, byte[] seal) {}

  /** What one run wrote. */
  public record Run(int sealsWritten, long entriesSealed) {}

  private final Vertx vertx;
  private final Pool pool;
  private final int entriesPerSealMax;

  public JournalSealer(Vertx vertx, Pool pool) {
    this(vertx, pool, ENTRIES_PER_SEAL_MAX);
  }

  /** A smaller bound lets tests see a backlog split over several seals. */
  public JournalSealer(Vertx vertx, Pool pool, int entriesPerSealMax) {
    if (entriesPerSealMax < 1) {
      throw new IllegalArgumentException("entriesPerSealMax must be positive: " + entriesPerSealMax);
    }
    this.vertx = vertx;
    this.pool = pool;
    this.entriesPerSealMax = entriesPerSealMax;
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return INTERVAL_MS;
  }

  /** One run of the job: {@link #sealPending()}. */
  @Override
  public Future<Run> runOnce() {
    return sealPending();
  }

  /**
   * One run of the job under its lease: each seal's transaction checks the fence, so a sealer
   * that stalled past its lease (a failover, a pause) writes nothing once another engine took
   * the job over.
   */
  @Override
  public Future<Run> runOnce(Fence fence) {
    return sealFrom(new Run(0, 0), conn -> fence.check(conn));
  }

  /** Writes seals until nothing sealable is left or {@link #SEALS_PER_RUN_MAX} are written. */
  public Future<Run> sealPending() {
    return sealFrom(new Run(0, 0), UNFENCED);
  }

  private static final Function<SqlConnection, Future<Void>> UNFENCED = conn -> Future.succeededFuture();

  private Future<Run> sealFrom(Run sofar, Function<SqlConnection, Future<Void>> fence) {
    if (sofar.sealsWritten() >= SEALS_PER_RUN_MAX) {
      return Future.succeededFuture(sofar);
    }
    return sealOnce(fence).compose(sealed -> sealed.isEmpty()
        ? Future.succeededFuture(sofar)
        : sealFrom(new Run(sofar.sealsWritten() + 1, sofar.entriesSealed() + sealed.get().entryCount()), fence));
  }

  /** Writes at most one seal, in one transaction; empty when nothing new has finished committing. */
  public Future<Optional<Sealed>> sealOnce() {
    return sealOnce(UNFENCED);
  }

  /** {@link #sealOnce()} under a lease: refused with {@link Fence.LeaseLost} once it is lost. */
  public Future<Optional<Sealed>> sealOnce(Fence fence) {
    return sealOnce(conn -> fence.check(conn));
  }

  private Future<Optional<Sealed>> sealOnce(Function<SqlConnection, Future<Void>> fence) {
    // The fence first: its row lock, held to the commit, also keeps a new holder from taking the
    // lease while this seal is being written.
    return pool.withTransaction(conn -> fence.apply(conn).compose(fenced -> conn.query(LOCK).execute())
        .compose(locked -> conn.query(LAST_SEAL).execute())
        .compose(last -> conn.query(HORIZON).execute()
            .compose(horizonRows -> {
              long horizon = Long.parseLong(horizonRows.iterator().next().getString("horizon"));
              return sealRange(conn, Previous.of(last), horizon);
            })))
        // One line a second at steady state, so debug; a failed run is logged by the lease.
        .onSuccess(sealed -> sealed.ifPresent(s -> LOG.debug(
            "event=journal.sealed seal_no={} entries={} from_txid={} to_txid={}",
            s.sealNo(), s.entryCount(), s.fromTxid(), s.toTxid())));
  }

  private Future<Optional<Sealed>> sealRange(SqlConnection conn, Previous previous, long horizon) {
    long fromTxid = previous.toTxid();
    if (horizon <= fromTxid) {
      return Future.succeededFuture(Optional.empty());
    }
    return boundedEnd(conn, fromTxid, horizon)
        .compose(toTxid -> SealRange.read(conn, fromTxid, toTxid)
            .compose(covered -> covered.isEmpty()
                ? Future.succeededFuture(Optional.<Sealed>empty())
                : write(conn, previous, fromTxid, toTxid, covered).map(Optional::of)));
  }

  /**
   * The end of this seal's range: the horizon, or the txid of the first entry past the bound. When
   * one transaction alone exceeds the bound its entries are sealed together, since a seal boundary
   * cannot split a transaction.
   */
  private Future<Long> boundedEnd(SqlConnection conn, long fromTxid, long horizon) {
    return conn.preparedQuery(BOUND)
        .execute(Tuple.of(Long.toString(fromTxid), Long.toString(horizon), entriesPerSealMax))
        .map(rows -> {
          if (rows.size() == 0) {
            return horizon;
          }
          long past = Long.parseLong(rows.iterator().next().getString("txid"));
          return past > fromTxid ? past : past + 1;
        });
  }

  private Future<Sealed> write(SqlConnection conn, Previous previous, long fromTxid, long toTxid,
      SealRange.Covered covered) {
    // Hashing up to a few megabytes is kept off the event loop (STYLE rule 8).
    return vertx.executeBlocking(() -> new Hashed(JournalCanonicalForm.seal(previous.seal(),
            covered.canonical().getBytes(StandardCharsets.UTF_8)),
            covered.auditLines().stream().map(line -> SealedAuditEvents.lineSm3(line.line())).toList()))
        .compose(hashed -> {
          long sealNo = previous.sealNo() + 1;
          Tuple values = Tuple.tuple()
              .addLong(sealNo).addString(Long.toString(fromTxid)).addString(Long.toString(toTxid))
              .addInteger(covered.entryCount()).addLong(covered.firstEntryId()).addLong(covered.lastEntryId())
              .addOffsetDateTime(covered.firstCreatedAt()).addOffsetDateTime(covered.lastCreatedAt())
              .addBuffer(Buffer.buffer(previous.seal())).addBuffer(Buffer.buffer(hashed.seal()))
              .addInteger(covered.auditEventCount()).addLong(covered.firstAuditId()).addLong(covered.lastAuditId());
          List<Tuple> audited = new ArrayList<>();
          for (int i = 0; i < covered.auditLines().size(); i++) {
            audited.add(Tuple.of(covered.auditLines().get(i).auditId(), sealNo, Buffer.buffer(hashed.lines().get(i))));
          }
          return conn.preparedQuery(INSERT_SEAL).execute(values)
              .compose(done -> audited.isEmpty() ? Future.succeededFuture()
                  : conn.preparedQuery(INSERT_SEALED_AUDIT).executeBatch(audited).mapEmpty())
              .map(done -> new Sealed(sealNo, covered.entryCount(), fromTxid, toTxid, hashed.seal()));
        });
  }

  /** The seal and the SM3 of each audit event's line, in the order of {@code Covered.auditLines}. */
  private record Hashed(byte[] seal, List<byte[]> lines) {}

  /** The last seal written, or the start of the chain. */
  private record Previous(long sealNo, long toTxid, byte[] seal) {
    static Previous of(RowSet<Row> last) {
      if (last.size() == 0) {
        return new Previous(0, 0, JournalCanonicalForm.genesisSeal());
      }
      Row row = last.iterator().next();
      return new Previous(row.getLong("seal_no"), Long.parseLong(row.getString("to_txid")),
          row.getBuffer("seal").getBytes());
    }
  }
}
