//! `chairside chair add|rename|list` and `chairside agenda day|book|move|status|keep-both`: the
//! clinic's chairs and appointments from scripts; `chairside inbox`: what waits for a person
//! after a sync (duplicate files, concurrent edits, double-booked chairs).

use chairside_app::{
    ApiError, App, Appointment, AppointmentInput, AppointmentStatus, AttentionInbox, Chair,
    ChairInput, KeepDoubleBookingRequest, code,
};
use clap::{Subcommand, ValueEnum};

use crate::Output;

#[derive(Subcommand, Debug)]
pub(crate) enum ChairCommand {
    /// Add a chair (owner).
    Add { name: String },
    /// Rename a chair, or take it out of service (--inactive) or back (--active).
    Edit {
        /// The chair's id or its current name.
        chair: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, conflicts_with = "inactive")]
        active: bool,
        #[arg(long)]
        inactive: bool,
    },
    /// Every chair, those in service first.
    List,
}

/// The options of a booking, for `agenda book` and `agenda move`.
#[derive(clap::Args, Debug)]
pub(crate) struct Slot {
    /// Clinic wall-clock start, YYYY-MM-DDTHH:MM (a 5-minute step).
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM")]
    at: Option<String>,
    /// Length in minutes (5 to 480, a multiple of 5).
    #[arg(long)]
    minutes: Option<u32>,
    /// The chair's id or name.
    #[arg(long)]
    chair: Option<String>,
    #[arg(long)]
    reason: Option<String>,
    /// The practitioner's id or display name ("Dr Amel Benali"), or "" for none.
    #[arg(long)]
    practitioner: Option<String>,
    /// Book even if the chair is taken then (both appointments stand, on purpose).
    #[arg(long)]
    allow_overlap: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum AgendaCommand {
    /// A day's appointments, by time.
    Day {
        /// YYYY-MM-DD.
        date: String,
    },
    /// Book an appointment (refused with chair_taken when the chair is held then).
    Book {
        #[arg(long, value_name = "ID")]
        patient: String,
        #[command(flatten)]
        slot: Slot,
    },
    /// Move an appointment or change its length, chair, reason or practitioner.
    Move {
        id: String,
        #[command(flatten)]
        slot: Slot,
    },
    /// The patient arrived, was seen, did not come; or cancel, or back to booked.
    Status {
        id: String,
        #[arg(value_enum)]
        status: StatusArg,
    },
    /// Two overlapping appointments both stand (a double booking settled by a person).
    KeepBoth { first: String, second: String },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum StatusArg {
    Booked,
    Arrived,
    Completed,
    NoShow,
    Cancelled,
}

impl From<StatusArg> for AppointmentStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Booked => AppointmentStatus::Booked,
            StatusArg::Arrived => AppointmentStatus::Arrived,
            StatusArg::Completed => AppointmentStatus::Completed,
            StatusArg::NoShow => AppointmentStatus::NoShow,
            StatusArg::Cancelled => AppointmentStatus::Cancelled,
        }
    }
}

/// A chair named by its id or its name (ignoring case).
fn find_chair(app: &mut App, wanted: &str) -> Result<Chair, ApiError> {
    let chairs = app.list_chairs()?;
    chairs
        .iter()
        .find(|c| c.id == wanted)
        .or_else(|| {
            chairs
                .iter()
                .find(|c| c.name.to_lowercase() == wanted.trim().to_lowercase())
        })
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = chairs.iter().map(|c| c.name.as_str()).collect();
            ApiError::invalid(
                "chair",
                format!(
                    "no chair is called {wanted:?} (chairs: {}); `chairside chair add NAME` adds one",
                    if names.is_empty() { "none yet".to_string() } else { names.join(", ") }
                ),
            )
        })
}

/// A practitioner named by id or display name (ignoring case): the id the agenda stores.
fn practitioner_id(app: &mut App, wanted: &str) -> Result<Option<String>, ApiError> {
    let wanted = wanted.trim();
    if wanted.is_empty() {
        return Ok(None);
    }
    let practitioners = app.practitioners()?;
    practitioners
        .iter()
        .find(|p| p.id == wanted || p.display_name.to_lowercase() == wanted.to_lowercase())
        .map(|p| Some(p.id.clone()))
        .ok_or_else(|| {
            let names: Vec<&str> = practitioners
                .iter()
                .map(|p| p.display_name.as_str())
                .collect();
            ApiError::invalid(
                "practitioner",
                format!(
                    "no dentist is called {wanted:?} (practitioners: {})",
                    names.join(", ")
                ),
            )
        })
}

/// A taken chair, told how to book anyway from the command line.
fn allow_overlap_hint(mut e: ApiError) -> ApiError {
    if e.code == code::CHAIR_TAKEN {
        e.message.push_str(" (--allow-overlap)");
    }
    e
}

fn line(a: &Appointment) -> String {
    let time = |t: &str| {
        t.split_once('T')
            .map_or(t.to_string(), |(_, hm)| hm.to_string())
    };
    let mut text = format!(
        "{}–{}  {:<12} {} {} (file {})  {}  [{}]  {}",
        time(&a.starts_at),
        time(&a.ends_at),
        a.chair_name,
        a.patient.last_name,
        a.patient.first_name,
        a.patient.file_number,
        a.reason,
        a.status.as_str(),
        a.id
    );
    if !a.overlaps_with.is_empty() {
        text.push_str(&format!(
            "  DOUBLE-BOOKED with {}",
            a.overlaps_with.join(", ")
        ));
    }
    text
}

pub(crate) fn run_chair(
    app: &mut App,
    command: &ChairCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        ChairCommand::Add { name } => {
            let chair = app.save_chair(ChairInput {
                id: None,
                name: name.clone(),
                active: true,
            })?;
            out.print(&chair, || {
                format!("Added chair {} ({})", chair.name, chair.id)
            })
        }
        ChairCommand::Edit {
            chair,
            name,
            active,
            inactive,
        } => {
            let current = find_chair(app, chair)?;
            let saved = app.save_chair(ChairInput {
                id: Some(current.id.clone()),
                name: name.clone().unwrap_or(current.name),
                active: if *inactive {
                    false
                } else {
                    *active || current.active
                },
            })?;
            out.print(&saved, || {
                format!(
                    "Chair {} ({})",
                    saved.name,
                    if saved.active {
                        "in service"
                    } else {
                        "out of service"
                    }
                )
            })
        }
        ChairCommand::List => {
            let chairs = app.list_chairs()?;
            out.print(&chairs, || {
                if chairs.is_empty() {
                    return "No chairs yet: `chairside chair add NAME` adds one.".into();
                }
                chairs
                    .iter()
                    .map(|c| {
                        format!(
                            "{}  {}{}",
                            c.id,
                            c.name,
                            if c.active { "" } else { " (out of service)" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

pub(crate) fn run_agenda(
    app: &mut App,
    command: &AgendaCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        AgendaCommand::Day { date } => {
            let day = app.agenda_day(date)?;
            out.print(&day, || {
                let mut lines = vec![format!(
                    "{} — {} appointment(s)",
                    day.date,
                    day.appointments.len()
                )];
                lines.extend(day.appointments.iter().map(line));
                lines.join("\n")
            })
        }
        AgendaCommand::Book { patient, slot } => {
            let (Some(at), Some(minutes), Some(chair)) = (&slot.at, slot.minutes, &slot.chair)
            else {
                return Err(ApiError::invalid(
                    "book",
                    "give --at YYYY-MM-DDTHH:MM, --minutes and --chair",
                ));
            };
            let chair = find_chair(app, chair)?;
            let practitioner_id = match &slot.practitioner {
                Some(name) => practitioner_id(app, name)?,
                None => None,
            };
            let booked = app
                .book_appointment(AppointmentInput {
                    patient_id: patient.clone(),
                    chair_id: chair.id,
                    starts_at: at.clone(),
                    duration_min: minutes,
                    reason: slot.reason.clone().unwrap_or_default(),
                    practitioner_id,
                    allow_overlap: slot.allow_overlap,
                })
                .map_err(allow_overlap_hint)?;
            out.print(&booked, || format!("Booked: {}", line(&booked)))
        }
        AgendaCommand::Move { id, slot } => {
            let current = app.appointment(id)?;
            let chair_id = match &slot.chair {
                Some(chair) => find_chair(app, chair)?.id,
                None => current.chair_id.clone(),
            };
            let practitioner_id = match &slot.practitioner {
                Some(name) => practitioner_id(app, name)?,
                None => current.practitioner_id.clone(),
            };
            let moved = app
                .update_appointment(
                    id,
                    AppointmentInput {
                        patient_id: current.patient.id.clone(),
                        chair_id,
                        starts_at: slot.at.clone().unwrap_or(current.starts_at.clone()),
                        duration_min: slot.minutes.unwrap_or(current.duration_min),
                        reason: slot.reason.clone().unwrap_or(current.reason.clone()),
                        practitioner_id,
                        allow_overlap: slot.allow_overlap,
                    },
                )
                .map_err(allow_overlap_hint)?;
            out.print(&moved, || format!("Now: {}", line(&moved)))
        }
        AgendaCommand::Status { id, status } => {
            let changed = app.set_appointment_status(id, (*status).into())?;
            out.print(&changed, || line(&changed))
        }
        AgendaCommand::KeepBoth { first, second } => {
            app.keep_double_booking(KeepDoubleBookingRequest {
                first_id: first.clone(),
                second_id: second.clone(),
            })?;
            out.print(&serde_json::json!({ "kept": [first, second] }), || {
                "Both appointments stand; the double booking no longer waits.".into()
            })
        }
    }
}

pub(crate) fn run_inbox(app: &mut App, out: &Output) -> Result<(), ApiError> {
    let inbox: AttentionInbox = app.attention_inbox()?;
    out.print(&inbox, || {
        let mut lines = vec![format!(
            "{} possible duplicate file(s), {} concurrent edit(s), {} double booking(s), {} chart contradiction(s)",
            inbox.duplicates.len(),
            inbox.edit_conflicts.len(),
            inbox.double_bookings.len(),
            inbox.chart_contradictions.len()
        )];
        for d in &inbox.double_bookings {
            lines.push(format!("double booking on {}:", d.chair_name));
            lines.push(format!("  {}", line(&d.first)));
            lines.push(format!("  {}", line(&d.second)));
        }
        for c in &inbox.chart_contradictions {
            let why = match c.reason.as_str() {
                "tooth_absent" => "charted on a tooth charted missing or extracted",
                "on_implant" => "charted on an implant",
                "on_pontic" => "charted on a pontic",
                other => other,
            };
            lines.push(format!(
                "chart contradiction on tooth {} (file {}): the first entry is {why}; strike one out (chairside chart strike ID) or keep both (chairside chart keep-both {} {})",
                c.tooth, c.patient.file_number, c.entry.id, c.because_of.id
            ));
            lines.push(format!("  {}", crate::chart::line(&c.entry)));
            lines.push(format!("  {}", crate::chart::line(&c.because_of)));
        }
        for c in &inbox.edit_conflicts {
            let tooth = c
                .chart_entry
                .as_ref()
                .map(|e| {
                    format!(", tooth {} {}", e.tooth, e.surfaces)
                        .trim_end()
                        .to_string()
                })
                .unwrap_or_default();
            lines.push(format!(
                "concurrent edit of {}.{} (file {}{tooth}): now {:?}, other {:?} from {}",
                c.table,
                c.field,
                c.patient.file_number,
                c.current_value,
                c.other_value,
                c.other_device_name
            ));
        }
        lines.join("\n")
    })
}
