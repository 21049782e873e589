-- well_feature_medians: per-well median (and cell count) of cell area and mean DNA intensity.
-- Exact median in SQL: the middle value(s) of each well's sorted cells (window functions).
-- For other features or statistics use `cellar summary` (faster, any feature).
--
-- Parameters:
--   :plate  plate name (required)
WITH c AS (
    SELECT w.id AS well_id, c.Nuclei_AreaShape_Area AS area, c.Nuclei_Intensity_MeanIntensity_DNA AS dna
    FROM cell c
    JOIN field f ON f.id = c.field_id
    JOIN well w ON w.id = f.well_id
    JOIN plate p ON p.id = w.plate_id
    WHERE p.name = :plate
),
area AS (
    SELECT well_id, area AS v,
           row_number() OVER (PARTITION BY well_id ORDER BY area) AS k,
           count(*) OVER (PARTITION BY well_id) AS n
    FROM c WHERE area IS NOT NULL
),
dna AS (
    SELECT well_id, dna AS v,
           row_number() OVER (PARTITION BY well_id ORDER BY dna) AS k,
           count(*) OVER (PARTITION BY well_id) AS n
    FROM c WHERE dna IS NOT NULL
),
area_median AS (
    SELECT well_id, avg(v) AS median, max(n) AS n FROM area
    WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY well_id
),
dna_median AS (
    SELECT well_id, avg(v) AS median FROM dna
    WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY well_id
)
SELECT p.name AS plate, w.name AS well, a.n AS cells,
       a.median AS Nuclei_AreaShape_Area,
       d.median AS Nuclei_Intensity_MeanIntensity_DNA
FROM area_median a
JOIN well w ON w.id = a.well_id
JOIN plate p ON p.id = w.plate_id
LEFT JOIN dna_median d ON d.well_id = a.well_id
ORDER BY w.row, w.col;
