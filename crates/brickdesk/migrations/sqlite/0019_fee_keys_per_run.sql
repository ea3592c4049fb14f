-- Keep in step with ../postgres/0019_fee_keys_per_run.sql, where the fee
-- tables' foreign keys give way to one check per reconciliation run.
-- SQLite checks a key inside its own process at little cost, so its keys
-- stay and this migration changes nothing.
SELECT 1;
