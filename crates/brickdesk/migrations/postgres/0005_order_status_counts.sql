-- Orders per (platform, ui_status), kept by a trigger in the same transaction
-- as every insert, delete or status change, so the status summary reads a
-- handful of rows instead of counting every order.
CREATE TABLE order_status_counts (
    platform   TEXT NOT NULL,
    ui_status  TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (platform, ui_status)
);
INSERT INTO order_status_counts (platform, ui_status, n)
    SELECT platform, ui_status, COUNT(*) FROM orders GROUP BY platform, ui_status;

CREATE FUNCTION orders_status_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE order_status_counts SET n = n - 1 WHERE platform = OLD.platform AND ui_status = OLD.ui_status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO order_status_counts (platform, ui_status, n) VALUES (NEW.platform, NEW.ui_status, 1)
            ON CONFLICT (platform, ui_status) DO UPDATE SET n = order_status_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER orders_status_count AFTER INSERT OR DELETE OR UPDATE OF platform, platform_status, workflow_status ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_status_count();
