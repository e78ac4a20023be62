-- The consoles' people (issue 13): human users with a role and the regions they act for, their
-- sign-in sessions, and the audit log of everything a person does.

-- A person signs in with a login and a password. The hash is Argon2id in the PHC string form
-- ($argon2id$v=19$m=...,t=...,p=...$salt$hash); the password itself is never stored. A new person
-- (or one whose password an administrator reset) must change it at the next sign-in.
-- failed_sign_ins counts consecutive failures; locked_until holds the back-off they earned.
CREATE TABLE person (
  person_id             bigserial PRIMARY KEY,
  login                 text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  display_name          text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
  role                  text NOT NULL CHECK (role IN ('finance', 'tax', 'operator', 'auditor', 'admin')),
  regions               text[] NOT NULL CHECK (cardinality(regions) BETWEEN 1 AND 64),
  password_hash         text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  must_change_password  boolean NOT NULL DEFAULT true,
  failed_sign_ins       int NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
  locked_until          timestamptz,
  status                text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
  created_at            timestamptz NOT NULL DEFAULT now(),
  password_changed_at   timestamptz
);

-- A signed-in browser. The cookie carries a random token; only its SHA-256 is kept, so a copy of
-- this table signs nobody in. The CSRF token is the synchronizer token of every form of the
-- session. A session ends when idle too long, at its absolute end, or when signed out (deleted).
CREATE TABLE person_session (
  token_sha256   bytea PRIMARY KEY CHECK (length(token_sha256) = 32),
  person_id      bigint NOT NULL REFERENCES person ON DELETE CASCADE,
  csrf_token     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now(),
  ends_at        timestamptz NOT NULL,
  client_ip      text NOT NULL
);
CREATE INDEX person_session_person ON person_session (person_id);

-- What people did: who (the login tried, even when no such person exists), when, what, to what,
-- with what outcome, from where. Append-only like the journal: the trigger refuses any change or
-- deletion, whoever asks, and the engine's role has no grant for it either. txid records the
-- writing transaction, as the journal's entries do, so that the rows can be sealed by range.
CREATE TABLE audit_event (
  audit_id    bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  person_id   bigint REFERENCES person,
  login       text NOT NULL,
  action      text NOT NULL CHECK (action ~ '^[a-z_.]{3,64}$'),
  target      text,
  outcome     text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  detail      text,
  client_ip   text NOT NULL,
  txid        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_event_at ON audit_event (at);
CREATE INDEX audit_event_person ON audit_event (person_id, at);

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM clearing_engine;
  END IF;
END $$;
