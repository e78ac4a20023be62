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
