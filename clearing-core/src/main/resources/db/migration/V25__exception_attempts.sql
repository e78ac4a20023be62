-- No dead end after a refused refund. A person's REFUND of an order in EXCEPTION can be refused by
-- the channel; the order then returns to EXCEPTION with its payment back in suspense, and a person
-- must be able to act again. So a resolution is one attempt among the order's attempts (1, 2, ...),
-- and the channel's refusal of a REFUND attempt is a row of its own: history is appended, never
-- rewritten. Only the latest attempt, when it was not refused, stands in the way of another.
ALTER TABLE exception_resolution
  ADD COLUMN attempt int NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  -- The refund the attempt asked of the channel: the whole payment (REFUND) or its excess (ACCEPT).
  ADD COLUMN out_refund_no text UNIQUE;
UPDATE exception_resolution r SET out_refund_no = d.out_refund_no
  FROM duplicate_refund d WHERE d.channel = r.channel AND d.transaction_id = r.transaction_id;
ALTER TABLE exception_resolution
  ALTER COLUMN attempt DROP DEFAULT,
  DROP CONSTRAINT exception_resolution_pkey,
  DROP CONSTRAINT exception_resolution_channel_transaction_id_key,
  ADD PRIMARY KEY (order_no, attempt),
  ADD CONSTRAINT exception_resolution_refund_names_its_refund
    CHECK (action <> 'REFUND' OR out_refund_no IS NOT NULL);

CREATE TABLE exception_refund_refusal (
  order_no          text NOT NULL,
  attempt           int NOT NULL,
  out_refund_no     text NOT NULL UNIQUE,
  channel_reason    text NOT NULL CHECK (length(channel_reason) <= 1000),
  refused_at        timestamptz NOT NULL DEFAULT now(),
  -- The correction that puts the payment back in suspense (debit refund:{channel}, credit suspense).
  journal_entry_key text NOT NULL UNIQUE,
  PRIMARY KEY (order_no, attempt),
  FOREIGN KEY (order_no, attempt) REFERENCES exception_resolution (order_no, attempt)
);

-- One standing resolution per order: a new attempt only after every earlier one was refused.
-- The engine checks this under the order's row lock; the database refuses it whatever writes.
CREATE FUNCTION exception_resolution_one_standing() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM exception_resolution r
             WHERE r.order_no = NEW.order_no AND r.attempt <> NEW.attempt
               AND NOT EXISTS (SELECT 1 FROM exception_refund_refusal f
                               WHERE f.order_no = r.order_no AND f.attempt = r.attempt)) THEN
    RAISE EXCEPTION 'order % has a standing exception resolution; attempt % refused', NEW.order_no, NEW.attempt
      USING ERRCODE = 'unique_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER exception_resolution_one_standing BEFORE INSERT ON exception_resolution
  FOR EACH ROW EXECUTE FUNCTION exception_resolution_one_standing();

-- Audit records are append-only, against the owner too (as the journal is, V20): statement-level,
-- so UPDATE and DELETE are refused even when they match no row, and TRUNCATE as well. The engine's
-- role has no UPDATE or DELETE grant on them either.
CREATE FUNCTION audit_record_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused; a later decision is a new row', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER exception_resolution_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON exception_resolution
  FOR EACH STATEMENT EXECUTE FUNCTION audit_record_is_append_only();
CREATE TRIGGER exception_refund_refusal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON exception_refund_refusal
  FOR EACH STATEMENT EXECUTE FUNCTION audit_record_is_append_only();
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON exception_resolution, exception_refund_refusal FROM clearing_engine;
  END IF;
END $$;

-- A payment may be asked back more than once when the channel refused the earlier request, each
-- time under its own refund number; at most one request per payment is not FAILED, so the money
-- goes back at most once.
ALTER TABLE duplicate_refund
  DROP CONSTRAINT duplicate_refund_pkey,
  DROP CONSTRAINT duplicate_refund_out_refund_no_key,
  ADD PRIMARY KEY (out_refund_no);
CREATE INDEX duplicate_refund_payment ON duplicate_refund (channel, transaction_id);
CREATE UNIQUE INDEX duplicate_refund_one_standing ON duplicate_refund (channel, transaction_id)
  WHERE status <> 'FAILED';

-- The settlement job revisits the bills of recent days that still have legs waiting for their
-- money (deferred under an open channel refund, or a bill that was not there): orders paid and
-- not yet settled, by when they were paid. Few rows: most orders settle the next day.
CREATE INDEX orders_awaiting_settlement ON orders (paid_at) WHERE status IN ('PAID', 'REFUNDING');

-- The inbox's outcome is a status the engine filters on (AMOUNT_MISMATCH, NOT_PAYABLE, ...): it
-- must be one the engine knows, PaymentDecision.Outcome for a payment and RefundNotification.Status
-- for a refund.
ALTER TABLE channel_inbox ADD CONSTRAINT channel_inbox_outcome_known CHECK (
  (kind = 'PAYMENT' AND outcome IN
    ('APPLIED', 'NOT_SUCCESSFUL', 'UNKNOWN_ORDER', 'AMOUNT_MISMATCH', 'NOT_PAYABLE', 'FOREIGN'))
  OR (kind = 'REFUND' AND outcome IN ('SUCCEEDED', 'FAILED', 'PROCESSING')));
