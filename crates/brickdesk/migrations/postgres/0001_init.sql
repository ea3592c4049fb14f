-- Brickdesk schema, PostgreSQL flavour. Keep in step with ../sqlite/0001_init.sql.
-- Timestamps are TIMESTAMPTZ (UTC); money is integer
-- minor units with an ISO currency code beside it.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'staff')),
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,            -- hash of the cookie value
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE orders (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform           TEXT NOT NULL CHECK (platform IN ('amazon', 'ebay', 'bricqer')),
    platform_order_id  TEXT NOT NULL,
    order_date         TIMESTAMPTZ,
    last_updated_at    TIMESTAMPTZ,
    buyer_name         TEXT,
    buyer_email        TEXT,
    platform_status    TEXT NOT NULL,
    workflow_status    TEXT CHECK (workflow_status IN ('Completed')),
    -- Derived from the two statuses above by the rule in domain::status;
    -- never written by the application.
    ui_status          TEXT GENERATED ALWAYS AS (
        CASE
            WHEN workflow_status = 'Completed' THEN 'Completed'
            WHEN platform_status IN ('Unshipped', 'PartiallyShipped', 'Paid') THEN 'Paid'
            WHEN platform_status = 'Shipped' THEN 'Shipped'
            WHEN platform_status IN ('Canceled', 'Unfulfillable', 'Cancelled') THEN 'Cancelled'
            WHEN platform_status = 'Completed' THEN 'Completed'
            ELSE 'Pending'
        END
    ) STORED,
    total_minor        BIGINT,
    currency           TEXT,
    fulfillment_channel TEXT,
    marketplace_id     TEXT,
    notes              TEXT,
    items_fetched_at   TIMESTAMPTZ,                  -- NULL: lines never fetched
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (platform, platform_order_id)
);
CREATE INDEX orders_platform_ui_status_date ON orders (platform, ui_status, order_date DESC, id DESC);
CREATE INDEX orders_platform_date ON orders (platform, order_date DESC, id DESC);
CREATE INDEX orders_missing_items ON orders (platform, order_date) WHERE items_fetched_at IS NULL;

CREATE TABLE order_items (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    platform_item_id  TEXT NOT NULL,           -- Amazon OrderItemId
    asin              TEXT,
    sku               TEXT,
    title             TEXT,
    quantity          BIGINT NOT NULL CHECK (quantity >= 0),
    unit_price_minor  BIGINT,
    line_price_minor  BIGINT,
    currency          TEXT,
    condition         TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (order_id, platform_item_id)
);
CREATE INDEX order_items_asin ON order_items (asin);
CREATE INDEX order_items_sku ON order_items (sku);

CREATE TABLE inventory_items (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    set_number           TEXT NOT NULL,
    item_name            TEXT NOT NULL,
    condition            TEXT NOT NULL CHECK (condition IN ('New', 'Used')),
    status               TEXT NOT NULL CHECK (status IN ('NOT YET RECEIVED', 'BACKLOG', 'LISTED', 'SOLD', 'RETURNED')),
    storage_location     TEXT,
    cost_minor           BIGINT,
    listing_price_minor  BIGINT,
    currency             TEXT NOT NULL DEFAULT 'GBP',
    sku                  TEXT UNIQUE,
    external_id          TEXT UNIQUE,
    purchase_date        DATE,
    notes                TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    sold_at              TIMESTAMPTZ,
    sold_price_minor     BIGINT,
    sold_order_ref       TEXT,
    sold_platform        TEXT
);
CREATE INDEX inventory_fifo ON inventory_items (set_number, condition, status, created_at, id);
CREATE INDEX inventory_location ON inventory_items (storage_location);

CREATE TABLE amazon_asin_mappings (
    asin        TEXT PRIMARY KEY,
    set_number  TEXT NOT NULL,
    condition   TEXT NOT NULL CHECK (condition IN ('New', 'Used')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- One row per linked unit: a line of quantity 3 needs 3 rows.
CREATE TABLE order_item_links (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_item_id      BIGINT NOT NULL REFERENCES order_items (id) ON DELETE RESTRICT,
    unit_index         BIGINT NOT NULL CHECK (unit_index >= 0),
    inventory_item_id  BIGINT NOT NULL UNIQUE REFERENCES inventory_items (id) ON DELETE RESTRICT,
    link_method        TEXT NOT NULL CHECK (link_method IN ('asin_matcher', 'confirm', 'manual')),
    linked_at          TIMESTAMPTZ NOT NULL,
    linked_by          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (order_item_id, unit_index)
);

CREATE TABLE financial_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key        TEXT NOT NULL UNIQUE,     -- built from Amazon's own identifiers
    source           TEXT NOT NULL CHECK (source IN ('finances_v0', 'finances_2024_06_19')),
    event_type       TEXT NOT NULL,
    amazon_order_id  TEXT,
    order_item_id    TEXT,
    sku              TEXT,
    posted_at        TIMESTAMPTZ,
    raw_json         JSONB NOT NULL,
    fetched_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX financial_events_order ON financial_events (amazon_order_id, order_item_id);

CREATE TABLE jobs (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('queued', 'running', 'rate_limited', 'stopping', 'stopped', 'done', 'failed', 'interrupted')),
    total               BIGINT NOT NULL DEFAULT 0,
    processed           BIGINT NOT NULL DEFAULT 0,
    success             BIGINT NOT NULL DEFAULT 0,
    failed              BIGINT NOT NULL DEFAULT 0,
    current_order_id    TEXT,
    errors_json         TEXT NOT NULL DEFAULT '[]',
    cursor              TEXT,
    params_json         TEXT NOT NULL DEFAULT '{}',
    owner               TEXT,                  -- process that holds the job
    rate_limited_until  TIMESTAMPTZ,
    started_at          TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    heartbeat_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL
);
-- One live job per kind, enforced by the database.
CREATE UNIQUE INDEX jobs_one_live_per_kind ON jobs (kind)
    WHERE state IN ('queued', 'running', 'rate_limited', 'stopping');

CREATE TABLE sync_cursors (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT,
    details_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id, at);
