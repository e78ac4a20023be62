-- No dead end after a refused refund of money the engine holds for the payer (a payment an order
-- could not take, or the excess of an accepted one): the job holds it as FAILED for a person, who
-- may ask the channel again once the cause is fixed. Each retry is a new refund request under a
-- new number (duplicate_refund keeps one standing request per payment, V25); who asked, when and
-- why are kept here, append-only.
CREATE TABLE duplicate_refund_retry (
  out_refund_no         text PRIMARY KEY REFERENCES duplicate_refund (out_refund_no),
  retried_out_refund_no text NOT NULL UNIQUE REFERENCES duplicate_refund (out_refund_no),
  retried_by            text NOT NULL,
  reason                text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  retried_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER duplicate_refund_retry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON duplicate_refund_retry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_record_is_append_only();
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearing_engine') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON duplicate_refund_retry FROM clearing_engine;
  END IF;
END $$;
