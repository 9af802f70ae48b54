//! The clinic row: name, address, time zone, phone region, language, idle lock, and the salt of
//! its recovery proof (see migration 0017).

use chairside_domain::{ClinicSettings, EntityId, Language};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::CLINIC;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClinicRow {
    pub id: EntityId,
    pub settings: ClinicSettings,
}

/// The clinic of this database, if set up. (One clinic per database.)
pub fn get(conn: &Connection) -> Result<Option<ClinicRow>> {
    let row: Option<(String, String, String, String, String, String, u32)> = conn
        .query_row(
            "SELECT id, name, address, timezone, phone_region, language, idle_lock_seconds
             FROM clinic WHERE deleted = 0 ORDER BY id LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((id, name, address, timezone, phone_region, language, idle_lock_seconds)) = row else {
        return Ok(None);
    };
    let bad = |what: &str| StoreError::Integrity(format!("the clinic row has an invalid {what}"));
    Ok(Some(ClinicRow {
        id: id.parse().map_err(|_| bad("id"))?,
        settings: ClinicSettings {
            name,
            address,
            timezone: timezone.parse().map_err(|_| bad("time zone"))?,
            phone_region,
            language: language.parse::<Language>().map_err(|_| bad("language"))?,
            idle_lock_seconds,
        },
    }))
}

/// The hex salt of the clinic's recovery proof: '' until the recovery key is first renewed.
pub fn recovery_salt(conn: &Connection) -> Result<String> {
    Ok(conn
        .query_row(
            "SELECT recovery_salt FROM clinic WHERE deleted = 0 ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default())
}

impl Writer<'_> {
    /// Records a renewed recovery key's salt (synced: every PC then computes the new proof).
    pub fn set_recovery_salt(&mut self, id: EntityId, salt_hex: &str) -> Result<()> {
        self.set(
            &CLINIC,
            id,
            &[("recovery_salt", Value::Text(salt_hex.to_string()))],
        )
    }

    /// Writes the fields of the clinic's settings that differ from what is stored: an
    /// unchanged field is not rewritten, so it cannot win a merge against a real edit elsewhere.
    pub fn save_clinic(&mut self, id: EntityId, s: &ClinicSettings) -> Result<()> {
        let current = get(self.conn())?.filter(|c| c.id == id);
        let fields: Vec<(&str, Value)> = [
            ("name", Value::Text(s.name.clone())),
            ("address", Value::Text(s.address.clone())),
            ("timezone", Value::Text(s.timezone.name().into())),
            ("phone_region", Value::Text(s.phone_region.clone())),
            ("language", Value::Text(s.language.code().into())),
            (
                "idle_lock_seconds",
                Value::Integer(i64::from(s.idle_lock_seconds)),
            ),
        ]
        .into_iter()
        .filter(|(field, _)| match &current {
            None => true,
            Some(c) => field_value(&c.settings, field) != field_value(s, field),
        })
        .collect();
        if fields.is_empty() {
            return Ok(());
        }
        self.set(&CLINIC, id, &fields)
    }
}

fn field_value(s: &ClinicSettings, field: &str) -> String {
    match field {
        "name" => s.name.clone(),
        "address" => s.address.clone(),
        "timezone" => s.timezone.name().into(),
        "phone_region" => s.phone_region.clone(),
        "language" => s.language.code().into(),
        _ => s.idle_lock_seconds.to_string(),
    }
}
