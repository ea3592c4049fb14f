-- A unit's fee entries are keyed by (unit, event, category, amount type),
-- the UNIQUE constraint every write goes through; the identity column
-- beside it was never read, yet each of a run's tens of thousands of
-- inserted entries kept its index up to date. Keep in step with
-- ../sqlite/0020_fee_entries_without_row_id.sql.
ALTER TABLE unit_fee_entries DROP COLUMN id;
