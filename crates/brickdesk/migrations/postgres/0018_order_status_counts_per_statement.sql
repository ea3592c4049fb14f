-- The status counts of 0005, kept per statement instead of per row. Keep in
-- step with ../sqlite/0018_order_status_counts_per_statement.sql.
--
-- A row trigger raises the same counter once per order, and each raise in
-- one transaction leaves a row version that the next raise must step over:
-- a statement writing n orders cost n² steps. These triggers add up each
-- statement's changed rows (its transition tables) and write each counter
-- once, in (platform, ui_status) order so concurrent writers lock the
-- counters in the same order.
DROP TRIGGER orders_status_count ON orders;
DROP FUNCTION orders_status_count();

CREATE FUNCTION orders_status_count_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO order_status_counts (platform, ui_status, n)
        SELECT platform, ui_status, COUNT(*) FROM added
        GROUP BY platform, ui_status ORDER BY platform, ui_status
        ON CONFLICT (platform, ui_status) DO UPDATE SET n = order_status_counts.n + excluded.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION orders_status_count_remove() RETURNS trigger AS $$
BEGIN
    UPDATE order_status_counts c SET n = c.n - removed_counts.n
        FROM (SELECT platform, ui_status, COUNT(*) AS n FROM removed GROUP BY platform, ui_status) AS removed_counts
        WHERE c.platform = removed_counts.platform AND c.ui_status = removed_counts.ui_status;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION orders_status_count_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO order_status_counts (platform, ui_status, n)
        SELECT platform, ui_status, SUM(d) FROM (
            SELECT platform, ui_status, -1 AS d FROM removed
            UNION ALL
            SELECT platform, ui_status, 1 AS d FROM added
        ) AS changes
        GROUP BY platform, ui_status HAVING SUM(d) <> 0 ORDER BY platform, ui_status
        ON CONFLICT (platform, ui_status) DO UPDATE SET n = order_status_counts.n + excluded.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER orders_status_count_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION orders_status_count_add();
CREATE TRIGGER orders_status_count_delete AFTER DELETE ON orders
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION orders_status_count_remove();
-- Transition tables rule out a column list (UPDATE OF …): the trigger runs
-- for every update and writes only where a status moved.
CREATE TRIGGER orders_status_count_update AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION orders_status_count_change();

-- Counted afresh, so the new triggers start from exact numbers.
DELETE FROM order_status_counts;
INSERT INTO order_status_counts (platform, ui_status, n)
    SELECT platform, ui_status, COUNT(*) FROM orders GROUP BY platform, ui_status;
