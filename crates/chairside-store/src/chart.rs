//! Dental chart rows (`chart_entry`, migration 0020): written through change capture, read per
//! patient. What may be charted is checked by `chairside-domain::chart` before a row is written.

use std::collections::HashMap;

use chairside_domain::EntityId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::pair_decision::KEPT_CHART_ENTRIES;
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

/// Two entries of one tooth that cannot both be true, waiting for a person (migration 0023).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contradiction {
    /// The entry that does not fit the tooth.
    pub entry_id: String,
    /// An entry that makes the tooth absent or replaced.
    pub because_of_id: String,
    /// The file the chart is read in (the kept one, once files were merged).
    pub patient_id: String,
    pub tooth: String,
    /// `tooth_absent`, `on_implant` or `on_pontic` (`chairside_domain::chart::ChartError::code`).
    pub reason: String,
    /// When this PC first found it (0 from [`contradictions_now`]).
    pub found_at_ms: i64,
}

/// Every contradiction waiting for a person, newest first.
pub fn contradictions(conn: &Connection) -> Result<Vec<Contradiction>> {
    waiting_where(conn, "?1 IS NULL", None)
}

/// The contradictions waiting in one file's chart (the file it is read in), by tooth.
pub fn contradictions_of(conn: &Connection, patient_id: &str) -> Result<Vec<Contradiction>> {
    waiting_where(conn, "patient_id = ?1", Some(patient_id))
}

fn waiting_where(
    conn: &Connection,
    condition: &str,
    patient_id: Option<&str>,
) -> Result<Vec<Contradiction>> {
    let order = if patient_id.is_some() {
        "tooth, found_at_ms DESC"
    } else {
        "found_at_ms DESC, patient_id, tooth"
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT entry_id, because_of_id, patient_id, tooth, reason, found_at_ms
             FROM chart_contradiction WHERE {condition}
             ORDER BY {order}, entry_id, because_of_id"
        ))?
        .query_map([patient_id], |r| {
            Ok(Contradiction {
                entry_id: r.get(0)?,
                because_of_id: r.get(1)?,
                patient_id: r.get(2)?,
                tooth: r.get(3)?,
                reason: r.get(4)?,
                found_at_ms: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Whether `entry_id` waits as contradicting `because_of_id`.
pub fn contradiction_waits(conn: &Connection, entry_id: &str, because_of_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM chart_contradiction WHERE entry_id = ?1 AND because_of_id = ?2",
        )?
        .query_row([entry_id, because_of_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The contradictions the charts hold now, derived afresh from every entry (what the hooks keep
/// in `chart_contradiction`, less the pairs a person kept), in the order of
/// [`contradictions`]' tie-break, `found_at_ms` 0.
pub fn contradictions_now(conn: &Connection) -> Result<Vec<Contradiction>> {
    let mut files = std::collections::BTreeSet::new();
    for holder in conn
        .prepare_cached("SELECT DISTINCT patient_id FROM chart_entry")?
        .query_map([], |r| r.get::<_, String>(0))?
    {
        files.insert(crate::merged::survivor(conn, &holder?)?);
    }
    let mut found = Vec::new();
    for file in files {
        for tooth in teeth_charted(conn, &file)? {
            found.extend(found_on_tooth(conn, &file, &tooth)?);
        }
    }
    found.sort_by(|a, b| {
        (&a.patient_id, &a.tooth, &a.entry_id, &a.because_of_id).cmp(&(
            &b.patient_id,
            &b.tooth,
            &b.entry_id,
            &b.because_of_id,
        ))
    });
    Ok(found)
}

/// Derives the contradictions of the charts a database already holds (run once, right after
/// migration 0023 created the table).
pub(crate) fn derive_all(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM chart_contradiction", [])?;
    let now = crate::now_ms() as i64;
    for mut found in contradictions_now(conn)? {
        found.found_at_ms = now;
        insert(conn, &found)?;
    }
    Ok(())
}

/// The chart entry's `on_change` hook: re-derives the contradictions of the tooth it stands on
/// now, and of the tooth or file it was found on before (an entry moved to another tooth).
pub(crate) fn on_entry(conn: &Connection, id: &str) -> Result<()> {
    let Some(row) = get(conn, id)? else {
        return Ok(());
    };
    let mut charts: std::collections::BTreeSet<(String, String)> = conn
        .prepare_cached(
            "SELECT patient_id, tooth FROM chart_contradiction WHERE entry_id = ?1
             UNION SELECT patient_id, tooth FROM chart_contradiction WHERE because_of_id = ?1",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    charts.insert((crate::merged::survivor(conn, &row.patient_id)?, row.tooth));
    for (file, tooth) in charts {
        derive_tooth(conn, &file, &tooth)?;
    }
    Ok(())
}

/// Called from a patient's `on_change` hook ([`crate::patients::reindex`]): merging or
/// separating files moves their entries into another file's chart. Re-derives the charts this
/// file's entries (and those of the files merged into it, when `has_merged_files`) are read in
/// now and were read in before. A file without entries (most) costs one index seek.
pub(crate) fn on_file(conn: &Connection, file: &str, has_merged_files: bool) -> Result<()> {
    // The common case first, a plain index seek: a first pull runs this for thousands of
    // patients, and one without entries and without merged files has nothing to re-derive.
    let has_entries = conn
        .prepare_cached("SELECT 1 FROM chart_entry WHERE patient_id = ?1 LIMIT 1")?
        .query_row([file], |_| Ok(()))
        .optional()?
        .is_some();
    if !has_entries && !has_merged_files {
        return Ok(());
    }
    let mut reached = vec![file.to_string()];
    let mut at = 0;
    while has_merged_files && at < reached.len() {
        for other in crate::merged::naming(conn, &reached[at])? {
            if !reached.contains(&other) {
                reached.push(other);
            }
        }
        at += 1;
    }
    let reached = serde_json::to_string(&reached).unwrap_or_else(|_| "[]".into());
    let holders: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT patient_id FROM chart_entry
             WHERE patient_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([&reached], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if holders.is_empty() {
        return Ok(());
    }
    let mut charts: std::collections::BTreeSet<String> = conn
        .prepare_cached(
            "SELECT c.patient_id FROM chart_contradiction c JOIN chart_entry e ON e.id = c.entry_id
             WHERE e.patient_id IN (SELECT value FROM json_each(?1))
             UNION
             SELECT c.patient_id FROM chart_contradiction c JOIN chart_entry e ON e.id = c.because_of_id
             WHERE e.patient_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([&reached], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for holder in holders {
        charts.insert(crate::merged::survivor(conn, &holder)?);
    }
    for chart in charts {
        let mut teeth = teeth_charted(conn, &chart)?;
        teeth.extend(
            conn.prepare_cached(
                "SELECT DISTINCT tooth FROM chart_contradiction WHERE patient_id = ?1",
            )?
            .query_map([&chart], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        );
        for tooth in teeth {
            derive_tooth(conn, &chart, &tooth)?;
        }
    }
    Ok(())
}

/// The `on_change` hook of a decision to keep both entries: the pair no longer waits.
pub(crate) fn on_review(conn: &Connection, row_id: &str) -> Result<()> {
    if let Some((a, b)) = KEPT_CHART_ENTRIES.pair_of(conn, row_id)? {
        conn.execute(
            "DELETE FROM chart_contradiction
             WHERE (entry_id = ?1 AND because_of_id = ?2) OR (entry_id = ?2 AND because_of_id = ?1)",
            [&a, &b],
        )?;
    }
    Ok(())
}

/// The teeth a file's chart has entries on (with the files merged into it).
fn teeth_charted(conn: &Connection, file: &str) -> Result<std::collections::BTreeSet<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT DISTINCT tooth FROM chart_entry
             WHERE patient_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([crate::merged::files_json(conn, file)?], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Re-derives the contradictions of one tooth of one file's chart; a pair still found keeps the
/// time it was first found.
fn derive_tooth(conn: &Connection, file: &str, tooth: &str) -> Result<()> {
    let found_before: HashMap<(String, String), i64> = conn
        .prepare_cached(
            "SELECT entry_id, because_of_id, found_at_ms FROM chart_contradiction
             WHERE patient_id = ?1 AND tooth = ?2",
        )?
        .query_map([file, tooth], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("DELETE FROM chart_contradiction WHERE patient_id = ?1 AND tooth = ?2")?
        .execute([file, tooth])?;
    if !crate::merged::stands(conn, file)? {
        return Ok(()); // its chart is read in the file it was merged into
    }
    let now = crate::now_ms() as i64;
    for mut found in found_on_tooth(conn, file, tooth)? {
        found.found_at_ms = found_before
            .get(&(found.entry_id.clone(), found.because_of_id.clone()))
            .copied()
            .unwrap_or(now);
        insert(conn, &found)?;
    }
    Ok(())
}

fn insert(conn: &Connection, c: &Contradiction) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO chart_contradiction
             (entry_id, because_of_id, patient_id, tooth, reason, found_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        c.entry_id,
        c.because_of_id,
        c.patient_id,
        c.tooth,
        c.reason,
        c.found_at_ms
    ])?;
    Ok(())
}

/// The contradictions among the entries standing on one tooth of a standing file's chart
/// (active, not settled, of a kind and status this version knows), less the pairs kept.
fn found_on_tooth(conn: &Connection, file: &str, tooth: &str) -> Result<Vec<Contradiction>> {
    use chairside_domain::chart::{ChartKind, ChartStatus, Surfaces};
    use chairside_domain::teeth::Tooth;
    let Ok(parsed) = Tooth::parse(tooth) else {
        return Ok(Vec::new());
    };
    let rows: Vec<ChartRow> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM chart_entry
             WHERE patient_id IN (SELECT value FROM json_each(?1)) AND tooth = ?2
             ORDER BY recorded_at_ms, id"
        ))?
        .query_map(
            [crate::merged::files_json(conn, file)?, tooth.to_string()],
            from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    // Only entries of one tooth can settle one another (`settled` compares teeth).
    let settled = settled(&rows);
    let standing: Vec<(&ChartRow, (ChartKind, ChartStatus, Surfaces))> = rows
        .iter()
        .filter(|r| r.active && !settled.contains_key(&r.id))
        .filter_map(|r| {
            Some((
                r,
                (
                    ChartKind::parse(&r.kind).ok()?,
                    ChartStatus::parse(&r.status).ok()?,
                    Surfaces::from_stored(&r.surfaces),
                ),
            ))
        })
        .collect();
    let entries: Vec<_> = standing.iter().map(|(_, e)| *e).collect();
    let mut found = Vec::new();
    for c in chairside_domain::chart::contradictions(parsed, &entries) {
        let (entry, because_of) = (standing[c.entry].0, standing[c.because_of].0);
        if KEPT_CHART_ENTRIES.decided(conn, &entry.id, &because_of.id)? {
            continue;
        }
        found.push(Contradiction {
            entry_id: entry.id.clone(),
            because_of_id: because_of.id.clone(),
            patient_id: file.to_string(),
            tooth: tooth.to_string(),
            reason: c.error.code().to_string(),
            found_at_ms: 0,
        });
    }
    Ok(found)
}

impl Writer<'_> {
    /// A person's decision that two contradicting entries both stand as charted.
    pub fn keep_chart_entries(
        &mut self,
        x: &str,
        y: &str,
        decided_by: &str,
        decided_at_ms: i64,
    ) -> Result<()> {
        self.decide_pair(&KEPT_CHART_ENTRIES, x, y, decided_by, decided_at_ms)
    }
}
