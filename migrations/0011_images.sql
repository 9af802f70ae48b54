-- 0011: images (X-rays, photos from intraoral cameras, scans) and what people draw on them.
--
-- `image` is synced and mutable: the bytes are a content-addressed blob (`blob_sha256`, see
-- 0009), the row is the index the patient file lists from (kind, modality, date, size, spacing,
-- teeth) and carries a small PNG thumbnail, so every PC can show the gallery before fetching any
-- blob. A calibration made by a person is saved on the row (`calibration_mm_per_px`) and wins
-- over the file's own spacing. Removing an image is a tombstone: the blob stays (other rows may
-- share it, and the clinical record keeps what was seen).
--
-- `image_annotation` is synced and mutable (removing one is a tombstone): lengths, angles,
-- arrows and text placed on an image, with points in image pixel coordinates. Values in
-- millimetres are worked out when read, from the image's spacing at that time.
CREATE TABLE image (
    id                     TEXT PRIMARY KEY,
    patient_id             TEXT    NOT NULL DEFAULT '',
    blob_sha256            TEXT    NOT NULL DEFAULT '',
    format                 TEXT    NOT NULL DEFAULT 'dicom',  -- dicom, png, jpeg, tiff
    modality               TEXT    NOT NULL DEFAULT '',       -- DICOM modality: IO, PX, CT, ...
    taken_on               TEXT    NOT NULL DEFAULT '',       -- YYYY-MM-DD
    file_name              TEXT    NOT NULL DEFAULT '',
    width                  INTEGER NOT NULL DEFAULT 0,
    height                 INTEGER NOT NULL DEFAULT 0,
    frames                 INTEGER NOT NULL DEFAULT 1,
    spacing_row_mm         REAL    NOT NULL DEFAULT 0,        -- 0: the file has none
    spacing_col_mm         REAL    NOT NULL DEFAULT 0,
    spacing_source         TEXT    NOT NULL DEFAULT '',       -- pixel_spacing, imager_pixel_spacing
    calibration_mm_per_px  REAL    NOT NULL DEFAULT 0,        -- 0: not calibrated
    window_center          REAL    NOT NULL DEFAULT 0,
    window_width           REAL    NOT NULL DEFAULT 0,        -- 0: the file has no window
    teeth                  TEXT    NOT NULL DEFAULT '',       -- FDI codes, sorted: "36,37"
    thumbnail              BLOB    NOT NULL DEFAULT x'',      -- PNG, at most 256 px
    sop_instance_uid       TEXT    NOT NULL DEFAULT '',
    imported_by            TEXT    NOT NULL DEFAULT '',       -- staff user id
    imported_at_ms         INTEGER NOT NULL DEFAULT 0,
    deleted                INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX image_patient ON image (patient_id, taken_on);
CREATE INDEX image_by_blob ON image (blob_sha256);

CREATE TABLE image_annotation (
    id             TEXT PRIMARY KEY,
    image_id       TEXT    NOT NULL DEFAULT '',
    kind           TEXT    NOT NULL DEFAULT '',   -- length, angle, text, arrow
    points         TEXT    NOT NULL DEFAULT '',   -- "x,y;x,y" in image pixels
    note           TEXT    NOT NULL DEFAULT '',
    created_by     TEXT    NOT NULL DEFAULT '',   -- staff user id
    created_at_ms  INTEGER NOT NULL DEFAULT 0,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX image_annotation_by_image ON image_annotation (image_id);
