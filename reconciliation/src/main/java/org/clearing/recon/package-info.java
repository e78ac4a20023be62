/**
 * Reconciliation: matching channels' normalized statement lines against the engine's records for
 * one business day, with bounded memory. The matcher, its per-channel keys and the synthetic-day
 * generator live in {@code match}; the daily run that feeds it from the database is the engine's.
 */
package org.clearing.recon;
