-- 0008: the clinic's devices (synced, mutable), for the owner's device list and the end-of-day
-- report. The relay authenticates devices; this table is what people see: a name, when the PC
-- joined, whether it was revoked. Written by the clinic's first device for itself, by the owner's
-- device that approves an enrollment, and by the one that revokes.
CREATE TABLE device (
    id               TEXT PRIMARY KEY,
    name             TEXT    NOT NULL DEFAULT '',
    enrolled_at_ms   INTEGER NOT NULL DEFAULT 0,
    revoked          INTEGER NOT NULL DEFAULT 0,
    deleted          INTEGER NOT NULL DEFAULT 0
);
