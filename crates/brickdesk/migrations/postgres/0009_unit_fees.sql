-- Amazon fees reconciled onto sold units. Keep in step with ../sqlite/0009_unit_fees.sql.

-- Which line of a stored v0 event a row is (refunds: Amazon's adjustment
-- line id), so a row's share of its raw event can be found again.
ALTER TABLE financial_events ADD COLUMN order_adjustment_item_id TEXT;

-- A unit's current money from Amazon, summed from its entries below.
-- No row: no fee data yet. Amounts keep Amazon's sign (fees negative).
CREATE TABLE unit_fees (
    inventory_item_id            BIGINT PRIMARY KEY REFERENCES inventory_items (id) ON DELETE CASCADE,
    state                        TEXT NOT NULL CHECK (state IN ('not_posted', 'reconciled', 'zero')),
    currency                     TEXT NOT NULL,
    gross_minor                  BIGINT NOT NULL,
    shipping_credit_minor        BIGINT NOT NULL,
    other_charges_minor          BIGINT NOT NULL,
    commission_minor             BIGINT NOT NULL,
    refund_commission_minor      BIGINT NOT NULL,
    fulfilment_fees_minor        BIGINT NOT NULL,
    closing_fees_minor           BIGINT NOT NULL,
    digital_services_fees_minor  BIGINT NOT NULL,
    other_fees_minor             BIGINT NOT NULL,
    total_fees_minor             BIGINT NOT NULL,
    net_minor                    BIGINT NOT NULL,
    reconciled_at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX unit_fees_state ON unit_fees (state);

-- The unit's share of each amount of each event (sale, refund, …): its
-- history, and what the totals above are the sum of.
CREATE TABLE unit_fee_entries (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inventory_item_id   BIGINT NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    financial_event_id  BIGINT NOT NULL REFERENCES financial_events (id) ON DELETE RESTRICT,
    category            TEXT NOT NULL,
    amount_type         TEXT NOT NULL,
    amount_minor        BIGINT NOT NULL,
    UNIQUE (inventory_item_id, financial_event_id, category, amount_type)
);
CREATE INDEX unit_fee_entries_event ON unit_fee_entries (financial_event_id);
