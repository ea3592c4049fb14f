-- A trigram index over orders.search_text, so a search for an order id,
-- ASIN, SKU or title word finds its few orders without reading every row
-- (db::orders::list plans searches with it). External content: the text
-- stays in orders, the triggers keep the index in step in the same
-- transaction as every write.
CREATE VIRTUAL TABLE orders_search USING fts5(
    search_text,
    content = 'orders',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO orders_search (orders_search) VALUES ('rebuild');

CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN
    INSERT INTO orders_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders
    WHEN old.search_text IS NOT new.search_text
BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO orders_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
