-- Orders per (platform, ui_status), kept by triggers in the same transaction
-- as every insert, delete or status change, so the status summary reads a
-- handful of rows instead of counting every order.
CREATE TABLE order_status_counts (
    platform   TEXT NOT NULL,
    ui_status  TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (platform, ui_status)
);
INSERT INTO order_status_counts (platform, ui_status, n)
    SELECT platform, ui_status, COUNT(*) FROM orders GROUP BY platform, ui_status;

CREATE TRIGGER orders_status_count_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO order_status_counts (platform, ui_status, n) VALUES (NEW.platform, NEW.ui_status, 1)
        ON CONFLICT (platform, ui_status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER orders_status_count_delete AFTER DELETE ON orders
BEGIN
    UPDATE order_status_counts SET n = n - 1 WHERE platform = OLD.platform AND ui_status = OLD.ui_status;
END;

CREATE TRIGGER orders_status_count_update AFTER UPDATE OF platform, platform_status, workflow_status ON orders
    WHEN OLD.ui_status IS NOT NEW.ui_status OR OLD.platform IS NOT NEW.platform
BEGIN
    UPDATE order_status_counts SET n = n - 1 WHERE platform = OLD.platform AND ui_status = OLD.ui_status;
    INSERT INTO order_status_counts (platform, ui_status, n) VALUES (NEW.platform, NEW.ui_status, 1)
        ON CONFLICT (platform, ui_status) DO UPDATE SET n = n + 1;
END;
