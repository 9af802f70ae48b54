-- 0009: blobs, the bytes of images and documents, content-addressed by the SHA-256 of their
-- plaintext and stored inside the encrypted database (never as plain files on disk).
--
-- `blob` is synced and append-only: it tells every device that a blob exists, how big it is and
-- how it is cut into chunks, so that a device can fetch it from the relay when someone opens it.
-- Two devices that store the same file offline write two rows with the same sha256: harmless,
-- the bytes are stored once.
--
-- `blob_chunk` and `blob_local` are local: the chunks this device holds, and per blob whether
-- all of them are here (checked against the hash) and whether the relay has them yet. Blobs
-- sync beside the change sets, not inside them (see chairside-sync's `blobs` module).
CREATE TABLE blob (
    id             TEXT PRIMARY KEY,
    sha256         TEXT    NOT NULL,   -- lowercase hex of the plaintext's SHA-256
    size           INTEGER NOT NULL,
    media_type     TEXT    NOT NULL,
    chunk_bytes    INTEGER NOT NULL,   -- plaintext bytes per chunk (the last may be shorter)
    created_at_ms  INTEGER NOT NULL
);
CREATE INDEX blob_by_sha256 ON blob (sha256);

CREATE TRIGGER blob_no_update BEFORE UPDATE ON blob
BEGIN SELECT RAISE(ABORT, 'blob is append-only'); END;
CREATE TRIGGER blob_no_delete BEFORE DELETE ON blob
BEGIN SELECT RAISE(ABORT, 'blob is append-only'); END;

CREATE TABLE blob_chunk (
    sha256  TEXT    NOT NULL,   -- or 'pending:<id>' while a blob is being written
    idx     INTEGER NOT NULL,
    data    BLOB    NOT NULL,
    UNIQUE (sha256, idx)
);

CREATE TABLE blob_local (
    sha256       TEXT PRIMARY KEY,
    complete     INTEGER NOT NULL DEFAULT 0,   -- every chunk here and the hash checked
    uploaded     INTEGER NOT NULL DEFAULT 0,   -- the relay holds every chunk
    stored_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blob_local_to_upload ON blob_local (uploaded) WHERE complete = 1 AND uploaded = 0;
