//! The agenda: the clinic's chairs, a day's appointments by chair, booking, moving and the
//! status of an appointment through the day (arrived, completed, no-show, cancelled), a patient's
//! appointments, and the double bookings that two desks made while apart.
//!
//! A desk never double-books a chair by mistake: a booking or a move onto a chair held at an
//! overlapping time is refused with `chair_taken` unless the person books anyway, and then the
//! pair is recorded as kept, so it does not wait in the inbox. Taking the value a concurrent move
//! lost (the inbox's "take the other value") is a move, under the same rule. Two desks apart cannot see each
//! other's bookings; the store flags such pairs after the merge (`chairside_store::agenda`) and
//! the inbox shows them until someone cancels or moves one, or keeps both.

use std::collections::HashMap;

use chairside_domain::agenda::{Slot, holds_chair};
use chairside_domain::{EntityId, Permission as P, Role};
use chairside_store::Connection;
use chairside_store::Writer;
use chairside_store::agenda::{self as rows, AppointmentRow, ChairRow};
use chairside_store::patients as patient_rows;
use chrono::NaiveDate;

use crate::error::{ApiError, code};
use crate::patients::{no_patient, patient_ref, refuse_if_erased};
use crate::{
    AgendaDay, App, Appointment, AppointmentInput, AppointmentStatus, Chair, ChairHoldersRequest,
    ChairInput, DoubleBooking, KeepDoubleBookingRequest, PatientAppointments, PatientRef,
    Practitioner, Result, record,
};

/// The longest chair name and appointment reason kept.
const MAX_CHAIR_NAME: usize = 60;
const MAX_REASON: usize = 200;

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::NoShow => "no_show",
            AppointmentStatus::Cancelled => "cancelled",
        }
    }

    /// A stored status; one this version does not know (a newer PC's) reads as booked, so the
    /// appointment still shows. Whether it holds its chair is the store's rule (`holds_chair`),
    /// the one double bookings are found by.
    fn from_stored(status: &str) -> Self {
        match status {
            "arrived" => AppointmentStatus::Arrived,
            "completed" => AppointmentStatus::Completed,
            "no_show" => AppointmentStatus::NoShow,
            "cancelled" => AppointmentStatus::Cancelled,
            _ => AppointmentStatus::Booked,
        }
    }
}

fn chair_dto(row: ChairRow) -> Chair {
    Chair {
        id: row.id,
        name: row.name,
        active: row.active,
    }
}

fn no_appointment(id: &str) -> ApiError {
    ApiError::new(code::NOT_FOUND, format!("no appointment with id {id}"))
}

fn parse_date(date: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            "date",
            format!("{date:?} is not a date: write it as YYYY-MM-DD"),
        )
    })
}

/// Names of the staff (practitioners, who booked), read once per answer.
struct StaffNames(HashMap<String, String>);

impl StaffNames {
    fn load(conn: &Connection) -> Result<Self> {
        Ok(Self(
            chairside_store::users::list(conn)?
                .into_iter()
                .map(|u| (u.id.to_string(), u.display_name))
                .collect(),
        ))
    }

    fn name_of(&self, id: &str) -> Option<String> {
        self.0.get(id).cloned()
    }
}

/// What an answer about appointments needs besides their rows.
struct Lookup {
    chairs: HashMap<String, String>,
    staff: StaffNames,
}

impl Lookup {
    fn load(conn: &Connection) -> Result<Self> {
        Ok(Self {
            chairs: rows::chairs(conn)?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
            staff: StaffNames::load(conn)?,
        })
    }

    fn appointment(&self, conn: &Connection, row: AppointmentRow) -> Result<Appointment> {
        let slot = row.slot();
        // The file it is read in: the kept one, once the booked file was merged into another.
        let shown = chairside_store::merged::survivor(conn, &row.patient_id)?;
        let patient = match patient_rows::get(conn, &shown)? {
            Some(p) => patient_ref(p),
            None => PatientRef {
                id: row.patient_id.clone(),
                file_number: String::new(),
                last_name: String::new(),
                first_name: String::new(),
            },
        };
        let practitioner_name = self.staff.name_of(&row.practitioner_id);
        Ok(Appointment {
            overlaps_with: rows::overlapping(conn, &row.id)?,
            patient,
            chair_name: self.chairs.get(&row.chair_id).cloned().unwrap_or_default(),
            practitioner_id: (!row.practitioner_id.is_empty()).then(|| row.practitioner_id.clone()),
            practitioner_name,
            ends_at: slot.map_or_else(|| row.starts_at.clone(), |s| s.ends_at()),
            duration_min: u32::try_from(row.duration_min).unwrap_or(0),
            status: AppointmentStatus::from_stored(&row.status),
            holds_chair: holds_chair(&row.status),
            booked_by_name: self.staff.name_of(&row.booked_by).unwrap_or_default(),
            booked_at_ms: row.booked_at_ms,
            id: row.id,
            chair_id: row.chair_id,
            starts_at: row.starts_at,
            reason: row.reason,
        })
    }
}

/// The people an appointment can be with: owners and dentists.
fn practitioners(conn: &Connection) -> Result<Vec<Practitioner>> {
    let mut found: Vec<Practitioner> = chairside_store::users::list(conn)?
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::Owner | Role::Dentist))
        .map(|u| Practitioner {
            id: u.id.to_string(),
            display_name: u.display_name,
        })
        .collect();
    found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(found)
}

impl App {
    /// Every chair, those in service first.
    pub fn list_chairs(&mut self) -> Result<Vec<Chair>> {
        self.authorize(P::ViewAgenda, "agenda.read")?;
        Ok(rows::chairs(self.store()?.conn())?
            .into_iter()
            .map(chair_dto)
            .collect())
    }

    /// Adds a chair (no id), or renames one, takes it out of service or back into it. Names are
    /// unique (ignoring case) so the agenda's columns can be told apart.
    pub fn save_chair(&mut self, req: ChairInput) -> Result<Chair> {
        let session = self.authorize(P::ManageSettings, "chair.save")?;
        let name = req.name.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::invalid(
                "name",
                "give the chair a name (Fauteuil 1, say)",
            ));
        }
        if name.chars().count() > MAX_CHAIR_NAME {
            return Err(ApiError::invalid(
                "name",
                format!("a chair's name has at most {MAX_CHAIR_NAME} characters"),
            ));
        }
        let conn = self.store()?.conn();
        let before =
            match req.id.as_deref() {
                Some(id) => Some(rows::chair(conn, id)?.ok_or_else(|| {
                    ApiError::new(code::NOT_FOUND, format!("no chair with id {id}"))
                })?),
                None => None,
            };
        let id = before
            .as_ref()
            .map_or_else(|| EntityId::new().to_string(), |b| b.id.clone());
        if let Some(other) = rows::chairs(conn)?
            .into_iter()
            .find(|c| c.id != id && c.name.to_lowercase() == name.to_lowercase())
        {
            return Err(ApiError::invalid(
                "name",
                format!(
                    "a chair is already called {:?}: choose another name",
                    other.name
                ),
            ));
        }
        let chair = ChairRow {
            id: id.clone(),
            name,
            active: req.active,
        };
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.save_chair(&chair, before.as_ref())?;
            w.audit(record(&user, "chair.save", "chair", &chair.id, "ok", ""))?;
            Ok(())
        })?;
        let saved = rows::chair(self.store()?.conn(), &id)?
            .ok_or_else(|| ApiError::new(code::INTERNAL, "the chair just saved is missing"))?;
        Ok(chair_dto(saved))
    }

    /// A day of the agenda: its appointments (cancelled ones too), the chairs in service and any
    /// chair out of service that still holds an appointment that day, and the practitioners.
    pub fn agenda_day(&mut self, date: &str) -> Result<AgendaDay> {
        let session = self.authorize(P::ViewAgenda, "agenda.read")?;
        let day = self.read_agenda_day(date)?;
        // Which files were shown, by id, as for a search.
        let shown: Vec<&str> = day
            .appointments
            .iter()
            .map(|a| a.patient.id.as_str())
            .collect();
        let user = session.user_id.to_string();
        self.audit_event(record(
            &user,
            "agenda.read",
            "agenda",
            &day.date,
            "ok",
            &shown.join(","),
        ))?;
        Ok(day)
    }

    /// The day on screen read again because a sync brought other desks' changes: the app's own
    /// doing, not the person's. So it does not hold off the idle lock (a locked session is
    /// refused as usual), and it writes no audit entry: opening the day did, and an audited
    /// refresh would itself be a change that the other PCs' refreshes answer, sync after sync.
    pub fn agenda_day_refresh(&mut self, date: &str) -> Result<AgendaDay> {
        self.authorize_unattended(P::ViewAgenda, "agenda.read")?;
        self.read_agenda_day(date)
    }

    fn read_agenda_day(&self, date: &str) -> Result<AgendaDay> {
        let date = parse_date(date)?;
        let (_, today) = self.region_and_today()?;
        let conn = self.store()?.conn();
        let lookup = Lookup::load(conn)?;
        let day_rows = rows::day(conn, date)?;
        let chairs: Vec<Chair> = rows::chairs(conn)?
            .into_iter()
            .filter(|c| c.active || day_rows.iter().any(|a| a.chair_id == c.id))
            .map(chair_dto)
            .collect();
        let appointments = day_rows
            .into_iter()
            .map(|row| lookup.appointment(conn, row))
            .collect::<Result<Vec<_>>>()?;
        let practitioners = practitioners(conn)?;
        Ok(AgendaDay {
            date: date.to_string(),
            today: today.to_string(),
            chairs,
            appointments,
            practitioners,
        })
    }

    /// One appointment.
    pub fn appointment(&mut self, id: &str) -> Result<Appointment> {
        let session = self.authorize(P::ViewAgenda, "agenda.read")?;
        let found = self.appointment_dto(id)?;
        let user = session.user_id.to_string();
        self.audit_event(record(&user, "agenda.read", "appointment", id, "ok", ""))?;
        Ok(found)
    }

    /// Who an appointment can be with: the owners and dentists.
    pub fn practitioners(&mut self) -> Result<Vec<Practitioner>> {
        self.authorize(P::ViewAgenda, "agenda.read")?;
        practitioners(self.store()?.conn())
    }

    /// A patient's appointments (and those of the files merged into it), split by the clinic's
    /// clock: the coming ones, soonest first, then the past ones, latest first.
    pub fn patient_appointments(&mut self, patient_id: &str) -> Result<PatientAppointments> {
        let session = self.authorize(P::ViewAgenda, "agenda.read")?;
        let conn = self.store()?.conn();
        patient_rows::get(conn, patient_id)?.ok_or_else(|| no_patient(patient_id))?;
        let shown = chairside_store::merged::survivor(conn, patient_id)?;
        let lookup = Lookup::load(conn)?;
        let now = self.clinic_now()?;
        let (coming, mut past): (Vec<AppointmentRow>, Vec<AppointmentRow>) =
            rows::for_patient(conn, &shown)?
                .into_iter()
                .partition(|a| a.starts_at >= now);
        past.reverse();
        let dtos = |list: Vec<AppointmentRow>| {
            list.into_iter()
                .map(|row| lookup.appointment(conn, row))
                .collect::<Result<Vec<_>>>()
        };
        let found = PatientAppointments {
            coming: dtos(coming)?,
            past: dtos(past)?,
        };
        let user = session.user_id.to_string();
        self.audit_event(record(&user, "agenda.read", "patient", &shown, "ok", ""))?;
        Ok(found)
    }

    /// Books an appointment. Refused with `chair_taken` when a live appointment holds the chair
    /// at an overlapping time, unless `allow_overlap`: then the pair is kept on purpose.
    pub fn book_appointment(&mut self, req: AppointmentInput) -> Result<Appointment> {
        let session = self.authorize(P::EditAgenda, "appointment.book")?;
        let user = session.user_id.to_string();
        let mut row = self.checked_appointment(&req, None)?;
        row.id = EntityId::new().to_string();
        row.status = AppointmentStatus::Booked.as_str().to_string();
        row.booked_by = user.clone();
        row.booked_at_ms = chrono::Utc::now().timestamp_millis();
        let doubled = self.refuse_taken_chair(&row, req.allow_overlap, BOOK_ANYWAY)?;
        self.write_appointment(&user, "appointment.book", &row.id, &doubled, |w| {
            w.book_appointment(&row)
        })?;
        self.appointment_dto(&row.id)
    }

    /// Moves an appointment or changes its chair, length, patient, reason or practitioner. Only
    /// what changed is written; the same chair rule as a booking applies.
    pub fn update_appointment(&mut self, id: &str, req: AppointmentInput) -> Result<Appointment> {
        let session = self.authorize(P::EditAgenda, "appointment.update")?;
        let user = session.user_id.to_string();
        let before =
            rows::appointment(self.store()?.conn(), id)?.ok_or_else(|| no_appointment(id))?;
        let mut after = self.checked_appointment(&req, Some(&before))?;
        after.id = before.id.clone();
        after.status = before.status.clone();
        after.booked_by = before.booked_by.clone();
        after.booked_at_ms = before.booked_at_ms;
        let doubled = self.refuse_taken_chair(&after, req.allow_overlap, BOOK_ANYWAY)?;
        self.write_appointment(&user, "appointment.update", id, &doubled, |w| {
            w.update_appointment(&before, &after)
        })?;
        self.appointment_dto(id)
    }

    /// The patient arrived, was seen, did not come, or the appointment is cancelled (or back to
    /// booked). Restoring an appointment onto a chair taken since is allowed, and the double
    /// booking then waits in the inbox: the person restoring it is shown the chair's state there.
    pub fn set_appointment_status(
        &mut self,
        id: &str,
        status: AppointmentStatus,
    ) -> Result<Appointment> {
        let session = self.authorize(P::EditAgenda, "appointment.status")?;
        let before =
            rows::appointment(self.store()?.conn(), id)?.ok_or_else(|| no_appointment(id))?;
        let after = AppointmentRow {
            status: status.as_str().to_string(),
            ..before.clone()
        };
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.update_appointment(&before, &after)?;
            w.audit(record(
                &user,
                "appointment.status",
                "appointment",
                id,
                "ok",
                status.as_str(),
            ))?;
            Ok(())
        })?;
        self.appointment_dto(id)
    }

    /// The live appointments that hold a chair at an overlapping time, but for the one being
    /// moved: what a `chair_taken` refusal is about, for the person to see (the rule is
    /// [`chairside_store::agenda::holding`], the one the refusal applies).
    pub fn chair_holders(&mut self, req: ChairHoldersRequest) -> Result<Vec<Appointment>> {
        let session = self.authorize(P::ViewAgenda, "agenda.read")?;
        let slot = Slot::parse(&req.starts_at, req.duration_min)
            .map_err(|e| ApiError::invalid("starts_at", e))?;
        let conn = self.store()?.conn();
        let lookup = Lookup::load(conn)?;
        let found = rows::holding(conn, &req.chair_id, &slot, req.except_id.as_deref())?
            .into_iter()
            .map(|row| lookup.appointment(conn, row))
            .collect::<Result<Vec<_>>>()?;
        let shown: Vec<&str> = found.iter().map(|a| a.patient.id.as_str()).collect();
        let user = session.user_id.to_string();
        self.audit_event(record(
            &user,
            "agenda.read",
            "chair",
            &req.chair_id,
            "ok",
            &shown.join(","),
        ))?;
        Ok(found)
    }

    /// Two overlapping appointments both stand (decided by a person, synced to every PC).
    pub fn keep_double_booking(&mut self, req: KeepDoubleBookingRequest) -> Result<()> {
        let session = self.authorize(P::EditAgenda, "appointment.keep_both")?;
        let waiting = rows::overlapping(self.store()?.conn(), &req.first_id)?;
        if !waiting.contains(&req.second_id) {
            return Err(ApiError::new(
                code::NOT_FOUND,
                "this double booking no longer waits: it was settled here or on another PC",
            ));
        }
        let user = session.user_id.to_string();
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.store_mut()?.write(|w| {
            w.keep_double_booking(&req.first_id, &req.second_id, &user, now_ms)?;
            w.audit(record(
                &user,
                "appointment.keep_both",
                "appointment",
                &req.first_id,
                "ok",
                &req.second_id,
            ))?;
            Ok(())
        })?;
        Ok(())
    }

    /// The double bookings waiting for a person, for the inbox (whose caller checked that the
    /// person sees the agenda).
    pub(crate) fn double_bookings(&self) -> Result<Vec<DoubleBooking>> {
        let conn = self.store()?.conn();
        let lookup = Lookup::load(conn)?;
        let mut found = Vec::new();
        for pair in rows::double_bookings(conn)? {
            let (Some(a), Some(b)) = (
                rows::appointment(conn, &pair.appointment_a)?,
                rows::appointment(conn, &pair.appointment_b)?,
            ) else {
                continue;
            };
            let (first, second) = if (&b.starts_at, &b.id) < (&a.starts_at, &a.id) {
                (b, a)
            } else {
                (a, b)
            };
            let first = lookup.appointment(conn, first)?;
            let second = lookup.appointment(conn, second)?;
            found.push(DoubleBooking {
                chair_id: first.chair_id.clone(),
                chair_name: first.chair_name.clone(),
                first,
                second,
                found_at_ms: pair.found_at_ms,
            });
        }
        Ok(found)
    }

    /// Writes a booking or a move (`write`) in one transaction with the pairs it doubles on
    /// purpose, kept so they wait nowhere, and its audit entry.
    fn write_appointment(
        &mut self,
        user: &str,
        action: &str,
        id: &str,
        doubled: &[AppointmentRow],
        write: impl FnOnce(&mut Writer<'_>) -> chairside_store::Result<()>,
    ) -> Result<()> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.store_mut()?.write(|w| {
            write(w)?;
            for other in doubled {
                w.keep_double_booking(id, &other.id, user, now_ms)?;
            }
            w.audit(record(
                user,
                action,
                "appointment",
                id,
                "ok",
                &booked_over(doubled),
            ))
        })?;
        Ok(())
    }

    fn appointment_dto(&self, id: &str) -> Result<Appointment> {
        let conn = self.store()?.conn();
        let row = rows::appointment(conn, id)?.ok_or_else(|| no_appointment(id))?;
        Lookup::load(conn)?.appointment(conn, row)
    }

    /// The clinic's wall-clock time now, as appointments write it.
    fn clinic_now(&self) -> Result<String> {
        let clinic = chairside_store::clinic::get(self.store()?.conn())?
            .ok_or_else(|| ApiError::new(code::NOT_INITIALISED, "no clinic is set up yet"))?;
        Ok(chrono::Utc::now()
            .with_timezone(&clinic.settings.timezone)
            .format(chairside_domain::agenda::FORMAT)
            .to_string())
    }

    /// Checks what a person typed for an appointment, as the row to write (id, status and who
    /// booked it are the caller's). The patient must have a file that is not erased (a merged
    /// file books the file it went into); a chair out of service takes no new appointment, but
    /// one already on it may stay there.
    fn checked_appointment(
        &self,
        req: &AppointmentInput,
        before: Option<&AppointmentRow>,
    ) -> Result<AppointmentRow> {
        let conn = self.store()?.conn();
        let slot = Slot::parse(&req.starts_at, req.duration_min)
            .map_err(|e| ApiError::invalid("starts_at", e))?;
        let patient_id = match before {
            // Unchanged: it stays as booked, even if the file was merged since (reads follow).
            Some(b) if b.patient_id == req.patient_id => b.patient_id.clone(),
            _ => {
                patient_rows::get(conn, &req.patient_id)?
                    .ok_or_else(|| no_patient(&req.patient_id))?;
                let kept = chairside_store::merged::survivor(conn, &req.patient_id)?;
                let patient = patient_rows::get(conn, &kept)?.ok_or_else(|| no_patient(&kept))?;
                refuse_if_erased(&patient)?;
                kept
            }
        };
        let chair = rows::chair(conn, &req.chair_id)?.ok_or_else(|| {
            ApiError::invalid("chair_id", format!("no chair with id {}", req.chair_id))
        })?;
        let staying = before.is_some_and(|b| b.chair_id == chair.id);
        if !chair.active && !staying {
            return Err(ApiError::invalid(
                "chair_id",
                format!("{} is out of service: choose another chair", chair.name),
            ));
        }
        let practitioner_id = match req.practitioner_id.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(id) => {
                if !practitioners(conn)?.iter().any(|p| p.id == id) {
                    return Err(ApiError::invalid(
                        "practitioner_id",
                        "choose a dentist or the owner of the clinic, or no one",
                    ));
                }
                id.to_string()
            }
        };
        let reason = req.reason.trim().to_string();
        if reason.chars().count() > MAX_REASON {
            return Err(ApiError::invalid(
                "reason",
                format!("a reason has at most {MAX_REASON} characters"),
            ));
        }
        Ok(AppointmentRow {
            patient_id,
            chair_id: chair.id,
            practitioner_id,
            starts_at: slot.starts_at(),
            duration_min: i64::from(slot.duration_min()),
            reason,
            ..AppointmentRow::default()
        })
    }

    /// Taking the value of a concurrent move that lost (a conflict in the inbox) is a move too:
    /// the chair rule applies to the appointment as it would stand with that value. Returns the
    /// appointments it would double, to keep on purpose when `allow_overlap`; refused as
    /// `chair_taken` otherwise. A field that does not place the appointment (its patient, its
    /// reason) doubles nothing.
    pub(crate) fn doubled_by_taking(
        &self,
        conflict: &chairside_store::conflicts::EditConflict,
        allow_overlap: bool,
    ) -> Result<Vec<AppointmentRow>> {
        use chairside_store::Value;
        let conn = self.store()?.conn();
        let Some(mut after) = rows::appointment(conn, &conflict.row_id)? else {
            return Ok(Vec::new());
        };
        match (conflict.field.as_str(), &conflict.other_value) {
            ("chair_id", Value::Text(chair)) => after.chair_id = chair.clone(),
            ("starts_at", Value::Text(starts_at)) => after.starts_at = starts_at.clone(),
            ("duration_min", Value::Integer(minutes)) => after.duration_min = *minutes,
            ("status", Value::Text(status)) => after.status = status.clone(),
            _ => return Ok(Vec::new()),
        }
        self.refuse_taken_chair(&after, allow_overlap, TAKE_ANYWAY)
    }

    /// The live appointments `row` would double on its chair: refused as `chair_taken` unless the
    /// person asked to book anyway (`allow_overlap`), then returned to be kept on purpose; the
    /// refusal ends with `what_to_do`. An appointment that holds no chair (cancelled, no-show)
    /// doubles nothing.
    fn refuse_taken_chair(
        &self,
        row: &AppointmentRow,
        allow_overlap: bool,
        what_to_do: &str,
    ) -> Result<Vec<AppointmentRow>> {
        if !holds_chair(&row.status) {
            return Ok(Vec::new());
        }
        let Some(slot) = row.slot() else {
            return Ok(Vec::new());
        };
        let conn = self.store()?.conn();
        let taken = rows::holding(conn, &row.chair_id, &slot, Some(&row.id))?;
        if taken.is_empty() || allow_overlap {
            return Ok(taken);
        }
        let chair = rows::chair(conn, &row.chair_id)?.map_or_else(String::new, |c| c.name);
        let times: Vec<String> = taken
            .iter()
            .map(|a| {
                let end = a.slot().map_or_else(String::new, |s| s.ends_at());
                format!("{}–{}", time_of(&a.starts_at), time_of(&end))
            })
            .collect();
        Err(ApiError::new(
            code::CHAIR_TAKEN,
            format!("{chair} is taken then ({}): {what_to_do}", times.join(", ")),
        ))
    }
}

/// What a `chair_taken` refusal of a booking or a move suggests.
const BOOK_ANYWAY: &str = "choose another time or chair, or book anyway";
/// What it suggests when the value taken is a concurrent move's (a conflict in the inbox).
const TAKE_ANYWAY: &str = "keep the appointment as it is now, or take the other value anyway";

/// `HH:MM` of a wall-clock time.
fn time_of(starts_at: &str) -> &str {
    starts_at.split_once('T').map_or(starts_at, |(_, t)| t)
}

/// The audit detail of a booking made over others on purpose.
pub(crate) fn booked_over(doubled: &[AppointmentRow]) -> String {
    if doubled.is_empty() {
        return String::new();
    }
    let ids: Vec<&str> = doubled.iter().map(|a| a.id.as_str()).collect();
    format!("booked over {}", ids.join(","))
}
