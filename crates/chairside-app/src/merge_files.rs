//! Merging two files of the same person, and separating them again: the decision a person takes
//! on a pair of possible duplicates when it is one patient (created at two desks, say). The
//! other decision, two different people, is [`App::mark_distinct`].
//!
//! The person chooses which file stays (its number is the one used from now on) and, for each
//! detail the two files disagree on, which value is right ([`MERGEABLE_FIELDS`]). Both files'
//! phone numbers are kept, and the retired file's photo when the kept file has none. What the
//! store does is in `chairside_store::merged`: nothing of the retired file moves or is lost, so
//! separating the files gives each back what it had.

use chairside_domain::Permission as P;
use chairside_store::merged;
use chairside_store::patients::{self as rows, PatientRow};

use crate::error::{ApiError, code, reason};
use crate::patients::{no_patient, refuse_if_erased};
use crate::{
    App, MERGEABLE_FIELDS, MergeDetail, MergePatientsRequest, MergePreview, MergePreviewRequest,
    MergeSide, Patient, Result, record,
};

/// A file merged into another is read and edited through that one.
pub(crate) fn refuse_if_merged(conn: &chairside_store::Connection, row: &PatientRow) -> Result<()> {
    let standing = merged::survivor(conn, &row.id)?;
    if standing == row.id {
        return Ok(());
    }
    let into = rows::get(conn, &standing)?
        .map(|r| r.file_number)
        .unwrap_or(standing);
    Err(ApiError::new(
        code::CONFLICT,
        format!(
            "file {} was merged into file {into}: open that file (this one cannot be changed \
             on its own)",
            row.file_number
        ),
    )
    .because(reason::FILE_MERGED))
}

/// A detail's value as compared: "" when not given (spaces around a text do not count); the
/// kind of a national number without the number is no national number. `None`: not a detail
/// that can be chosen.
fn detail_value(row: &PatientRow, field: &str) -> Option<String> {
    Some(match field {
        "last_name" => row.last_name.trim().to_string(),
        "first_name" => row.first_name.trim().to_string(),
        "birth_date" => row.birth_date.trim().to_string(),
        "sex" => row.sex.trim().to_string(),
        "email" => row.email.trim().to_string(),
        "address" => row.address.trim().to_string(),
        "national_id" if row.national_id.trim().is_empty() => String::new(),
        "national_id" => format!("{}\u{0}{}", row.national_id_kind, row.national_id.trim()),
        "referring_dentist" => row.referring_dentist.trim().to_string(),
        "notes" => row.notes.trim().to_string(),
        "guarantor" if row.guarantor_id.is_empty() => String::new(),
        "guarantor" => format!("{}\u{0}{}", row.guarantor_id, row.guarantor_relation),
        _ => return None,
    })
}

/// Sets `field` of `row` to `from`'s value (the caller checked it is one of [`MERGEABLE_FIELDS`]).
fn take_detail(row: &mut PatientRow, from: &PatientRow, field: &str) {
    match field {
        "last_name" => row.last_name = from.last_name.clone(),
        "first_name" => row.first_name = from.first_name.clone(),
        "birth_date" => row.birth_date = from.birth_date.clone(),
        "sex" => row.sex = from.sex.clone(),
        "email" => row.email = from.email.clone(),
        "address" => row.address = from.address.clone(),
        "national_id" => {
            row.national_id_kind = from.national_id_kind.clone();
            row.national_id = from.national_id.clone();
        }
        "referring_dentist" => row.referring_dentist = from.referring_dentist.clone(),
        "notes" => row.notes = from.notes.clone(),
        "guarantor" => {
            row.guarantor_id = from.guarantor_id.clone();
            row.guarantor_relation = from.guarantor_relation.clone();
        }
        _ => {}
    }
}

/// Both files' phone numbers, the kept file's first, each once.
fn merged_phones(kept: &PatientRow, retired: &PatientRow) -> Vec<String> {
    let mut phones = kept.phones.clone();
    for phone in &retired.phones {
        if !phones.contains(phone) {
            phones.push(phone.clone());
        }
    }
    phones
}

/// The kept file's row once the chosen details of the retired file are taken.
fn merged_row(kept: &PatientRow, retired: &PatientRow, take: &[String]) -> Result<PatientRow> {
    let mut row = kept.clone();
    for field in take {
        if detail_value(retired, field).is_none() {
            return Err(ApiError::invalid(
                "take_from_retired",
                format!(
                    "{field:?} is not a detail that can be taken: choose among {}",
                    MERGEABLE_FIELDS.join(", ")
                ),
            ));
        }
        take_detail(&mut row, retired, field);
    }
    row.phones = merged_phones(kept, retired);
    Ok(row)
}

/// Whether a file's guarantor can stay on the merged file: not when it is one of the two files
/// (or a file merged into one of them), which would make the file its own guarantor.
fn guarantor_can_stay(
    conn: &chairside_store::Connection,
    row: &PatientRow,
    pair: [&str; 2],
) -> Result<bool> {
    Ok(row.guarantor_id.is_empty()
        || !pair.contains(&merged::survivor(conn, &row.guarantor_id)?.as_str()))
}

/// The two files of a merge, read and checked: both on file, neither erased nor merged.
fn merge_pair(
    conn: &chairside_store::Connection,
    kept_id: &str,
    retired_id: &str,
) -> Result<(PatientRow, PatientRow)> {
    if kept_id == retired_id {
        return Err(ApiError::invalid(
            "retired_id",
            "choose two different files",
        ));
    }
    let kept = rows::get(conn, kept_id)?.ok_or_else(|| no_patient(kept_id))?;
    let retired = rows::get(conn, retired_id)?.ok_or_else(|| no_patient(retired_id))?;
    for row in [&kept, &retired] {
        refuse_if_erased(row)?;
        refuse_if_merged(conn, row)?;
    }
    Ok((kept, retired))
}

impl App {
    /// What merging two files would do, for the person to decide (nothing is written): the file
    /// kept (the one asked for, else the one created first), the details the files disagree on
    /// with the value each starts on and the values that cannot be chosen, the phone numbers
    /// kept and whether the photo is taken. `merge_patients` applies the same rules. Refused,
    /// as the merge would be, when a file is missing, erased or merged already.
    pub fn merge_preview(&mut self, req: MergePreviewRequest) -> Result<MergePreview> {
        let session = self.authorize(P::EditPatients, "patient.merge")?;
        let (_, today) = self.region_and_today()?;
        let conn = self.store()?.conn();
        let (first, second) = merge_pair(conn, &req.first_id, &req.second_id)?;
        let (kept, retired) = match req.kept_id.as_deref() {
            Some(id) if id == second.id => (second, first),
            Some(id) if id == first.id => (first, second),
            Some(id) => {
                return Err(ApiError::invalid(
                    "kept_id",
                    format!("{id} is neither of the two files: keep one of them"),
                ));
            }
            None if second.created_at_ms < first.created_at_ms => (second, first),
            None => (first, second),
        };
        let pair = [kept.id.as_str(), retired.id.as_str()];
        let kept_allowed = guarantor_can_stay(conn, &kept, pair)?;
        let retired_allowed = guarantor_can_stay(conn, &retired, pair)?;
        let mut details = Vec::new();
        for field in MERGEABLE_FIELDS {
            let (kept_value, retired_value) =
                (detail_value(&kept, field), detail_value(&retired, field));
            if kept_value == retired_value {
                continue;
            }
            let (kept_allowed, retired_allowed) = if *field == "guarantor" {
                (kept_allowed, retired_allowed)
            } else {
                (true, true)
            };
            let kept_empty = kept_value.as_deref().is_none_or(str::is_empty);
            let default_side = if !kept_allowed || (kept_empty && retired_allowed) {
                MergeSide::Retired
            } else {
                MergeSide::Kept
            };
            details.push(MergeDetail {
                field: (*field).to_string(),
                default_side,
                kept_allowed,
                retired_allowed,
            });
        }
        let phones = merged_phones(&kept, &retired);
        let takes_photo = !kept.has_photo && retired.has_photo;
        let (kept_created_at_ms, retired_created_at_ms) =
            (kept.created_at_ms, retired.created_at_ms);
        // Both files are shown in full: read, as by `get_patient`.
        let user = session.user_id.to_string();
        for id in pair {
            self.audit_event(record(&user, "patient.read", "patient", id, "ok", ""))?;
        }
        Ok(MergePreview {
            kept: self.patient_dto(kept, today)?,
            retired: self.patient_dto(retired, today)?,
            kept_created_at_ms,
            retired_created_at_ms,
            details,
            phones,
            takes_photo,
        })
    }

    /// Merges the file `retired_id` into `kept_id` (the same person): the kept file takes the
    /// chosen details and shows both files' medical history, consents and images; the retired
    /// file leaves lists, searches and the duplicate review on every PC. Audited.
    pub fn merge_patients(&mut self, req: MergePatientsRequest) -> Result<Patient> {
        let session = self.authorize(P::EditPatients, "patient.merge")?;
        let (_, today) = self.region_and_today()?;
        let conn = self.store()?.conn();
        let (kept, retired) = merge_pair(conn, &req.kept_id, &req.retired_id)?;
        let row = merged_row(&kept, &retired, &req.take_from_retired)?;
        if !guarantor_can_stay(conn, &row, [&kept.id, &retired.id])? {
            return Err(ApiError::invalid(
                "take_from_retired",
                "the guarantor chosen is one of the two files: keep the other guarantor, or \
                 change it after the merge",
            )
            .because(reason::GUARANTOR_IN_MERGE));
        }
        let photo = if kept.has_photo {
            None
        } else {
            rows::photo(conn, &retired.id)?
        };
        let user = session.user_id.to_string();
        let detail = format!("{} ({})", retired.id, req.take_from_retired.join(","));
        self.store_mut()?.write(|w| {
            w.update_patient(&row)?;
            if let Some(photo) = &photo {
                w.set_patient_photo(&row.id, photo)?;
            }
            w.merge_patient_into(&retired.id, &kept.id)?;
            w.audit(record(
                &user,
                "patient.merge",
                "patient",
                &kept.id,
                "ok",
                &detail,
            ))?;
            Ok(())
        })?;
        let row = rows::get(self.store()?.conn(), &kept.id)?.ok_or_else(|| no_patient(&kept.id))?;
        self.patient_dto(row, today)
    }

    /// Separates a file merged into another (a merge made by mistake): it stands on its own
    /// again, with exactly the medical history, consents and images it had. The details the
    /// kept file took from it stay there. Returns the separated file.
    pub fn separate_patient(&mut self, id: &str) -> Result<Patient> {
        let session = self.authorize(P::EditPatients, "patient.separate")?;
        let (_, today) = self.region_and_today()?;
        let conn = self.store()?.conn();
        let row = rows::get(conn, id)?.ok_or_else(|| no_patient(id))?;
        let kept = merged::survivor(conn, id)?;
        if kept == row.id {
            return Err(ApiError::new(
                code::CONFLICT,
                format!(
                    "file {} is not merged into another: there is nothing to separate",
                    row.file_number
                ),
            ));
        }
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.separate_patient(id)?;
            w.audit(record(
                &user,
                "patient.separate",
                "patient",
                &kept,
                "ok",
                id,
            ))?;
            Ok(())
        })?;
        let row = rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        self.patient_dto(row, today)
    }
}
