package org.clearing.person;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every action a person takes — signing in or failing to, changing a password, confirming a
 * receipt, being refused — as one append-only row: who, when, what, to what, with what outcome,
 * from where. Written in the same transaction as the action wherever the action has one, so an
 * action is never done without its record.
 */
public final class AuditLog {

  public static final int PAGE_SIZE_MAX = 500;
  /** A day's page and export are bounded too; a busier day would be read in pages (not built yet). */
  public static final int DAY_MAX = 10_000;
  /** Details are short sentences; anything longer is cut, never refused (the action stands). */
  static final int DETAIL_LENGTH_MAX = 500;

  private static final String APPEND = """
      INSERT INTO audit_event (person_id, login, action, target, outcome, detail, client_ip)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      """;
  /** An event with the journal seal that covers it, once sealed (V40). */
  private static final String SELECT = """
      SELECT a.audit_id, a.at, a.person_id, a.login, a.action, a.target, a.outcome, a.detail, a.client_ip,
             s.seal_no, j.seal
      FROM audit_event a LEFT JOIN journal_seal_audit s ON s.audit_id = a.audit_id
        LEFT JOIN journal_seal j ON j.seal_no = s.seal_no
      """;
  private static final String RECENT = SELECT + " ORDER BY a.audit_id DESC LIMIT $1";
  private static final String OF_DAY = SELECT + " WHERE a.at >= $1 AND a.at < $2 ORDER BY a.audit_id LIMIT $3";

  /** What an action came to. */
  public enum Outcome { OK, REFUSED, FAILED;
    String code() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One action. {@code personId} is null when the login named no person. */
  public record Event(Long personId, String login, String action, String target, Outcome outcome,
      String detail, String clientIp) {

    public static Event of(Person person, String action, String target, Outcome outcome, String detail,
        String clientIp) {
      return new Event(person.personId(), person.login(), action, target, outcome, detail, clientIp);
    }
  }

  /**
   * A recorded action, with the journal seal that covers it ({@code sealNo} and the seal as 64 hex
   * digits) once the journal's sealer has sealed it, else nulls.
   */
  public record Recorded(long auditId, Instant at, Long personId, String login, String action,
      String target, String outcome, String detail, String clientIp, Long sealNo, String sealHex) {

    /** A recorded action not (yet) sealed. */
    public Recorded(long auditId, Instant at, Long personId, String login, String action,
        String target, String outcome, String detail, String clientIp) {
      this(auditId, at, personId, login, action, target, outcome, detail, clientIp, null, null);
    }
  }

  private final Pool pool;

  public AuditLog(Pool pool) {
    this.pool = pool;
  }

  /** Appends {@code event} on {@code client}: a connection inside the action's transaction, or the pool. */
  public static Future<Void> append(SqlClient client, Event event) {
    String detail = event.detail() == null || event.detail().length() <= DETAIL_LENGTH_MAX
        ? event.detail() : event.detail().substring(0, DETAIL_LENGTH_MAX);
    return client.preparedQuery(APPEND).execute(Tuple.tuple()
            .addLong(event.personId()).addString(event.login()).addString(event.action())
            .addString(event.target()).addString(event.outcome().code()).addString(detail)
            .addString(event.clientIp()))
        .mapEmpty();
  }

  /**
   * {@code event} as the record a domain door runs inside the action's own transaction (the doors
   * that take a {@code Function<SqlConnection, Future<Void>>}), so the action and its audit row
   * commit together or not at all.
   */
  public static java.util.function.Function<io.vertx.sqlclient.SqlConnection, Future<Void>> within(Event event) {
    return conn -> append(conn, event);
  }

  /** Appends {@code event} in a transaction of its own, for actions that have none. */
  public Future<Void> append(Event event) {
    return append(pool, event);
  }

  /** A check of the journal seals that hold audit events, on this log's database. */
  public org.clearing.journal.JournalChainCheck chainCheck(io.vertx.core.Vertx vertx) {
    return new org.clearing.journal.JournalChainCheck(vertx, pool);
  }

  /** The latest {@code limit} events, newest first. */
  public Future<List<Recorded>> recent(int limit) {
    return pool.preparedQuery(RECENT).execute(Tuple.of(Math.min(Math.max(limit, 1), PAGE_SIZE_MAX)))
        .map(AuditLog::recorded);
  }

  /** A day's events (Beijing time), oldest first, at most {@code limit}. */
  public Future<List<Recorded>> ofDay(java.time.LocalDate day, int limit) {
    java.time.OffsetDateTime from = day.atStartOfDay().atOffset(java.time.ZoneOffset.ofHours(8));
    return pool.preparedQuery(OF_DAY).execute(Tuple.of(from, from.plusDays(1), Math.min(Math.max(limit, 1), DAY_MAX)))
        .map(AuditLog::recorded);
  }

  private static List<Recorded> recorded(io.vertx.sqlclient.RowSet<Row> rows) {
    List<Recorded> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(new Recorded(row.getLong("audit_id"), row.getOffsetDateTime("at").toInstant(),
          row.getLong("person_id"), row.getString("login"), row.getString("action"),
          row.getString("target"), row.getString("outcome"), row.getString("detail"),
          row.getString("client_ip"), row.getLong("seal_no"),
          row.getBuffer("seal") == null ? null : org.clearing.crypto.Crypto.hex(row.getBuffer("seal").getBytes())));
    }
    return out;
  }
}
