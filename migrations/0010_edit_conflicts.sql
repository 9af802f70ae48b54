-- 0010: concurrent edits found by the merge, for a person to review.
--
-- Last-writer-wins settles every field the same way on every PC, but when two people changed
-- the same field without either having seen the other's change (two desks offline), the value
-- that lost was typed by someone and must not vanish silently. To tell "concurrent" from
-- "later", each change set now records what its writer had seen (`change_set.seen`: the heads
-- of the other devices' logs it had applied) and each field's clock the change set that wrote
-- it (`field_clock.set_idx`). Two writes are concurrent when neither writer had seen the other.
--
-- `edit_conflict` is local derived data, like the duplicate flags: every PC receives both
-- writes and derives the same conflict. `conflict_review` is synced and append-only: a person's
-- decision (keep the current value, or take the other one); a reviewed conflict is never shown
-- again on any PC. A later edit of the field by someone who had both values (typed here, or
-- merged from a writer that had seen both) settles the conflict too.
ALTER TABLE change_set ADD COLUMN seen TEXT;   -- "device:head,..."; NULL: not recorded (before 0010)
ALTER TABLE field_clock ADD COLUMN set_idx INTEGER NOT NULL DEFAULT 0;  -- 0: written before 0010

-- Per device, the last change set applied here (kept by the store: reading MAX(idx) per device
-- from change_set on every write would scan the whole log).
CREATE TABLE applied_head (
    device_id  TEXT PRIMARY KEY,
    head       INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO applied_head (device_id, head)
    SELECT device_id, MAX(idx) FROM change_set GROUP BY device_id;

-- The writes of the reviewed tables' fields, by field: to ask "did anyone write this field after
-- seeing that value?" when judging a conflict. Partial, so the bulk of the log (audit entries)
-- pays nothing for it.
CREATE INDEX field_change_reviewed ON field_change (tbl, row_id, field)
    WHERE tbl IN ('patient', 'medical_item');

CREATE TABLE edit_conflict (
    tbl            TEXT    NOT NULL,
    row_id         TEXT    NOT NULL,
    field          TEXT    NOT NULL,
    other_device   TEXT    NOT NULL,   -- the write that lost
    other_hlc      INTEGER NOT NULL,
    other_set      INTEGER NOT NULL,   -- its change set
    other_value,                       -- any type, as written
    kept_device    TEXT    NOT NULL,   -- the write that won (the current value, unless edited since)
    kept_hlc       INTEGER NOT NULL,
    kept_set       INTEGER NOT NULL,
    found_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (tbl, row_id, field, other_device, other_hlc)
) WITHOUT ROWID;

CREATE TABLE conflict_review (
    id             TEXT PRIMARY KEY,
    tbl            TEXT    NOT NULL,
    row_id         TEXT    NOT NULL,
    field          TEXT    NOT NULL,
    other_device   TEXT    NOT NULL,
    other_hlc      INTEGER NOT NULL,
    decision       TEXT    NOT NULL,   -- kept_current or took_other
    decided_by     TEXT    NOT NULL,
    decided_at_ms  INTEGER NOT NULL
);
CREATE INDEX conflict_review_key ON conflict_review (tbl, row_id, field, other_device, other_hlc);

CREATE TRIGGER conflict_review_no_update BEFORE UPDATE ON conflict_review
BEGIN SELECT RAISE(ABORT, 'conflict_review is append-only'); END;
CREATE TRIGGER conflict_review_no_delete BEFORE DELETE ON conflict_review
BEGIN SELECT RAISE(ABORT, 'conflict_review is append-only'); END;
