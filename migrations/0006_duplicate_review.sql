-- 0006: possible duplicate patients, flagged for a person.
--
-- `duplicate_flag` is local derived data, like the search indexes: after every change to a patient,
-- typed here or merged from another PC, the store looks for live patients with the same name and
-- birth date or a shared phone, and flags each pair. Every device derives the same flags from the
-- same merged data, so the flags themselves do not sync. Pairs are stored with patient_a < patient_b.
--
-- `patient_distinct` is synced and append-only: a person's decision that two files are two
-- different people (twins, a parent and child sharing a phone). A decided pair is never flagged
-- again, on any device.
CREATE TABLE duplicate_flag (
    patient_a     TEXT    NOT NULL,
    patient_b     TEXT    NOT NULL,
    reason        TEXT    NOT NULL,   -- name_birth_date or phone
    found_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (patient_a, patient_b)
) WITHOUT ROWID;
CREATE INDEX duplicate_flag_b ON duplicate_flag (patient_b);

CREATE TABLE patient_distinct (
    id             TEXT PRIMARY KEY,
    patient_a      TEXT    NOT NULL,
    patient_b      TEXT    NOT NULL,
    decided_by     TEXT    NOT NULL,   -- staff user id
    decided_at_ms  INTEGER NOT NULL
);
CREATE INDEX patient_distinct_pair ON patient_distinct (patient_a, patient_b);

CREATE TRIGGER patient_distinct_no_update BEFORE UPDATE ON patient_distinct
BEGIN SELECT RAISE(ABORT, 'patient_distinct is append-only'); END;
CREATE TRIGGER patient_distinct_no_delete BEFORE DELETE ON patient_distinct
BEGIN SELECT RAISE(ABORT, 'patient_distinct is append-only'); END;
