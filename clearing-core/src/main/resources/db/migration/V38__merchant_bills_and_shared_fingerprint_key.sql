-- The key of order requests' idempotency fingerprints joins the engine's identity: kept sealed
-- under the master key like the signing and payer-ID keys, so every engine on the database
-- fingerprints a request alike and a replay reaching another engine is answered as one. It is
-- never rotated (every stored fingerprint was made with it); its id is hmac- and a check value.
ALTER TABLE engine_key DROP CONSTRAINT engine_key_key_id_check;
ALTER TABLE engine_key ADD CONSTRAINT engine_key_key_id_check
  CHECK (key_id ~ '^(sm2|sm4|hmac)-[0-9a-f]{16}$');
ALTER TABLE engine_key DROP CONSTRAINT engine_key_purpose_check;
ALTER TABLE engine_key ADD CONSTRAINT engine_key_purpose_check
  CHECK (purpose IN ('signing', 'payer_id', 'request_fingerprint'));
ALTER TABLE engine_key ADD CONSTRAINT engine_key_fingerprint_hmac
  CHECK ((purpose = 'request_fingerprint') = (key_id LIKE 'hmac-%'));

-- A channel has a merchant per region, each with a bill of its own. The day's run of a channel
-- reads the bill of every merchant of the channel, each matched only against the channel orders
-- opened through that merchant; an item says which merchant's bill (or engine records) it comes
-- from. NULL: a run from before merchants were recorded, or the channel's only merchant
-- configured without an id.
ALTER TABLE recon_item ADD COLUMN merchant_id text;

-- What the run read of each merchant: where the bill came from, its digest, its lines, and what
-- matching it came to (the run's own summary is their sum). Replaced with the items on a re-run.
CREATE TABLE recon_bill (
  run_id        bigint NOT NULL REFERENCES recon_run (run_id),
  merchant_no   int NOT NULL CHECK (merchant_no > 0),
  merchant_id   text,
  bill_source   text NOT NULL CHECK (bill_source IN ('FETCHED', 'UPLOADED')),
  bill_sha256   text NOT NULL,
  channel_lines bigint NOT NULL CHECK (channel_lines >= 0),
  items         int NOT NULL CHECK (items >= 0),
  discrepancies bigint NOT NULL CHECK (discrepancies >= 0),
  summary       jsonb NOT NULL,
  read_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, merchant_no)
);
