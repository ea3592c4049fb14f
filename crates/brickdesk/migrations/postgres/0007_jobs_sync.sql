-- Jobs: what a runner reports beyond the counters (sync counts, the
-- estimated finish, the backfill mode), shown with the progress.
ALTER TABLE jobs ADD COLUMN detail_json TEXT NOT NULL DEFAULT '{}';
-- The latest job of a kind is read on every progress poll.
CREATE INDEX jobs_kind_latest ON jobs (kind, id);
