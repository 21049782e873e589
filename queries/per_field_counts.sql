-- per_field_counts: every stored field with its status, cell count, run and time of ingest.
--
-- Parameters:
--   :plate  plate name (optional; omitted = every plate)
--   :well   well label such as B03 (optional; omitted = every well)
SELECT plate, well, site, status, cell_count AS cells, run_id, ingested_at
FROM field_info
WHERE (:plate IS NULL OR plate = :plate)
  AND (:well IS NULL OR well = upper(:well))
ORDER BY plate, row, col, site;
