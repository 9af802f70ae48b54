//! The clinic's devices as people see them (see migration 0008): names, enrollment dates,
//! revocations. Synced like any mutable table.

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::DEVICE;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: String,
    pub name: String,
    pub enrolled_at_ms: i64,
    pub revoked: bool,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        enrolled_at_ms: r.get(2)?,
        revoked: r.get(3)?,
    })
}

/// Every device of the clinic, by enrollment date.
pub fn all(conn: &Connection) -> Result<Vec<DeviceRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, enrolled_at_ms, revoked FROM device WHERE deleted = 0
         ORDER BY enrolled_at_ms, id",
    )?;
    Ok(stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

impl Writer<'_> {
    /// Records a device of the clinic (or renames it).
    pub fn save_device(&mut self, id: &str, name: &str, enrolled_at_ms: i64) -> Result<()> {
        let entity: EntityId = id
            .parse()
            .map_err(|_| StoreError::InvalidChange(format!("device id {id:?} is not a UUID")))?;
        self.set(
            &DEVICE,
            entity,
            &[
                ("name", Value::Text(name.into())),
                ("enrolled_at_ms", Value::Integer(enrolled_at_ms)),
            ],
        )
    }

    pub fn mark_device_revoked(&mut self, id: &str) -> Result<()> {
        let entity: EntityId = id
            .parse()
            .map_err(|_| StoreError::InvalidChange(format!("device id {id:?} is not a UUID")))?;
        self.set(&DEVICE, entity, &[("revoked", Value::Integer(1))])
    }
}
