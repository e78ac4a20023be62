-- Who the engine named as paid when it opened each channel order (merchant, app, sub-merchant,
-- split receivers, in the channel-neutral form of PayeeIdentity.toJson). A notification, query
-- answer or healed bill payment is booked only if it names this payee: a payment genuinely
-- signed by the channel but made to another merchant is somebody else's money.
-- Orders opened before this column existed have none; their notifications are still checked
-- against the channel account's own merchant and app by the adapters.
ALTER TABLE channel_order ADD COLUMN payee jsonb;
