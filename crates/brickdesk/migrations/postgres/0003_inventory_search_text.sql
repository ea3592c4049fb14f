-- Lower-cased (Unicode) set number, name, SKU and location, written by the
-- application with every unit, so search is case-insensitive on both engines
-- (SQLite's lower() folds ASCII only).
ALTER TABLE inventory_items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE inventory_items
   SET search_text = lower(set_number || ' ' || item_name || ' ' || coalesce(sku, '') || ' ' || coalesce(storage_location, ''));
