-- 0020: the dental chart: what is found, planned and done on each tooth of a patient.
--
-- `chart_entry` is a synced mutable table like `appointment`: each field merges by its own clock,
-- and two operatories editing one entry apart (a status, the surfaces, the note) wait for a person
-- in the "needs attention" inbox. Nothing is deleted: an entry struck out as charted in error is
-- no longer `active` and stays in the history. A finding a completed treatment settles (a caries
-- under a new restoration) names it in `settled_by`; whether the treatment still settles it
-- (done, not struck out, still covering it) is derived at each read, so PCs that struck the
-- treatment out and marked it done apart agree once merged. The rules of what may be charted are
-- in `chairside-domain::chart`.
CREATE TABLE chart_entry (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT    NOT NULL DEFAULT '',
    tooth           TEXT    NOT NULL DEFAULT '',          -- FDI, two digits ("36")
    surfaces        TEXT    NOT NULL DEFAULT '',          -- canonical letters ("MOD"); '' = whole tooth
    kind            TEXT    NOT NULL DEFAULT '',          -- caries, restoration, crown, ...
    status          TEXT    NOT NULL DEFAULT 'existing',  -- existing, planned, done
    material        TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '',
    done_on         TEXT    NOT NULL DEFAULT '',          -- YYYY-MM-DD once done here
    done_at_ms      INTEGER NOT NULL DEFAULT 0,           -- when it was marked done (the timeline's time)
    done_by         TEXT    NOT NULL DEFAULT '',          -- staff user id who marked it done
    recorded_by     TEXT    NOT NULL DEFAULT '',          -- staff user id
    recorded_at_ms  INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    settled_by      TEXT    NOT NULL DEFAULT ''           -- the treatment whose completion settled it
);
CREATE INDEX chart_entry_patient ON chart_entry (patient_id, tooth);

-- Concurrent edits of a chart entry are reviewed like those of an appointment: an index of the
-- entries' writes by field of their own (see 0019 for why not one more value in 0010's list).
CREATE INDEX field_change_reviewed_chart ON field_change (tbl, row_id, field)
    WHERE tbl = 'chart_entry';
