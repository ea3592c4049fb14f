-- A profit report's figures of each sold unit, kept by triggers. Keep in
-- step with ../postgres/0017_unit_sales.sql.

-- The figures of one Amazon unit sold (or since returned), as
-- `Totals::of_unit` works them out: money counts once the fees are known,
-- cost when known in the currency the unit sold in, profit when both are.
CREATE VIEW unit_sale_figures AS
SELECT
    inventory_item_id, sold_epoch, currency, set_number, item_name,
    CASE WHEN known THEN 0 ELSE 1 END AS units_awaiting_fees,
    CASE WHEN known AND NOT costed THEN 1 ELSE 0 END AS units_without_cost,
    CASE WHEN known AND costed AND net < cost THEN 1 ELSE 0 END AS units_at_loss,
    CASE WHEN known THEN gross ELSE 0 END AS gross_sales,
    CASE WHEN known THEN shipping ELSE 0 END AS shipping_credits,
    CASE WHEN known THEN other ELSE 0 END AS other_charges,
    CASE WHEN known THEN refunds ELSE 0 END AS refunds,
    CASE WHEN known THEN commission ELSE 0 END AS commission,
    CASE WHEN known THEN fulfilment ELSE 0 END AS fulfilment_fees,
    CASE WHEN known THEN closing ELSE 0 END AS closing_fees,
    CASE WHEN known THEN other_fees ELSE 0 END AS other_fees,
    CASE WHEN known THEN net ELSE 0 END AS net_payout,
    CASE WHEN costed THEN cost ELSE 0 END AS cost_of_goods,
    CASE WHEN known AND costed THEN net - cost ELSE 0 END AS profit,
    CASE WHEN known AND costed THEN gross + shipping + other + refunds ELSE 0 END AS profit_revenue,
    days_in_stock
FROM (
    SELECT
        i.id AS inventory_item_id,
        unixepoch(i.sold_at) AS sold_epoch,
        COALESCE(f.currency, i.currency) AS currency,
        i.set_number,
        i.item_name,
        COALESCE(f.state IN ('reconciled', 'zero'), FALSE) AS known,
        i.cost_minor IS NOT NULL AND i.currency = COALESCE(f.currency, i.currency) AS costed,
        i.cost_minor AS cost,
        f.gross_minor - f.refunded_principal_minor AS gross,
        f.shipping_credit_minor - f.refunded_shipping_minor AS shipping,
        f.other_charges_minor - f.refunded_other_charges_minor AS other,
        f.refunded_principal_minor + f.refunded_shipping_minor + f.refunded_other_charges_minor AS refunds,
        f.commission_minor AS commission,
        f.fulfilment_fees_minor AS fulfilment,
        f.closing_fees_minor AS closing,
        f.refund_commission_minor + f.digital_services_fees_minor + f.other_fees_minor AS other_fees,
        f.net_minor AS net,
        -- Whole UTC days from purchase (or entry) to sale, never negative.
        MAX(0, CAST(julianday(substr(i.sold_at, 1, 10))
            - julianday(COALESCE(i.purchase_date, substr(i.created_at, 1, 10))) AS INTEGER)) AS days_in_stock
    FROM inventory_items i
    LEFT JOIN unit_fees f ON f.inventory_item_id = i.id
    WHERE i.sold_at IS NOT NULL AND i.sold_platform = 'amazon' AND i.status IN ('SOLD', 'RETURNED')
) u;

-- The view's rows, stored: a report sums a range of them in the order
-- they sold, so the table is kept in that order.
CREATE TABLE unit_sales (
    inventory_item_id    INTEGER NOT NULL UNIQUE REFERENCES inventory_items (id) ON DELETE CASCADE,
    sold_epoch           INTEGER NOT NULL,
    currency             TEXT NOT NULL,
    set_number           TEXT NOT NULL,
    item_name            TEXT NOT NULL,
    units_awaiting_fees  INTEGER NOT NULL,
    units_without_cost   INTEGER NOT NULL,
    units_at_loss        INTEGER NOT NULL,
    gross_sales          INTEGER NOT NULL,
    shipping_credits     INTEGER NOT NULL,
    other_charges        INTEGER NOT NULL,
    refunds              INTEGER NOT NULL,
    commission           INTEGER NOT NULL,
    fulfilment_fees      INTEGER NOT NULL,
    closing_fees         INTEGER NOT NULL,
    other_fees           INTEGER NOT NULL,
    net_payout           INTEGER NOT NULL,
    cost_of_goods        INTEGER NOT NULL,
    profit               INTEGER NOT NULL,
    profit_revenue       INTEGER NOT NULL,
    days_in_stock        INTEGER NOT NULL,
    PRIMARY KEY (sold_epoch, inventory_item_id)
) WITHOUT ROWID;
INSERT INTO unit_sales SELECT * FROM unit_sale_figures;

CREATE TRIGGER unit_sales_item_insert AFTER INSERT ON inventory_items
    WHEN NEW.sold_at IS NOT NULL
BEGIN
    INSERT INTO unit_sales SELECT * FROM unit_sale_figures WHERE inventory_item_id = NEW.id;
END;

CREATE TRIGGER unit_sales_item_update AFTER UPDATE OF
    status, sold_platform, sold_at, currency, cost_minor, purchase_date, created_at, set_number, item_name
    ON inventory_items
    WHEN OLD.sold_at IS NOT NULL OR NEW.sold_at IS NOT NULL
BEGIN
    DELETE FROM unit_sales WHERE inventory_item_id = NEW.id;
    INSERT INTO unit_sales SELECT * FROM unit_sale_figures WHERE inventory_item_id = NEW.id;
END;

CREATE TRIGGER unit_sales_fees_insert AFTER INSERT ON unit_fees
BEGIN
    DELETE FROM unit_sales WHERE inventory_item_id = NEW.inventory_item_id;
    INSERT INTO unit_sales SELECT * FROM unit_sale_figures WHERE inventory_item_id = NEW.inventory_item_id;
END;

CREATE TRIGGER unit_sales_fees_update AFTER UPDATE ON unit_fees
BEGIN
    DELETE FROM unit_sales WHERE inventory_item_id = NEW.inventory_item_id;
    INSERT INTO unit_sales SELECT * FROM unit_sale_figures WHERE inventory_item_id = NEW.inventory_item_id;
END;

CREATE TRIGGER unit_sales_fees_delete AFTER DELETE ON unit_fees
BEGIN
    DELETE FROM unit_sales WHERE inventory_item_id = OLD.inventory_item_id;
    INSERT INTO unit_sales SELECT * FROM unit_sale_figures WHERE inventory_item_id = OLD.inventory_item_id;
END;

-- The report and its export find sold units in unit_sales now.
DROP INDEX inventory_sold;
