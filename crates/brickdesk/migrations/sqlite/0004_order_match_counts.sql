-- Per-order line counts by match status, and the lower-cased text order
-- search matches (order id, ASINs, SKUs, titles). Both are recomputed in
-- the same transaction as every write to lines, ASIN mappings or links
-- (db::orders::refresh_match_counts), so badges, the Match filter, counts
-- and pagination read the same numbers.
ALTER TABLE orders ADD COLUMN lines_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN lines_unmatched INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN lines_no_asin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN lines_linked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX order_item_links_item ON order_item_links (order_item_id);
