-- The journal guards itself (issue 12 §1): whatever writes to it, PostgreSQL refuses an entry whose
-- debits and credits differ and any change or deletion of what was posted. Zero and negative
-- amounts are refused already by journal_posting's checks (debit_fen >= 0, credit_fen >= 0, exactly
-- one of them non-zero); they are named here so that the refusals read together.

-- Checked at commit, once every posting of the entry is in: an entry has at least two postings and
-- its debits equal its credits. A posting added later to an entry of an earlier transaction is
-- checked the same way, against all of that entry's postings.
CREATE FUNCTION journal_entry_must_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  postings int;
  debits   numeric;
  credits  numeric;
BEGIN
  SELECT count(*), coalesce(sum(debit_fen), 0), coalesce(sum(credit_fen), 0)
    INTO postings, debits, credits
    FROM journal_posting WHERE entry_id = NEW.entry_id;
  IF postings < 2 OR debits <> credits THEN
    RAISE EXCEPTION 'journal entry % does not balance: % postings, debits % fen, credits % fen',
      NEW.entry_id, postings, debits, credits
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER journal_entry_balanced
  AFTER INSERT ON journal_entry DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION journal_entry_must_balance();
CREATE CONSTRAINT TRIGGER journal_posting_balanced
  AFTER INSERT ON journal_posting DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION journal_entry_must_balance();

-- Append-only: a correction is a new entry. Statement-level, so an UPDATE or DELETE is refused
-- even when it matches no row, and TRUNCATE too. The engine's role has no UPDATE or DELETE grant
-- on these tables either (V21); this trigger holds against the owner as well. A superuser can
-- still switch triggers off (session_replication_role = replica) — which is what the seal chain
-- and verify-journal are for.
CREATE FUNCTION journal_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused; book a correcting entry instead', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal_entry
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();
CREATE TRIGGER journal_posting_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal_posting
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();
CREATE TRIGGER journal_seal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal_seal
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();

ALTER TABLE journal_posting ADD CONSTRAINT journal_posting_amount_positive
  CHECK (debit_fen + credit_fen > 0);
