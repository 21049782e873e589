-- per_well_counts: cells, fields done and failed per well, summed from field.cell_count (never scans cell).
--
-- Parameters:
--   :plate  plate name (optional; omitted = every plate)
SELECT p.name AS plate,
       w.name AS well,
       count(CASE WHEN f.status = 'done' THEN 1 END)   AS fields,
       count(CASE WHEN f.status = 'failed' THEN 1 END) AS failed_fields,
       coalesce(sum(f.cell_count), 0)                 AS cells,
       round(avg(CASE WHEN f.status = 'done' THEN f.cell_count END), 1) AS mean_cells_per_field
FROM well w
JOIN plate p ON p.id = w.plate_id
LEFT JOIN field f ON f.well_id = w.id
WHERE :plate IS NULL OR p.name = :plate
GROUP BY w.id
ORDER BY p.name, w.row, w.col;
