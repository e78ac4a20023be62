-- Clients an administrator can disable, re-key and revoke (issue 10 §6), and nonces kept until
-- their own request can no longer pass the timestamp check (issue 10 §9).

-- ACTIVE <-> DISABLED, either -> REVOKED (final; the id stays taken so past records still name it).
-- key_version grows with each replaced key: a nonce is recorded only for the version its request
-- was verified with, so a key replaced on one engine is refused at once on every other.
ALTER TABLE api_client
  ADD COLUMN status      text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED', 'REVOKED')),
  ADD COLUMN key_version int NOT NULL DEFAULT 1 CHECK (key_version > 0),
  ADD COLUMN changed_at  timestamptz,
  ADD COLUMN changed_by  text;

-- The engine signs its webhooks and reports as 'clearing-engine'; a client by that name could pass
-- for it. One registered before this check is revoked rather than failing the upgrade.
UPDATE api_client SET status = 'REVOKED', changed_at = now(), changed_by = 'migration V14'
  WHERE lower(client_id) = 'clearing-engine';
ALTER TABLE api_client ADD CONSTRAINT api_client_not_the_engine
  CHECK (lower(client_id) <> 'clearing-engine') NOT VALID;

-- Each nonce now carries its expiry: its request's timestamp + the ±300 s window + a margin. Rows
-- from before get the most the old rule could have needed (arrival + 600 s) plus the same margin.
ALTER TABLE request_nonce ADD COLUMN expires_at timestamptz;
UPDATE request_nonce SET expires_at = seen_at + interval '660 seconds';
ALTER TABLE request_nonce ALTER COLUMN expires_at SET NOT NULL;
DROP INDEX request_nonce_seen_at;
CREATE INDEX request_nonce_expires_at ON request_nonce (expires_at);
