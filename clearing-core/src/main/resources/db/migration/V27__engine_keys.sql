-- The engine's own keys (issue 11 §6): the SM2 key that signs webhooks and reports, and the SM4
-- keys that encrypt payers' ID numbers, shared by every engine on this database so that they sign
-- and decrypt alike. A key made by an engine is stored sealed under the master key (SM4-GCM, bound
-- to this table and the key's id); the master key itself is never stored here. A signing key given
-- to the engines as a file is recorded by its public half only, so it is published like the others.
--
-- One key per purpose is current (retired_at IS NULL): the one that signs, or that encrypts. A
-- rotation retires it: a signing key stays published, and verifiable, until valid_until (the
-- overlap); a payer-ID key keeps decrypting what it encrypted, for ever (ciphertexts name their key).
CREATE TABLE engine_key (
  key_id         text PRIMARY KEY CHECK (key_id ~ '^(sm2|sm4)-[0-9a-f]{16}$'),
  purpose        text NOT NULL CHECK (purpose IN ('signing', 'payer_id')),
  public_key_pem text,
  sealed_secret  bytea,
  source         text NOT NULL CHECK (source IN ('database', 'file')),
  valid_from     timestamptz NOT NULL DEFAULT now(),
  retired_at     timestamptz,
  valid_until    timestamptz,
  created_by     text NOT NULL,
  CONSTRAINT engine_key_algorithm CHECK ((purpose = 'signing') = (key_id LIKE 'sm2-%')),
  CONSTRAINT engine_key_public_half CHECK ((purpose = 'signing') = (public_key_pem IS NOT NULL)),
  CONSTRAINT engine_key_sealed_here CHECK ((source = 'database') = (sealed_secret IS NOT NULL)),
  CONSTRAINT engine_key_files_sign_only CHECK (source = 'database' OR purpose = 'signing'),
  CONSTRAINT engine_key_overlap_after_retirement CHECK (valid_until IS NULL OR retired_at IS NOT NULL)
);

-- Two engines starting at once on an empty database both try to make the first key: one wins.
CREATE UNIQUE INDEX engine_key_one_current ON engine_key (purpose) WHERE retired_at IS NULL;
