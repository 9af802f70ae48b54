//! Consent records (`consent`): append-only, read per patient.

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::CONSENT;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRow {
    pub id: String,
    pub patient_id: String,
    pub kind: String,
    pub granted: bool,
    pub text_version: String,
    pub recorded_by: String,
    pub recorded_at_ms: i64,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<ConsentRow> {
    Ok(ConsentRow {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        kind: r.get(2)?,
        granted: r.get(3)?,
        text_version: r.get(4)?,
        recorded_by: r.get(5)?,
        recorded_at_ms: r.get(6)?,
    })
}

/// A patient's consent records, newest first (with those of the files merged into it).
pub fn for_patient(conn: &Connection, patient_id: &str) -> Result<Vec<ConsentRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, patient_id, kind, granted, text_version, recorded_by, recorded_at_ms
         FROM consent WHERE patient_id IN (SELECT value FROM json_each(?1))
         ORDER BY recorded_at_ms DESC, id DESC",
    )?;
    Ok(stmt
        .query_map([crate::merged::files_json(conn, patient_id)?], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

impl Writer<'_> {
    pub fn append_consent(&mut self, c: &ConsentRow) -> Result<()> {
        let id: EntityId = c.id.parse().map_err(|_| {
            StoreError::InvalidChange(format!("consent id {:?} is not a UUID", c.id))
        })?;
        self.append(
            &CONSENT,
            id,
            &[
                ("patient_id", Value::Text(c.patient_id.clone())),
                ("kind", Value::Text(c.kind.clone())),
                ("granted", Value::Integer(i64::from(c.granted))),
                ("text_version", Value::Text(c.text_version.clone())),
                ("recorded_by", Value::Text(c.recorded_by.clone())),
                ("recorded_at_ms", Value::Integer(c.recorded_at_ms)),
            ],
        )
    }
}
