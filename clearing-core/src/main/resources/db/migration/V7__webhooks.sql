-- Webhooks: where each client wants its events, the log of every delivery attempt, and the outbox
-- columns the relay needs to give up after its retry schedule and to restart it on request.

-- One endpoint per client. An event for an order goes to the endpoint of the client that created
-- the order (orders.client_id); an event without an order (a payment for an unknown order) goes to
-- every admin client with an endpoint. Userinfo is refused by the API so no secret sits in a URL.
CREATE TABLE webhook_endpoint (
  client_id  text PRIMARY KEY REFERENCES api_client (client_id),
  url        text NOT NULL CHECK (length(url) <= 2048 AND url ~ '^https?://[^#]+$'),
  enabled    boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per POST: an attempt of an event that goes to several admins has one row per admin.
-- status is the HTTP status, or -1 when no answer came (refused, reset, timed out).
CREATE TABLE webhook_delivery (
  event_id     bigint NOT NULL REFERENCES outbox (event_id),
  attempt      int NOT NULL CHECK (attempt > 0),
  client_id    text NOT NULL,
  url          text NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status       int NOT NULL,
  outcome      text NOT NULL,
  latency_ms   bigint NOT NULL CHECK (latency_ms >= 0),
  PRIMARY KEY (event_id, attempt, client_id)
);

-- gave_up_at: the retry schedule ran out; the event stays for a manual redelivery.
-- schedule_start_attempts: the attempt count when the current retry schedule began (0, or the
-- count at the last manual redelivery), so a redelivered event gets the whole schedule again
-- while its attempt numbers keep counting up.
ALTER TABLE outbox
  ADD COLUMN gave_up_at timestamptz,
  ADD COLUMN schedule_start_attempts int NOT NULL DEFAULT 0;

-- The relay holds back an order's later events until the earlier ones are delivered; this index
-- answers "is there an earlier undelivered event of this order" without scanning the outbox.
CREATE INDEX outbox_undelivered_by_order ON outbox (order_no, event_id) WHERE delivered_at IS NULL;
