package org.clearing.journal;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.clearing.crypto.Crypto;

/**
 * The canonical bytes of journal entries and of the audit events sealed with them, the input of
 * the seal chain (its tamper evidence). The form is plain UTF-8 text so that anyone can rebuild it and hash it with a
 * standard SM3 tool.
 *
 * <p>Per entry, in entry_id order, one entry line followed by one line per posting in posting_no
 * order; then one line per audit event (a person's action) of the same transactions, in audit_id
 * order; every line ends with {@code \n} (LF), including the last:
 *
 * <pre>
 * entry_id|entry_key|kind|order_no|channel|created_at
 *   posting_no|account|debit_fen|credit_fen
 * audit|audit_id|at|person_id|login|action|target|outcome|detail|client_ip
 * </pre>
 *
 * <ul>
 *   <li>Numbers are decimal without sign, leading zeros or grouping; amounts are integer fen.
 *   <li>{@code created_at} is UTC, ISO-8601 with exactly six fraction digits and a {@code Z}, e.g.
 *       {@code 2026-11-27T02:00:00.123456Z} (PostgreSQL keeps microseconds).
 *   <li>A NULL order_no or channel is the empty string.
 *   <li>Posting lines start with two spaces, audit lines with {@code audit|}: an entry line starts
 *       with a digit, so the three never read as one another. An audit event's {@code at} is
 *       written as {@code created_at}; a NULL person_id, target or detail is the empty string.
 *       Seals written before audit events joined the chain cover entries only, and so do seals
 *       whose transactions did no person's action: their bytes are unchanged.
 *   <li>Text fields escape a backslash as {@code \\}, a bar as {@code \|}, LF as {@code \n} and CR
 *       as {@code \r}, so a field can never forge a separator or a line. Engine keys contain none of
 *       these, so in practice the text is the raw values.
 * </ul>
 *
 * <p>Seal: {@code seal_n = SM3(seal_{n-1} || canonical bytes of the entries of seal n)}, where
 * {@code seal_{n-1}} is the 32 raw bytes of the previous seal and {@code seal_0} is 32 zero bytes.
 */
public final class JournalCanonicalForm {

  /** The seal before the first: 32 zero bytes. */
  public static final int SEAL_BYTES = 32;

  private static final DateTimeFormatter CREATED_AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

  private JournalCanonicalForm() {}

  public static byte[] genesisSeal() {
    return new byte[SEAL_BYTES];
  }

  /** Appends one entry line. */
  public static StringBuilder appendEntry(StringBuilder out, long entryId, String entryKey, String kind,
      String orderNo, String channel, OffsetDateTime createdAt) {
    out.append(entryId).append('|');
    appendField(out, entryKey).append('|');
    appendField(out, kind).append('|');
    appendField(out, orderNo).append('|');
    appendField(out, channel).append('|');
    return out.append(createdAt(createdAt)).append('\n');
  }

  /** Appends one posting line (it belongs to the entry line above it). */
  public static StringBuilder appendPosting(StringBuilder out, int postingNo, String account,
      long debitFen, long creditFen) {
    out.append("  ").append(postingNo).append('|');
    appendField(out, account).append('|');
    return out.append(debitFen).append('|').append(creditFen).append('\n');
  }

  /** Appends one audit event line. */
  public static StringBuilder appendAuditEvent(StringBuilder out, long auditId, OffsetDateTime at, Long personId,
      String login, String action, String target, String outcome, String detail, String clientIp) {
    out.append("audit|").append(auditId).append('|').append(createdAt(at)).append('|');
    out.append(personId == null ? "" : personId.toString()).append('|');
    for (String field : new String[] {login, action, target, outcome, detail}) {
      appendField(out, field).append('|');
    }
    return appendField(out, clientIp).append('\n');
  }

  public static String createdAt(OffsetDateTime createdAt) {
    return CREATED_AT.format(createdAt.withOffsetSameInstant(ZoneOffset.UTC));
  }

  /** {@code SM3(previousSeal || canonical)}. */
  public static byte[] seal(byte[] previousSeal, byte[] canonical) {
    if (previousSeal.length != SEAL_BYTES) {
      throw new IllegalArgumentException("a seal is 32 bytes, got " + previousSeal.length);
    }
    byte[] input = new byte[SEAL_BYTES + canonical.length];
    System.arraycopy(previousSeal, 0, input, 0, SEAL_BYTES);
    System.arraycopy(canonical, 0, input, SEAL_BYTES, canonical.length);
    return Crypto.sm3(input);
  }

  public static byte[] seal(byte[] previousSeal, String canonical) {
    return seal(previousSeal, canonical.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends a text field, escaped so that it can never forge a separator or a line. */
  public static StringBuilder appendField(StringBuilder out, String value) {
    if (value == null) {
      return out;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '|' -> out.append("\\|");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out;
  }
}
