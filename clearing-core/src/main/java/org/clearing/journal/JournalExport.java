package org.clearing.journal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.clearing.crypto.Crypto;
import org.clearing.input.FieldError;

/**
 * Streams sealed journal entries for a period so that anyone can recompute the seal chain
 * ({@link JournalCanonicalForm}). The export is NDJSON ({@value #CONTENT_TYPE}), one line
 * per seal, in seal_no order:
 *
 * <pre>
 * {"seal_no":7,"from_txid":"812","to_txid":"815","entry_count":2,"first_entry_id":40,
 *  "last_entry_id":41,"audit_event_count":1,"first_audit_id":9,"last_audit_id":9,"previous_seal":"&lt;64 hex&gt;","seal":"&lt;64 hex&gt;","canonical":"&lt;text&gt;"}
 * </pre>
 *
 * <p>{@code seal == SM3(hex-decoded previous_seal || UTF-8 bytes of canonical)}, and each line's
 * previous_seal is the line before's seal. A seal is exported when any of its entries was created in
 * {@code [from, to)}, and then whole, because only the whole seal can be recomputed: the export may
 * hold entries just outside the period. Entries not yet sealed (the last second or so) are not
 * exported.
 *
 * <p>Memory stays bounded: seals are read {@value #SEALS_PER_PAGE} headers at a time, the entries
 * of one seal at a time, and the next seal waits while the stream's write queue is full.
 */
public final class JournalExport {

  public static final String CONTENT_TYPE = "application/x-ndjson";
  /** Seal headers per query; entries are fetched one seal at a time. */
  static final int SEALS_PER_PAGE = 32;
  /** Dates name Beijing business days (UTC+8), like everything else the authorities see. */
  public static final ZoneOffset BUSINESS_ZONE = ZoneOffset.ofHours(8);

  private static final String PAGE = """
      SELECT seal_no, from_txid::text AS from_txid, to_txid::text AS to_txid, entry_count,
             first_entry_id, last_entry_id, audit_event_count, first_audit_id, last_audit_id,
             previous_seal, seal
      FROM journal_seal
      WHERE seal_no > $1 AND last_created_at >= $2 AND first_created_at < $3
      ORDER BY seal_no LIMIT $4
      """;

  /** A half-open period {@code [from, to)}. */
  public record Range(Instant from, Instant to) {
    public Range {
      if (!from.isBefore(to)) {
        throw new IllegalArgumentException("an export range must not be empty: " + from + " .. " + to);
      }
    }
  }

  /** The outcome of parsing the query parameters. */
  public sealed interface Parsed permits Valid, Invalid {}

  public record Valid(Range range) implements Parsed {}

  /** Bad parameters; the route answers problem+json 422 with these field errors. */
  public record Invalid(List<FieldError> errors) implements Parsed {}

  /** What an export wrote. */
  public record Summary(long sealsWritten, long entriesWritten) {}

  private final Pool pool;

  public JournalExport(Pool pool) {
    this.pool = pool;
  }

  /**
   * Parses {@code from} and {@code to}: each an ISO date ({@code 2026-11-27}, a Beijing business
   * day) or an instant with offset ({@code 2026-11-27T08:00:00Z}, {@code …+08:00}). A date as
   * {@code to} includes that whole day. Both are required and {@code from} must come before
   * {@code to}.
   */
  public static Parsed parse(String from, String to) {
    List<FieldError> errors = new ArrayList<>();
    Instant start = bound("from", from, false, errors);
    Instant end = bound("to", to, true, errors);
    if (errors.isEmpty() && !start.isBefore(end)) {
      errors.add(new FieldError("to", "must be after from"));
    }
    return errors.isEmpty() ? new Valid(new Range(start, end)) : new Invalid(List.copyOf(errors));
  }

  private static Instant bound(String field, String value, boolean endOfDay, List<FieldError> errors) {
    if (value == null || value.isBlank()) {
      errors.add(new FieldError(field, "is required"));
      return null;
    }
    try {
      if (value.length() == 10) {
        LocalDate day = LocalDate.parse(value);
        return (endOfDay ? day.plusDays(1) : day).atStartOfDay().toInstant(BUSINESS_ZONE);
      }
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeException e) {
      errors.add(new FieldError(field,
          "must be an ISO date (2026-11-27) or an instant with offset (2026-11-27T08:00:00Z)"));
      return null;
    }
  }

  /**
   * Writes the export of {@code range} to {@code out}, respecting its back-pressure. It does not end
   * the stream: the caller ends it on success, or resets it on failure (a partial export must not
   * look complete). Route: set {@value #CONTENT_TYPE} and chunked, call this, then {@code end()}.
   */
  public Future<Summary> writeTo(Range range, WriteStream<Buffer> out) {
    return page(range, out, 0, new Summary(0, 0));
  }

  private Future<Summary> page(Range range, WriteStream<Buffer> out, long afterSealNo, Summary sofar) {
    Tuple params = Tuple.of(afterSealNo, range.from().atOffset(ZoneOffset.UTC),
        range.to().atOffset(ZoneOffset.UTC), SEALS_PER_PAGE);
    return pool.preparedQuery(PAGE).execute(params).compose(rows -> {
      List<Row> seals = new ArrayList<>(rows.size());
      rows.forEach(seals::add);
      Future<Summary> done = Future.succeededFuture(sofar);
      for (Row seal : seals) {
        done = done.compose(summary -> writeSeal(seal, out).map(entries ->
            new Summary(summary.sealsWritten() + 1, summary.entriesWritten() + entries)));
      }
      if (seals.size() < SEALS_PER_PAGE) {
        return done;
      }
      long last = seals.get(seals.size() - 1).getLong("seal_no");
      return done.compose(summary -> page(range, out, last, summary));
    });
  }

  private Future<Integer> writeSeal(Row seal, WriteStream<Buffer> out) {
    long fromTxid = Long.parseLong(seal.getString("from_txid"));
    long toTxid = Long.parseLong(seal.getString("to_txid"));
    return SealRange.read(pool, fromTxid, toTxid).compose(covered -> {
      JsonObject line = new JsonObject()
          .put("seal_no", seal.getLong("seal_no"))
          .put("from_txid", seal.getString("from_txid"))
          .put("to_txid", seal.getString("to_txid"))
          .put("entry_count", seal.getInteger("entry_count"))
          .put("first_entry_id", seal.getLong("first_entry_id"))
          .put("last_entry_id", seal.getLong("last_entry_id"))
          .put("audit_event_count", seal.getInteger("audit_event_count"))
          .put("first_audit_id", seal.getLong("first_audit_id"))
          .put("last_audit_id", seal.getLong("last_audit_id"))
          .put("previous_seal", Crypto.hex(seal.getBuffer("previous_seal").getBytes()))
          .put("seal", Crypto.hex(seal.getBuffer("seal").getBytes()))
          .put("canonical", covered.canonical());
      return write(out, Buffer.buffer(line.encode()).appendString("\n")).map(covered.entryCount());
    });
  }

  private static Future<Void> write(WriteStream<Buffer> out, Buffer line) {
    Future<Void> written = out.write(line);
    if (written.failed()) {
      return written;
    }
    if (!out.writeQueueFull()) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    out.drainHandler(v -> drained.tryComplete());
    written.onFailure(drained::tryFail);
    return drained.future();
  }
}
