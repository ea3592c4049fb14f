-- Each line's match status and link count, stored. Keep in step with
-- ../sqlite/0012_order_item_match_status.sql.
--
-- Written in the same transaction as every write that can change them
-- (links, ASIN mappings, lines: db::orders::refresh_match_counts and
-- db::links::insert_many), so a listing reads two columns per line
-- instead of three subqueries, and the per-order counts are recounted
-- from these columns.
ALTER TABLE order_items ADD COLUMN link_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_items ADD COLUMN match_status TEXT NOT NULL DEFAULT 'unmatched';

UPDATE order_items SET
    link_count = (SELECT COUNT(*) FROM order_item_links l WHERE l.order_item_id = order_items.id),
    match_status = CASE
        WHEN order_items.quantity > 0
            AND (SELECT COUNT(*) FROM order_item_links l WHERE l.order_item_id = order_items.id) >= order_items.quantity
            THEN 'linked'
        WHEN order_items.asin IS NULL OR TRIM(order_items.asin) = '' THEN 'no_asin'
        WHEN EXISTS (SELECT 1 FROM amazon_asin_mappings m WHERE m.asin = order_items.asin) THEN 'matched'
        ELSE 'unmatched' END;
