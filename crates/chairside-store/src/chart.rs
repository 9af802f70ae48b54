//! Dental chart rows (`chart_entry`, migration 0020): written through change capture, read per
//! patient. What may be charted is checked by `chairside-domain::chart` before a row is written.

use std::collections::HashMap;

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::schema::CHART_ENTRY;

/// One entry of a patient's chart, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ChartRow {
    pub id: String,
    pub patient_id: String,
    /// FDI two digits.
    pub tooth: String,
    /// Canonical surface letters ("MOD"), empty for the whole tooth.
    pub surfaces: String,
    pub kind: String,
    pub status: String,
    pub material: String,
    pub note: String,
    /// `YYYY-MM-DD` once done here, else empty.
    pub done_on: String,
    /// When it was marked done (0 when not done): the time the timeline shows.
    pub done_at_ms: i64,
    /// Who marked it done (staff user id), empty when not done.
    pub done_by: String,
    pub recorded_by: String,
    pub recorded_at_ms: i64,
    /// False once struck out by a person (charted in error, or no longer true).
    pub active: bool,
    /// The treatment whose completion settled this finding, else empty: whether it still
    /// does is derived at each read ([`settled`]).
    pub settled_by: String,
}

const COLUMNS: &str = "id, patient_id, tooth, surfaces, kind, status, material, note, done_on, done_at_ms, done_by, recorded_by, recorded_at_ms, active, settled_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ChartRow> {
    Ok(ChartRow {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        tooth: r.get(2)?,
        surfaces: r.get(3)?,
        kind: r.get(4)?,
        status: r.get(5)?,
        material: r.get(6)?,
        note: r.get(7)?,
        done_on: r.get(8)?,
        done_at_ms: r.get(9)?,
        done_by: r.get(10)?,
        recorded_by: r.get(11)?,
        recorded_at_ms: r.get(12)?,
        active: r.get(13)?,
        settled_by: r.get(14)?,
    })
}

impl ChartRow {
    /// The fields a writer may change, in the table's order (the patient and the author stay).
    fn fields(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("tooth", Value::Text(self.tooth.clone())),
            ("surfaces", Value::Text(self.surfaces.clone())),
            ("kind", Value::Text(self.kind.clone())),
            ("status", Value::Text(self.status.clone())),
            ("material", Value::Text(self.material.clone())),
            ("note", Value::Text(self.note.clone())),
            ("done_on", Value::Text(self.done_on.clone())),
            ("done_at_ms", Value::Integer(self.done_at_ms)),
            ("done_by", Value::Text(self.done_by.clone())),
            ("active", Value::Integer(i64::from(self.active))),
            ("settled_by", Value::Text(self.settled_by.clone())),
        ]
    }
}

/// A patient's entries, active or not, by tooth then in the order they were charted (with
/// those of the files merged into it).
pub fn for_patient(conn: &Connection, patient_id: &str) -> Result<Vec<ChartRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM chart_entry
         WHERE patient_id IN (SELECT value FROM json_each(?1))
         ORDER BY tooth, recorded_at_ms, id"
    ))?;
    Ok(stmt
        .query_map([crate::merged::files_json(conn, patient_id)?], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ChartRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM chart_entry WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

fn entity_id(id: &str) -> Result<EntityId> {
    id.parse()
        .map_err(|_| StoreError::InvalidChange(format!("chart entry id {id:?} is not a UUID")))
}

impl Writer<'_> {
    pub fn insert_chart_entry(&mut self, row: &ChartRow) -> Result<()> {
        let mut fields = vec![
            ("patient_id", Value::Text(row.patient_id.clone())),
            ("recorded_by", Value::Text(row.recorded_by.clone())),
            ("recorded_at_ms", Value::Integer(row.recorded_at_ms)),
        ];
        fields.extend(row.fields());
        self.set(&CHART_ENTRY, entity_id(&row.id)?, &fields)
    }

    /// Writes the fields of an entry that differ from `before`: a note added in one operatory
    /// and the status changed in another are two edits, both kept; two status changes are a
    /// concurrent edit of one field, for a person to review.
    pub fn update_chart_entry(&mut self, before: &ChartRow, after: &ChartRow) -> Result<()> {
        let changed: Vec<(&str, Value)> = after
            .fields()
            .into_iter()
            .zip(before.fields())
            .filter(|((_, new), (_, old))| new != old)
            .map(|(field, _)| field)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        self.set(&CHART_ENTRY, entity_id(&after.id)?, &changed)
    }
}

/// The findings settled now, each with the treatment that settles it. Derived at each read
/// rather than written, so that PCs that changed the chart apart agree once they have merged,
/// and nothing has to be written to undo a settlement:
///
/// * a finding names the treatment whose completion settled it (`settled_by`), and stays
///   settled only while that treatment is in the chart, active, done, on the same tooth and
///   still covering it (`chairside_domain::chart::settles`): one PC striking out or narrowing a
///   treatment another marked done gives its findings back everywhere;
/// * a finding still in the chart is also settled by a treatment active and done on its tooth
///   that covers it and was done after the finding was charted (`done_at_ms` against
///   `recorded_at_ms`): a caries charted at one PC while another marked the restoration done is
///   settled once both merged, as it would have been at one PC. A finding charted after the
///   treatment was done (decay come back under an old restoration) stays open.
pub fn settled(rows: &[ChartRow]) -> HashMap<String, String> {
    use chairside_domain::chart::{ChartKind, Surfaces, settles};
    let by_id: HashMap<&str, &ChartRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let settles_it = |treatment: &ChartRow, finding: &ChartRow| {
        treatment.active
            && treatment.status == "done"
            && treatment.tooth == finding.tooth
            && matches!(
                (ChartKind::parse(&treatment.kind), ChartKind::parse(&finding.kind)),
                (Ok(t), Ok(f)) if settles(
                    t,
                    Surfaces::from_stored(&treatment.surfaces),
                    f,
                    Surfaces::from_stored(&finding.surfaces),
                )
            )
    };
    // Earliest done first, so that the treatment named is the one that settled it first.
    let mut done: Vec<&ChartRow> = rows
        .iter()
        .filter(|r| r.active && r.status == "done")
        .collect();
    done.sort_by_key(|r| (r.done_at_ms, r.id.as_str()));
    rows.iter()
        .filter_map(|finding| {
            let named = by_id
                .get(finding.settled_by.as_str())
                .filter(|treatment| settles_it(treatment, finding));
            let by_time = || {
                done.iter().copied().find(|treatment| {
                    finding.active
                        && treatment.id != finding.id
                        && treatment.done_at_ms >= finding.recorded_at_ms
                        && settles_it(treatment, finding)
                })
            };
            let treatment = named.copied().or_else(by_time)?;
            Some((finding.id.clone(), treatment.id.clone()))
        })
        .collect()
}
