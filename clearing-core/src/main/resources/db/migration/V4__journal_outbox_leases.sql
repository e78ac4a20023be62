-- The double-entry journal, the outbox of events for webhooks, and leases for background jobs.

-- An entry is booked once: entry_key names what it books (e.g. PAYMENT:wechat:<transaction id>).
-- Entries and postings are inserted, never updated; corrections are new entries. There is no
-- balance row: balances are sums of postings, so no payment waits on another's row lock.
CREATE SEQUENCE journal_entry_seq;

CREATE TABLE journal_entry (
  entry_id   bigint PRIMARY KEY DEFAULT nextval('journal_entry_seq'),
  entry_key  text NOT NULL UNIQUE,
  kind       text NOT NULL,
  order_no   text,
  channel    text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entry_order ON journal_entry (order_no);

CREATE TABLE journal_posting (
  entry_id   bigint NOT NULL REFERENCES journal_entry (entry_id),
  posting_no int NOT NULL CHECK (posting_no > 0),
  account    text NOT NULL,
  debit_fen  bigint NOT NULL CHECK (debit_fen >= 0),
  credit_fen bigint NOT NULL CHECK (credit_fen >= 0),
  CHECK ((debit_fen = 0) <> (credit_fen = 0)),
  PRIMARY KEY (entry_id, posting_no)
);
CREATE INDEX journal_posting_account ON journal_posting (account);

-- Events for the registration system (paid, complete, refunded, exception), written in the same
-- transaction as the change they report and relayed as signed webhooks afterwards.
CREATE SEQUENCE outbox_seq;

CREATE TABLE outbox (
  event_id        bigint PRIMARY KEY DEFAULT nextval('outbox_seq'),
  event_type      text NOT NULL,
  order_no        text,
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- A background job runs where it holds the lease; a lease that is not renewed expires, and then
-- another engine instance takes the job over.
CREATE TABLE job_lease (
  job        text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);
