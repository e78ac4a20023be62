-- Payments the order could not take (a second channel, a second payment, one after expiry or
-- cancellation) are money the payer must get back: each is refunded automatically, once.
CREATE TABLE duplicate_refund (
  channel         text NOT NULL,
  transaction_id  text NOT NULL,
  order_no        text,
  out_trade_no    text NOT NULL,
  amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
  out_refund_no   text NOT NULL UNIQUE,
  status          text NOT NULL,
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, transaction_id)
);
CREATE INDEX duplicate_refund_due ON duplicate_refund (next_attempt_at)
  WHERE status IN ('REQUESTED', 'UNKNOWN');
