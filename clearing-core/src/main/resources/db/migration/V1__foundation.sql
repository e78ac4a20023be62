-- The foundation: regions, payee accounts, the routing table, API clients, orders, lines and legs.
-- Every hot-path table is keyed by order_no first so that one order and everything of it can live
-- together on one shard of a distributed PostgreSQL.

CREATE TABLE region (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
  name text NOT NULL
);

-- Where a kind of money goes in a region: a state treasury account (identified by its 10-digit
-- treasury code) or a non-tax settlement account of the finance bureau.
CREATE TABLE payee_account (
  account_id    text PRIMARY KEY,
  region        text NOT NULL REFERENCES region (code),
  side          text NOT NULL CHECK (side IN ('TREASURY', 'NON_TAX')),
  name          text NOT NULL,
  bank_name     text NOT NULL,
  account_no    text NOT NULL,
  treasury_code text CHECK (treasury_code ~ '^[0-9]{10}$'),
  CHECK ((side = 'TREASURY') = (treasury_code IS NOT NULL))
);

-- (region, kind) -> payee account, with the standing codes the receiving body needs. Tax-side
-- routes carry the tax office, budget subject and budget level; non-tax routes carry the
-- collecting unit and income item.
CREATE TABLE route (
  region               text NOT NULL REFERENCES region (code),
  kind                 text NOT NULL,
  payee_account_id     text NOT NULL REFERENCES payee_account (account_id),
  tax_office_code      text,
  budget_subject_code  text,
  budget_level         text CHECK (budget_level IN ('1', '2', '3', '4', '5')),
  collecting_unit_code text,
  income_item_code     text,
  PRIMARY KEY (region, kind)
);

CREATE TABLE api_client (
  client_id      text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9_.-]{3,64}$'),
  role           text NOT NULL CHECK (role IN ('REGISTRATION', 'TAX', 'FINANCE', 'ADMIN')),
  key_type       text NOT NULL CHECK (key_type IN ('SM2', 'RSA')),
  public_key_pem text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- A nonce is accepted once per client. Rows older than the timestamp window are useless (such a
-- request is stale anyway) and are deleted by a periodic sweep.
CREATE TABLE request_nonce (
  client_id text NOT NULL,
  nonce     text NOT NULL,
  seen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, nonce)
);
CREATE INDEX request_nonce_seen_at ON request_nonce (seen_at);

CREATE SEQUENCE order_seq;

CREATE TABLE orders (
  order_no        text PRIMARY KEY,
  client_id       text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash    bytea NOT NULL,
  case_no         text NOT NULL,
  region          text NOT NULL REFERENCES region (code),
  payer_name      text NOT NULL,
  payer_id_cipher bytea NOT NULL,
  payer_id_masked text NOT NULL,
  total_fen       bigint NOT NULL CHECK (total_fen > 0),
  status          text NOT NULL,
  qr_token        text NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, idempotency_key)
);
CREATE INDEX orders_open_expiry ON orders (expires_at) WHERE status = 'OPEN';

CREATE TABLE order_line (
  order_no             text NOT NULL REFERENCES orders (order_no),
  line_no              int NOT NULL CHECK (line_no > 0),
  kind                 text NOT NULL,
  amount_fen           bigint NOT NULL CHECK (amount_fen > 0),
  payee_account_id     text NOT NULL REFERENCES payee_account (account_id),
  side                 text NOT NULL CHECK (side IN ('TREASURY', 'NON_TAX')),
  tax_office_code      text,
  tax_voucher_no       text,
  budget_subject_code  text,
  budget_level         text,
  treasury_code        text,
  collecting_unit_code text,
  income_item_code     text,
  payment_code         text,
  PRIMARY KEY (order_no, line_no)
);

-- The split plan: one leg per payee account, its amount the exact sum of that account's lines.
CREATE TABLE leg (
  order_no         text NOT NULL REFERENCES orders (order_no),
  leg_no           int NOT NULL CHECK (leg_no > 0),
  payee_account_id text NOT NULL REFERENCES payee_account (account_id),
  amount_fen       bigint NOT NULL CHECK (amount_fen > 0),
  status           text NOT NULL,
  PRIMARY KEY (order_no, leg_no),
  UNIQUE (order_no, payee_account_id)
);
