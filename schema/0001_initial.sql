-- 0001_initial.sql -- the Cellar screen database, first schema.
--
-- Key path: plate -> well -> field (one imaging site) -> image (one per channel) -> cell.
-- Applied once, in a transaction, by the `cellar` binary (this text is embedded in it);
-- later changes are new numbered files, never edits to this one.
--
-- Conventions: every table is STRICT (a REAL column never holds the text 'nan';
-- a missing measurement is NULL). Times are ISO 8601 UTC text ('2026-01-31T12:00:00.000Z').
-- Surrogate ids (plate.id, well.id, field.id, run.id) never leave one database: a field
-- is identified by (plate.name, well.row, well.col, field.site) and a cell by
-- (field, object_number), so databases written by separate shards can be merged.

CREATE TABLE plate (
    -- A multi-well plate, named as the layout found it in the file names.
    -- (Whole database: plate -> well -> field -> image/cell; times are ISO 8601 UTC text;
    -- ids are local to this file: a field is known outside as (plate.name, well.row,
    -- well.col, field.site) and a cell as (that field, object_number).)
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,  -- plate name or barcode, e.g. 'P1'
    layout     TEXT,                  -- layout (vendor preset or regex) that named its files
    root       TEXT,                  -- acquisition folder the plate was found in
    created_at TEXT NOT NULL          -- when this database first saw the plate
) STRICT;

CREATE TABLE well (
    -- A well of a plate. row 1 = 'A', col 1 = '01'; name is the usual label ('B03', 'AF48').
    id       INTEGER PRIMARY KEY,
    plate_id INTEGER NOT NULL REFERENCES plate(id) ON DELETE CASCADE,
    row      INTEGER NOT NULL CHECK (row >= 1),
    col      INTEGER NOT NULL CHECK (col >= 1),
    name     TEXT NOT NULL,
    UNIQUE (plate_id, row, col)
) STRICT;

CREATE TABLE run (
    -- Provenance: one run per processing session with one set of segmentation/measurement
    -- parameters. Runs are never deleted; a field points at the run that produced its cells.
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,                 -- NULL while running, or if the process died
    version         TEXT NOT NULL,        -- Cellar version that ran it
    parameters_json TEXT NOT NULL,        -- the parameters, as JSON
    parameters_hash TEXT NOT NULL         -- hash of the canonical parameters; equal hash = same results
) STRICT;

CREATE TABLE field (
    -- One imaging site of a well. A field row, its images, cells, masks, cell_count and
    -- status are written in one transaction: a reader sees a field complete or not at all.
    -- Fields the ingester has not finished yet have no row.
    id          INTEGER PRIMARY KEY,
    well_id     INTEGER NOT NULL REFERENCES well(id) ON DELETE CASCADE,
    site        INTEGER NOT NULL CHECK (site >= 1),
    status      TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    cell_count  INTEGER CHECK (cell_count >= 0),  -- cells stored for the field (NULL if failed):
                                                  -- counts per well sum this, never scan `cell`
    run_id      INTEGER NOT NULL REFERENCES run(id),
    ingested_at TEXT NOT NULL,
    UNIQUE (well_id, site)
) STRICT;

CREATE TABLE image (
    -- The source files of a field, one per channel. When a file's fingerprint changes (or the
    -- run parameters do), the field is processed again and its rows replaced.
    id          INTEGER PRIMARY KEY,
    field_id    INTEGER NOT NULL REFERENCES field(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,          -- channel name as the layout reports it, e.g. 'DNA', 'w1'
    path        TEXT NOT NULL UNIQUE,   -- absolute path when ingested
    bytes       INTEGER NOT NULL,       -- file size
    mtime       REAL NOT NULL,          -- modification time, seconds since 1970 UTC
    fingerprint TEXT NOT NULL,          -- content/identity fingerprint computed by the ingester
    width       INTEGER,                -- pixels (NULL if the file could not be read)
    height      INTEGER,
    bits        INTEGER,                -- bits per sample
    UNIQUE (field_id, channel)
) STRICT;

CREATE TABLE cell (
    -- One row per segmented nucleus: one REAL column per feature, named as CellProfiler
    -- names them (<object>_<category>_<feature>[_<channel>]); a missing value is NULL.
    -- A cell is identified by (field_id, object_number); `id` is a compact local rowid (cells are
    -- appended, so pages stay full) that cell_mask points at. Only the latest run of a field is
    -- kept. Features of further stains (channels other than DNA) are columns added on first use
    -- by the writer (ALTER TABLE ADD COLUMN, e.g. Nuclei_Intensity_MeanIntensity_GFP), taking the
    -- *_DNA columns below as templates; read the column list with PRAGMA table_info(cell).
    -- Column order is CellarMeasure's FeatureSet order: object number, location, AreaShape,
    -- then per channel Intensity and CenterMassIntensity.
    id            INTEGER PRIMARY KEY,
    field_id      INTEGER NOT NULL REFERENCES field(id) ON DELETE CASCADE,
    object_number INTEGER NOT NULL CHECK (object_number >= 1), -- label 1..cell_count
    Nuclei_Number_Object_Number                  REAL, -- label in the field's label image (= object_number)
    Nuclei_Location_Center_X                     REAL, -- centroid column
    Nuclei_Location_Center_Y                     REAL, -- centroid row
    Nuclei_AreaShape_Area                        REAL, -- pixels in the object
    Nuclei_AreaShape_Perimeter                   REAL, -- length of the outer boundary, pixels
    Nuclei_AreaShape_FormFactor                  REAL, -- 4*pi*Area / Perimeter^2 (1 for a disk)
    Nuclei_AreaShape_Solidity                    REAL, -- Area / ConvexArea
    Nuclei_AreaShape_ConvexArea                  REAL, -- pixels in the convex hull
    Nuclei_AreaShape_Extent                      REAL, -- Area / BoundingBoxArea
    Nuclei_AreaShape_EulerNumber                 REAL, -- objects minus holes (1 for a simple nucleus)
    Nuclei_AreaShape_EquivalentDiameter          REAL, -- diameter of the disk with the same area
    Nuclei_AreaShape_MajorAxisLength             REAL, -- major axis of the ellipse with the same second moments
    Nuclei_AreaShape_MinorAxisLength             REAL, -- minor axis of that ellipse
    Nuclei_AreaShape_Eccentricity                REAL, -- eccentricity of that ellipse (0 = circle)
    Nuclei_AreaShape_Orientation                 REAL, -- angle of the major axis, degrees
    Nuclei_AreaShape_Compactness                 REAL, -- mean squared distance to the centroid / (Area/pi)
    Nuclei_AreaShape_MinFeretDiameter            REAL, -- smallest caliper width
    Nuclei_AreaShape_MaxFeretDiameter            REAL, -- largest caliper width
    Nuclei_AreaShape_BoundingBoxArea             REAL, -- width * height of the bounding box
    Nuclei_AreaShape_BoundingBoxMinimum_X        REAL, -- first column of the bounding box
    Nuclei_AreaShape_BoundingBoxMinimum_Y        REAL, -- first row of the bounding box
    Nuclei_AreaShape_BoundingBoxMaximum_X        REAL, -- last column + 1 (exclusive, CellProfiler convention)
    Nuclei_AreaShape_BoundingBoxMaximum_Y        REAL, -- last row + 1 (exclusive)
    Nuclei_AreaShape_Center_X                    REAL, -- centroid column
    Nuclei_AreaShape_Center_Y                    REAL, -- centroid row
    Nuclei_Intensity_IntegratedIntensity_DNA     REAL, -- sum of pixel intensities (intensities scaled to 0..1)
    Nuclei_Intensity_MeanIntensity_DNA           REAL, -- mean intensity
    Nuclei_Intensity_StdIntensity_DNA            REAL, -- standard deviation of intensity
    Nuclei_Intensity_MinIntensity_DNA            REAL, -- minimum intensity
    Nuclei_Intensity_MaxIntensity_DNA            REAL, -- maximum intensity
    Nuclei_Intensity_MedianIntensity_DNA         REAL, -- median intensity
    Nuclei_Intensity_LowerQuartileIntensity_DNA  REAL, -- 25th percentile
    Nuclei_Intensity_UpperQuartileIntensity_DNA  REAL, -- 75th percentile
    Nuclei_Intensity_MADIntensity_DNA            REAL, -- median absolute deviation
    Nuclei_Intensity_IntegratedIntensityEdge_DNA REAL, -- sum of intensities on the object's edge pixels
    Nuclei_Intensity_MeanIntensityEdge_DNA       REAL, -- mean intensity on the edge pixels
    Nuclei_Intensity_MassDisplacement_DNA        REAL, -- distance between the centroid and the intensity-weighted centre
    Nuclei_Location_CenterMassIntensity_X_DNA    REAL, -- intensity-weighted centre, column
    Nuclei_Location_CenterMassIntensity_Y_DNA    REAL, -- intensity-weighted centre, row
    UNIQUE (field_id, object_number)
) STRICT;

CREATE TABLE cell_mask (
    -- The pixels of each cell: its bounding box and the run lengths over the box in row-major
    -- order, starting with a background run (possibly 0) and alternating, as unsigned LEB128
    -- varints. Enough to rebuild the field's label image or COCO RLE.
    cell_id INTEGER PRIMARY KEY REFERENCES cell(id) ON DELETE CASCADE,
    x       INTEGER NOT NULL,  -- bounding box: first column
    y       INTEGER NOT NULL,  --               first row
    width   INTEGER NOT NULL,
    height  INTEGER NOT NULL,
    rle     BLOB NOT NULL
) STRICT;

CREATE TABLE failure (
    -- Inputs that could not be processed (unreadable file, incomplete field, ...). Recorded and
    -- skipped, never fatal. A log: rows are kept when the field later succeeds.
    id     INTEGER PRIMARY KEY,
    path   TEXT NOT NULL,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES run(id)
) STRICT;
CREATE INDEX failure_by_path ON failure(path);

CREATE VIEW field_info AS
    -- Convenience: each field with its natural key and provenance.
SELECT f.id AS field_id, p.name AS plate, w.name AS well, w.row, w.col, f.site,
       f.status, f.cell_count, f.ingested_at,
       r.id AS run_id, r.version, r.parameters_hash
FROM field f
JOIN well w ON w.id = f.well_id
JOIN plate p ON p.id = w.plate_id
JOIN run r ON r.id = f.run_id;
