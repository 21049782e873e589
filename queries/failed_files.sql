-- failed_files: inputs that could not be processed, newest first, with the run that met them.
--
-- Parameters:
--   :run  run id (optional; omitted = every run)
SELECT f.path, f.kind, f.reason, f.at, f.run_id, r.version
FROM failure f
JOIN run r ON r.id = f.run_id
WHERE :run IS NULL OR f.run_id = :run
ORDER BY f.at DESC, f.id DESC;
