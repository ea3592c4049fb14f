-- Amazon fees reconciled onto sold units. Keep in step with ../postgres/0009_unit_fees.sql.

-- Which line of a stored v0 event a row is (refunds: Amazon's adjustment
-- line id), so a row's share of its raw event can be found again.
ALTER TABLE financial_events ADD COLUMN order_adjustment_item_id TEXT;

-- A unit's current money from Amazon, summed from its entries below.
-- No row: no fee data yet. Amounts keep Amazon's sign (fees negative).
CREATE TABLE unit_fees (
    inventory_item_id            INTEGER PRIMARY KEY REFERENCES inventory_items (id) ON DELETE CASCADE,
    state                        TEXT NOT NULL CHECK (state IN ('not_posted', 'reconciled', 'zero')),
    currency                     TEXT NOT NULL,
    gross_minor                  INTEGER NOT NULL,
    shipping_credit_minor        INTEGER NOT NULL,
    other_charges_minor          INTEGER NOT NULL,
    commission_minor             INTEGER NOT NULL,
    refund_commission_minor      INTEGER NOT NULL,
    fulfilment_fees_minor        INTEGER NOT NULL,
    closing_fees_minor           INTEGER NOT NULL,
    digital_services_fees_minor  INTEGER NOT NULL,
    other_fees_minor             INTEGER NOT NULL,
    total_fees_minor             INTEGER NOT NULL,
    net_minor                    INTEGER NOT NULL,
    reconciled_at                TEXT NOT NULL
);
CREATE INDEX unit_fees_state ON unit_fees (state);

-- The unit's share of each amount of each event (sale, refund, …): its
-- history, and what the totals above are the sum of.
CREATE TABLE unit_fee_entries (
    id                  INTEGER PRIMARY KEY,
    inventory_item_id   INTEGER NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    financial_event_id  INTEGER NOT NULL REFERENCES financial_events (id) ON DELETE RESTRICT,
    category            TEXT NOT NULL,
    amount_type         TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL,
    UNIQUE (inventory_item_id, financial_event_id, category, amount_type)
);
CREATE INDEX unit_fee_entries_event ON unit_fee_entries (financial_event_id);
