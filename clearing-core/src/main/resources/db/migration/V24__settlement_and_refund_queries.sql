-- Per payee account and channel, what the channel settled against what the engine expects is
-- compared in the reconciliation module (SettlementComparison); these columns keep what it found
-- missing (expected, not settled) and in excess (settled, not expected), with their amounts.
ALTER TABLE recon_account
  ADD COLUMN legs_missing int NOT NULL DEFAULT 0 CHECK (legs_missing >= 0),
  ADD COLUMN missing_fen  bigint NOT NULL DEFAULT 0,
  ADD COLUMN legs_excess  int NOT NULL DEFAULT 0 CHECK (legs_excess >= 0),
  ADD COLUMN excess_fen   bigint NOT NULL DEFAULT 0;
