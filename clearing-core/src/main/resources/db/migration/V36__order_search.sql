-- The operator console finds orders by case number (what a person on the telephone has in hand)
-- and lists them newest first within a range of days; without these each search read every order.
CREATE INDEX orders_case_no ON orders (case_no);
CREATE INDEX orders_created_at ON orders (created_at);
