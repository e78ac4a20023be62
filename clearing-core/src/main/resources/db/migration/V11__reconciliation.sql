-- Daily reconciliation (DESIGN flow 8, §6): one run per business day and channel. A re-run
-- replaces the run's items (resolutions are carried over by the item's identity), so the same
-- day always has one set of items.
CREATE SEQUENCE recon_run_seq;

CREATE TABLE recon_run (
  run_id        bigint PRIMARY KEY DEFAULT nextval('recon_run_seq'),
  business_date date NOT NULL,
  channel       text NOT NULL CHECK (channel IN ('wechat', 'alipay', 'unionpay')),
  status        text NOT NULL CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
  bill_source   text NOT NULL CHECK (bill_source IN ('FETCHED', 'UPLOADED')),
  bill_sha256   text,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  summary       jsonb,
  error         text,
  UNIQUE (business_date, channel)
);

-- One classified item. resolution_status is NULL for MATCHED items (nothing to resolve), OPEN for
-- every other class until a person or the run itself (AUTO) resolves it.
CREATE TABLE recon_item (
  run_id             bigint NOT NULL REFERENCES recon_run (run_id),
  item_no            int NOT NULL CHECK (item_no > 0),
  class              text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('PAYMENT', 'REFUND', 'LEG')),
  out_trade_no       text NOT NULL,
  key                text NOT NULL,
  transaction_id     text NOT NULL,
  channel_reference  text NOT NULL,
  engine_reference   text NOT NULL,
  channel_amount_fen bigint NOT NULL,
  engine_amount_fen  bigint NOT NULL,
  channel_lines      int NOT NULL,
  engine_records     int NOT NULL,
  payee_account_id   text,
  reason             text NOT NULL,
  resolution_status  text CHECK (resolution_status IN ('OPEN', 'RESOLVED', 'AUTO')),
  resolved_by        text,
  resolved_at        timestamptz,
  resolution_action  text,
  resolution_reason  text,
  journal_entry_key  text,
  PRIMARY KEY (run_id, item_no)
);
CREATE INDEX recon_item_open ON recon_item (class, run_id, item_no) WHERE resolution_status = 'OPEN';

-- Per payee account: what the engine expects the channel to have settled for the day's payments,
-- and what the channel's bill shows settled.
CREATE TABLE recon_account (
  run_id           bigint NOT NULL REFERENCES recon_run (run_id),
  payee_account_id text NOT NULL,
  legs_expected    int NOT NULL,
  expected_fen     bigint NOT NULL,
  legs_settled     int NOT NULL,
  settled_fen      bigint NOT NULL,
  legs_mismatched  int NOT NULL,
  PRIMARY KEY (run_id, payee_account_id)
);
