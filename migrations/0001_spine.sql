-- 0001: the spine. Device-local bookkeeping, the sync machinery (change sets, field clocks),
-- the first synced tables (clinic, staff users) and the append-only audit log.
--
-- Conventions for every synced table (see ARCHITECTURE.md, "Data model"):
--   * `id TEXT PRIMARY KEY` holds a UUIDv7 made on the device; no other uniqueness constraint;
--   * mutable tables carry `deleted INTEGER NOT NULL DEFAULT 0` (the tombstone, merged like any
--     field) and every column has a default, because a merge may create a row from one field;
--   * append-only tables refuse UPDATE and DELETE with triggers.

-- Facts about this installation that never sync: device id and name, the last HLC issued.
CREATE TABLE local_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per change set (one local transaction, or one set received from another device).
-- Per device, idx runs 1, 2, 3... without gaps: the sync engine compares heads per device.
CREATE TABLE change_set (
    device_id  TEXT    NOT NULL,
    idx        INTEGER NOT NULL,
    hlc        INTEGER NOT NULL,   -- the greatest HLC in the set
    stored_at  INTEGER NOT NULL,   -- local wall clock (ms) when written or received
    PRIMARY KEY (device_id, idx)
) WITHOUT ROWID;

-- The field writes of a change set, in order.
CREATE TABLE field_change (
    device_id  TEXT    NOT NULL,
    idx        INTEGER NOT NULL,
    ord        INTEGER NOT NULL,
    tbl        TEXT    NOT NULL,
    row_id     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    value      ANY,
    hlc        INTEGER NOT NULL,
    PRIMARY KEY (device_id, idx, ord),
    FOREIGN KEY (device_id, idx) REFERENCES change_set (device_id, idx)
) STRICT, WITHOUT ROWID;

-- The winning (hlc, device) of every field of every mutable row: the merge compares against it.
CREATE TABLE field_clock (
    tbl        TEXT    NOT NULL,
    row_id     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    hlc        INTEGER NOT NULL,
    device_id  TEXT    NOT NULL,
    PRIMARY KEY (tbl, row_id, field)
) WITHOUT ROWID;

-- The clinic (one row). Mutable.
CREATE TABLE clinic (
    id                 TEXT PRIMARY KEY,
    name               TEXT    NOT NULL DEFAULT '',
    address            TEXT    NOT NULL DEFAULT '',
    timezone           TEXT    NOT NULL DEFAULT 'Africa/Algiers',
    phone_region       TEXT    NOT NULL DEFAULT 'DZ',
    language           TEXT    NOT NULL DEFAULT 'fr',
    idle_lock_seconds  INTEGER NOT NULL DEFAULT 300,
    deleted            INTEGER NOT NULL DEFAULT 0
);

-- Staff accounts. Mutable; synced so that anyone can sign in at any PC of the clinic.
-- No UNIQUE(username): two desks could create the same name offline; the app refuses a clash
-- locally and a detector flags one that arrives by merge.
CREATE TABLE staff_user (
    id             TEXT PRIMARY KEY,
    username       TEXT    NOT NULL DEFAULT '',
    display_name   TEXT    NOT NULL DEFAULT '',
    role           TEXT    NOT NULL DEFAULT 'receptionist',
    password_hash  TEXT    NOT NULL DEFAULT '',   -- Argon2id PHC string
    active         INTEGER NOT NULL DEFAULT 1,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX staff_user_username ON staff_user (username);

-- The audit log: who did what, when, from which device. Append-only and hash-chained per
-- device: hash = SHA-256(prev_hash || the entry's fields), see chairside-store/src/audit.rs.
-- It holds ids, never patient names, so that a GDPR erasure leaves nothing here to scrub.
CREATE TABLE audit_event (
    id         TEXT PRIMARY KEY,
    device_id  TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    user_id    TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    entity_id  TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX audit_event_chain ON audit_event (device_id, seq);

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
