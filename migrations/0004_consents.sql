-- 0004: consents. Append-only: each decision (given or withdrawn) is a new row with the version
-- of the text the patient saw and who recorded it; the current state of a kind is its latest row.
CREATE TABLE consent (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT    NOT NULL,
    kind            TEXT    NOT NULL,   -- treatment, data_processing, sms_reminders, email_reminders
    granted         INTEGER NOT NULL,   -- 1 given, 0 withdrawn or refused
    text_version    TEXT    NOT NULL,
    recorded_by     TEXT    NOT NULL,   -- staff user id
    recorded_at_ms  INTEGER NOT NULL
);
CREATE INDEX consent_patient ON consent (patient_id, kind, recorded_at_ms);

CREATE TRIGGER consent_no_update BEFORE UPDATE ON consent
BEGIN SELECT RAISE(ABORT, 'consent is append-only'); END;
CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent
BEGIN SELECT RAISE(ABORT, 'consent is append-only'); END;
