//! This device's view of the relay's streams (`sync_stream`, local, never synced): how far each
//! device's log was pushed or pulled through the relay, the stream checksum over those sealed
//! records, and the stream's revision at the relay when that checksum was computed. Also the
//! queue of change sets (of any device) to seal again at the relay after an erasure scrubbed them
//! (`stream_redaction`, see `erasure`), and under which key epoch each stream was sealed
//! (`stream_key_epoch`, migration 0024). Used by `chairside-sync`.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// A device's stream as this device read it through the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamState {
    /// The last record read (or pushed, for this device's own stream).
    pub head: i64,
    /// The stream checksum up to `head`, hex.
    pub checksum: String,
    /// The relay's revision of the stream the checksum was computed at.
    pub revision: i64,
}

/// A device's stream as this device read it, if it ever did.
pub fn stream(conn: &Connection, device_id: &str) -> Result<Option<StreamState>> {
    Ok(conn
        .prepare_cached("SELECT head, checksum, revision FROM sync_stream WHERE device_id = ?1")?
        .query_row([device_id], |r| {
            Ok(StreamState {
                head: r.get(0)?,
                checksum: r.get(1)?,
                revision: r.get(2)?,
            })
        })
        .optional()?)
}

pub fn set_stream(conn: &Connection, device_id: &str, state: &StreamState) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_stream (device_id, head, checksum, revision) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (device_id) DO UPDATE
         SET head = excluded.head, checksum = excluded.checksum, revision = excluded.revision",
    )?
    .execute(params![
        device_id,
        state.head,
        state.checksum,
        state.revision
    ])?;
    Ok(())
}

/// The devices whose streams this device has read through a relay (every log it holds of another
/// device came that way), sorted.
pub fn read_streams(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT device_id FROM sync_stream ORDER BY device_id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks every stream's checksum as computed at `revision` (a value no relay gives), keeping how
/// far each was read: after this device joined another relay, whose revisions start again, the
/// next sync checks each stream against it once (from this device's own copy where it can).
pub fn set_every_revision(conn: &Connection, revision: i64) -> Result<()> {
    conn.execute("UPDATE sync_stream SET revision = ?1", [revision])?;
    Ok(())
}

/// The changes of this device (`device_id`) waiting for the relay, `pushed` being how far its log
/// reached it: the change sets after it that change data, and the sets that an erasure scrubbed
/// and that wait to be replaced there (this device's up to `pushed`, another device's up to where
/// this device read its stream). A set that holds audit entries only (a sign-in, a file opened, a
/// search, the record of a sync) goes with the next sync like any other, but is not a change
/// waiting for a person: after "sync now", whose own audit entry is written once the exchange is
/// over, nothing people typed is waiting.
pub fn changes_waiting(conn: &Connection, device_id: &str, pushed: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT COUNT(*) FROM change_set s
                     WHERE s.device_id = ?1 AND s.idx > ?2 AND EXISTS (
                         SELECT 1 FROM field_change f
                         WHERE f.set_id = s.id AND f.tbl <> 'audit_event'))
                  + (SELECT COUNT(*) FROM stream_redaction r
                     WHERE r.idx <= CASE WHEN r.device_id = ?1 THEN ?2 ELSE (
                         SELECT head FROM sync_stream t WHERE t.device_id = r.device_id) END)",
        )?
        .query_row(params![device_id, pushed], |r| r.get(0))?)
}

/// The change sets, of any device, that an erasure scrubbed since they were queued: by device,
/// in order. Those the relay holds are to be sealed again there (`chairside-sync`).
pub fn redactions(conn: &Connection) -> Result<BTreeMap<String, Vec<i64>>> {
    let mut stmt =
        conn.prepare_cached("SELECT device_id, idx FROM stream_redaction ORDER BY device_id, idx")?;
    let mut rows = stmt.query([])?;
    let mut queued: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        queued.entry(row.get(0)?).or_default().push(row.get(1)?);
    }
    Ok(queued)
}

/// Takes change sets of one device off the redaction queue (replaced at the relay, or sent there
/// already scrubbed).
pub fn clear_redactions(conn: &Connection, device_id: &str, indexes: &[i64]) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("DELETE FROM stream_redaction WHERE device_id = ?1 AND idx = ?2")?;
    for idx in indexes {
        stmt.execute(params![device_id, idx])?;
    }
    Ok(())
}

/// Where each key epoch starts in one device's stream: `(from_idx, epoch)`, by index. A set at
/// `idx` was sealed under the epoch of the last entry at or below it (0 before the first).
pub fn key_epochs(conn: &Connection, device_id: &str) -> Result<Vec<(i64, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT from_idx, epoch FROM stream_key_epoch WHERE device_id = ?1 ORDER BY from_idx",
    )?;
    let rows = stmt.query_map([device_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records that `device_id`'s stream is sealed under `epoch` from `from_idx` on: what was
/// recorded from there on is replaced (a stream read again after a relay lost part of it).
pub fn set_key_epoch_from(
    conn: &Connection,
    device_id: &str,
    from_idx: i64,
    epoch: u32,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM stream_key_epoch WHERE device_id = ?1 AND from_idx >= ?2")?
        .execute(params![device_id, from_idx])?;
    conn.prepare_cached(
        "INSERT INTO stream_key_epoch (device_id, from_idx, epoch) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![device_id, from_idx, epoch])?;
    Ok(())
}
