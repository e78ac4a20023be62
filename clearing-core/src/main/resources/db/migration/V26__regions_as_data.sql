-- Regions, payee accounts, routes and receivers become data an administrator manages through the
-- API (issue 11 §2) instead of seed migrations.
--
-- What an order was split into is fixed when it is created: its lines and legs copy the payee
-- account and every standing code. So a route may change in place; what must never change is what
-- an existing order points at. Hence an account is never deleted and its bank details never change
-- (a new account is added instead and the old one retired), and an account's receiver at a channel,
-- once set, stays: an old order is still paid, refunded and reconciled through it.

-- A retired region takes no new orders; its existing orders are paid, refunded and settled as
-- before. version grows with every change, so two administrators cannot overwrite each other's
-- change unseen, and each audit row names the version it produced.
ALTER TABLE region
  ADD COLUMN status     text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RETIRED')),
  ADD COLUMN version    int NOT NULL DEFAULT 1 CHECK (version > 0),
  ADD COLUMN changed_at timestamptz,
  ADD COLUMN changed_by text;

-- A retired account receives no new route; the orders routed to it before keep it.
ALTER TABLE payee_account
  ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RETIRED'));

-- A receiver stands for one account: a channel's settlement line names the receiver, and the
-- engine must know whose leg it settles.
CREATE UNIQUE INDEX payee_channel_account_receiver ON payee_channel_account (channel, channel_account);

-- Who changed a region, when, and which fields (from, to): written in the transaction of the change.
CREATE TABLE region_audit (
  audit_id   bigserial PRIMARY KEY,
  region     text NOT NULL REFERENCES region (code),
  version    int NOT NULL,
  action     text NOT NULL CHECK (action IN ('CREATE', 'CHANGE', 'RETIRE')),
  client_id  text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changes    jsonb NOT NULL,
  UNIQUE (region, version)
);

-- The record of changes is appended to, never rewritten.
CREATE FUNCTION region_audit_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'region_audit is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER region_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON region_audit
  FOR EACH STATEMENT EXECUTE FUNCTION region_audit_is_append_only();

-- The engine's role appends to it and reads it, like the journal.
REVOKE UPDATE, DELETE, TRUNCATE ON region_audit FROM clearing_engine;
