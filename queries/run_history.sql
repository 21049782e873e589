-- run_history: every processing session with its settings hash, duration, what it stored
-- (fields done and failed, cells, kept after later runs re-process those fields), how many
-- fields still hold its results, and the failures it recorded by kind.
--
-- Parameters: none
SELECT r.id AS run, r.started_at, r.finished_at,
       CASE WHEN r.finished_at IS NULL THEN 'unfinished' ELSE 'finished' END AS state,
       r.version, r.parameters_hash,
       r.fields_stored AS fields,
       r.fields_failed_stored AS failed_fields,
       r.cells_stored AS cells,
       (SELECT count(*) FROM field f WHERE f.run_id = r.id) AS current_fields,
       (SELECT count(*) FROM failure x WHERE x.run_id = r.id AND x.kind = 'field') AS field_failures,
       (SELECT count(*) FROM failure x WHERE x.run_id = r.id AND x.kind <> 'field') AS other_failures
FROM run r
ORDER BY r.id;
