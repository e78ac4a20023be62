-- Receipts: the tax authority's confirmation of a tax line (its certificate number) and the finance
-- bureau's e-bill number for a non-tax line. Settlement: when a leg's money reached its account.

ALTER TABLE order_line
  ADD COLUMN confirmation_no text,
  ADD COLUMN confirmed_by    text,
  ADD COLUMN confirmed_at    timestamptz;

CREATE INDEX orders_paid_at ON orders (paid_at) WHERE paid_at IS NOT NULL;

ALTER TABLE leg
  ADD COLUMN settled_at        timestamptz,
  ADD COLUMN settlement_ref    text;
