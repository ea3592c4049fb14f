-- Natural-order sort key of storage_location (see domain::location::natural_sort_key),
-- written by the application with every location, so A-2 sorts before A-10.
ALTER TABLE inventory_items ADD COLUMN location_sort TEXT;
CREATE INDEX inventory_location_sort ON inventory_items (location_sort, storage_location, id);
