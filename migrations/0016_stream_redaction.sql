-- 0016: an erasure is redacted from every device's stream at the relay, not only this device's.
--
-- Until now each PC queued, and sealed again at the relay, only its own change sets that an
-- erasure scrubbed (`log_redaction`, 0014), so the copies in the stream of a PC that never synced
-- again (lost, stolen, revoked) kept the patient's identity at the relay. Every PC holds every
-- device's change sets, and sealing is deterministic, so any PC can seal a scrubbed set of
-- another device to the very bytes that device would: the queue now names the stream too, and
-- the first PC to sync after merging the erasure replaces every copy at the relay (the relay
-- lets an active device rewrite any stream of its clinic and leaves records whose bytes do not
-- change alone, so the other PCs' later rewrites of the same sets change nothing).
CREATE TABLE stream_redaction (
    device_id  TEXT NOT NULL,
    idx        INTEGER NOT NULL,
    PRIMARY KEY (device_id, idx)
) WITHOUT ROWID;

INSERT INTO stream_redaction (device_id, idx)
SELECT (SELECT value FROM local_meta WHERE key = 'device_id'), idx
FROM log_redaction
WHERE EXISTS (SELECT 1 FROM local_meta WHERE key = 'device_id');

DROP TABLE log_redaction;
