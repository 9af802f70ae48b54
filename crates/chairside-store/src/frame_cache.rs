//! Decoded frames kept for the viewer (`frame_cache`, local, never synced): see migration 0012.
//! The bytes are opaque here (the imaging crate's wire format); the cache only bounds its size.

use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::{Store, now_ms};

/// The most bytes of decoded frames kept: about a hundred panoramics or five hundred intraoral
/// images at 16 bits.
pub const FRAME_CACHE_BYTES: i64 = 1 << 30;

/// The length of the wire format's header (chairside-imaging's `frame` module).
const HEADER_BYTES: usize = 64;

impl Store {
    /// A cached frame of a blob, marked as used now.
    pub fn cached_frame(&self, blob_sha256: &str, frame: u32) -> Result<Option<Vec<u8>>> {
        let wire: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT wire FROM frame_cache WHERE blob_sha256 = ?1 AND frame = ?2",
                params![blob_sha256, frame],
                |r| r.get(0),
            )
            .optional()?;
        if wire.is_some() {
            // Marked at most once a minute: a write (and its sync to disk) on every opening
            // would cost more than the eviction order is worth.
            let now = now_ms() as i64;
            self.conn().execute(
                "UPDATE frame_cache SET used_at_ms = ?3
                 WHERE blob_sha256 = ?1 AND frame = ?2 AND used_at_ms < ?4",
                params![blob_sha256, frame, now, now - 60_000],
            )?;
        }
        Ok(wire)
    }

    /// The first bytes of a cached frame (its header in the wire format), without reading the
    /// pixels.
    pub fn cached_frame_header(&self, blob_sha256: &str, frame: u32) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT header FROM frame_cache WHERE blob_sha256 = ?1 AND frame = ?2",
                params![blob_sha256, frame],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps a decoded frame, then evicts the least recently used ones beyond
    /// [`FRAME_CACHE_BYTES`].
    pub fn cache_frame(&self, blob_sha256: &str, frame: u32, wire: &[u8]) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO frame_cache (blob_sha256, frame, wire, header, used_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (blob_sha256, frame) DO UPDATE SET wire = excluded.wire,
             header = excluded.header, used_at_ms = excluded.used_at_ms",
            params![
                blob_sha256,
                frame,
                wire,
                &wire[..wire.len().min(HEADER_BYTES)],
                now_ms() as i64
            ],
        )?;
        // The running total, newest first: everything after the budget is spent goes.
        conn.execute(
            "DELETE FROM frame_cache WHERE (blob_sha256, frame) IN (
                 SELECT blob_sha256, frame FROM (
                     SELECT blob_sha256, frame,
                            SUM(length(wire)) OVER (ORDER BY used_at_ms DESC, blob_sha256, frame) AS total
                     FROM frame_cache)
                 WHERE total > ?1)",
            [FRAME_CACHE_BYTES],
        )?;
        Ok(())
    }
}
