//! The agenda's rows: chairs and appointments (synced, merged field by field like a patient), and
//! the double bookings found after every change to an appointment, typed or merged.
//!
//! A desk checks its own bookings against what it holds (the app refuses a taken chair unless the
//! person books anyway), but two desks apart cannot see each other's: after they sync, both
//! appointments stand and hold one chair at once. The appointment's `on_change` hook finds such
//! pairs ([`on_appointment`]) and keeps them in `booking_overlap` for a person to settle: cancel or
//! move one (an ordinary edit, after which the pair no longer overlaps), or keep both
//! ([`Writer::keep_double_booking`], synced, so no PC flags the pair again). The pairs depend
//! only on the data, so every PC derives the same ones whatever order the changes arrive in.

use std::collections::HashMap;

use chairside_domain::EntityId;
use chairside_domain::agenda::{Slot, holds_chair};
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::changes::Writer;
use crate::error::{Result, StoreError};
use crate::now_ms;
use crate::pair_decision::{KEPT_BOOKINGS, ordered};
use crate::schema::{APPOINTMENT, CHAIR};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChairRow {
    pub id: String,
    pub name: String,
    pub active: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppointmentRow {
    pub id: String,
    pub patient_id: String,
    pub chair_id: String,
    /// A staff user's id, or '' when no practitioner is named.
    pub practitioner_id: String,
    /// Clinic wall-clock time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub duration_min: i64,
    pub reason: String,
    /// One of [`chairside_domain::agenda::STATUSES`].
    pub status: String,
    pub booked_by: String,
    pub booked_at_ms: i64,
}

impl AppointmentRow {
    /// Its slot, if its stored time reads (see [`Slot::stored`]).
    pub fn slot(&self) -> Option<Slot> {
        Slot::stored(&self.starts_at, self.duration_min)
    }

    /// The fields a booking writes, as the change capture takes them.
    fn fields(&self) -> [(&'static str, Value); 9] {
        [
            ("patient_id", Value::Text(self.patient_id.clone())),
            ("chair_id", Value::Text(self.chair_id.clone())),
            ("practitioner_id", Value::Text(self.practitioner_id.clone())),
            ("starts_at", Value::Text(self.starts_at.clone())),
            ("duration_min", Value::Integer(self.duration_min)),
            ("reason", Value::Text(self.reason.clone())),
            ("status", Value::Text(self.status.clone())),
            ("booked_by", Value::Text(self.booked_by.clone())),
            ("booked_at_ms", Value::Integer(self.booked_at_ms)),
        ]
    }
}

const APPOINTMENT_COLUMNS: &str = "id, patient_id, chair_id, practitioner_id, starts_at, \
     duration_min, reason, status, booked_by, booked_at_ms";

fn appointment_from_row(r: &Row<'_>) -> rusqlite::Result<AppointmentRow> {
    Ok(AppointmentRow {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        chair_id: r.get(2)?,
        practitioner_id: r.get(3)?,
        starts_at: r.get(4)?,
        duration_min: r.get(5)?,
        reason: r.get(6)?,
        status: r.get(7)?,
        booked_by: r.get(8)?,
        booked_at_ms: r.get(9)?,
    })
}

fn chair_from_row(r: &Row<'_>) -> rusqlite::Result<ChairRow> {
    Ok(ChairRow {
        id: r.get(0)?,
        name: r.get(1)?,
        active: r.get(2)?,
    })
}

/// Every chair, in service first, then by name in natural order (numbers by value).
pub fn chairs(conn: &Connection) -> Result<Vec<ChairRow>> {
    let mut chairs: Vec<ChairRow> = conn
        .prepare_cached("SELECT id, name, active FROM chair")?
        .query_map([], chair_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    // In service first, then by name as people number them: "Fauteuil 2" before "Fauteuil 10".
    chairs.sort_by(|a, b| {
        b.active
            .cmp(&a.active)
            .then_with(|| {
                alphanumeric_sort::compare_str(a.name.to_lowercase(), b.name.to_lowercase())
            })
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(chairs)
}

pub fn chair(conn: &Connection, id: &str) -> Result<Option<ChairRow>> {
    Ok(conn
        .prepare_cached("SELECT id, name, active FROM chair WHERE id = ?1")?
        .query_row([id], chair_from_row)
        .optional()?)
}

pub fn appointment(conn: &Connection, id: &str) -> Result<Option<AppointmentRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment WHERE id = ?1"
        ))?
        .query_row([id], appointment_from_row)
        .optional()?)
}

/// The `starts_at` range of a day: its first and last minute.
fn day_range(date: NaiveDate) -> (String, String) {
    let day = date.format("%Y-%m-%d");
    (format!("{day}T00:00"), format!("{day}T23:59"))
}

/// A day's appointments, whatever their status, in time order.
pub fn day(conn: &Connection, date: NaiveDate) -> Result<Vec<AppointmentRow>> {
    let (first, last) = day_range(date);
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment
             WHERE starts_at BETWEEN ?1 AND ?2 ORDER BY starts_at, chair_id, id"
        ))?
        .query_map(params![first, last], appointment_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// A patient's appointments (with those of the files merged into it), in time order.
pub fn for_patient(conn: &Connection, patient_id: &str) -> Result<Vec<AppointmentRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment
             WHERE patient_id IN (SELECT value FROM json_each(?1)) ORDER BY starts_at, id"
        ))?
        .query_map(
            [crate::merged::files_json(conn, patient_id)?],
            appointment_from_row,
        )?
        .collect::<rusqlite::Result<_>>()?)
}

/// The live appointments of a chair whose time overlaps `slot`, but for `except` (the
/// appointment being moved): what a booking there would double.
pub fn holding(
    conn: &Connection,
    chair_id: &str,
    slot: &Slot,
    except: Option<&str>,
) -> Result<Vec<AppointmentRow>> {
    let (first, last) = day_range(slot.date());
    let same_day = conn
        .prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment
             WHERE chair_id = ?1 AND starts_at BETWEEN ?2 AND ?3 ORDER BY starts_at, id"
        ))?
        .query_map(params![chair_id, first, last], appointment_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(same_day
        .into_iter()
        .filter(|a| Some(a.id.as_str()) != except && holds_chair(&a.status))
        .filter(|a| a.slot().is_some_and(|s| s.overlaps(slot)))
        .collect())
}

/// A double booking waiting for a person, `appointment_a < appointment_b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoubleBooking {
    pub appointment_a: String,
    pub appointment_b: String,
    pub found_at_ms: i64,
}

/// Every double booking waiting for a person, newest first.
pub fn double_bookings(conn: &Connection) -> Result<Vec<DoubleBooking>> {
    Ok(conn
        .prepare_cached(
            "SELECT appointment_a, appointment_b, found_at_ms FROM booking_overlap
             ORDER BY found_at_ms DESC, appointment_a, appointment_b",
        )?
        .query_map([], |r| {
            Ok(DoubleBooking {
                appointment_a: r.get(0)?,
                appointment_b: r.get(1)?,
                found_at_ms: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// The appointments an appointment is double-booked with (waiting for a person).
pub fn overlapping(conn: &Connection, id: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT CASE appointment_a WHEN ?1 THEN appointment_b ELSE appointment_a END
             FROM booking_overlap WHERE appointment_a = ?1 OR appointment_b = ?1 ORDER BY 1",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The appointment's `on_change` hook: re-derives the double bookings it is part of from the data
/// as it stands (its chair and day now; the pairs of the chair or day it left go with it). A pair
/// keeps the time it was first found while it stays flagged.
pub(crate) fn on_appointment(conn: &Connection, id: &str) -> Result<()> {
    let found_before: HashMap<(String, String), i64> = conn
        .prepare_cached(
            "SELECT appointment_a, appointment_b, found_at_ms FROM booking_overlap
             WHERE appointment_a = ?1 OR appointment_b = ?1",
        )?
        .query_map([id], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached(
        "DELETE FROM booking_overlap WHERE appointment_a = ?1 OR appointment_b = ?1",
    )?
    .execute([id])?;
    let Some(row) = appointment(conn, id)? else {
        return Ok(());
    };
    if !holds_chair(&row.status) {
        return Ok(());
    }
    let Some(slot) = row.slot() else {
        return Ok(());
    };
    let now = now_ms() as i64;
    for other in holding(conn, &row.chair_id, &slot, Some(id))? {
        if KEPT_BOOKINGS.decided(conn, id, &other.id)? {
            continue;
        }
        let (a, b) = ordered(id, &other.id);
        let found_at = found_before
            .get(&(a.to_string(), b.to_string()))
            .copied()
            .unwrap_or(now);
        conn.prepare_cached(
            "INSERT OR IGNORE INTO booking_overlap (appointment_a, appointment_b, found_at_ms)
             VALUES (?1, ?2, ?3)",
        )?
        .execute(params![a, b, found_at])?;
    }
    Ok(())
}

/// The `on_change` hook of a decision to keep both: the pair is no longer flagged.
pub(crate) fn on_review(conn: &Connection, row_id: &str) -> Result<()> {
    if let Some((a, b)) = KEPT_BOOKINGS.pair_of(conn, row_id)? {
        conn.execute(
            "DELETE FROM booking_overlap WHERE appointment_a = ?1 AND appointment_b = ?2",
            params![a, b],
        )?;
    }
    Ok(())
}

fn entity_id(id: &str, what: &str) -> Result<EntityId> {
    id.parse()
        .map_err(|_| StoreError::InvalidChange(format!("{what} id {id:?} is not a UUID")))
}

impl Writer<'_> {
    /// Adds a chair or renames it, takes it out of service or back (only the fields that change
    /// are written, so a rename here and a change of service elsewhere both stand).
    pub fn save_chair(&mut self, chair: &ChairRow, before: Option<&ChairRow>) -> Result<()> {
        let id = entity_id(&chair.id, "chair")?;
        let mut fields = Vec::new();
        if before.is_none_or(|b| b.name != chair.name) {
            fields.push(("name", Value::Text(chair.name.clone())));
        }
        if before.is_none_or(|b| b.active != chair.active) {
            fields.push(("active", Value::Integer(i64::from(chair.active))));
        }
        if fields.is_empty() {
            return Ok(());
        }
        self.set(&CHAIR, id, &fields)
    }

    /// Books a new appointment: every field is written.
    pub fn book_appointment(&mut self, a: &AppointmentRow) -> Result<()> {
        let id = entity_id(&a.id, "appointment")?;
        self.set(&APPOINTMENT, id, &a.fields())
    }

    /// Writes the fields of an appointment that differ from `before`: a move at one desk and a
    /// new reason at another are two edits of two fields, both kept; two moves are a concurrent
    /// edit of the same field, for a person to review.
    pub fn update_appointment(
        &mut self,
        before: &AppointmentRow,
        after: &AppointmentRow,
    ) -> Result<()> {
        let id = entity_id(&after.id, "appointment")?;
        let old = before.fields();
        let changed: Vec<(&str, Value)> = after
            .fields()
            .into_iter()
            .zip(old)
            .filter(|((_, new), (_, old))| new != old)
            .map(|(field, _)| field)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        self.set(&APPOINTMENT, id, &changed)
    }

    /// A person's decision that two overlapping appointments both stand.
    pub fn keep_double_booking(
        &mut self,
        x: &str,
        y: &str,
        decided_by: &str,
        decided_at_ms: i64,
    ) -> Result<()> {
        self.decide_pair(&KEPT_BOOKINGS, x, y, decided_by, decided_at_ms)
    }
}
