package org.clearing.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.clearing.journal.JournalVerifier;
import org.clearing.store.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar clearing-engine.jar verify-journal}: recomputes the journal's SM3 seal chain —
 * the money and the audit log of people's actions — against the database and reports the first
 * break, naming the audit event when one was changed, deleted or slipped in. Exit code 0 when the
 * chain holds, 1 when it is broken.
 */
@Command(name = "verify-journal", mixinStandardHelpOptions = true,
    description = "Recompute the journal's seal chain (money and audit log) and report the first break.")
public final class VerifyJournalCommand implements Callable<Integer> {

  @Option(names = "--data-dir", defaultValue = "${env:CLEARING_DATA_DIR:-./data}",
      description = "Data directory of the embedded database (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--pg-url", defaultValue = "${env:CLEARING_PG_URL}",
      description = "An external PostgreSQL instead of the embedded one.")
  String pgUrl;

  @Override
  public Integer call() throws java.sql.SQLException {
    try (Database database = Database.open(dataDir.toAbsolutePath().normalize(),
        pgUrl == null || pgUrl.isBlank() ? null : pgUrl)) {
      JournalVerifier.Result result;
      // The same JDBC settings as the migrations' (--pg-url's sslmode and the rest).
      try (java.sql.Connection connection = database.jdbcDataSource().getConnection()) {
        result = JournalVerifier.verify(connection);
      }
      System.out.printf("seals checked: %d, entries checked: %d, audit events checked: %d%n",
          result.sealsChecked(), result.entriesChecked(), result.auditEventsChecked());
      if (result.ok()) {
        System.out.println("journal chain: OK");
        return 0;
      }
      System.out.printf("journal chain: BROKEN at seal %d: %s%n", result.firstBrokenSealNo(), result.reason());
      if (result.firstBrokenAuditId() != null) {
        System.out.printf("first broken audit event: %d%n", result.firstBrokenAuditId());
      }
      return 1;
    }
  }
}
