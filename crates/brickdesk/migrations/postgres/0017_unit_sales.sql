-- A profit report's figures of each sold unit, kept by triggers. Keep in
-- step with ../sqlite/0017_unit_sales.sql.

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
        floor(extract(epoch FROM i.sold_at))::bigint AS sold_epoch,
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
        GREATEST(0, (i.sold_at AT TIME ZONE 'UTC')::date
            - COALESCE(i.purchase_date, (i.created_at AT TIME ZONE 'UTC')::date)) AS days_in_stock
    FROM inventory_items i
    LEFT JOIN unit_fees f ON f.inventory_item_id = i.id
    WHERE i.sold_at IS NOT NULL AND i.sold_platform = 'amazon' AND i.status IN ('SOLD', 'RETURNED')
) u;

-- The view's rows, stored: a report sums a range of them by the moment
-- they sold.
CREATE TABLE unit_sales (
    inventory_item_id    BIGINT PRIMARY KEY REFERENCES inventory_items (id) ON DELETE CASCADE,
    sold_epoch           BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    set_number           TEXT NOT NULL,
    item_name            TEXT NOT NULL,
    units_awaiting_fees  BIGINT NOT NULL,
    units_without_cost   BIGINT NOT NULL,
    units_at_loss        BIGINT NOT NULL,
    gross_sales          BIGINT NOT NULL,
    shipping_credits     BIGINT NOT NULL,
    other_charges        BIGINT NOT NULL,
    refunds              BIGINT NOT NULL,
    commission           BIGINT NOT NULL,
    fulfilment_fees      BIGINT NOT NULL,
    closing_fees         BIGINT NOT NULL,
    other_fees           BIGINT NOT NULL,
    net_payout           BIGINT NOT NULL,
    cost_of_goods        BIGINT NOT NULL,
    profit               BIGINT NOT NULL,
    profit_revenue       BIGINT NOT NULL,
    days_in_stock        BIGINT NOT NULL
);
CREATE INDEX unit_sales_sold ON unit_sales (sold_epoch);
INSERT INTO unit_sales SELECT * FROM unit_sale_figures;

-- A unit's row is written again whenever the unit changes. Row triggers
-- run at every unit sold, so this function carries no settings of its own
-- (switching them is paid at every call).
CREATE FUNCTION unit_sales_item_changed() RETURNS trigger AS $$
BEGIN
    DELETE FROM unit_sales WHERE inventory_item_id = NEW.id;
    INSERT INTO unit_sales SELECT * FROM unit_sale_figures WHERE inventory_item_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Row triggers on units, as on SQLite: their conditions skip units never
-- sold at no cost, and a column list skips changes the report ignores.
CREATE TRIGGER unit_sales_item_insert AFTER INSERT ON inventory_items
    FOR EACH ROW WHEN (NEW.sold_at IS NOT NULL) EXECUTE FUNCTION unit_sales_item_changed();

CREATE TRIGGER unit_sales_item_update AFTER UPDATE OF
    status, sold_platform, sold_at, currency, cost_minor, purchase_date, created_at, set_number, item_name
    ON inventory_items
    FOR EACH ROW WHEN (OLD.sold_at IS NOT NULL OR NEW.sold_at IS NOT NULL)
    EXECUTE FUNCTION unit_sales_item_changed();

-- Statement triggers on fees: a reconciliation run writes thousands of
-- units in one statement, and they are refreshed in one pass.
CREATE FUNCTION unit_sales_fees_changed() RETURNS trigger AS $$
BEGIN
    DELETE FROM unit_sales WHERE inventory_item_id IN (SELECT inventory_item_id FROM changed);
    INSERT INTO unit_sales
        SELECT * FROM unit_sale_figures WHERE inventory_item_id IN (SELECT inventory_item_id FROM changed);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
-- Units are found by their keys, however few a statement changed.
SET enable_seqscan = off;

CREATE TRIGGER unit_sales_fees_insert AFTER INSERT ON unit_fees REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION unit_sales_fees_changed();
CREATE TRIGGER unit_sales_fees_update AFTER UPDATE ON unit_fees REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION unit_sales_fees_changed();
CREATE TRIGGER unit_sales_fees_delete AFTER DELETE ON unit_fees REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION unit_sales_fees_changed();

-- The report and its export find sold units in unit_sales now.
DROP INDEX inventory_sold;
