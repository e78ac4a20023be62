-- Refunds. A line is refunded at most once (its primary key in refund_line), so the refunds of an
-- order can never exceed what was paid for it, whatever requests race. Before settlement the
-- channel gives the money back; after settlement the treasury's or the finance bureau's money is
-- not the channel's to give, so the owning authority confirms and pays back each leg.

CREATE SEQUENCE refund_seq;

CREATE TABLE refund (
  refund_id         text PRIMARY KEY,
  order_no          text NOT NULL REFERENCES orders (order_no),
  client_id         text NOT NULL,
  refund_key        text NOT NULL,
  request_hash      bytea NOT NULL,
  mode              text NOT NULL CHECK (mode IN ('CHANNEL', 'AUTHORITY')),
  status            text NOT NULL,
  amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
  channel           text,
  out_refund_no     text UNIQUE,
  channel_refund_id text,
  reason            text NOT NULL,
  whole_order       boolean NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, refund_key)
);
CREATE INDEX refund_order ON refund (order_no);

CREATE TABLE refund_line (
  order_no   text NOT NULL,
  line_no    int NOT NULL,
  refund_id  text NOT NULL REFERENCES refund (refund_id),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  PRIMARY KEY (order_no, line_no),
  FOREIGN KEY (order_no, line_no) REFERENCES order_line (order_no, line_no)
);

CREATE TABLE refund_leg (
  refund_id        text NOT NULL REFERENCES refund (refund_id),
  leg_no           int NOT NULL,
  payee_account_id text NOT NULL,
  side             text NOT NULL,
  amount_fen       bigint NOT NULL CHECK (amount_fen > 0),
  status           text NOT NULL,
  voucher_no       text,
  confirmed_by     text,
  confirmed_at     timestamptz,
  paid_back_at     timestamptz,
  PRIMARY KEY (refund_id, leg_no)
);
