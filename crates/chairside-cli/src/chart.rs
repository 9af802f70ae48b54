//! `chairside chart show|add|edit|done|strike|restore|keep-both`: a patient's dental chart from scripts,
//! with the same rules and messages as the app (`chairside_app`'s chart use cases).

use chairside_app::{
    ApiError, App, ChartEntry, ChartEntryInput, ChartKind, ChartStatus, ChartUpdate, DentalChart,
    KeepChartEntriesRequest, ToothMaterial,
};
use clap::Subcommand;
use serde::de::DeserializeOwned;

use crate::Output;

/// The fields of an entry, for `chart add` (all but the tooth and kind optional) and
/// `chart edit` (every one optional: what is not given stays).
#[derive(clap::Args, Debug)]
pub(crate) struct EntryFields {
    /// FDI tooth number, 11 to 48 (milk teeth 51 to 85).
    #[arg(long)]
    tooth: Option<String>,
    /// caries, fracture, watch, missing, restoration, sealant, crown, root_canal, implant,
    /// pontic, extraction.
    #[arg(long)]
    kind: Option<String>,
    /// Surface letters: M, O (back teeth), I (front teeth), D, B or V, L or P ("MOD").
    #[arg(long)]
    surfaces: Option<String>,
    /// existing (found), planned, done. Default: existing for a finding, planned otherwise.
    #[arg(long)]
    status: Option<String>,
    /// composite, amalgam, glass_ionomer, ceramic, metal_ceramic, zirconia, metal; "" for none.
    #[arg(long)]
    material: Option<String>,
    #[arg(long)]
    note: Option<String>,
    /// For a done entry: YYYY-MM-DD (today when not given).
    #[arg(long, value_name = "YYYY-MM-DD")]
    done_on: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ChartCommand {
    /// A patient's chart: the active entries by tooth, then those settled or struck out.
    Show {
        /// The patient's id.
        patient: String,
    },
    /// Chart a finding or a treatment on a tooth.
    Add {
        /// The patient's id.
        patient: String,
        #[command(flatten)]
        fields: EntryFields,
    },
    /// Change an entry: only the fields given change.
    Edit {
        entry: String,
        #[command(flatten)]
        fields: EntryFields,
    },
    /// Mark a planned entry done (it settles the findings it treats).
    Done {
        entry: String,
        /// YYYY-MM-DD (today when not given).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// Strike an entry out (charted in error, or no longer true).
    Strike { entry: String },
    /// Bring a struck-out entry back.
    Restore { entry: String },
    /// Keep two entries that contradict each other (charted apart at two PCs, listed by
    /// `chairside inbox`) both as charted: the pair no longer waits on any PC.
    KeepBoth {
        /// The entry that does not fit its tooth.
        entry: String,
        /// The entry that makes the tooth absent or replaced.
        because_of: String,
    },
}

/// A code as the app names it (`root_canal`), read through the DTO's own serde names.
fn code<T: DeserializeOwned>(field: &str, text: &str, allowed: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_string()))
        .map_err(|_| ApiError::invalid(field, format!("{text:?} is not one of: {allowed}")))
}

const KINDS: &str = "caries, fracture, watch, missing, restoration, sealant, crown, root_canal, implant, pontic, extraction";
const STATUSES: &str = "existing, planned, done";
const MATERIALS: &str =
    "composite, amalgam, glass_ionomer, ceramic, metal_ceramic, zirconia, metal";

fn material(text: &str) -> Result<Option<ToothMaterial>, ApiError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    code("material", text, MATERIALS).map(Some)
}

/// Text of a code as the app sends it (`root_canal`).
fn shown<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn line(e: &ChartEntry) -> String {
    let mut text = format!(
        "{:<3} {:<5} {:<12} {:<9}",
        e.tooth,
        e.surfaces,
        shown(&e.kind),
        shown(&e.status)
    );
    if let Some(m) = &e.material {
        text.push_str(&format!(" {}", shown(m)));
    }
    if let Some(day) = &e.done_on {
        text.push_str(&format!(" on {day}"));
    }
    if !e.note.is_empty() {
        text.push_str(&format!("  \"{}\"", e.note));
    }
    if let Some(by) = &e.settled_by {
        text.push_str(&format!("  (settled by {by})"));
    }
    text.push_str(&format!("  [{}]", e.id));
    text
}

fn chart_text(chart: &DentalChart) -> String {
    let active: Vec<&ChartEntry> = chart.entries.iter().filter(|e| e.active).collect();
    let inactive: Vec<&ChartEntry> = chart.entries.iter().filter(|e| !e.active).collect();
    let mut lines = vec![format!(
        "Dental chart — {} active entr{}",
        active.len(),
        if active.len() == 1 { "y" } else { "ies" }
    )];
    lines.extend(active.iter().map(|e| line(e)));
    if !inactive.is_empty() {
        lines.push("settled or struck out:".into());
        lines.extend(inactive.iter().map(|e| format!("  {}", line(e))));
    }
    lines.join("\n")
}

fn update_text(update: &ChartUpdate, what: &str) -> String {
    let mut text = what.to_string();
    if !update.settled.is_empty() {
        text.push_str(&format!(
            "; settled {} finding(s): {}",
            update.settled.len(),
            update.settled.join(", ")
        ));
    }
    if !update.restored.is_empty() {
        text.push_str(&format!(
            "; {} finding(s) back in the chart: {}",
            update.restored.len(),
            update.restored.join(", ")
        ));
    }
    text.push('\n');
    text.push_str(&chart_text(&update.chart));
    text
}

pub(crate) fn run_chart(
    app: &mut App,
    command: &ChartCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        ChartCommand::Show { patient } => {
            let chart = app.dental_chart(patient)?;
            out.print(&chart, || chart_text(&chart))
        }
        ChartCommand::Add { patient, fields } => {
            let (Some(tooth), Some(kind)) = (&fields.tooth, &fields.kind) else {
                return Err(ApiError::invalid("chart", "give --tooth and --kind"));
            };
            let kind: ChartKind = code("kind", kind, KINDS)?;
            let status: ChartStatus = match &fields.status {
                Some(status) => code("status", status, STATUSES)?,
                None => kind.default_status(),
            };
            let update = app.add_chart_entry(
                patient,
                ChartEntryInput {
                    tooth: tooth.clone(),
                    surfaces: fields.surfaces.clone().unwrap_or_default(),
                    kind,
                    status,
                    material: material(fields.material.as_deref().unwrap_or(""))?,
                    note: fields.note.clone().unwrap_or_default(),
                    done_on: fields.done_on.clone(),
                },
            )?;
            out.print(&update, || update_text(&update, "Charted"))
        }
        ChartCommand::Edit { entry, fields } => {
            let current = app.chart_entry(entry)?;
            let update = app.update_chart_entry(
                entry,
                ChartEntryInput {
                    tooth: fields.tooth.clone().unwrap_or(current.tooth),
                    surfaces: fields.surfaces.clone().unwrap_or(current.surfaces),
                    kind: match &fields.kind {
                        Some(kind) => code("kind", kind, KINDS)?,
                        None => current.kind,
                    },
                    status: match &fields.status {
                        Some(status) => code("status", status, STATUSES)?,
                        None => current.status,
                    },
                    material: match &fields.material {
                        Some(text) => material(text)?,
                        None => current.material,
                    },
                    note: fields.note.clone().unwrap_or(current.note),
                    done_on: fields.done_on.clone().or(current.done_on),
                },
            )?;
            out.print(&update, || update_text(&update, "Changed"))
        }
        ChartCommand::Done { entry, on } => {
            let update = app.complete_chart_entry(entry, on.clone())?;
            out.print(&update, || update_text(&update, "Done"))
        }
        ChartCommand::Strike { entry } => {
            let update = app.set_chart_entry_active(entry, false)?;
            out.print(&update, || update_text(&update, "Struck out"))
        }
        ChartCommand::Restore { entry } => {
            let update = app.set_chart_entry_active(entry, true)?;
            out.print(&update, || update_text(&update, "Restored"))
        }
        ChartCommand::KeepBoth { entry, because_of } => {
            app.keep_chart_entries(KeepChartEntriesRequest {
                entry_id: entry.clone(),
                because_of_id: because_of.clone(),
            })?;
            out.print(&serde_json::json!({ "kept": [entry, because_of] }), || {
                "Both entries stand as charted; the contradiction no longer waits.".into()
            })
        }
    }
}
