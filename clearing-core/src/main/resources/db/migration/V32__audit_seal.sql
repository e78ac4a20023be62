-- The audit log is sealed like the journal: committed audit events are chained in order of their
-- writing transaction, seal_n = SM3(seal_{n-1} || canonical bytes of the events it covers), so a
-- change or deletion made behind the triggers' back (a superuser with triggers off) shows.
-- Same construction as journal_seal (V5): a seal covers the events with from_txid <= txid < to_txid.
CREATE INDEX audit_event_txid ON audit_event (txid);

CREATE TABLE audit_seal (
  seal_no         bigint PRIMARY KEY CHECK (seal_no > 0),
  from_txid       xid8 NOT NULL,
  to_txid         xid8 NOT NULL,
  event_count     int NOT NULL CHECK (event_count > 0),
  first_audit_id  bigint NOT NULL,
  last_audit_id   bigint NOT NULL,
  previous_seal   bytea NOT NULL CHECK (length(previous_seal) = 32),
  seal            bytea NOT NULL UNIQUE CHECK (length(seal) = 32),
  sealed_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (from_txid < to_txid)
);
CREATE UNIQUE INDEX audit_seal_previous ON audit_seal (previous_seal);

CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_seal
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_seal FROM clearing_engine;
  END IF;
END $$;
