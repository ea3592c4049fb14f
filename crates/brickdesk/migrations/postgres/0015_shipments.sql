-- The outbox of shipment confirmations: each package is written here
-- first (with its package number, unique within the order: Amazon's
-- packageReferenceId and the idempotency key), then sent by the ship job.
CREATE TABLE shipments (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id         BIGINT NOT NULL REFERENCES orders (id),
    package_ref      BIGINT NOT NULL CHECK (package_ref > 0),
    carrier_code     TEXT NOT NULL,
    carrier_name     TEXT,
    shipping_method  TEXT,
    tracking_number  TEXT NOT NULL,
    ship_date        TIMESTAMPTZ NOT NULL,
    items_json       TEXT NOT NULL,          -- [{"order_item_id", "quantity"}]
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'refused')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    message          TEXT,                   -- Amazon's words when refused
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    UNIQUE (order_id, package_ref)
);
CREATE INDEX shipments_pending ON shipments (id) WHERE state = 'pending';
