package org.clearing.console;

import io.vertx.sqlclient.Pool;
import org.clearing.journal.JournalBalances;
import org.clearing.recon.run.ReconExceptions;
import org.clearing.recon.run.ReconciliationRun;
import org.clearing.refund.RefundRepository;
import org.clearing.report.ReportRoutes;

/**
 * What the finance bureau's pages read and act through: the same reconciliation run, exceptions
 * queue, signed reports, journal balances and authority refunds as the signed API. They exist only once the channels
 * do, after the console is built, so the engine hands them over then ({@link ConsoleRoutes#finance}).
 */
public record FinanceBooks(Pool pool, ReconciliationRun run, ReconExceptions exceptions, ReportRoutes reports,
    JournalBalances balances, RefundRepository refunds) {}
