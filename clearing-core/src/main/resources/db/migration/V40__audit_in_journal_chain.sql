-- People's actions are sealed in the journal's own SM3 chain, with the money (issue 13): one chain,
-- one order (the writing transactions'), one verification. A journal seal covers the journal
-- entries AND the audit events written by the transactions from_txid <= txid < to_txid, so an
-- action and the money it moved are sealed together, in the same seal.
--
-- The audit events written before this migration stay in their own chain (audit_seal, V32), kept
-- as history rather than copied: their seals were computed and published (reports, exports)
-- as they are, and re-sealing them here would not make them any more trustworthy than the chain
-- that already covers them. The cut is this migration's transaction: every audit event written
-- before it has a lower txid, every later one a txid at or above it. Below the cut the audit
-- sealer finishes the old chain (the events of the last seconds before the upgrade); from the cut
-- on only the journal's sealer seals them. A new database has no history: its cut is its first
-- transaction, so every audit event is in the journal's chain.
CREATE TABLE audit_in_journal (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  from_txid  xid8 NOT NULL
);
INSERT INTO audit_in_journal (from_txid) VALUES (pg_current_xact_id());

-- What a seal records of the audit events it covers, as it records its entries: how many, the
-- first and last id. A seal may now cover audit events only (a quiet night when people act but
-- no money moves), or entries only; never nothing. The created_at span (first/last_created_at)
-- spans both, so an export of a period picks the seals of its actions too.
ALTER TABLE journal_seal
  ADD COLUMN audit_event_count int NOT NULL DEFAULT 0 CHECK (audit_event_count >= 0),
  ADD COLUMN first_audit_id bigint,
  ADD COLUMN last_audit_id bigint;
ALTER TABLE journal_seal DROP CONSTRAINT journal_seal_entry_count_check;
ALTER TABLE journal_seal
  ADD CONSTRAINT journal_seal_entry_count_check CHECK (entry_count >= 0),
  ADD CONSTRAINT journal_seal_covers_something CHECK (entry_count + audit_event_count > 0);

-- One row per sealed audit event: the seal that covers it and the SM3 of its canonical line. The
-- seal itself proves the whole range; these let a verification name the very event that was
-- changed, removed or slipped in afterwards, not only the seal it broke (an auditor asks "which
-- line of the log", not "which seal"). Changing a line and its digest together still breaks the
-- seal.
CREATE TABLE journal_seal_audit (
  audit_id  bigint PRIMARY KEY,
  seal_no   bigint NOT NULL REFERENCES journal_seal (seal_no),
  line_sm3  bytea NOT NULL CHECK (length(line_sm3) = 32)
);
CREATE INDEX journal_seal_audit_seal ON journal_seal_audit (seal_no, audit_id);

-- Append-only like the seals they belong to, whoever asks, and the engine's role has no grant to
-- change them either.
CREATE TRIGGER journal_seal_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal_seal_audit
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();
CREATE TRIGGER audit_in_journal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_in_journal
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON journal_seal_audit, audit_in_journal FROM clearing_engine;
    REVOKE INSERT ON audit_in_journal FROM clearing_engine;
  END IF;
END $$;
