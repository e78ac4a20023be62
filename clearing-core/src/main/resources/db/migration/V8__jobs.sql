-- Background work on channel orders: the active query of orders whose callback has not come and
-- the closing of expired orders at the channels. Each keeps its own bounded, backed-off schedule
-- per channel order, because a channel that does not answer is asked again later, never guessed.
ALTER TABLE channel_order
  ADD COLUMN query_attempts int NOT NULL DEFAULT 0 CHECK (query_attempts >= 0),
  ADD COLUMN next_query_at  timestamptz,
  ADD COLUMN close_attempts int NOT NULL DEFAULT 0 CHECK (close_attempts >= 0),
  ADD COLUMN next_close_at  timestamptz;

-- Only unfinished channel orders are ever looked for by the jobs; the index stays that small.
CREATE INDEX channel_order_unfinished ON channel_order (opened_at)
  WHERE status IN ('OPENING', 'OPEN');
