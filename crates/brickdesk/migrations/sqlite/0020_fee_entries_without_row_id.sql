-- Keep in step with ../postgres/0020_fee_entries_without_row_id.sql, where
-- the fee entries' unread identity column goes. Here `id` is the table's
-- rowid, which SQLite keeps in any case, so this migration changes nothing.
SELECT 1;
