//! The "needs attention" inbox: what the merge of other PCs' changes found and a person must
//! decide: possible duplicate patients (the same person created at two desks), concurrent
//! edits of one field (two desks changed it without seeing each other's change; the store keeps
//! the value that lost, see `chairside_store::conflicts`; an appointment moved at two desks is
//! one, a chart entry changed in two operatories another), chairs double-booked at two desks
//! (`crate::agenda`), and chart entries of one tooth that contradict each other, charted in two
//! operatories apart (`crate::chart`). Nothing here is ever decided automatically; each decision
//! is audited and syncs to every PC.

use chairside_domain::{Hlc, Permission as P};
use chairside_store::Value;
use chairside_store::conflicts::{self, Decision, EditConflict};
use chairside_store::patients as rows;

use crate::Session;
use crate::error::{ApiError, code};
use crate::patients::patient_ref;
use crate::sync::device_names;
use crate::{
    App, AttentionInbox, ChartEntryRef, ConflictChoice, DuplicatePair, EditConflictInfo,
    ResolveConflictRequest, Result, record,
};

/// How a stored field value reads in the inbox: text as typed, a list of phones as a list.
fn display(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => match serde_json::from_str::<Vec<String>>(t) {
            Ok(list) if t.starts_with('[') => list.join(", "),
            _ => t.clone(),
        },
        Value::Blob(b) => format!("({} bytes)", b.len()),
    }
}

impl App {
    /// Everything waiting for a person after merges: duplicate patients, concurrent edits,
    /// double bookings. Concurrent edits of medical history and of the dental chart appear only
    /// to those who may see the clinical record,
    /// those of appointments and double bookings to those who may see the agenda.
    pub fn attention_inbox(&mut self) -> Result<AttentionInbox> {
        let duplicates = self.duplicate_pairs()?;
        let session = self.authorize(P::ViewPatients, "inbox.view")?;
        self.read_inbox(&session, duplicates)
    }

    /// The inbox read again because a sync brought other PCs' changes (the badge and the
    /// banners follow at once): the app's own doing, not the person's, like
    /// [`App::agenda_day_refresh`]. It does not hold off the idle lock (a locked session is
    /// refused as usual) and writes no audit entry: opening the inbox did, and an audited
    /// refresh would itself be a change that the other PCs' refreshes answer, sync after sync.
    pub fn attention_inbox_refresh(&mut self) -> Result<AttentionInbox> {
        let session = self.authorize_unattended(P::ViewPatients, "inbox.view")?;
        let duplicates = self.read_duplicate_pairs()?;
        self.read_inbox(&session, duplicates)
    }

    fn read_inbox(
        &self,
        session: &Session,
        duplicates: Vec<DuplicatePair>,
    ) -> Result<AttentionInbox> {
        let clinical = session.role.allows(P::ViewClinical);
        let agenda = session.role.allows(P::ViewAgenda);
        let double_bookings = if agenda {
            self.double_bookings()?
        } else {
            Vec::new()
        };
        let chart_contradictions = if clinical {
            self.chart_contradictions(None)?
        } else {
            Vec::new()
        };
        let store = self.store()?;
        let conn = store.conn();
        let names = device_names(store)?;
        let staff: std::collections::HashMap<String, String> = chairside_store::users::list(conn)?
            .into_iter()
            .map(|u| (u.id.to_string(), u.display_name))
            .collect();
        let mut edit_conflicts = Vec::new();
        for c in conflicts::open(conn)? {
            let mut appointment_starts_at = None;
            let mut chart_entry = None;
            let (patient_id, item_label) = match c.table.as_str() {
                // A file merged into another is read through that one: what its own fields hold
                // no longer shows anywhere, so an edit of them waits for no one.
                "patient" if !chairside_store::merged::stands(conn, &c.row_id)? => continue,
                "patient" => (c.row_id.clone(), None),
                "medical_item" if clinical => {
                    match chairside_store::medical::get(conn, &c.row_id)? {
                        // Shown in the file it is read in (the kept one, once merged).
                        Some(item) => (
                            chairside_store::merged::survivor(conn, &item.patient_id)?,
                            Some(item.label),
                        ),
                        None => continue,
                    }
                }
                "appointment" if agenda => {
                    match chairside_store::agenda::appointment(conn, &c.row_id)? {
                        Some(a) => {
                            appointment_starts_at = Some(a.starts_at);
                            (
                                chairside_store::merged::survivor(conn, &a.patient_id)?,
                                None,
                            )
                        }
                        None => continue,
                    }
                }
                "chart_entry" if clinical => match chairside_store::chart::get(conn, &c.row_id)? {
                    Some(entry) => {
                        if let Ok(kind) = chairside_domain::chart::ChartKind::parse(&entry.kind) {
                            chart_entry = Some(ChartEntryRef {
                                tooth: entry.tooth,
                                surfaces: entry.surfaces,
                                kind: crate::chart::kind_to_dto(kind),
                            });
                        }
                        (
                            chairside_store::merged::survivor(conn, &entry.patient_id)?,
                            None,
                        )
                    }
                    None => continue,
                },
                _ => continue,
            };
            // A practitioner is a staff user's id: shown by name (the UI names files and chairs
            // itself, as it does a guarantor). The decision reads the stored values, not these.
            let shown = |value: &Value| {
                let text = display(value);
                if c.table == "appointment" && c.field == "practitioner_id" {
                    staff.get(&text).cloned().unwrap_or(text)
                } else {
                    text
                }
            };
            let Some(patient) = rows::get(conn, &patient_id)? else {
                continue; // deleted since
            };
            edit_conflicts.push(EditConflictInfo {
                table: c.table.clone(),
                row_id: c.row_id.clone(),
                field: c.field.clone(),
                patient: patient_ref(patient),
                item_label,
                appointment_starts_at,
                chart_entry,
                current_value: shown(&c.current_value),
                other_value: shown(&c.other_value),
                other_device: c.other_device.clone(),
                other_device_name: names.name_of(&c.other_device),
                other_hlc: c.other_hlc.to_string(),
                other_written_at_ms: Hlc::from_i64(c.other_hlc).physical_ms() as i64,
                kept_device_name: names.name_of(&c.kept_device),
                kept_written_at_ms: Hlc::from_i64(c.kept_hlc).physical_ms() as i64,
                found_at_ms: c.found_at_ms,
            });
        }
        Ok(AttentionInbox {
            duplicates,
            edit_conflicts,
            double_bookings,
            chart_contradictions,
        })
    }

    /// A person's decision on a concurrent edit: keep the value shown now, or take the value
    /// that lost (written again as a new edit, so every PC applies it).
    pub fn resolve_edit_conflict(&mut self, req: ResolveConflictRequest) -> Result<()> {
        let permission = match req.table.as_str() {
            "patient" => P::EditPatients,
            "medical_item" => P::EditClinical,
            "appointment" => P::EditAgenda,
            "chart_entry" => P::EditClinical,
            _ => return Err(ApiError::invalid("table", "no such conflict")),
        };
        let session = self.authorize(permission, "conflict.review")?;
        let other_hlc: i64 = req
            .other_hlc
            .parse()
            .map_err(|_| ApiError::invalid("other_hlc", "no such conflict"))?;
        let conflict: EditConflict = conflicts::open(self.store()?.conn())?
            .into_iter()
            .find(|c| {
                c.table == req.table
                    && c.row_id == req.row_id
                    && c.field == req.field
                    && c.other_device == req.other_device
                    && c.other_hlc == other_hlc
            })
            .ok_or_else(|| {
                ApiError::new(
                    code::NOT_FOUND,
                    "this conflict no longer waits: it was settled here or on another PC",
                )
            })?;
        if conflict.table == "patient"
            && let Some(row) = rows::get(self.store()?.conn(), &conflict.row_id)?
        {
            crate::patients::refuse_if_erased(&row)?;
        }
        let decision = match req.choice {
            ConflictChoice::KeepCurrent => Decision::KeepCurrent,
            ConflictChoice::TakeOther => Decision::TakeOther,
        };
        // Taking a concurrent move's value moves the appointment: the chair rule applies.
        let doubled = if conflict.table == "appointment" && decision == Decision::TakeOther {
            self.doubled_by_taking(&conflict, req.allow_overlap)?
        } else {
            Vec::new()
        };
        let user = session.user_id.to_string();
        let mut detail = format!(
            "{}.{} {}",
            conflict.table,
            conflict.field,
            match decision {
                Decision::KeepCurrent => "kept_current",
                Decision::TakeOther => "took_other",
            }
        );
        if !doubled.is_empty() {
            detail.push_str(&format!("; {}", crate::agenda::booked_over(&doubled)));
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.store_mut()?.write(|w| {
            w.review_conflict(&conflict, decision, &user)?;
            for other in &doubled {
                w.keep_double_booking(&conflict.row_id, &other.id, &user, now_ms)?;
            }
            w.audit(record(
                &user,
                "conflict.review",
                &conflict.table,
                &conflict.row_id,
                "ok",
                &detail,
            ))?;
            Ok(())
        })?;
        Ok(())
    }
}
