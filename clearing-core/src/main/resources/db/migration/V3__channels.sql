-- Channels: who receives each payee account's leg at each channel, the orders opened at the
-- channels, and the inbox of verified notifications.

-- A payee account's identity at a channel: a WeChat sub-merchant id (combined payment sub-order),
-- an Alipay settle-in user id, a UnionPay secondary merchant code. Demo values are fictional.
CREATE TABLE payee_channel_account (
  payee_account_id text NOT NULL REFERENCES payee_account (account_id),
  channel          text NOT NULL CHECK (channel IN ('wechat', 'alipay', 'unionpay')),
  channel_account  text NOT NULL,
  PRIMARY KEY (payee_account_id, channel)
);

INSERT INTO payee_channel_account (payee_account_id, channel, channel_account) VALUES
  ('TRE-341500', 'wechat', '1900000101'), ('NTX-341500', 'wechat', '1900000102'),
  ('TRE-341522', 'wechat', '1900000103'), ('NTX-341522', 'wechat', '1900000104'),
  ('TRE-341500', 'alipay', '2088000000000101'), ('NTX-341500', 'alipay', '2088000000000102'),
  ('TRE-341522', 'alipay', '2088000000000103'), ('NTX-341522', 'alipay', '2088000000000104'),
  ('TRE-341500', 'unionpay', '898340100000101'), ('NTX-341500', 'unionpay', '898340100000102'),
  ('TRE-341522', 'unionpay', '898340100000103'), ('NTX-341522', 'unionpay', '898340100000104');

-- An order opened at a channel. The row is written before the channel is called, so a callback
-- can always be traced to the order that asked for it.
CREATE TABLE channel_order (
  order_no          text NOT NULL REFERENCES orders (order_no),
  channel           text NOT NULL,
  out_trade_no      text NOT NULL,
  flow              text NOT NULL,
  status            text NOT NULL CHECK (status IN ('OPENING', 'OPEN', 'PAID', 'CLOSED')),
  channel_reference text,
  opened_at         timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_no, channel),
  UNIQUE (channel, out_trade_no)
);

-- Verified notifications, keyed by the channel's transaction (payments) or refund id: a key is
-- recorded once, so a duplicate callback changes nothing. outcome says what the engine did.
CREATE TABLE channel_inbox (
  channel        text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('PAYMENT', 'REFUND')),
  event_key      text NOT NULL,
  order_no       text,
  out_trade_no   text NOT NULL,
  transaction_id text NOT NULL,
  amount_fen     bigint NOT NULL,
  outcome        text NOT NULL,
  source         text NOT NULL CHECK (source IN ('CALLBACK', 'QUERY', 'BILL')),
  event_id       text NOT NULL,
  occurred_at    timestamptz NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, kind, event_key)
);
CREATE INDEX channel_inbox_order ON channel_inbox (order_no);

ALTER TABLE orders
  ADD COLUMN paid_channel        text,
  ADD COLUMN paid_transaction_id text,
  ADD COLUMN paid_at             timestamptz;
