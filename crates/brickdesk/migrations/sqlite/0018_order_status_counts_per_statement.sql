-- Keep in step with ../postgres/0018_order_status_counts_per_statement.sql,
-- where the status counts' triggers now run per statement. SQLite updates
-- a counter in place, so its row triggers of 0005 stay; the counts are
-- taken afresh on both engines so they start from the same numbers.
DELETE FROM order_status_counts;
INSERT INTO order_status_counts (platform, ui_status, n)
    SELECT platform, ui_status, COUNT(*) FROM orders GROUP BY platform, ui_status;
