-- A number that every change to orders, their lines or their links raises,
-- in the same transaction as the change: a listing built when it had some
-- value is still right while it has that value (the listing cache keys on
-- it, and it holds across processes sharing the database).
CREATE TABLE orders_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO orders_version (id, version) VALUES (1, 0);

CREATE TRIGGER orders_version_orders_insert AFTER INSERT ON orders
BEGIN UPDATE orders_version SET version = version + 1; END;
CREATE TRIGGER orders_version_orders_update AFTER UPDATE ON orders
BEGIN UPDATE orders_version SET version = version + 1; END;
CREATE TRIGGER orders_version_orders_delete AFTER DELETE ON orders
BEGIN UPDATE orders_version SET version = version + 1; END;

CREATE TRIGGER orders_version_items_insert AFTER INSERT ON order_items
BEGIN UPDATE orders_version SET version = version + 1; END;
CREATE TRIGGER orders_version_items_update AFTER UPDATE ON order_items
BEGIN UPDATE orders_version SET version = version + 1; END;
CREATE TRIGGER orders_version_items_delete AFTER DELETE ON order_items
BEGIN UPDATE orders_version SET version = version + 1; END;

CREATE TRIGGER orders_version_links_insert AFTER INSERT ON order_item_links
BEGIN UPDATE orders_version SET version = version + 1; END;
CREATE TRIGGER orders_version_links_update AFTER UPDATE ON order_item_links
BEGIN UPDATE orders_version SET version = version + 1; END;
CREATE TRIGGER orders_version_links_delete AFTER DELETE ON order_item_links
BEGIN UPDATE orders_version SET version = version + 1; END;
