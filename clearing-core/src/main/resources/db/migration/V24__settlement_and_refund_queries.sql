-- Per payee account and channel, what the channel settled against what the engine expects is
-- compared in the reconciliation module (SettlementComparison); these columns keep what it found
-- missing (expected, not settled) and in excess (settled, not expected), with their amounts.
ALTER TABLE recon_account
  ADD COLUMN legs_missing int NOT NULL DEFAULT 0 CHECK (legs_missing >= 0),
  ADD COLUMN missing_fen  bigint NOT NULL DEFAULT 0,
  ADD COLUMN legs_excess  int NOT NULL DEFAULT 0 CHECK (legs_excess >= 0),
  ADD COLUMN excess_fen   bigint NOT NULL DEFAULT 0;

-- A channel refund whose answer was lost (UNKNOWN) or never confirmed (ACCEPTED) is asked about by
-- a leased job (ChannelRefundQueries) with backoff and a bounded number of questions.
ALTER TABLE refund
  ADD COLUMN query_attempts int NOT NULL DEFAULT 0 CHECK (query_attempts >= 0),
  ADD COLUMN next_query_at  timestamptz NOT NULL DEFAULT now();
CREATE INDEX refund_open_at_channel ON refund (next_query_at)
  WHERE mode = 'CHANNEL' AND status IN ('UNKNOWN', 'ACCEPTED');
DROP INDEX duplicate_refund_due;
CREATE INDEX duplicate_refund_due ON duplicate_refund (next_attempt_at)
  WHERE status IN ('REQUESTED', 'UNKNOWN', 'ACCEPTED');
