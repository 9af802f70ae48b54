-- 0024: the clinic's data key can be renewed (a revoked PC holds it, and could read what the
-- relay stores from then on if it ever got a copy of the relay's disk): see `chairside-sync`'s
-- `keys`.
--
-- Local, never synced: under which key epoch each device's stream was sealed, from which index
-- on (an epoch only goes up along a stream). Sealing is deterministic, so a PC that seals a set
-- again (a redaction, a log carried to a new relay, the check of a rewritten stream) must use
-- the key its author used, or the bytes would differ from the relay's.
CREATE TABLE stream_key_epoch (
    device_id   TEXT    NOT NULL,
    from_idx    INTEGER NOT NULL,
    epoch       INTEGER NOT NULL,
    PRIMARY KEY (device_id, from_idx)
) WITHOUT ROWID;
