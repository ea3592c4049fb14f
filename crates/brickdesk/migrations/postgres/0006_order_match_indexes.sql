-- Orders with unmatched or no-ASIN lines, newest first: the Match filter's
-- pages and its (capped) count read only these rows. The list query writes
-- the same literal conditions so the planner can use the partial indexes.
CREATE INDEX orders_with_unmatched ON orders (platform, order_date DESC, id DESC) WHERE lines_unmatched > 0;
CREATE INDEX orders_with_no_asin ON orders (platform, order_date DESC, id DESC) WHERE lines_no_asin > 0;
