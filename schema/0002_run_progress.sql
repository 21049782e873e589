-- 0002_run_progress.sql -- live progress of a processing session, for `cellar status`.
--
-- The ingester updates these columns of its `run` row every few seconds while it runs
-- (after the run's first commit). heartbeat_at older than a minute with finished_at NULL
-- means the process died or was killed; `cellar status` also checks the writer lock.
ALTER TABLE run ADD COLUMN root TEXT;               -- acquisition folder being ingested
ALTER TABLE run ADD COLUMN heartbeat_at TEXT;       -- last progress report (ISO 8601 UTC)
ALTER TABLE run ADD COLUMN fields_seen INTEGER;     -- fields found complete in the folder so far
ALTER TABLE run ADD COLUMN fields_done INTEGER;     -- stored with cells by this run
ALTER TABLE run ADD COLUMN fields_skipped INTEGER;  -- unchanged since an earlier run
ALTER TABLE run ADD COLUMN fields_failed INTEGER;   -- recorded as failed by this run
ALTER TABLE run ADD COLUMN fields_pending INTEGER;  -- found but not yet stored or failed
ALTER TABLE run ADD COLUMN cells INTEGER;           -- cells stored by this run
ALTER TABLE run ADD COLUMN fields_per_second REAL;  -- throughput since the run's first field
