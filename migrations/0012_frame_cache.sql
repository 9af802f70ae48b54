-- 0012: decoded frames kept for the viewer, local to this PC (never synced).
--
-- Decoding a compressed panoramic takes longer than a person waits for an image to appear, so
-- the frame decoded at import (or at the first opening on this PC) is kept in the viewer's wire
-- format, inside the encrypted database like everything else. It is a cache: derived from the
-- blob, bounded in size (oldest use evicted first, see chairside-store's `frame_cache`), and safe
-- to lose.
CREATE TABLE frame_cache (
    blob_sha256   TEXT    NOT NULL,
    frame         INTEGER NOT NULL,
    wire          BLOB    NOT NULL,
    header        BLOB    NOT NULL,   -- the wire format's first 64 bytes: size, mapping, range
    used_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (blob_sha256, frame)
) WITHOUT ROWID;
CREATE INDEX frame_cache_by_use ON frame_cache (used_at_ms);
