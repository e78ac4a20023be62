/**
 * The reconciliation matcher: {@link org.clearing.recon.match.ReconMatcher}
 * takes one channel's bill lines and the engine's {@link org.clearing.recon.match.EngineRecord}s
 * for a business day as iterators and emits a {@link org.clearing.recon.match.ReconItem} for every
 * line and record, with totals in a {@link org.clearing.recon.match.ReconSummary}. How each
 * channel's numbers are keyed is {@link org.clearing.recon.match.ChannelKeys}; the bounds are in
 * {@link org.clearing.recon.match.MatchOptions}. {@link org.clearing.recon.match.SyntheticDay}
 * generates days with known planted discrepancies for tests and the benchmark.
 */
package org.clearing.recon.match;
