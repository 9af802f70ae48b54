//! Dental chart use cases: read a patient's odontogram and entries, chart a finding or a
//! treatment on a tooth, edit it, mark it done, strike it out. The rules of what may be charted
//! and of what a completed treatment settles are `chairside_domain::chart`'s; this module reads
//! and writes through them. Reading needs the clinical record's permission and is audited with
//! the patient's id; every write is audited with the entry's id and tooth, never its note.

use std::collections::HashMap;

use chairside_domain::chart::{
    self as rules, ChartEntrySpec, ChartError, ChartKind as Kind, ChartStatus as Status, Material,
    Surface, Surfaces, ToothState as State,
};
use chairside_domain::teeth::Tooth;
use chairside_domain::{EntityId, Permission as P};
use chairside_store::changes::Writer;
use chairside_store::chart::{self as rows, ChartRow};

use crate::error::{ApiError, code, reason};
use crate::patients::bounded;
use crate::{
    App, ChartContradiction, ChartEntry, ChartEntryInput, ChartKind, ChartKindRule, ChartStatus,
    ChartTooth, ChartUpdate, DentalChart, KeepChartEntriesRequest, Result, SurfaceMark, ToothMark,
    ToothMaterial, ToothState, record, staff_display_name,
};

/// The longest note on an entry.
const NOTE_MAX: usize = 1000;

impl App {
    /// The patient's chart: the odontogram (both dentitions) and every entry.
    pub fn dental_chart(&mut self, patient_id: &str) -> Result<DentalChart> {
        let session = self.authorize(P::ViewClinical, "chart.read")?;
        self.require_patient(patient_id)?;
        let chart = self.read_chart(patient_id)?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "chart.read",
            "patient",
            patient_id,
            "ok",
            "",
        ))?;
        Ok(chart)
    }

    /// One entry, as the chart shows it (read like the chart: audited with the patient's id).
    pub fn chart_entry(&mut self, entry_id: &str) -> Result<ChartEntry> {
        let session = self.authorize(P::ViewClinical, "chart.read")?;
        let row = self.chart_entry_row(entry_id)?;
        // Read through its chart: whether a finding is settled depends on the other entries.
        let shown = chairside_store::merged::survivor(self.store()?.conn(), &row.patient_id)?;
        let entry = self
            .read_chart(&shown)?
            .entries
            .into_iter()
            .find(|e| e.id == entry_id)
            .ok_or_else(|| {
                ApiError::new(
                    code::NOT_FOUND,
                    format!(
                        "chart entry {entry_id} was charted by a newer version of Chairside: update this PC"
                    ),
                )
            })?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "chart.read",
            "patient",
            &row.patient_id,
            "ok",
            entry_id,
        ))?;
        Ok(entry)
    }

    /// Charts a finding or a treatment. One charted as done settles the findings it treats.
    /// A file merged into another is charted in that one (the person's file now).
    pub fn add_chart_entry(
        &mut self,
        patient_id: &str,
        input: ChartEntryInput,
    ) -> Result<ChartUpdate> {
        let session = self.authorize(P::EditClinical, "chart.create")?;
        self.require_patient(patient_id)?;
        let kept = chairside_store::merged::survivor(self.store()?.conn(), patient_id)?;
        let patient_id = kept.as_str();
        self.require_live_patient(patient_id)?;
        let checked = self.checked(&input, &session.user_id.to_string())?;
        let row = ChartRow {
            id: EntityId::new().to_string(),
            patient_id: patient_id.to_string(),
            recorded_by: session.user_id.to_string(),
            recorded_at_ms: chrono::Utc::now().timestamp_millis(),
            active: true,
            ..checked
        };
        let chart_before = rows::for_patient(self.store()?.conn(), patient_id)?;
        let settled_before = rows::settled(&chart_before);
        fits_its_tooth(&chart_before, &settled_before, &row)?;
        let follow_up = follow_up(&row, chart_before, &settled_before);
        let user = session.user_id.to_string();
        let detail = format!("{} tooth={}", row.id, row.tooth);
        self.store_mut()?.write(|w| {
            w.insert_chart_entry(&row)?;
            write_follow_up(w, &follow_up)?;
            w.audit(record(
                &user,
                "chart.create",
                "patient",
                patient_id,
                "ok",
                &detail,
            ))?;
            Ok(())
        })?;
        self.chart_update(patient_id, &row.id, &settled_before)
    }

    /// Changes an entry (its tooth, surfaces, kind, status, material, note or day done): only
    /// the fields that differ are written, so an edit of another field at another PC stands.
    pub fn update_chart_entry(
        &mut self,
        entry_id: &str,
        input: ChartEntryInput,
    ) -> Result<ChartUpdate> {
        let session = self.authorize(P::EditClinical, "chart.update")?;
        let before = self.chart_entry_row(entry_id)?;
        self.require_live_patient(&before.patient_id)?;
        let checked = self.checked(&input, &session.user_id.to_string())?;
        // Still done: marked done when and by whom it first was.
        let (done_at_ms, done_by) = if checked.status == before.status {
            (before.done_at_ms, before.done_by.clone())
        } else {
            (checked.done_at_ms, checked.done_by.clone())
        };
        let after = ChartRow {
            id: before.id.clone(),
            patient_id: before.patient_id.clone(),
            recorded_by: before.recorded_by.clone(),
            recorded_at_ms: before.recorded_at_ms,
            active: before.active,
            settled_by: before.settled_by.clone(),
            done_at_ms,
            done_by,
            ..checked
        };
        self.write_entry(&session.user_id.to_string(), &before, &after)
    }

    /// Marks a planned entry done, on `done_on` (today when absent); it settles the findings
    /// it treats.
    pub fn complete_chart_entry(
        &mut self,
        entry_id: &str,
        done_on: Option<String>,
    ) -> Result<ChartUpdate> {
        let session = self.authorize(P::EditClinical, "chart.update")?;
        let before = self.chart_entry_row(entry_id)?;
        self.require_live_patient(&before.patient_id)?;
        if before.status != Status::Planned.code() {
            return Err(ApiError::invalid(
                "status",
                format!(
                    "only a planned entry is marked done; this one is {}",
                    before.status
                ),
            )
            .because(reason::NOT_PLANNED));
        }
        if !before.active {
            return Err(ApiError::invalid(
                "active",
                "this entry is struck out: restore it first if it is to be done",
            )
            .because(reason::STRUCK_OUT));
        }
        let mut after = before.clone();
        after.status = Status::Done.code().to_string();
        after.done_on = self.day_done(done_on.as_deref())?;
        after.done_at_ms = chrono::Utc::now().timestamp_millis();
        after.done_by = session.user_id.to_string();
        self.write_entry(&session.user_id.to_string(), &before, &after)
    }

    /// Strikes an entry out (charted in error, or no longer true) or brings it back. A done
    /// treatment struck out gives back the findings it settled.
    pub fn set_chart_entry_active(&mut self, entry_id: &str, active: bool) -> Result<ChartUpdate> {
        let session = self.authorize(P::EditClinical, "chart.update")?;
        let before = self.chart_entry_row(entry_id)?;
        self.require_live_patient(&before.patient_id)?;
        let shown = chairside_store::merged::survivor(self.store()?.conn(), &before.patient_id)?;
        if active
            && rows::settled(&rows::for_patient(self.store()?.conn(), &shown)?)
                .contains_key(entry_id)
        {
            return Err(ApiError::invalid(
                "active",
                "this finding was settled by a treatment that still stands: strike that treatment out, or chart the finding again if it came back",
            )
            .because(reason::SETTLED_FINDING));
        }
        let mut after = before.clone();
        after.active = active;
        self.write_entry(&session.user_id.to_string(), &before, &after)
    }

    /// A person's decision that two contradicting entries (charted apart at two PCs) both
    /// stand as charted: synced, so no PC shows the pair again. Striking one out is the other
    /// way to settle it ([`App::set_chart_entry_active`]).
    pub fn keep_chart_entries(&mut self, req: KeepChartEntriesRequest) -> Result<()> {
        let session = self.authorize(P::EditClinical, "chart.keep_both")?;
        let conn = self.store()?.conn();
        if !rows::contradiction_waits(conn, &req.entry_id, &req.because_of_id)? {
            return Err(ApiError::new(
                code::NOT_FOUND,
                "these two chart entries no longer wait: they were settled here or on another PC",
            ));
        }
        let patient_id = self.chart_entry_row(&req.entry_id)?.patient_id;
        let user = session.user_id.to_string();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let detail = format!("{} {}", req.entry_id, req.because_of_id);
        self.store_mut()?.write(|w| {
            w.keep_chart_entries(&req.entry_id, &req.because_of_id, &user, now_ms)?;
            w.audit(record(
                &user,
                "chart.keep_both",
                "patient",
                &patient_id,
                "ok",
                &detail,
            ))
        })?;
        Ok(())
    }

    /// The chart contradictions waiting for a person, in every file (for the inbox) or in one
    /// file's chart; the caller checked that the person sees the clinical record. An erased
    /// file's chart takes nothing new, so its pairs are not shown; a deleted file's neither.
    pub(crate) fn chart_contradictions(
        &self,
        in_file: Option<&str>,
    ) -> Result<Vec<ChartContradiction>> {
        let conn = self.store()?.conn();
        let waiting = match in_file {
            Some(file) => rows::contradictions_of(conn, file)?,
            None => rows::contradictions(conn)?,
        };
        let standing = |id: &str| -> Result<Option<ChartEntry>> {
            let Some(mut row) = rows::get(conn, id)? else {
                return Ok(None);
            };
            let (Ok(kind), Ok(status)) = (Kind::parse(&row.kind), Status::parse(&row.status))
            else {
                return Ok(None);
            };
            // Found among the tooth's standing entries: no settlement holds for either.
            row.settled_by.clear();
            Ok(Some(to_dto(conn, row, kind, status)))
        };
        let mut found = Vec::new();
        for c in waiting {
            let Some(patient) = chairside_store::patients::get(conn, &c.patient_id)? else {
                continue;
            };
            if patient.erased_at_ms != 0 {
                continue;
            }
            let (Some(entry), Some(because_of)) =
                (standing(&c.entry_id)?, standing(&c.because_of_id)?)
            else {
                continue;
            };
            found.push(ChartContradiction {
                patient: crate::patients::patient_ref(patient),
                tooth: c.tooth,
                entry,
                because_of,
                reason: c.reason,
                found_at_ms: c.found_at_ms,
            });
        }
        Ok(found)
    }

    fn write_entry(
        &mut self,
        user: &str,
        before: &ChartRow,
        after: &ChartRow,
    ) -> Result<ChartUpdate> {
        let patient_id = after.patient_id.clone();
        let conn = self.store()?.conn();
        let shown = chairside_store::merged::survivor(conn, &patient_id)?;
        let chart_before = rows::for_patient(conn, &shown)?;
        let settled_before = rows::settled(&chart_before);
        // What the entry says of its tooth changes (or it comes back): it must fit the rest of
        // the chart. A note or a day corrected on an entry merged beside a contradicting one
        // (two operatories apart) is not refused for that.
        let changes_the_tooth = after.active
            && (!before.active
                || before.tooth != after.tooth
                || before.kind != after.kind
                || before.status != after.status);
        if changes_the_tooth {
            fits_its_tooth(&chart_before, &settled_before, after)?;
        }
        let follow_up = follow_up(after, chart_before, &settled_before);
        let detail = format!("{} tooth={}", after.id, after.tooth);
        self.store_mut()?.write(|w| {
            w.update_chart_entry(before, after)?;
            write_follow_up(w, &follow_up)?;
            w.audit(record(
                user,
                "chart.update",
                "patient",
                &patient_id,
                "ok",
                &detail,
            ))?;
            Ok(())
        })?;
        self.chart_update(&shown, &after.id, &settled_before)
    }

    fn chart_entry_row(&self, entry_id: &str) -> Result<ChartRow> {
        rows::get(self.store()?.conn(), entry_id)?.ok_or_else(|| {
            ApiError::new(
                code::NOT_FOUND,
                format!("no chart entry with id {entry_id}"),
            )
        })
    }

    /// The input checked against the domain's rules, as the fields of a row.
    fn checked(&self, input: &ChartEntryInput, user: &str) -> Result<ChartRow> {
        let tooth = Tooth::parse(&input.tooth)
            .map_err(|e| ApiError::invalid("tooth", e).because(reason::NOT_A_TOOTH))?;
        let surfaces = Surfaces::parse(&input.surfaces, tooth).map_err(invalid)?;
        let spec = ChartEntrySpec {
            tooth,
            kind: kind_to_domain(input.kind),
            status: status_to_domain(input.status),
            surfaces,
            material: input.material.map(material_to_domain),
        };
        spec.check().map_err(invalid)?;
        // A day done belongs to a done entry only; one left over from a status changed back
        // in the form is not kept.
        let (done_on, done_at_ms, done_by) = if spec.status == Status::Done {
            (
                self.day_done(input.done_on.as_deref())?,
                chrono::Utc::now().timestamp_millis(),
                user.to_string(),
            )
        } else {
            (String::new(), 0, String::new())
        };
        Ok(ChartRow {
            tooth: tooth.to_string(),
            surfaces: surfaces.to_string(),
            kind: spec.kind.code().to_string(),
            status: spec.status.code().to_string(),
            material: spec
                .material
                .map(|m| m.code().to_string())
                .unwrap_or_default(),
            note: bounded("note", &input.note, NOTE_MAX)?,
            done_on,
            done_at_ms,
            done_by,
            ..ChartRow::default()
        })
    }

    /// A day done as typed (`YYYY-MM-DD`, not in the future), or the clinic's today.
    fn day_done(&self, text: Option<&str>) -> Result<String> {
        Ok(self
            .past_day_or_today("done_on", text)?
            .format("%Y-%m-%d")
            .to_string())
    }

    /// The chart after a write, with what the write settled and gave back (`before`: the
    /// findings settled before it).
    fn chart_update(
        &self,
        patient_id: &str,
        entry_id: &str,
        before: &HashMap<String, String>,
    ) -> Result<ChartUpdate> {
        let stored = rows::for_patient(self.store()?.conn(), patient_id)?;
        let after = rows::settled(&stored);
        let newly = |now: &HashMap<String, String>, then: &HashMap<String, String>| {
            let mut ids: Vec<String> = now
                .keys()
                .filter(|id| !then.contains_key(*id))
                .cloned()
                .collect();
            ids.sort();
            ids
        };
        let contradictions = self.chart_contradictions(Some(patient_id))?;
        Ok(ChartUpdate {
            chart: chart_of(
                self.store()?.conn(),
                patient_id,
                stored,
                &after,
                contradictions,
            ),
            entry_id: entry_id.to_string(),
            settled: newly(&after, before),
            restored: newly(before, &after),
        })
    }

    fn read_chart(&self, patient_id: &str) -> Result<DentalChart> {
        let conn = self.store()?.conn();
        let stored = rows::for_patient(conn, patient_id)?;
        let settled = rows::settled(&stored);
        let contradictions = self.chart_contradictions(Some(patient_id))?;
        Ok(chart_of(conn, patient_id, stored, &settled, contradictions))
    }
}

/// The chart as shown, from the patient's stored entries, the findings settled now and the
/// contradictions waiting in it.
fn chart_of(
    conn: &chairside_store::Connection,
    patient_id: &str,
    stored: Vec<ChartRow>,
    settled: &HashMap<String, String>,
    contradictions: Vec<ChartContradiction>,
) -> DentalChart {
    let teeth = |primary: bool| -> Vec<ChartTooth> {
        Tooth::chart_order(primary)
            .into_iter()
            .map(|tooth| {
                to_tooth(
                    tooth,
                    &standing_on(&stored, settled, &tooth.to_string(), ""),
                )
            })
            .collect()
    };
    let (permanent, primary) = (teeth(false), teeth(true));
    let has_primary_entries = primary.iter().any(|t| t.active_entries > 0);
    // An entry of a kind or status this version does not know (charted on a newer one) is
    // left out of what is shown; it stays stored and syncs on.
    let entries = stored
        .into_iter()
        .filter_map(|mut row| {
            let kind = Kind::parse(&row.kind).ok()?;
            let status = Status::parse(&row.status).ok()?;
            // As shown: a settled finding is out of the chart, naming what settled it; a
            // settlement that no longer holds names nothing.
            match settled.get(&row.id) {
                Some(treatment) => {
                    row.active = false;
                    row.settled_by = treatment.clone();
                }
                None => row.settled_by.clear(),
            }
            Some(to_dto(conn, row, kind, status))
        })
        .collect();
    DentalChart {
        patient_id: patient_id.to_string(),
        permanent,
        primary,
        has_primary_entries,
        entries,
        kinds: kind_rules(),
        contradictions,
    }
}

/// Every kind with what it takes (the domain's order: findings first).
fn kind_rules() -> Vec<ChartKindRule> {
    Kind::ALL
        .into_iter()
        .map(|kind| ChartKindRule {
            kind: kind_to_dto(kind),
            finding: kind.is_finding(),
            default_status: status_to_dto(kind.default_status()),
            materials: kind
                .materials()
                .iter()
                .copied()
                .map(material_to_dto)
                .collect(),
        })
        .collect()
}

impl ChartKind {
    /// The status an entry of this kind is charted with unless said otherwise (the domain's
    /// rule): a finding as found, a treatment as planned.
    pub fn default_status(self) -> ChartStatus {
        status_to_dto(kind_to_domain(self).default_status())
    }
}

/// The findings an entry written as `entry` settles: when it is a treatment standing as done,
/// the active findings of its tooth (in `chart`, the patient's entries before the write) that it
/// treats and that no other standing treatment settles already (`settled`) now name it. Nothing
/// is written to undo a settlement: a treatment struck out, no longer done or narrowed simply no
/// longer settles them ([`rows::settled`]). Pairs of (before, after).
fn follow_up(
    entry: &ChartRow,
    chart: Vec<ChartRow>,
    settled: &HashMap<String, String>,
) -> Vec<(ChartRow, ChartRow)> {
    let (true, Ok(kind)) = (
        entry.active && entry.status == Status::Done.code(),
        Kind::parse(&entry.kind),
    ) else {
        return Vec::new();
    };
    let treated = Surfaces::from_stored(&entry.surfaces);
    chart
        .into_iter()
        .filter(|row| {
            row.id != entry.id
                && row.active
                && row.tooth == entry.tooth
                && row.settled_by != entry.id
                && !settled.contains_key(&row.id)
                && Kind::parse(&row.kind).is_ok_and(|finding| {
                    rules::settles(kind, treated, finding, Surfaces::from_stored(&row.surfaces))
                })
        })
        .map(|row| {
            let after = ChartRow {
                settled_by: entry.id.clone(),
                ..row.clone()
            };
            (row, after)
        })
        .collect()
}

fn write_follow_up(
    w: &mut Writer<'_>,
    changes: &[(ChartRow, ChartRow)],
) -> chairside_store::Result<()> {
    for (before, after) in changes {
        w.update_chart_entry(before, after)?;
    }
    Ok(())
}

/// Refuses an entry its tooth cannot take as the rest of the chart shows it (a crown on a tooth
/// charted missing, a caries on an implant: [`ChartEntrySpec::check_on`] over the tooth's other
/// active entries, settled findings being out of the chart).
fn fits_its_tooth(
    chart: &[ChartRow],
    settled: &HashMap<String, String>,
    entry: &ChartRow,
) -> Result<()> {
    let (Ok(tooth), Ok(kind), Ok(status)) = (
        Tooth::parse(&entry.tooth),
        Kind::parse(&entry.kind),
        Status::parse(&entry.status),
    ) else {
        return Ok(()); // not an entry this version charts: nothing to compare
    };
    let others = standing_on(chart, settled, &entry.tooth, &entry.id);
    let spec = ChartEntrySpec {
        tooth,
        kind,
        status,
        surfaces: Surfaces::from_stored(&entry.surfaces),
        material: None,
    };
    spec.check_on(rules::picture(&others).state)
        .map_err(invalid)
}

/// The entries standing on a tooth, as the odontogram adds them up ([`rules::picture`]): active,
/// not settled by a treatment (a settled finding is out of the chart), of a kind and status this
/// version knows; `except` leaves one entry out (the one being written).
fn standing_on(
    chart: &[ChartRow],
    settled: &HashMap<String, String>,
    tooth: &str,
    except: &str,
) -> Vec<(Kind, Status, Surfaces)> {
    chart
        .iter()
        .filter(|row| row.active && row.tooth == tooth && row.id != except)
        .filter(|row| !settled.contains_key(&row.id))
        .filter_map(|row| {
            Some((
                Kind::parse(&row.kind).ok()?,
                Status::parse(&row.status).ok()?,
                Surfaces::from_stored(&row.surfaces),
            ))
        })
        .collect()
}

/// A refusal of the chart's rules: `invalid_input` naming the field, with the rule's code as
/// its reason (`chairside_domain::chart::ChartError::code`) for the UI to word it.
fn invalid(e: ChartError) -> ApiError {
    ApiError::invalid(e.field(), &e).because(e.code())
}

fn to_tooth(tooth: Tooth, active: &[(Kind, Status, Surfaces)]) -> ChartTooth {
    let picture = rules::picture(active);
    ChartTooth {
        tooth: tooth.to_string(),
        upper: tooth.is_upper(),
        anterior: tooth.is_anterior(),
        state: match picture.state {
            State::Present => ToothState::Present,
            State::Missing => ToothState::Missing,
            State::Implant => ToothState::Implant,
            State::Pontic => ToothState::Pontic,
        },
        surfaces: Surface::ALL
            .into_iter()
            .zip(picture.surfaces)
            .filter_map(|(surface, mark)| {
                mark.map(|(kind, status)| SurfaceMark {
                    surface: surface.letter().to_string(),
                    kind: kind_to_dto(kind),
                    status: status_to_dto(status),
                })
            })
            .collect(),
        whole: picture
            .whole
            .into_iter()
            .map(|(kind, status)| ToothMark {
                kind: kind_to_dto(kind),
                status: status_to_dto(status),
            })
            .collect(),
        active_entries: active.len() as u32,
    }
}

fn to_dto(
    conn: &chairside_store::Connection,
    row: ChartRow,
    kind: Kind,
    status: Status,
) -> ChartEntry {
    ChartEntry {
        recorded_by: staff_display_name(conn, &row.recorded_by),
        done_by: Some(&row.done_by)
            .filter(|d| !d.is_empty())
            .map(|d| staff_display_name(conn, d)),
        material: Material::parse(&row.material).ok().map(material_to_dto),
        done_on: Some(row.done_on).filter(|d| !d.is_empty()),
        settled_by: Some(row.settled_by).filter(|s| !s.is_empty()),
        id: row.id,
        patient_id: row.patient_id,
        tooth: row.tooth,
        surfaces: row.surfaces,
        kind: kind_to_dto(kind),
        status: status_to_dto(status),
        note: row.note,
        recorded_at_ms: row.recorded_at_ms,
        active: row.active,
    }
}

pub(crate) fn kind_to_dto(kind: Kind) -> ChartKind {
    match kind {
        Kind::Caries => ChartKind::Caries,
        Kind::Fracture => ChartKind::Fracture,
        Kind::Watch => ChartKind::Watch,
        Kind::Missing => ChartKind::Missing,
        Kind::Restoration => ChartKind::Restoration,
        Kind::Sealant => ChartKind::Sealant,
        Kind::Crown => ChartKind::Crown,
        Kind::RootCanal => ChartKind::RootCanal,
        Kind::Implant => ChartKind::Implant,
        Kind::Pontic => ChartKind::Pontic,
        Kind::Extraction => ChartKind::Extraction,
    }
}

pub(crate) fn kind_to_domain(kind: ChartKind) -> Kind {
    match kind {
        ChartKind::Caries => Kind::Caries,
        ChartKind::Fracture => Kind::Fracture,
        ChartKind::Watch => Kind::Watch,
        ChartKind::Missing => Kind::Missing,
        ChartKind::Restoration => Kind::Restoration,
        ChartKind::Sealant => Kind::Sealant,
        ChartKind::Crown => Kind::Crown,
        ChartKind::RootCanal => Kind::RootCanal,
        ChartKind::Implant => Kind::Implant,
        ChartKind::Pontic => Kind::Pontic,
        ChartKind::Extraction => Kind::Extraction,
    }
}

fn status_to_dto(status: Status) -> ChartStatus {
    match status {
        Status::Existing => ChartStatus::Existing,
        Status::Planned => ChartStatus::Planned,
        Status::Done => ChartStatus::Done,
    }
}

fn status_to_domain(status: ChartStatus) -> Status {
    match status {
        ChartStatus::Existing => Status::Existing,
        ChartStatus::Planned => Status::Planned,
        ChartStatus::Done => Status::Done,
    }
}

fn material_to_dto(material: Material) -> ToothMaterial {
    match material {
        Material::Composite => ToothMaterial::Composite,
        Material::Amalgam => ToothMaterial::Amalgam,
        Material::GlassIonomer => ToothMaterial::GlassIonomer,
        Material::Ceramic => ToothMaterial::Ceramic,
        Material::MetalCeramic => ToothMaterial::MetalCeramic,
        Material::Zirconia => ToothMaterial::Zirconia,
        Material::Metal => ToothMaterial::Metal,
    }
}

fn material_to_domain(material: ToothMaterial) -> Material {
    match material {
        ToothMaterial::Composite => Material::Composite,
        ToothMaterial::Amalgam => Material::Amalgam,
        ToothMaterial::GlassIonomer => Material::GlassIonomer,
        ToothMaterial::Ceramic => Material::Ceramic,
        ToothMaterial::MetalCeramic => Material::MetalCeramic,
        ToothMaterial::Zirconia => Material::Zirconia,
        ToothMaterial::Metal => Material::Metal,
    }
}
