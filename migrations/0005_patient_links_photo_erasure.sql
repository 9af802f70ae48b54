-- 0005: guarantor or family link, photo, and GDPR erasure of a patient.
--
-- `guarantor_id` names another patient (the parent who pays for a child, a spouse) and
-- `guarantor_relation` says how they are related (parent, spouse, guardian, child, sibling,
-- other). `photo` is a small JPEG (at most 320 px a side, re-encoded by the app so no camera
-- metadata survives), base64 in a text column so that it syncs as one field like any other.
-- `erased_at_ms` is set once, when the patient's identity is erased on request (GDPR art. 17):
-- the row stays as the pseudonymous anchor of the clinical records the clinic must keep, and every
-- device that merges the erasure scrubs its own change log of the old values (see
-- `chairside-store::erasure`).
ALTER TABLE patient ADD COLUMN guarantor_id       TEXT    NOT NULL DEFAULT '';
ALTER TABLE patient ADD COLUMN guarantor_relation TEXT    NOT NULL DEFAULT '';
ALTER TABLE patient ADD COLUMN photo              TEXT    NOT NULL DEFAULT '';
ALTER TABLE patient ADD COLUMN erased_at_ms       INTEGER NOT NULL DEFAULT 0;
CREATE INDEX patient_guarantor ON patient (guarantor_id) WHERE guarantor_id <> '';
