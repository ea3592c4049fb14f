-- What the profit report reads. Keep in step with ../postgres/0016_profit_report.sql.

-- The part of a unit's charges that refund events took back (refunds,
-- guarantee claims, chargebacks), per charge category: the report shows
-- sales as sold and refunds apart; the columns of 0009 stay net sums.
ALTER TABLE unit_fees ADD COLUMN refunded_principal_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unit_fees ADD COLUMN refunded_shipping_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unit_fees ADD COLUMN refunded_other_charges_minor INTEGER NOT NULL DEFAULT 0;

UPDATE unit_fees SET
    refunded_principal_minor = COALESCE((
        SELECT SUM(e.amount_minor) FROM unit_fee_entries e
        JOIN financial_events f ON f.id = e.financial_event_id
        WHERE e.inventory_item_id = unit_fees.inventory_item_id
          AND f.event_type <> 'Shipment' AND e.category = 'principal'), 0),
    refunded_shipping_minor = COALESCE((
        SELECT SUM(e.amount_minor) FROM unit_fee_entries e
        JOIN financial_events f ON f.id = e.financial_event_id
        WHERE e.inventory_item_id = unit_fees.inventory_item_id
          AND f.event_type <> 'Shipment' AND e.category = 'shipping'), 0),
    refunded_other_charges_minor = COALESCE((
        SELECT SUM(e.amount_minor) FROM unit_fee_entries e
        JOIN financial_events f ON f.id = e.financial_event_id
        WHERE e.inventory_item_id = unit_fees.inventory_item_id
          AND f.event_type <> 'Shipment' AND e.category = 'other_charge'), 0);

-- Sold units by the moment they sold: the report's range. It holds every
-- column the report reads of a unit, so the report never reads the rows.
CREATE INDEX inventory_sold ON inventory_items
    (sold_at, sold_platform, status, currency, cost_minor, purchase_date, created_at, set_number, item_name)
    WHERE sold_at IS NOT NULL;
