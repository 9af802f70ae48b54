-- 0014: redacting this device's change sets at the relay after a GDPR erasure (local, never synced).
--
-- An erasure scrubs the patient's identifying values from the whole local change log
-- (chairside-store's `erasure`), but the relay still holds this device's change sets as they were
-- sealed, with the name inside. Each of this device's own sets that a scrub changed is listed
-- here; the next sync seals it again from the scrubbed log and replaces the relay's copy
-- (`POST /v1/records/rewrite`), then clears the entry. A set not yet pushed is simply pushed
-- scrubbed. Each device redacts its own stream only: the relay lets no device write another's.
CREATE TABLE log_redaction (
    idx  INTEGER PRIMARY KEY
);

-- How many times the relay's copy of a stream was rewritten when this device computed its
-- checksum: at another revision, the stream is read again from its start for its checksum.
ALTER TABLE sync_stream ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
