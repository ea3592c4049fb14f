-- When each scheduled job kind (order sync, fees) next runs. A process
-- starts a scheduled run only by moving next_at forward while it is due,
-- in one UPDATE, so processes sharing the database run it once.
CREATE TABLE schedules (
    kind        TEXT PRIMARY KEY CHECK (kind IN ('sync', 'backfill', 'fees')),
    next_at     TIMESTAMPTZ NOT NULL,
    claimed_by  TEXT,                 -- process that started the last run
    claimed_at  TIMESTAMPTZ,
    job_id      BIGINT REFERENCES jobs (id) ON DELETE SET NULL,
    failures    BIGINT NOT NULL DEFAULT 0  -- scheduled runs failed in a row
);
