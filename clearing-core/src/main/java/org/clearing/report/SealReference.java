package org.clearing.report;

import java.time.Instant;

/**
 * The last journal seal of a day: the seal whose newest entry was written that day (Beijing time).
 * Anyone holding the journal export can recompute the chain up to it, so a report that
 * names it says which sealed state of the books it was drawn from.
 */
public record SealReference(long sealNo, String sealHex, Instant lastCreatedAt) {}
