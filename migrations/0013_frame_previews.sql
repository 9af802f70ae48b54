-- 0013: screen-sized versions of the decoded frames, local to this PC (never synced).
--
-- The viewer shows a frame scaled down to the screen first, then the full one. Scaling a
-- panoramic's kept frame (0012) down meant reading its 9 MB from the encrypted database and
-- averaging every pixel: 30 to 40 ms on each opening, on the path from the click to the first
-- picture. The scaled frame is kept here instead, made at import for the usual side (1024
-- pixels) and at the first opening for any other. A cache like 0012: derived, bounded in size
-- (oldest use evicted first, see chairside-store's `frame_cache`), and safe to lose.
CREATE TABLE frame_preview (
    blob_sha256   TEXT    NOT NULL,
    frame         INTEGER NOT NULL,
    side          INTEGER NOT NULL,   -- the larger side it was scaled to, in pixels
    wire          BLOB    NOT NULL,
    used_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (blob_sha256, frame, side)
) WITHOUT ROWID;
CREATE INDEX frame_preview_by_use ON frame_preview (used_at_ms);
