-- plate_qc: wells whose cell count is an outlier against their plate, by robust z-score
-- z = (cells - plate median) / (1.4826 * plate MAD) over the wells with data. Lists every
-- well with its z and a flag (low/high when |z| > threshold); wells whose fields all failed
-- are flagged 'failed'.
--
-- Parameters:
--   :plate      plate name (optional; omitted = every plate)
--   :threshold  |z| above which a well is flagged (optional; default 3)
WITH wc AS (
    SELECT p.name AS plate, w.row, w.col, w.name AS well,
           count(CASE WHEN f.status = 'done' THEN 1 END) AS fields,
           coalesce(sum(f.cell_count), 0) AS cells
    FROM well w
    JOIN plate p ON p.id = w.plate_id
    JOIN field f ON f.well_id = w.id
    WHERE :plate IS NULL OR p.name = :plate
    GROUP BY w.id
),
ranked AS (
    SELECT plate, cells,
           row_number() OVER (PARTITION BY plate ORDER BY cells) AS k,
           count(*) OVER (PARTITION BY plate) AS n
    FROM wc WHERE fields > 0
),
med AS (
    SELECT plate, avg(cells) AS median FROM ranked
    WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY plate
),
dev AS (
    SELECT wc.plate, abs(wc.cells - med.median) AS d,
           row_number() OVER (PARTITION BY wc.plate ORDER BY abs(wc.cells - med.median)) AS k,
           count(*) OVER (PARTITION BY wc.plate) AS n
    FROM wc JOIN med ON med.plate = wc.plate WHERE wc.fields > 0
),
mad AS (
    SELECT plate, avg(d) AS mad FROM dev
    WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY plate
)
SELECT wc.plate, wc.well, wc.fields, wc.cells,
       med.median AS plate_median, mad.mad AS plate_mad,
       CASE WHEN wc.fields = 0 OR mad.mad = 0 THEN NULL
            ELSE round((wc.cells - med.median) / (1.4826 * mad.mad), 2) END AS robust_z,
       CASE WHEN wc.fields = 0 THEN 'failed'
            WHEN mad.mad = 0 THEN CASE WHEN wc.cells = med.median THEN 'ok' ELSE 'outlier' END
            WHEN (wc.cells - med.median) / (1.4826 * mad.mad) < -coalesce(:threshold, 3) THEN 'low'
            WHEN (wc.cells - med.median) / (1.4826 * mad.mad) > coalesce(:threshold, 3) THEN 'high'
            ELSE 'ok' END AS flag
FROM wc
JOIN med ON med.plate = wc.plate
JOIN mad ON mad.plate = wc.plate
ORDER BY wc.plate, wc.row, wc.col;
