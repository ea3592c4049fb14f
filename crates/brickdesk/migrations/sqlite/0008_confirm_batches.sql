-- Confirm Orders Processed: every confirmation request is a batch; each
-- confirmed order and each unit it sold keep the values from before, so
-- the batch can be reviewed and undone.

CREATE TABLE confirmation_batches (
    id                INTEGER PRIMARY KEY,
    created_at        TEXT NOT NULL,
    user_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    archive_location  TEXT NOT NULL,
    undone_at         TEXT,
    undone_by         INTEGER REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE confirmation_orders (
    id                        INTEGER PRIMARY KEY,
    batch_id                  INTEGER NOT NULL REFERENCES confirmation_batches (id) ON DELETE CASCADE,
    order_id                  INTEGER NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    previous_workflow_status  TEXT,
    previous_updated_at       TEXT NOT NULL,
    confirmed_at              TEXT NOT NULL
);
CREATE INDEX confirmation_orders_batch ON confirmation_orders (batch_id);

CREATE TABLE confirmation_units (
    id                         INTEGER PRIMARY KEY,
    batch_id                   INTEGER NOT NULL REFERENCES confirmation_batches (id) ON DELETE CASCADE,
    order_id                   INTEGER NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    order_item_id              INTEGER NOT NULL REFERENCES order_items (id) ON DELETE RESTRICT,
    unit_index                 INTEGER NOT NULL,
    inventory_item_id          INTEGER NOT NULL REFERENCES inventory_items (id) ON DELETE RESTRICT,
    -- Whether the confirmation wrote the link (undo removes only those).
    link_created               INTEGER NOT NULL,
    previous_status            TEXT NOT NULL,
    previous_location          TEXT,
    previous_location_sort     TEXT,
    previous_search_text       TEXT NOT NULL,
    previous_sold_at           TEXT,
    previous_sold_price_minor  INTEGER,
    previous_sold_order_ref    TEXT,
    previous_sold_platform     TEXT,
    previous_updated_at        TEXT NOT NULL,
    -- The unit's updated_at as the confirmation left it: a later change
    -- (an edit, a return, fee data) blocks the undo.
    confirmed_updated_at       TEXT NOT NULL
);
CREATE INDEX confirmation_units_batch ON confirmation_units (batch_id);
CREATE INDEX confirmation_units_item ON confirmation_units (inventory_item_id);
