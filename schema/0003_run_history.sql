-- 0003_run_history.sql -- what each run produced, kept when a later run supersedes it;
-- and what kind of input each failure row is about.
--
-- A field keeps only its latest cells (see 0001), so counting `field.run_id` tells which run
-- produced the *current* rows, not what an earlier run did. These counters are written by the
-- writer in the same transaction as the fields they count: a run's row says, exactly and for
-- good, how many fields it stored as done or failed and how many cells, even after every one
-- of them has been re-processed by a later run. A field stored twice by the same run (a file
-- rewritten while watching) counts once, with its latest result.
ALTER TABLE run ADD COLUMN fields_stored INTEGER NOT NULL DEFAULT 0;  -- fields stored as done by this run
ALTER TABLE run ADD COLUMN cells_stored INTEGER NOT NULL DEFAULT 0;   -- cells in those fields
ALTER TABLE run ADD COLUMN fields_failed_stored INTEGER NOT NULL DEFAULT 0;  -- fields stored as failed by this run

-- Live: what the acquisition source is waiting for, written with each progress report (0002):
-- JSON {"count": N, "fields": [{"field": "P1/B03/2", "present": ["1"], "missing": ["2"],
-- "reason": "...", "until": "2026-...Z"}, ...]} (at most 50 fields listed). NULL when nothing waits.
ALTER TABLE run ADD COLUMN waiting TEXT;

-- Runs written before this migration: the live-progress counts of 0002 when the run reported
-- them, else what is still current (superseded output of such runs is not known).
UPDATE run SET
    fields_stored = coalesce(fields_done,
        (SELECT count(*) FROM field f WHERE f.run_id = run.id AND f.status = 'done')),
    cells_stored = coalesce(cells,
        (SELECT coalesce(sum(f.cell_count), 0) FROM field f WHERE f.run_id = run.id AND f.status = 'done')),
    fields_failed_stored = coalesce(fields_failed,
        (SELECT count(*) FROM field f WHERE f.run_id = run.id AND f.status = 'failed'));

ALTER TABLE failure ADD COLUMN kind TEXT NOT NULL DEFAULT 'field'
    CHECK (kind IN ('field', 'duplicate', 'unmatched', 'missing_dna', 'skipped'));
    -- field:       a field could not be processed (unreadable file, sizes differ, ...);
    --              the field row says 'failed'
    -- duplicate:   two files name the same plate, well, site and channel; neither is used
    --              and the field row says 'failed'
    -- unmatched:   an image file whose name no layout places
    -- missing_dna: a field whose DNA image never arrived (no field row)
    -- skipped:     a file that vanished or changed while a one-shot ingest let it settle
UPDATE failure SET kind = 'unmatched' WHERE reason = 'file name matches no layout';
UPDATE failure SET kind = 'duplicate' WHERE reason LIKE 'names the same plate, well, site and channel as %';
UPDATE failure SET kind = 'missing_dna' WHERE reason LIKE 'field % but no DNA image';
UPDATE failure SET kind = 'skipped'
    WHERE reason = 'no such file (deleted after the scan)' OR reason LIKE 'changed while settling%';
