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
use crate::{App, MERGEABLE_FIELDS, MergePatientsRequest, Patient, Result, record};

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

/// The kept file's row once the chosen details of the retired file are taken.
fn merged_row(kept: &PatientRow, retired: &PatientRow, take: &[String]) -> Result<PatientRow> {
    let mut row = kept.clone();
    for field in take {
        match field.as_str() {
            "last_name" => row.last_name = retired.last_name.clone(),
            "first_name" => row.first_name = retired.first_name.clone(),
            "birth_date" => row.birth_date = retired.birth_date.clone(),
            "sex" => row.sex = retired.sex.clone(),
            "email" => row.email = retired.email.clone(),
            "address" => row.address = retired.address.clone(),
            "national_id" => {
                row.national_id_kind = retired.national_id_kind.clone();
                row.national_id = retired.national_id.clone();
            }
            "referring_dentist" => row.referring_dentist = retired.referring_dentist.clone(),
            "notes" => row.notes = retired.notes.clone(),
            "guarantor" => {
                row.guarantor_id = retired.guarantor_id.clone();
                row.guarantor_relation = retired.guarantor_relation.clone();
            }
            other => {
                return Err(ApiError::invalid(
                    "take_from_retired",
                    format!(
                        "{other:?} is not a detail that can be taken: choose among {}",
                        MERGEABLE_FIELDS.join(", ")
                    ),
                ));
            }
        }
    }
    for phone in &retired.phones {
        if !row.phones.contains(phone) {
            row.phones.push(phone.clone());
        }
    }
    Ok(row)
}

impl App {
    /// Merges the file `retired_id` into `kept_id` (the same person): the kept file takes the
    /// chosen details and shows both files' medical history, consents and images; the retired
    /// file leaves lists, searches and the duplicate review on every PC. Audited.
    pub fn merge_patients(&mut self, req: MergePatientsRequest) -> Result<Patient> {
        let session = self.authorize(P::EditPatients, "patient.merge")?;
        let (_, today) = self.region_and_today()?;
        if req.kept_id == req.retired_id {
            return Err(ApiError::invalid(
                "retired_id",
                "choose two different files",
            ));
        }
        let conn = self.store()?.conn();
        let kept = rows::get(conn, &req.kept_id)?.ok_or_else(|| no_patient(&req.kept_id))?;
        let retired =
            rows::get(conn, &req.retired_id)?.ok_or_else(|| no_patient(&req.retired_id))?;
        for row in [&kept, &retired] {
            refuse_if_erased(row)?;
            refuse_if_merged(conn, row)?;
        }
        let row = merged_row(&kept, &retired, &req.take_from_retired)?;
        if !row.guarantor_id.is_empty()
            && [&kept.id, &retired.id].contains(&&merged::survivor(conn, &row.guarantor_id)?)
        {
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
