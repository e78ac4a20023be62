-- The idempotency fingerprint of an order (request_hash) was an unkeyed SM3 over the request,
-- payer's full ID number included: with the masked number (first 3, last 4 shown) anyone able to
-- read this table recovered the full number by trying the missing digits. It is now an HMAC-SM3
-- under a key kept beside the engine's other secrets, and this column says which form a row has:
--   0  unkeyed SM3 (every row stored before this version),
--   1  HMAC-SM3 of that old unkeyed SM3 (old rows, re-keyed),
--   2  HMAC-SM3 of the request (every row stored since).
-- SQL has no key, so this migration cannot re-key old rows: the engine does, at every start,
-- before it serves (OrderRepository.rekeyUnkeyedFingerprints). The default is 0 so that a row
-- written by anything that does not know the column is treated, and re-keyed, as unkeyed.
ALTER TABLE orders ADD COLUMN request_hash_scheme smallint NOT NULL DEFAULT 0
  CONSTRAINT orders_request_hash_scheme_known CHECK (request_hash_scheme IN (0, 1, 2));

-- Finds what is left to re-key without reading the whole table; empty after the first start.
CREATE INDEX orders_request_hash_unkeyed ON orders (order_no) WHERE request_hash_scheme = 0;
