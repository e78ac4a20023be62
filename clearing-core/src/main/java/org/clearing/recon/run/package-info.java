/**
 * The engine side of the daily reconciliation: {@link
 * org.clearing.recon.run.ReconciliationRun} takes a channel's bill for a business day (fetched, or
 * uploaded in the channel's own format), streams it and the engine's records of the day from
 * PostgreSQL through the pure matcher of {@code org.clearing.recon.match}, stores every item and
 * the per-payee-account results, and books lost callbacks it can verify. {@link
 * org.clearing.recon.run.ReconExceptions} is the queue of items a person resolves, {@link
 * org.clearing.recon.run.ReconRoutes} its admin endpoints.
 */
package org.clearing.recon.run;
