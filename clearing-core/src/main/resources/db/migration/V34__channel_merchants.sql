-- The merchant a channel order was opened with (the channel's merchant id from the merchant
-- configuration, or region-<code> for one configured in the database): its callbacks, queries,
-- closes and refunds go to that merchant even after the region's configuration changes. NULL for
-- orders opened before: the channel's default merchant.
ALTER TABLE channel_order ADD COLUMN merchant_id text;

-- A channel's merchant for one region, configured by an administrator; it takes precedence over
-- the merchant configuration file for that (region, channel). settings is the file's entry as an
-- administrator wrote it, certificates inline (PEM), and never holds a secret: the private keys,
-- the API v3 key, the app secret, the .pfx and its password are in channel_secret, sealed.
CREATE TABLE channel_config (
  region     text NOT NULL REFERENCES region (code),
  channel    text NOT NULL CHECK (channel IN ('wechat', 'alipay', 'unionpay')),
  settings   jsonb NOT NULL,
  version    int NOT NULL CHECK (version > 0),
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (region, channel)
);

-- Each secret sealed with SM4-GCM under the master key (never in the database), bound to purpose
-- channel-secret and to the row region/channel/field: copied to another row it does not open.
-- facts says what may be shown of it (its certificate's serial and expiry, its algorithm).
CREATE TABLE channel_secret (
  region        text NOT NULL,
  channel       text NOT NULL,
  field         text NOT NULL,
  sealed        bytea NOT NULL,
  master_key_id text NOT NULL,
  facts         jsonb NOT NULL,
  changed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (region, channel, field),
  FOREIGN KEY (region, channel) REFERENCES channel_config (region, channel)
);

-- Who changed which fields of a channel's configuration, when; never a value of a secret.
CREATE TABLE channel_config_audit (
  audit_id       bigserial PRIMARY KEY,
  region         text NOT NULL,
  channel        text NOT NULL,
  version        int NOT NULL,
  client_id      text NOT NULL,
  changed_at     timestamptz NOT NULL DEFAULT now(),
  fields         text[] NOT NULL,
  secret_fields  text[] NOT NULL,
  UNIQUE (region, channel, version)
);

CREATE FUNCTION channel_config_audit_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'channel_config_audit is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER channel_config_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON channel_config_audit
  FOR EACH STATEMENT EXECUTE FUNCTION channel_config_audit_is_append_only();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON channel_config_audit FROM clearing_engine;
  END IF;
END
$$;
