-- Tamper evidence for the journal (DESIGN §4): committed entries are sealed in order into a hash
-- chain, seal_n = SM3(seal_{n-1} || canonical bytes of the entries it covers).

-- The transaction that wrote each entry. Entry ids come from a sequence, so an entry with a lower id
-- can commit after one with a higher id; sealing by entry id could skip it. Sealing by writing
-- transaction cannot: every transaction below pg_snapshot_xmin(pg_current_snapshot()) has finished,
-- so no entry can still appear below that horizon. pg_current_xact_id() is the top-level
-- transaction even inside a savepoint. Rows that exist already get the migration's own id.
ALTER TABLE journal_entry ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX journal_entry_txid ON journal_entry (txid);

-- One seal covers exactly the entries with from_txid <= txid < to_txid, taken in entry_id order.
-- Seals are contiguous (a seal's from_txid is its predecessor's to_txid; the first starts at 0)
-- and empty ranges are not written. The created_at span lets an export pick the seals of a period.
CREATE TABLE journal_seal (
  seal_no          bigint PRIMARY KEY CHECK (seal_no > 0),
  from_txid        xid8 NOT NULL,
  to_txid          xid8 NOT NULL,
  entry_count      int NOT NULL CHECK (entry_count > 0),
  first_entry_id   bigint,
  last_entry_id    bigint,
  first_created_at timestamptz,
  last_created_at  timestamptz,
  previous_seal    bytea NOT NULL CHECK (length(previous_seal) = 32),
  seal             bytea NOT NULL UNIQUE CHECK (length(seal) = 32),
  sealed_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (from_txid < to_txid)
);
-- Two sealers racing from the same predecessor cannot both succeed: seal_no is unique, and so is
-- the link to the predecessor.
CREATE UNIQUE INDEX journal_seal_previous ON journal_seal (previous_seal);
CREATE INDEX journal_seal_created ON journal_seal (last_created_at);
