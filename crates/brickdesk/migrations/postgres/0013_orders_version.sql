-- A number that every change to orders, their lines or their links raises,
-- in the same transaction as the change: a listing built when it had some
-- value is still right while it has that value (the listing cache keys on
-- it, and it holds across processes sharing the database).
CREATE TABLE orders_version (
    id      SMALLINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO orders_version (id, version) VALUES (1, 0);

-- Raised once per transaction, at commit (the triggers are deferred): the
-- row lock is taken after every other lock of the transaction, so writers
-- queue on it briefly but never deadlock on it.
CREATE FUNCTION orders_version_bump() RETURNS trigger AS $$
BEGIN
    IF current_setting('brickdesk.orders_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('brickdesk.orders_version_bumped', 'yes', true);
        UPDATE orders_version SET version = version + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER orders_version_orders AFTER INSERT OR UPDATE OR DELETE ON orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orders_version_bump();
CREATE CONSTRAINT TRIGGER orders_version_items AFTER INSERT OR UPDATE OR DELETE ON order_items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orders_version_bump();
CREATE CONSTRAINT TRIGGER orders_version_links AFTER INSERT OR UPDATE OR DELETE ON order_item_links
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orders_version_bump();
