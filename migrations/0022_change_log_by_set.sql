-- 0022: each logged field change names its change set by a local number instead of repeating
-- the set's device id and index.
--
-- `field_change` holds every field write ever made at the clinic; each record repeated the
-- 36-character device id of its set, and so did each entry of the reviewed-fields indexes. With
-- the sets numbered here (`change_set.id`, this PC's own number: it never leaves the PC, the
-- sync still speaks of device and index), a change names its set in two or three bytes: a
-- quarter of the log and its indexes. The log's order and content are unchanged.
--
-- `logged_change` shows the log as before (device and index on each change), for reading by
-- hand and in tests; the store's queries join the two tables themselves.
CREATE TABLE change_set_by_id (
    id         INTEGER PRIMARY KEY,   -- local number of the set on this PC
    device_id  TEXT    NOT NULL,
    idx        INTEGER NOT NULL,
    hlc        INTEGER NOT NULL,      -- the greatest HLC in the set
    stored_at  INTEGER NOT NULL,      -- local wall clock (ms) when written or received
    seen       TEXT,                  -- "device:head,..."; NULL: not recorded (before 0010)
    UNIQUE (device_id, idx)
);
INSERT INTO change_set_by_id (device_id, idx, hlc, stored_at, seen)
    SELECT device_id, idx, hlc, stored_at, seen FROM change_set ORDER BY device_id, idx;

CREATE TABLE field_change_by_set (
    set_id  INTEGER NOT NULL REFERENCES change_set_by_id (id),
    ord     INTEGER NOT NULL,
    tbl     TEXT    NOT NULL,
    row_id  TEXT    NOT NULL,
    field   TEXT    NOT NULL,
    value   ANY,
    hlc     INTEGER NOT NULL,
    PRIMARY KEY (set_id, ord)
) STRICT, WITHOUT ROWID;
INSERT INTO field_change_by_set (set_id, ord, tbl, row_id, field, value, hlc)
    SELECT s.id, f.ord, f.tbl, f.row_id, f.field, f.value, f.hlc
    FROM field_change f JOIN change_set_by_id s USING (device_id, idx)
    ORDER BY s.id, f.ord;

DROP TABLE field_change;   -- with its reviewed-fields indexes
DROP TABLE change_set;
ALTER TABLE change_set_by_id RENAME TO change_set;
ALTER TABLE field_change_by_set RENAME TO field_change;

-- The writes of the reviewed tables' fields, by field (see 0010, 0019, 0020 and
-- `conflicts::writes_of_a_field_sql`).
CREATE INDEX field_change_reviewed ON field_change (tbl, row_id, field)
    WHERE tbl IN ('patient', 'medical_item');
CREATE INDEX field_change_reviewed_agenda ON field_change (tbl, row_id, field)
    WHERE tbl = 'appointment';
CREATE INDEX field_change_reviewed_chart ON field_change (tbl, row_id, field)
    WHERE tbl = 'chart_entry';

CREATE VIEW logged_change AS
    SELECT s.device_id, s.idx, f.ord, f.tbl, f.row_id, f.field, f.value, f.hlc
    FROM field_change f JOIN change_set s ON s.id = f.set_id;
