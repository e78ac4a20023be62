-- Every status column admits only the statuses its enum and transition table know (issue 12 §2):
-- a typo or an unknown status written by any code, or by hand, is refused by the database.
-- Statuses here must follow the enums: OrderStatus, LegStatus, ChannelOrderStatus, RefundStatus.

ALTER TABLE orders ADD CONSTRAINT orders_status_known CHECK (status IN
  ('OPEN', 'PAID', 'SETTLED', 'COMPLETE', 'REFUNDING', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'EXCEPTION'));

-- BOOKED and RECONCILED legs were never assigned by any code and are gone from LegStatus.
ALTER TABLE leg ADD CONSTRAINT leg_status_known CHECK (status IN ('PLANNED', 'PAID', 'SETTLED', 'REFUNDED'));

-- channel_order.status has had its check since V3 (OPENING, OPEN, PAID, CLOSED).

ALTER TABLE refund ADD CONSTRAINT refund_status_known CHECK (status IN
  ('REQUESTED', 'ACCEPTED', 'UNKNOWN', 'SUCCEEDED', 'FAILED', 'CONFIRMED', 'PAID_BACK'));

-- A refund leg follows its refund: requested, then succeeded or failed at the channel, or confirmed
-- and paid back by the authority.
ALTER TABLE refund_leg ADD CONSTRAINT refund_leg_status_known CHECK (status IN
  ('REQUESTED', 'SUCCEEDED', 'FAILED', 'CONFIRMED', 'PAID_BACK'));
ALTER TABLE refund_leg ADD CONSTRAINT refund_leg_side_known CHECK (side IN ('TREASURY', 'NON_TAX'));

ALTER TABLE duplicate_refund ADD CONSTRAINT duplicate_refund_status_known CHECK (status IN
  ('REQUESTED', 'ACCEPTED', 'UNKNOWN', 'SUCCEEDED', 'FAILED'));

-- recon_run.status, recon_item.resolution_status and api_client.status have had theirs since V11/V14.

-- A webhook delivery's status is the HTTP status, or -1 when no answer came.
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_status_known
  CHECK (status = -1 OR status BETWEEN 100 AND 599);
