-- The engine's own database role (issue 12 §1). Migrations run as the database's owner; the engine
-- serves as clearing_engine, which may read and write the tables it works with but may only read
-- and append to the journal: no UPDATE, DELETE or TRUNCATE of entries, postings or seals.
-- The embedded database gives the role a login and a generated password (<data-dir>/keys/
-- database-engine.password); with an external database the engine logs in as the URL's user and
-- takes this role at connection start (startup parameter role=clearing_engine), so the URL's user
-- must be a member of it, which this migration arranges when it creates the role.
-- Roles belong to the cluster, not the database: several databases on one cluster share the role,
-- each with its own grants.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    BEGIN
      CREATE ROLE clearing_engine NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created meanwhile by a migration of another database on the same cluster
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'clearing_engine', 'MEMBER') THEN
    EXECUTE format('GRANT clearing_engine TO %I', current_user);
  END IF;
END;
$$;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO clearing_engine', current_database());
END;
$$;
GRANT USAGE ON SCHEMA public TO clearing_engine;

-- Everything the engine works with, now and in later migrations (the default privileges cover the
-- tables and sequences the owner creates from here on)...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO clearing_engine;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO clearing_engine;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO clearing_engine;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO clearing_engine;

-- ...but the journal is read and appended to, never changed.
REVOKE UPDATE, DELETE, TRUNCATE ON journal_entry, journal_posting, journal_seal FROM clearing_engine;

-- The migration history is the owner's.
REVOKE ALL ON flyway_schema_history FROM clearing_engine;
