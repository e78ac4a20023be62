-- An order in EXCEPTION holds a payment of the wrong amount in suspense. A person (finance or
-- admin) resolves it once: ACCEPT books the payment to the order's legs (it must cover the total;
-- any excess goes back), REFUND gives the whole payment back through its channel. Who, when and
-- why are kept here; the money moves in the journal entry named by journal_entry_key.
CREATE TABLE exception_resolution (
  order_no          text PRIMARY KEY REFERENCES orders (order_no),
  action            text NOT NULL CHECK (action IN ('ACCEPT', 'REFUND')),
  channel           text NOT NULL,
  transaction_id    text NOT NULL,
  amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
  returned_fen      bigint NOT NULL CHECK (returned_fen >= 0 AND returned_fen <= amount_fen),
  resolved_by       text NOT NULL,
  reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  resolved_at       timestamptz NOT NULL DEFAULT now(),
  journal_entry_key text NOT NULL,
  UNIQUE (channel, transaction_id)
);

-- A resolution is an audit record: the engine's database role (where there is one) may add it,
-- never change or remove it.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE ON exception_resolution FROM clearing_engine;
  END IF;
END $$;
