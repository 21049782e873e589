-- run_history: every processing session with its settings hash, duration, and the fields and
-- failures it produced (fields count those whose current cells it wrote).
--
-- Parameters: none
SELECT r.id AS run, r.started_at, r.finished_at,
       CASE WHEN r.finished_at IS NULL THEN 'unfinished' ELSE 'finished' END AS state,
       r.version, r.parameters_hash,
       (SELECT count(*) FROM field f WHERE f.run_id = r.id) AS fields,
       (SELECT coalesce(sum(f.cell_count), 0) FROM field f WHERE f.run_id = r.id) AS cells,
       (SELECT count(*) FROM failure x WHERE x.run_id = r.id) AS failures
FROM run r
ORDER BY r.id;
