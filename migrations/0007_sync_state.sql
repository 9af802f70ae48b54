-- 0007: this device's view of the relay's streams (local, never synced).
--
-- For each device's log, how far this device has pushed (its own) or pulled (the others) through
-- the relay, and the stream checksum over those sealed records (chairside-protocol's
-- chain_checksum). After a sync the checksums are compared with the relay's: a difference means
-- the streams diverged and is reported. The relay URL, this device's relay secret and the clinic's
-- data key live in local_meta.
CREATE TABLE sync_stream (
    device_id  TEXT    PRIMARY KEY,
    head       INTEGER NOT NULL,
    checksum   TEXT    NOT NULL
) WITHOUT ROWID;
