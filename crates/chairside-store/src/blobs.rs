//! Blobs: the bytes of images and documents, content-addressed by the SHA-256 of their plaintext
//! and kept inside the encrypted database, cut into chunks of [`CHUNK_BYTES`].
//!
//! A blob is written with [`Writer::put_blob`], in the transaction of the record that refers to
//! it (an image, a document), which also appends its synced `blob` row: other devices learn of
//! it with the change set and fetch its chunks from the relay when someone opens it
//! ([`Store::store_fetched_chunk`], [`Store::finish_fetched_blob`], driven by chairside-sync).
//! A fetched blob is only marked complete after its hash is checked, so a damaged or partial
//! download is never served.
//!
//! The chunking is the relay's too: chunk `i` here is chunk `i` there, which makes uploads and
//! downloads resumable chunk by chunk.

use std::io::Read;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema;
use crate::{Store, now_ms};
use chairside_domain::EntityId;
use rusqlite::types::Value;

/// Plaintext bytes per chunk: small enough for one relay request, large enough that a
/// panoramic X-ray is a handful of requests.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// The largest blob accepted (a CBCT volume exported as one file can reach this).
pub const MAX_BLOB_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// What the clinic knows of a blob, and whether this device holds its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobInfo {
    /// Lowercase hex SHA-256 of the plaintext: the blob's address.
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub chunk_bytes: u64,
    /// Every chunk is on this device and the hash was checked.
    pub local: bool,
}

impl BlobInfo {
    pub fn chunk_count(&self) -> u32 {
        chunk_count(self.size, self.chunk_bytes)
    }
}

fn chunk_count(size: u64, chunk_bytes: u64) -> u32 {
    if size == 0 {
        1 // an empty blob is one empty chunk, so that it has something to upload and check
    } else {
        size.div_ceil(chunk_bytes.max(1)) as u32
    }
}

/// Whether a text is a blob address (64 lowercase hex digits).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Writer<'_> {
    /// Stores the bytes read from `reader` as a blob and, unless the clinic already knows a blob
    /// with the same content, appends its synced `blob` row. Returns its description. Reads at
    /// most [`MAX_BLOB_BYTES`]; the bytes are never all in memory at once.
    pub fn put_blob(&mut self, mut reader: impl Read, media_type: &str) -> Result<BlobInfo> {
        let media_type = media_type.trim();
        if media_type.is_empty() || media_type.len() > 127 {
            return Err(StoreError::InvalidChange(
                "a blob needs a media type such as image/png".into(),
            ));
        }
        let pending = format!("pending:{}", EntityId::new());
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut idx: u32 = 0;
        let mut buffer = vec![0u8; CHUNK_BYTES];
        loop {
            let filled = read_full(&mut reader, &mut buffer)?;
            if filled == 0 && idx > 0 {
                break;
            }
            size += filled as u64;
            if size > MAX_BLOB_BYTES {
                return Err(StoreError::InvalidChange(format!(
                    "the file is larger than {} GiB, the most Chairside stores",
                    MAX_BLOB_BYTES >> 30
                )));
            }
            hasher.update(&buffer[..filled]);
            self.conn()
                .prepare_cached("INSERT INTO blob_chunk (sha256, idx, data) VALUES (?1, ?2, ?3)")?
                .execute(params![pending, idx, &buffer[..filled]])?;
            idx += 1;
            if filled < CHUNK_BYTES {
                break;
            }
        }
        let sha256 = hex::encode(hasher.finalize());
        let conn = self.conn();
        let already_local: bool = conn
            .query_row(
                "SELECT complete FROM blob_local WHERE sha256 = ?1",
                [&sha256],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        if already_local {
            conn.execute("DELETE FROM blob_chunk WHERE sha256 = ?1", [&pending])?;
        } else {
            // A partial download of the same content may be here: the new bytes replace it.
            conn.execute("DELETE FROM blob_chunk WHERE sha256 = ?1", [&sha256])?;
            conn.execute(
                "UPDATE blob_chunk SET sha256 = ?1 WHERE sha256 = ?2",
                params![sha256, pending],
            )?;
            conn.execute(
                "INSERT INTO blob_local (sha256, complete, uploaded, stored_at_ms)
                 VALUES (?1, 1, 0, ?2)
                 ON CONFLICT (sha256) DO UPDATE SET complete = 1",
                params![sha256, now_ms() as i64],
            )?;
        }
        let known = blob_row(conn, &sha256)?;
        let info = match known {
            Some(info) => info,
            None => {
                self.append(
                    &schema::BLOB,
                    EntityId::new(),
                    &[
                        ("sha256", Value::Text(sha256.clone())),
                        ("size", Value::Integer(size as i64)),
                        ("media_type", Value::Text(media_type.to_string())),
                        ("chunk_bytes", Value::Integer(CHUNK_BYTES as i64)),
                        ("created_at_ms", Value::Integer(now_ms() as i64)),
                    ],
                )?;
                BlobInfo {
                    sha256,
                    size,
                    media_type: media_type.to_string(),
                    chunk_bytes: CHUNK_BYTES as u64,
                    local: true,
                }
            }
        };
        Ok(BlobInfo {
            local: true,
            ..info
        })
    }
}

/// Reads until `buffer` is full or the reader ends; returns how much was read.
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) fn blob_row(conn: &Connection, sha256: &str) -> Result<Option<BlobInfo>> {
    Ok(conn
        .query_row(
            "SELECT b.size, b.media_type, b.chunk_bytes, COALESCE(l.complete, 0)
             FROM blob b LEFT JOIN blob_local l ON l.sha256 = b.sha256
             WHERE b.sha256 = ?1 ORDER BY b.id LIMIT 1",
            [sha256],
            |r| {
                Ok(BlobInfo {
                    sha256: sha256.to_string(),
                    size: r.get::<_, i64>(0)?.max(0) as u64,
                    media_type: r.get(1)?,
                    chunk_bytes: r.get::<_, i64>(2)?.max(1) as u64,
                    local: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// A fetched blob whose bytes do not hash to its address.
fn corrupt(sha256: &str) -> StoreError {
    StoreError::Integrity(format!(
        "the downloaded blob {sha256} does not match its hash and was discarded: fetch it again"
    ))
}

impl Store {
    /// The clinic's record of a blob, if any device has stored it.
    pub fn blob(&self, sha256: &str) -> Result<Option<BlobInfo>> {
        blob_row(self.conn(), sha256)
    }

    /// The whole plaintext of a local blob. `Ok(None)` when the clinic knows the blob but this
    /// device does not hold it yet (fetch it first).
    pub fn read_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let Some(info) = self.blob(sha256)? else {
            return Err(StoreError::InvalidChange(format!("no blob {sha256}")));
        };
        if !info.local {
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(info.size as usize);
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT data FROM blob_chunk WHERE sha256 = ?1 ORDER BY idx")?;
        let mut rows = stmt.query([sha256])?;
        while let Some(row) = rows.next()? {
            let data = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            bytes.extend_from_slice(data);
        }
        if bytes.len() as u64 != info.size {
            return Err(StoreError::Integrity(format!(
                "blob {sha256} has {} bytes, its record says {}",
                bytes.len(),
                info.size
            )));
        }
        Ok(Some(bytes))
    }

    /// One chunk of a local blob, for an upload.
    pub fn blob_chunk(&self, sha256: &str, idx: u32) -> Result<Vec<u8>> {
        self.conn()
            .query_row(
                "SELECT data FROM blob_chunk WHERE sha256 = ?1 AND idx = ?2",
                params![sha256, idx],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::Integrity(format!("chunk {idx} of blob {sha256} is missing"))
            })
    }

    /// Blobs this device replaced by a copy without an erased patient's identity, to delete at
    /// the relay (migration 0015).
    pub fn retired_blobs(&self) -> Result<Vec<String>> {
        Ok(self
            .conn()
            .prepare("SELECT sha256 FROM blob_retired ORDER BY sha256")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The relay no longer holds a retired blob.
    pub fn forget_retired_blob(&self, sha256: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM blob_retired WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }

    /// Local blobs the relay does not have yet, oldest first.
    pub fn blobs_to_upload(&self) -> Result<Vec<BlobInfo>> {
        let shas: Vec<String> = self
            .conn()
            .prepare(
                "SELECT sha256 FROM blob_local WHERE complete = 1 AND uploaded = 0
                 ORDER BY stored_at_ms, sha256",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut blobs = Vec::with_capacity(shas.len());
        for sha in shas {
            // A blob stored in a transaction that also failed has no row; nothing refers to it.
            if let Some(info) = self.blob(&sha)? {
                blobs.push(info);
            }
        }
        Ok(blobs)
    }

    /// How many local blobs the relay does not have yet, and their size in bytes (what a sync
    /// has to send, for its progress), in one query.
    pub fn blobs_to_upload_totals(&self) -> Result<(u64, u64)> {
        let (count, bytes): (i64, i64) = self.conn().query_row(
            "SELECT COUNT(*), COALESCE(SUM((SELECT b.size FROM blob b WHERE b.sha256 = l.sha256
                                            ORDER BY b.id LIMIT 1)), 0)
             FROM blob_local l WHERE l.complete = 1 AND l.uploaded = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((count.max(0) as u64, bytes.max(0) as u64))
    }

    /// How many local blobs the relay does not have yet (the sync status shows it).
    pub fn blobs_to_upload_count(&self) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM blob_local WHERE complete = 1 AND uploaded = 0",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Forgets that the relay held this device's blobs: the next upload asks the relay again
    /// about each (one status request; only the chunks it lacks are sent). For a relay that
    /// lost data (restored from an older backup). Returns how many blobs were marked.
    pub fn recheck_blob_uploads(&self) -> Result<u64> {
        Ok(self.conn().execute(
            "UPDATE blob_local SET uploaded = 0 WHERE complete = 1 AND uploaded = 1",
            [],
        )? as u64)
    }

    /// Local blobs this device holds as being at the relay (it uploaded them, or fetched them
    /// from there), by content hash: what the end-of-day check asks the relay about.
    pub fn blobs_at_relay(&self) -> Result<Vec<String>> {
        Ok(self
            .conn()
            .prepare(
                "SELECT sha256 FROM blob_local WHERE complete = 1 AND uploaded = 1
                 ORDER BY sha256",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The relay no longer holds this blob whole (it lost it): the next upload sends again the
    /// chunks it lacks.
    pub fn mark_blob_for_upload(&self, sha256: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE blob_local SET uploaded = 0 WHERE sha256 = ?1 AND complete = 1",
            [sha256],
        )?;
        Ok(())
    }

    /// Records that the relay holds every chunk of a blob.
    pub fn mark_blob_uploaded(&self, sha256: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE blob_local SET uploaded = 1 WHERE sha256 = ?1",
            [sha256],
        )?;
        Ok(())
    }

    /// Chunks of a known blob that this device still lacks (all of them, at first).
    pub fn missing_blob_chunks(&self, sha256: &str) -> Result<Vec<u32>> {
        let Some(info) = self.blob(sha256)? else {
            return Err(StoreError::InvalidChange(format!("no blob {sha256}")));
        };
        if info.local {
            return Ok(Vec::new());
        }
        let present: std::collections::HashSet<u32> = self
            .conn()
            .prepare("SELECT idx FROM blob_chunk WHERE sha256 = ?1")?
            .query_map([sha256], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok((0..info.chunk_count())
            .filter(|i| !present.contains(i))
            .collect())
    }

    /// How much of a blob is on this device, and its size, in bytes (None for an unknown blob).
    /// A download stores chunk by chunk as they arrive, so another connection sees it grow: the
    /// viewer shows it while it waits for an image imported on another PC.
    pub fn blob_bytes_here(&self, sha256: &str) -> Result<Option<(u64, u64)>> {
        let Some(info) = self.blob(sha256)? else {
            return Ok(None);
        };
        if info.local {
            return Ok(Some((info.size, info.size)));
        }
        let chunks: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM blob_chunk WHERE sha256 = ?1",
            [sha256],
            |r| r.get(0),
        )?;
        let here = (chunks.max(0) as u64 * info.chunk_bytes).min(info.size);
        Ok(Some((here, info.size)))
    }

    /// Stores one downloaded (already authenticated) chunk of a blob; a download interrupted
    /// later resumes from the chunks stored.
    pub fn store_fetched_chunk(&self, sha256: &str, idx: u32, data: &[u8]) -> Result<()> {
        let info = self
            .blob(sha256)?
            .ok_or_else(|| StoreError::InvalidChange(format!("no blob {sha256}")))?;
        let expected = if idx + 1 == info.chunk_count() {
            info.size - u64::from(idx) * info.chunk_bytes
        } else {
            info.chunk_bytes
        };
        if idx >= info.chunk_count() || data.len() as u64 != expected {
            return Err(corrupt(sha256));
        }
        self.conn().execute(
            "INSERT INTO blob_chunk (sha256, idx, data) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256, idx) DO NOTHING",
            params![sha256, idx, data],
        )?;
        Ok(())
    }

    /// Once every chunk is here: checks the hash and marks the blob local (and on the relay,
    /// where it came from). On a mismatch the chunks are discarded and an error says so.
    pub fn finish_fetched_blob(&self, sha256: &str) -> Result<()> {
        let missing = self.missing_blob_chunks(sha256)?;
        if !missing.is_empty() {
            return Err(StoreError::InvalidChange(format!(
                "blob {sha256} still lacks {} chunk(s)",
                missing.len()
            )));
        }
        let mut hasher = Sha256::new();
        {
            let mut stmt = self
                .conn()
                .prepare("SELECT data FROM blob_chunk WHERE sha256 = ?1 ORDER BY idx")?;
            let mut rows = stmt.query([sha256])?;
            while let Some(row) = rows.next()? {
                hasher.update(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
            }
        }
        if hex::encode(hasher.finalize()) != sha256 {
            self.conn()
                .execute("DELETE FROM blob_chunk WHERE sha256 = ?1", [sha256])?;
            return Err(corrupt(sha256));
        }
        self.conn().execute(
            "INSERT INTO blob_local (sha256, complete, uploaded, stored_at_ms) VALUES (?1, 1, 1, ?2)
             ON CONFLICT (sha256) DO UPDATE SET complete = 1, uploaded = 1",
            params![sha256, now_ms() as i64],
        )?;
        Ok(())
    }
}

/// Forgets on this device the blobs no image names any more (after an erased patient's files
/// were replaced by copies without the identity): their chunks, their local state and the frames
/// decoded from them. The synced `blob` row stays (append-only; it holds no content). Images are
/// the only rows that name blobs: a table that comes to name them must be added here.
pub(crate) fn forget_unreferenced(conn: &Connection) -> Result<()> {
    const UNREFERENCED: &str = "NOT IN (SELECT blob_sha256 FROM image)";
    // Deleted at the relay too by every PC that held it, not only by the one that replaced it:
    // a PC whose daily check of the relay's files ran before it merged the replacement may have
    // sent the old file back (a deletion the relay does not need is no error).
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO blob_retired (sha256)
             SELECT sha256 FROM blob_local WHERE sha256 {UNREFERENCED}"
        ),
        [],
    )?;
    conn.execute(
        &format!(
            "DELETE FROM blob_chunk WHERE sha256 IN
               (SELECT sha256 FROM blob_local WHERE sha256 {UNREFERENCED})"
        ),
        [],
    )?;
    conn.execute(
        &format!("DELETE FROM frame_cache WHERE blob_sha256 {UNREFERENCED}"),
        [],
    )?;
    conn.execute(
        &format!("DELETE FROM frame_preview WHERE blob_sha256 {UNREFERENCED}"),
        [],
    )?;
    conn.execute(
        &format!("DELETE FROM blob_local WHERE sha256 {UNREFERENCED}"),
        [],
    )?;
    Ok(())
}
