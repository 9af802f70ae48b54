//! Medical history rows (`medical_item`): written through change capture, read per patient.

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::MEDICAL_ITEM;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MedicalRow {
    pub id: String,
    pub patient_id: String,
    pub kind: String,
    pub label: String,
    pub detail: String,
    pub severity: String,
    pub alert: bool,
    pub noted_on: String,
    pub recorded_by: String,
    pub recorded_at_ms: i64,
    pub active: bool,
}

const COLUMNS: &str = "id, patient_id, kind, label, detail, severity, alert, noted_on, recorded_by, recorded_at_ms, active";

fn from_row(r: &Row<'_>) -> rusqlite::Result<MedicalRow> {
    Ok(MedicalRow {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        kind: r.get(2)?,
        label: r.get(3)?,
        detail: r.get(4)?,
        severity: r.get(5)?,
        alert: r.get(6)?,
        noted_on: r.get(7)?,
        recorded_by: r.get(8)?,
        recorded_at_ms: r.get(9)?,
        active: r.get(10)?,
    })
}

/// A patient's items, newest first (with those of the files merged into it).
pub fn for_patient(conn: &Connection, patient_id: &str) -> Result<Vec<MedicalRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM medical_item
         WHERE patient_id IN (SELECT value FROM json_each(?1)) AND deleted = 0
         ORDER BY recorded_at_ms DESC, id DESC"
    ))?;
    Ok(stmt
        .query_map([crate::merged::files_json(conn, patient_id)?], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<MedicalRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM medical_item WHERE id = ?1 AND deleted = 0"),
            [id],
            from_row,
        )
        .optional()?)
}

fn entity_id(id: &str) -> Result<EntityId> {
    id.parse()
        .map_err(|_| StoreError::InvalidChange(format!("medical item id {id:?} is not a UUID")))
}

impl Writer<'_> {
    pub fn insert_medical_item(&mut self, item: &MedicalRow) -> Result<()> {
        self.set(
            &MEDICAL_ITEM,
            entity_id(&item.id)?,
            &[
                ("patient_id", Value::Text(item.patient_id.clone())),
                ("kind", Value::Text(item.kind.clone())),
                ("label", Value::Text(item.label.clone())),
                ("detail", Value::Text(item.detail.clone())),
                ("severity", Value::Text(item.severity.clone())),
                ("alert", Value::Integer(i64::from(item.alert))),
                ("noted_on", Value::Text(item.noted_on.clone())),
                ("recorded_by", Value::Text(item.recorded_by.clone())),
                ("recorded_at_ms", Value::Integer(item.recorded_at_ms)),
                ("active", Value::Integer(i64::from(item.active))),
            ],
        )
    }

    /// Resolves or reactivates an item: only the `active` field changes.
    pub fn set_medical_item_active(&mut self, id: &str, active: bool) -> Result<()> {
        self.set(
            &MEDICAL_ITEM,
            entity_id(id)?,
            &[("active", Value::Integer(i64::from(active)))],
        )
    }
}
