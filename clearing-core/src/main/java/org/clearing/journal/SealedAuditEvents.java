package org.clearing.journal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeSet;
import org.clearing.crypto.Crypto;

/**
 * The audit events of one seal as they are now against what the seal recorded of each
 * (journal_seal_audit: the SM3 of every event's canonical line). The seal's own SM3 says that
 * something in its range changed; this says which event: the auditor's question is "which line of
 * the log", not "which seal". Pure, so the command-line verifier and the console's check agree.
 */
final class SealedAuditEvents {

  /** The lowest-numbered audit event that no longer is what was sealed, and how. */
  record Break(long auditId, String reason) {}

  private SealedAuditEvents() {}

  static byte[] lineSm3(String line) {
    return Crypto.sm3(line.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Compares, by audit_id, the events in the seal's range now ({@code now}: id → SM3 of its line)
   * with those the seal recorded ({@code sealed}); empty when every one matches.
   */
  static Optional<Break> firstBreak(SortedMap<Long, byte[]> now, SortedMap<Long, byte[]> sealed) {
    TreeSet<Long> ids = new TreeSet<>(now.keySet());
    ids.addAll(sealed.keySet());
    for (long id : ids) {
      byte[] found = now.get(id);
      byte[] recorded = sealed.get(id);
      if (found == null) {
        return Optional.of(new Break(id, "audit event " + id + " was sealed here and is missing (deleted)"));
      }
      if (recorded == null) {
        return Optional.of(new Break(id, "audit event " + id + " is in its range but was never sealed (slipped in)"));
      }
      if (!Arrays.equals(found, recorded)) {
        return Optional.of(new Break(id, "audit event " + id
            + " differs from what was sealed (its who, when, what, outcome or origin was changed)"));
      }
    }
    return Optional.empty();
  }
}
