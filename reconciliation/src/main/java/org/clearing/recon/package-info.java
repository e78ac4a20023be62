/**
 * Reconciliation: matching channels' normalized statement lines against the engine's records for
 * one business day, with bounded memory. The matcher arrives with the daily reconciliation issue.
 */
package org.clearing.recon;
