-- The fee tables hold what a reconciliation run works out from units and
-- Amazon's events, tens of thousands of rows in one statement. PostgreSQL
-- checked their foreign keys one row at a time, a query per key per row;
-- now a run checks each key once for all its rows, taking the same row
-- locks (db::fees::replace_unit_fees), and the deletes the keys acted on
-- are handled per statement below. Ids never change, so updates need no
-- check. Keep in step with ../sqlite/0019_fee_keys_per_run.sql.
ALTER TABLE unit_fee_entries DROP CONSTRAINT unit_fee_entries_inventory_item_id_fkey;
ALTER TABLE unit_fee_entries DROP CONSTRAINT unit_fee_entries_financial_event_id_fkey;
ALTER TABLE unit_fees DROP CONSTRAINT unit_fees_inventory_item_id_fkey;
-- unit_sales rows come from a view that joins the unit, so they cannot
-- name a missing one.
ALTER TABLE unit_sales DROP CONSTRAINT unit_sales_inventory_item_id_fkey;

-- A deleted unit takes its fee rows with it (the keys' ON DELETE CASCADE).
CREATE FUNCTION fee_rows_of_deleted_units() RETURNS trigger AS $$
BEGIN
    DELETE FROM unit_fee_entries WHERE inventory_item_id IN (SELECT id FROM gone);
    DELETE FROM unit_fees WHERE inventory_item_id IN (SELECT id FROM gone);
    DELETE FROM unit_sales WHERE inventory_item_id IN (SELECT id FROM gone);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inventory_items_fee_rows_delete AFTER DELETE ON inventory_items
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION fee_rows_of_deleted_units();

-- An event a unit's entries come from cannot be deleted (ON DELETE RESTRICT).
CREATE FUNCTION financial_events_keep_used() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unit_fee_entries e JOIN gone g ON g.id = e.financial_event_id) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'a deleted financial event still has units'' fee entries';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER financial_events_delete AFTER DELETE ON financial_events
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION financial_events_keep_used();
