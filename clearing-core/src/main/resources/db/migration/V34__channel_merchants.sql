-- The merchant a channel order was opened with (the channel's merchant id from the merchant
-- configuration, or region-<code> for one configured in the database): its callbacks, queries,
-- closes and refunds go to that merchant even after the region's configuration changes. NULL for
-- orders opened before: the channel's default merchant.
ALTER TABLE channel_order ADD COLUMN merchant_id text;
