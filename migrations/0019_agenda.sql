-- 0019: the agenda: the clinic's chairs and the appointments booked on them.
--
-- `chair` and `appointment` are synced mutable tables like `patient`: each field merges by its
-- own clock. Nothing is deleted: a chair leaves service (`active` 0) and keeps its history, an
-- appointment is cancelled or marked as a no-show (`status`). Times are the clinic's wall clock
-- (`YYYY-MM-DDTHH:MM`, text that sorts in time order), so a day is a range of `starts_at`.
CREATE TABLE chair (
    id        TEXT PRIMARY KEY,
    name      TEXT    NOT NULL DEFAULT '',
    active    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE appointment (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT    NOT NULL DEFAULT '',
    chair_id         TEXT    NOT NULL DEFAULT '',
    practitioner_id  TEXT    NOT NULL DEFAULT '',   -- staff user id; '' when none is named
    starts_at        TEXT    NOT NULL DEFAULT '',
    duration_min     INTEGER NOT NULL DEFAULT 0,
    reason           TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'booked',   -- booked, arrived, completed, no_show, cancelled
    booked_by        TEXT    NOT NULL DEFAULT '',   -- staff user id
    booked_at_ms     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appointment_chair_time ON appointment (chair_id, starts_at);
CREATE INDEX appointment_time ON appointment (starts_at);
CREATE INDEX appointment_patient ON appointment (patient_id, starts_at);

-- Two live appointments holding one chair at overlapping times. Local derived data, like the
-- duplicate flags: after every change to an appointment, typed or merged, the store looks again
-- at that appointment's chair and day; every PC derives the same pairs from the same data, so
-- they do not sync. Pairs are stored with appointment_a < appointment_b.
CREATE TABLE booking_overlap (
    appointment_a  TEXT    NOT NULL,
    appointment_b  TEXT    NOT NULL,
    found_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (appointment_a, appointment_b)
) WITHOUT ROWID;
CREATE INDEX booking_overlap_b ON booking_overlap (appointment_b);

-- A person's decision that two overlapping appointments both stand (a parent and a child in one
-- chair, say): synced and append-only, so the pair is never flagged again on any PC.
CREATE TABLE booking_review (
    id             TEXT PRIMARY KEY,
    appointment_a  TEXT    NOT NULL,
    appointment_b  TEXT    NOT NULL,
    decided_by     TEXT    NOT NULL,   -- staff user id
    decided_at_ms  INTEGER NOT NULL
);
CREATE INDEX booking_review_pair ON booking_review (appointment_a, appointment_b);

CREATE TRIGGER booking_review_no_update BEFORE UPDATE ON booking_review
BEGIN SELECT RAISE(ABORT, 'booking_review is append-only'); END;
CREATE TRIGGER booking_review_no_delete BEFORE DELETE ON booking_review
BEGIN SELECT RAISE(ABORT, 'booking_review is append-only'); END;

-- Concurrent edits of an appointment (moved at one desk, cancelled at another) are reviewed like
-- those of a patient, which needs its writes by field. An index of its own: adding 'appointment'
-- to the IN list of 0010's partial index would make SQLite build that list as a temporary b-tree
-- at every insert into the log (up to two values are compared in place), about 20% slower merges.
CREATE INDEX field_change_reviewed_agenda ON field_change (tbl, row_id, field)
    WHERE tbl = 'appointment';
