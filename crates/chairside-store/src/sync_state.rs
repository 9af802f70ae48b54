//! This device's view of the relay's streams (`sync_stream`, local, never synced): how far each
//! device's log was pushed or pulled through the relay, and the stream checksum over those sealed
//! records. Used by `chairside-sync`.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// `(head, checksum hex)` of a device's stream as this device read it, if it ever did.
pub fn stream(conn: &Connection, device_id: &str) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT head, checksum FROM sync_stream WHERE device_id = ?1",
            [device_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn set_stream(conn: &Connection, device_id: &str, head: i64, checksum: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_stream (device_id, head, checksum) VALUES (?1, ?2, ?3)
         ON CONFLICT (device_id) DO UPDATE SET head = excluded.head, checksum = excluded.checksum",
        params![device_id, head, checksum],
    )?;
    Ok(())
}
