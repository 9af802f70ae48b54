-- 0003: medical history. One row per allergy, current medication or condition of a patient,
-- dated and attributed. Mutable (an allergy can be resolved, a medication stopped: `active`),
-- never deleted by the app: the history of what was known stays readable.
CREATE TABLE medical_item (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL DEFAULT 'condition',  -- allergy, medication, condition
    label           TEXT    NOT NULL DEFAULT '',
    detail          TEXT    NOT NULL DEFAULT '',           -- reaction, dosage, notes
    severity        TEXT    NOT NULL DEFAULT '',           -- low, moderate, high (allergies)
    alert           INTEGER NOT NULL DEFAULT 0,            -- flagged by a person for the banner
    noted_on        TEXT    NOT NULL DEFAULT '',           -- YYYY-MM-DD, when it was reported
    recorded_by     TEXT    NOT NULL DEFAULT '',           -- staff user id
    recorded_at_ms  INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    deleted         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX medical_item_patient ON medical_item (patient_id, recorded_at_ms);
