//! Patient use cases: create, read, edit, search, with validation, duplicate checks, permissions
//! and an audit entry for every read and write. Audit entries carry the patient's id, never a
//! name or a search text, so that an erasure leaves nothing to scrub in the log.

use chairside_domain::patient::{self as rules, NationalIdKind, Relation, SearchQuery, Sex};
use chairside_domain::{EntityId, Permission as P};
use chairside_store::patients::{self as rows, PatientRow};
use chrono::{Datelike, NaiveDate, Utc};

use crate::error::{ApiError, code};
use crate::{App, DuplicatePair, Patient, PatientInput, PatientRef, Result, record};

/// The most results a search returns: a list longer than a screen is not a search.
pub const SEARCH_LIMIT: u32 = 50;

impl App {
    pub fn add_patient(&mut self, input: PatientInput) -> Result<Patient> {
        let session = self.authorize(P::EditPatients, "patient.create")?;
        let (region, today) = self.region_and_today()?;
        let mut row = validate(&input, &region, today)?;
        row.id = EntityId::new().to_string();
        self.check_guarantor(&row)?;
        row.created_at_ms = Utc::now().timestamp_millis();
        if !input.allow_duplicate {
            let dups = rows::possible_duplicates(self.store()?.conn(), &row)?;
            if !dups.is_empty() {
                let list: Vec<String> = dups
                    .iter()
                    .map(|d| {
                        format!(
                            "{} {} {} ({})",
                            d.file_number, d.first_name, d.last_name, d.birth_date
                        )
                    })
                    .collect();
                return Err(ApiError::new(
                    code::POSSIBLE_DUPLICATE,
                    format!(
                        "possible duplicate of {}: open that file, or confirm that this is another person",
                        list.join(", ")
                    ),
                ));
            }
        }
        // With allow_duplicate the person looked at the possible duplicates and said this is
        // someone else: that decision is recorded (and syncs), so the pair is never flagged.
        let confirmed_distinct = if input.allow_duplicate {
            rows::possible_duplicates(self.store()?.conn(), &row)?
        } else {
            Vec::new()
        };
        let user = session.user_id.to_string();
        let id = row.id.clone();
        let now = row.created_at_ms;
        self.store_mut()?.write(|w| {
            w.insert_patient(&mut row)?;
            for other in &confirmed_distinct {
                w.mark_distinct(&id, &other.id, &user, now)?;
            }
            w.audit(record(&user, "patient.create", "patient", &id, "ok", ""))?;
            Ok(())
        })?;
        self.patient_dto(row, today)
    }

    /// A patient's file. A file merged into another opens as that one (its id may still be in a
    /// link, a list shown before the merge reached this PC, or an audit entry).
    pub fn get_patient(&mut self, id: &str) -> Result<Patient> {
        let session = self.authorize(P::ViewPatients, "patient.read")?;
        let (_, today) = self.region_and_today()?;
        let conn = self.store()?.conn();
        rows::get(conn, id)?.ok_or_else(|| no_patient(id))?;
        let shown = chairside_store::merged::survivor(conn, id)?;
        let row = rows::get(conn, &shown)?.ok_or_else(|| no_patient(&shown))?;
        let user = session.user_id.to_string();
        self.audit_event(record(&user, "patient.read", "patient", &shown, "ok", ""))?;
        self.patient_dto(row, today)
    }

    /// Replaces the editable fields of a patient (the file number and creation date stay).
    pub fn edit_patient(&mut self, id: &str, input: PatientInput) -> Result<Patient> {
        let session = self.authorize(P::EditPatients, "patient.update")?;
        let (region, today) = self.region_and_today()?;
        let current = rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        refuse_if_erased(&current)?;
        crate::merge_files::refuse_if_merged(self.store()?.conn(), &current)?;
        let mut row = validate(&input, &region, today)?;
        row.id = current.id.clone();
        row.file_number = current.file_number.clone();
        row.created_at_ms = current.created_at_ms;
        self.check_guarantor(&row)?;
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.update_patient(&row)?;
            w.audit(record(&user, "patient.update", "patient", id, "ok", ""))?;
            Ok(())
        })?;
        let row = rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        self.patient_dto(row, today)
    }

    /// Patients matching a name, phone, file number or birth date, best match first.
    pub fn search_patients(&mut self, query: &str) -> Result<Vec<Patient>> {
        let session = self.authorize(P::ViewPatients, "patient.search")?;
        let (region, today) = self.region_and_today()?;
        let found = rows::search(
            self.store()?.conn(),
            &SearchQuery::parse(query, &region),
            SEARCH_LIMIT,
        )?;
        let user = session.user_id.to_string();
        // Which patients were shown, by id; the query text may hold a name, so it is not kept.
        let shown: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
        self.audit_event(record(
            &user,
            "patient.search",
            "patient",
            "*",
            "ok",
            &shown.join(","),
        ))?;
        found
            .into_iter()
            .map(|p| self.patient_dto(p, today))
            .collect()
    }

    /// The patients whose guarantor is this one (a parent's children, say).
    pub fn patient_dependents(&mut self, id: &str) -> Result<Vec<PatientRef>> {
        let session = self.authorize(P::ViewPatients, "patient.read")?;
        let conn = self.store()?.conn();
        rows::get(conn, id)?.ok_or_else(|| no_patient(id))?;
        let found: Vec<PatientRef> = rows::dependents(conn, id)?
            .into_iter()
            .map(patient_ref)
            .collect();
        let shown: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
        let detail = shown.join(",");
        let user = session.user_id.to_string();
        self.audit_event(record(&user, "patient.read", "patient", id, "ok", &detail))?;
        Ok(found)
    }

    /// Every pair of files that may be the same person (found after typed or merged changes),
    /// newest first. Never merged by the software: a person compares them and decides
    /// ([`App::mark_distinct`] or [`App::merge_patients`]).
    pub fn duplicate_pairs(&mut self) -> Result<Vec<DuplicatePair>> {
        let session = self.authorize(P::ViewPatients, "patient.duplicates")?;
        let pairs = self.read_duplicate_pairs()?;
        let shown: Vec<String> = pairs
            .iter()
            .map(|p| format!("{}+{}", p.a.id, p.b.id))
            .collect();
        let user = session.user_id.to_string();
        self.audit_event(record(
            &user,
            "patient.duplicates",
            "patient",
            "*",
            "ok",
            &shown.join(","),
        ))?;
        Ok(pairs)
    }

    /// [`App::duplicate_pairs`] without its permission check and audit entry (the caller's).
    pub(crate) fn read_duplicate_pairs(&self) -> Result<Vec<DuplicatePair>> {
        let conn = self.store()?.conn();
        let mut pairs = Vec::new();
        for flag in chairside_store::duplicates::flags(conn)? {
            let (Some(a), Some(b)) = (
                rows::get(conn, &flag.patient_a)?,
                rows::get(conn, &flag.patient_b)?,
            ) else {
                continue;
            };
            pairs.push(DuplicatePair {
                a: patient_ref(a),
                b: patient_ref(b),
                reason: flag.reason,
                found_at_ms: flag.found_at_ms,
            });
        }
        Ok(pairs)
    }

    /// Records that two flagged files are different people; the flag goes on every desk.
    pub fn mark_distinct(&mut self, a: &str, b: &str) -> Result<()> {
        let session = self.authorize(P::EditPatients, "patient.distinct")?;
        for id in [a, b] {
            rows::get(self.store()?.conn(), id)?.ok_or_else(|| no_patient(id))?;
        }
        if a == b {
            return Err(ApiError::invalid("b", "choose two different files"));
        }
        let user = session.user_id.to_string();
        let now = Utc::now().timestamp_millis();
        self.store_mut()?.write(|w| {
            w.mark_distinct(a, b, &user, now)?;
            w.audit(record(&user, "patient.distinct", "patient", a, "ok", b))?;
            Ok(())
        })?;
        Ok(())
    }

    /// A guarantor must be another patient on file, and the relation must be said.
    fn check_guarantor(&self, row: &PatientRow) -> Result<()> {
        if row.guarantor_id.is_empty() {
            return Ok(());
        }
        if row.guarantor_id == row.id {
            return Err(ApiError::invalid(
                "guarantor_id",
                "a patient cannot be their own guarantor",
            ));
        }
        let guarantor = rows::get(self.store()?.conn(), &row.guarantor_id)?.ok_or_else(|| {
            ApiError::invalid(
                "guarantor_id",
                format!(
                    "no patient with id {}: search for the guarantor's file first",
                    row.guarantor_id
                ),
            )
        })?;
        if guarantor.erased_at_ms != 0 {
            return Err(ApiError::invalid(
                "guarantor_id",
                "that file was erased on request and cannot be a guarantor",
            ));
        }
        Ok(())
    }

    /// The DTO of a row, with its guarantor named.
    pub(crate) fn patient_dto(&self, row: PatientRow, today: NaiveDate) -> Result<Patient> {
        let conn = self.store()?.conn();
        let guarantor = if row.guarantor_id.is_empty() {
            None
        } else {
            // A guarantor whose file was merged into another is that one now.
            let guarantor = chairside_store::merged::survivor(conn, &row.guarantor_id)?;
            rows::get(conn, &guarantor)?.map(patient_ref)
        };
        let merged_files = chairside_store::merged::merged_rows(conn, &row.id)?
            .into_iter()
            .map(patient_ref)
            .collect();
        let mut dto = to_dto(row, guarantor, today);
        dto.merged_files = merged_files;
        Ok(dto)
    }

    /// The clinic's phone region and today's date in the clinic's time zone.
    pub(crate) fn region_and_today(&self) -> Result<(String, NaiveDate)> {
        let clinic = chairside_store::clinic::get(self.store()?.conn())?
            .ok_or_else(|| ApiError::new(code::NOT_INITIALISED, "no clinic is set up yet"))?;
        let today = Utc::now()
            .with_timezone(&clinic.settings.timezone)
            .date_naive();
        Ok((clinic.settings.phone_region, today))
    }

    /// A past day typed for `field` (`YYYY-MM-DD`, not in the clinic's future, not before 1900),
    /// or the clinic's today when none is given: when a medical item was noted, when a
    /// treatment was done.
    pub(crate) fn past_day_or_today(&self, field: &str, text: Option<&str>) -> Result<NaiveDate> {
        let (_, today) = self.region_and_today()?;
        match text.map(str::trim).filter(|d| !d.is_empty()) {
            // The birth date's rule, said of this field.
            Some(date) => rules::parse_birth_date(date, today)
                .map_err(|e| ApiError::invalid(field, e.reason.replace("birth_date", field))),
            None => Ok(today),
        }
    }
}

/// An erased file is a pseudonym kept for the clinical records: its identity cannot come back.
pub(crate) fn refuse_if_erased(row: &PatientRow) -> Result<()> {
    if row.erased_at_ms != 0 {
        return Err(ApiError::new(
            code::PATIENT_ERASED,
            format!(
                "file {} was erased on request (GDPR): its identity cannot be edited; create a new file if the person comes back",
                row.file_number
            ),
        ));
    }
    Ok(())
}

pub(crate) fn patient_ref(row: PatientRow) -> PatientRef {
    PatientRef {
        id: row.id,
        file_number: row.file_number,
        last_name: row.last_name,
        first_name: row.first_name,
    }
}

pub(crate) fn no_patient(id: &str) -> ApiError {
    ApiError::new(code::NOT_FOUND, format!("no patient with id {id}"))
}

/// Checks every field and returns the row to store; the first refusal names its field.
fn validate(input: &PatientInput, region: &str, today: NaiveDate) -> Result<PatientRow> {
    let mut phones = Vec::new();
    for phone in input.phones.iter().filter(|p| !p.trim().is_empty()) {
        let e164 = rules::parse_phone(phone, region)?;
        if !phones.contains(&e164) {
            phones.push(e164);
        }
    }
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(e) => rules::parse_email(e)?,
        None => String::new(),
    };
    let national_id = input
        .national_id
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let (kind, national_id) = match national_id {
        None => (String::new(), String::new()),
        Some(number) => {
            let kind = match input
                .national_id_kind
                .as_deref()
                .filter(|k| !k.trim().is_empty())
            {
                Some(k) => NationalIdKind::parse(k)?,
                None => NationalIdKind::for_region(region).ok_or_else(|| {
                    ApiError::invalid(
                        "national_id_kind",
                        "say which kind of number this is: be_nrn, fr_nir or dz_cnas",
                    )
                })?,
            };
            (
                kind.code().to_string(),
                rules::parse_national_id(kind, number)?,
            )
        }
    };
    let guarantor_id = input
        .guarantor_id
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string);
    let relation = input
        .guarantor_relation
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let guarantor_relation = match (&guarantor_id, relation) {
        (None, _) => String::new(),
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "guarantor_relation",
                "say how the guarantor is related: parent, spouse, guardian, child, sibling or other",
            ));
        }
        (Some(_), Some(r)) => Relation::parse(r)?.code().to_string(),
    };
    Ok(PatientRow {
        id: String::new(),
        file_number: String::new(),
        last_name: rules::parse_name("last_name", &input.last_name, true)?,
        first_name: rules::parse_name("first_name", &input.first_name, true)?,
        birth_date: rules::parse_birth_date(&input.birth_date, today)?
            .format("%Y-%m-%d")
            .to_string(),
        sex: Sex::parse(&input.sex)?.code().to_string(),
        phones,
        email,
        address: bounded("address", &input.address, 1000)?,
        national_id_kind: kind,
        national_id,
        referring_dentist: bounded("referring_dentist", &input.referring_dentist, 200)?,
        notes: bounded("notes", &input.notes, 10_000)?,
        created_at_ms: 0,
        guarantor_id: guarantor_id.unwrap_or_default(),
        guarantor_relation,
        has_photo: false,
        erased_at_ms: 0,
    })
}

/// Trimmed free text of at most `max` characters.
pub(crate) fn bounded(field: &str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(text.to_string())
}

fn to_dto(row: PatientRow, guarantor: Option<PatientRef>, today: NaiveDate) -> Patient {
    let years = match NaiveDate::parse_from_str(&row.birth_date, "%Y-%m-%d") {
        Ok(born) => {
            let mut years = today.year() - born.year();
            if (today.month(), today.day()) < (born.month(), born.day()) {
                years -= 1;
            }
            years
        }
        // An erased file keeps the year of birth only.
        Err(_) => row
            .birth_date
            .parse::<i32>()
            .map_or(0, |year| today.year() - year),
    };
    let age = u32::try_from(years.max(0)).unwrap_or(0);
    let optional = |s: String| if s.is_empty() { None } else { Some(s) };
    Patient {
        id: row.id,
        file_number: row.file_number,
        last_name: row.last_name,
        first_name: row.first_name,
        birth_date: row.birth_date,
        sex: row.sex,
        phones: row.phones,
        email: optional(row.email),
        address: row.address,
        national_id_kind: optional(row.national_id_kind),
        national_id: optional(row.national_id),
        referring_dentist: row.referring_dentist,
        notes: row.notes,
        age,
        guarantor,
        guarantor_relation: optional(row.guarantor_relation),
        has_photo: row.has_photo,
        erased_at_ms: (row.erased_at_ms != 0).then_some(row.erased_at_ms),
        merged_files: Vec::new(),
    }
}
