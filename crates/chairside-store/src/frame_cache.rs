//! Decoded frames kept for the viewer, local to this PC and never synced: whole frames
//! (`frame_cache`, migration 0012) and screen-sized versions of them (`frame_preview`, 0013).
//! The bytes are opaque here (the imaging crate's wire format); the caches only bound their size.

use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::{Store, now_ms};

/// The most bytes of decoded frames kept: about a hundred panoramics or five hundred intraoral
/// images at 16 bits.
pub const FRAME_CACHE_BYTES: i64 = 1 << 30;

/// The most bytes of screen-sized frames kept: about 250 panoramics at 1024 pixels.
pub const FRAME_PREVIEW_BYTES: i64 = 256 << 20;

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
            self.mark_used(
                "UPDATE frame_cache SET used_at_ms = ?3
                 WHERE blob_sha256 = ?1 AND frame = ?2 AND used_at_ms < ?4",
                params![blob_sha256, frame],
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
        self.conn().execute(
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
        self.evict_beyond("frame_cache", "blob_sha256, frame", FRAME_CACHE_BYTES)
    }

    /// A kept screen-sized frame, scaled to `side` pixels, marked as used now.
    pub fn cached_preview(
        &self,
        blob_sha256: &str,
        frame: u32,
        side: u32,
    ) -> Result<Option<Vec<u8>>> {
        let wire: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT wire FROM frame_preview WHERE blob_sha256 = ?1 AND frame = ?2 AND side = ?3",
                params![blob_sha256, frame, side],
                |r| r.get(0),
            )
            .optional()?;
        if wire.is_some() {
            self.mark_used(
                "UPDATE frame_preview SET used_at_ms = ?4
                 WHERE blob_sha256 = ?1 AND frame = ?2 AND side = ?3 AND used_at_ms < ?5",
                params![blob_sha256, frame, side],
            )?;
        }
        Ok(wire)
    }

    /// Keeps a frame scaled to `side` pixels, then evicts the least recently used ones beyond
    /// [`FRAME_PREVIEW_BYTES`].
    pub fn cache_preview(
        &self,
        blob_sha256: &str,
        frame: u32,
        side: u32,
        wire: &[u8],
    ) -> Result<()> {
        self.cache_preview_within(blob_sha256, frame, side, wire, FRAME_PREVIEW_BYTES)
    }

    fn cache_preview_within(
        &self,
        blob_sha256: &str,
        frame: u32,
        side: u32,
        wire: &[u8],
        budget: i64,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO frame_preview (blob_sha256, frame, side, wire, used_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (blob_sha256, frame, side) DO UPDATE SET wire = excluded.wire,
             used_at_ms = excluded.used_at_ms",
            params![blob_sha256, frame, side, wire, now_ms() as i64],
        )?;
        self.evict_beyond("frame_preview", "blob_sha256, frame, side", budget)
    }

    /// Marks a kept frame as used now, at most once a minute: a write (and its sync to disk) on
    /// every opening would cost more than the eviction order is worth. `update` takes the key's
    /// parameters, then now and a minute ago.
    fn mark_used(&self, update: &str, key: &[&dyn rusqlite::ToSql]) -> Result<()> {
        let now = now_ms() as i64;
        let minute_ago = now - 60_000;
        let mut values: Vec<&dyn rusqlite::ToSql> = key.to_vec();
        values.push(&now);
        values.push(&minute_ago);
        self.conn().execute(update, values.as_slice())?;
        Ok(())
    }

    /// Deletes a cache's least recently used rows beyond `budget` bytes: the running total,
    /// newest first; everything after the budget is spent goes. `table` and `key` are constants
    /// of this module, never input.
    fn evict_beyond(&self, table: &str, key: &str, budget: i64) -> Result<()> {
        self.conn().execute(
            &format!(
                "DELETE FROM {table} WHERE ({key}) IN (
                     SELECT {key} FROM (
                         SELECT {key},
                                SUM(length(wire)) OVER (ORDER BY used_at_ms DESC, {key}) AS total
                         FROM {table})
                     WHERE total > ?1)"
            ),
            [budget],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a panic is the failure report

    use crate::{KdfParams, NewKey, Store};

    /// A budget of 100 bytes instead of 256 MB, so that the test writes little.
    const BUDGET: i64 = 100;

    fn store(dir: &std::path::Path) -> Store {
        let key = NewKey::Passphrase {
            passphrase: "frame cache test",
            params: KdfParams::FAST_INSECURE_FOR_TESTS,
        };
        Store::create(dir, key, "test PC").unwrap()
    }

    fn set_used(store: &Store, blob: &str, at: i64) {
        store
            .conn()
            .execute(
                "UPDATE frame_preview SET used_at_ms = ?2 WHERE blob_sha256 = ?1",
                rusqlite::params![blob, at],
            )
            .unwrap();
    }

    #[test]
    fn previews_are_kept_per_side_and_the_oldest_go_beyond_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        assert_eq!(store.cached_preview("aa", 0, 1024).unwrap(), None);
        store
            .cache_preview_within("aa", 0, 1024, b"small", BUDGET)
            .unwrap();
        store
            .cache_preview_within("aa", 0, 2048, b"larger", BUDGET)
            .unwrap();
        assert_eq!(
            store.cached_preview("aa", 0, 1024).unwrap().as_deref(),
            Some(&b"small"[..])
        );
        assert_eq!(
            store.cached_preview("aa", 0, 2048).unwrap().as_deref(),
            Some(&b"larger"[..])
        );
        assert_eq!(
            store.cached_preview("aa", 1, 1024).unwrap(),
            None,
            "another frame"
        );

        // Two previews of over half the budget each: the one used longer ago goes, and so do
        // the older small ones after it.
        let half = vec![7u8; (BUDGET / 2 + 1) as usize];
        set_used(&store, "aa", 1);
        store
            .cache_preview_within("bb", 0, 1024, &half, BUDGET)
            .unwrap();
        set_used(&store, "bb", 2);
        store
            .cache_preview_within("cc", 0, 1024, &half, BUDGET)
            .unwrap();
        assert_eq!(store.cached_preview("bb", 0, 1024).unwrap(), None);
        assert_eq!(store.cached_preview("aa", 0, 1024).unwrap(), None);
        assert_eq!(store.cached_preview("cc", 0, 1024).unwrap(), Some(half));
    }

    #[test]
    fn reading_a_preview_marks_it_used_so_it_outlives_older_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let half = vec![1u8; (BUDGET / 2 - 10) as usize];
        store
            .cache_preview_within("old", 0, 1024, &half, BUDGET)
            .unwrap();
        store
            .cache_preview_within("new", 0, 1024, &half, BUDGET)
            .unwrap();
        set_used(&store, "old", 1);
        set_used(&store, "new", 2);
        // Opened again, "old" becomes the most recently used: the next one evicts "new".
        assert!(store.cached_preview("old", 0, 1024).unwrap().is_some());
        store
            .cache_preview_within("third", 0, 1024, &[0u8; 30], BUDGET)
            .unwrap();
        assert!(store.cached_preview("old", 0, 1024).unwrap().is_some());
        assert_eq!(store.cached_preview("new", 0, 1024).unwrap(), None);
    }
}
