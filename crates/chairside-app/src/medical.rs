//! Medical history use cases: record an allergy, medication or condition (dated and attributed),
//! resolve or reactivate it, and read a patient's history with the alerts for the red banner.
//! Every read and write is audited by id.

use chairside_domain::medical::{self as rules, MedicalKind as Kind, Severity as Sev};
use chairside_domain::{EntityId, Permission as P};
use chairside_store::medical::{self as rows, MedicalRow};
use chairside_store::patients;

use crate::error::{ApiError, code};
use crate::patients::bounded;
use crate::staff_display_name;
use crate::{
    App, MedicalHistory, MedicalItem, MedicalItemInput, MedicalKind, Result, Severity, record,
};

impl App {
    pub fn medical_history(&mut self, patient_id: &str) -> Result<MedicalHistory> {
        let session = self.authorize(P::ViewPatients, "medical.read")?;
        self.require_patient(patient_id)?;
        let history = self.read_history(patient_id)?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "medical.read",
            "patient",
            patient_id,
            "ok",
            "",
        ))?;
        Ok(history)
    }

    pub fn add_medical_item(
        &mut self,
        patient_id: &str,
        input: MedicalItemInput,
    ) -> Result<MedicalHistory> {
        let session = self.authorize(P::EditPatients, "medical.create")?;
        self.require_live_patient(patient_id)?;
        let label = bounded("label", &input.label, 200)?;
        if label.is_empty() {
            return Err(ApiError::invalid("label", "is empty"));
        }
        let kind = kind_to_domain(input.kind);
        if input.severity.is_some() && kind != Kind::Allergy {
            return Err(ApiError::invalid(
                "severity",
                "only allergies have a severity",
            ));
        }
        let noted_on = self.past_day_or_today("noted_on", input.noted_on.as_deref())?;
        let item = MedicalRow {
            id: EntityId::new().to_string(),
            patient_id: patient_id.to_string(),
            kind: kind.code().into(),
            label,
            detail: bounded("detail", &input.detail, 1000)?,
            severity: input
                .severity
                .map(|s| severity_to_domain(s).code().to_string())
                .unwrap_or_default(),
            alert: input.alert,
            noted_on: noted_on.format("%Y-%m-%d").to_string(),
            recorded_by: session.user_id.to_string(),
            recorded_at_ms: chrono::Utc::now().timestamp_millis(),
            active: true,
        };
        let user = session.user_id.to_string();
        self.store_mut()?.write(|w| {
            w.insert_medical_item(&item)?;
            w.audit(record(
                &user,
                "medical.create",
                "patient",
                patient_id,
                "ok",
                &item.id,
            ))?;
            Ok(())
        })?;
        self.read_history(patient_id)
    }

    /// Marks an item resolved or stopped (`active = false`), or active again.
    pub fn set_medical_item_active(
        &mut self,
        item_id: &str,
        active: bool,
    ) -> Result<MedicalHistory> {
        let session = self.authorize(P::EditPatients, "medical.update")?;
        let item = rows::get(self.store()?.conn(), item_id)?.ok_or_else(|| {
            ApiError::new(
                code::NOT_FOUND,
                format!("no medical item with id {item_id}"),
            )
        })?;
        self.require_live_patient(&item.patient_id)?;
        let user = session.user_id.to_string();
        let detail = format!("{item_id} active={active}");
        self.store_mut()?.write(|w| {
            w.set_medical_item_active(item_id, active)?;
            w.audit(record(
                &user,
                "medical.update",
                "patient",
                &item.patient_id,
                "ok",
                &detail,
            ))?;
            Ok(())
        })?;
        self.read_history(&item.patient_id)
    }

    /// A patient on file whose identity was not erased: an erased file keeps its clinical
    /// records for the legal period but takes no new ones.
    pub(crate) fn require_live_patient(&self, patient_id: &str) -> Result<()> {
        let row = patients::get(self.store()?.conn(), patient_id)?.ok_or_else(|| {
            ApiError::new(code::NOT_FOUND, format!("no patient with id {patient_id}"))
        })?;
        if row.erased_at_ms != 0 {
            return Err(ApiError::new(
                code::PATIENT_ERASED,
                format!(
                    "file {} was erased on request (GDPR): its records are kept but take nothing new; create a new file if the person comes back",
                    row.file_number
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn require_patient(&self, patient_id: &str) -> Result<()> {
        patients::get(self.store()?.conn(), patient_id)?
            .map(|_| ())
            .ok_or_else(|| {
                ApiError::new(code::NOT_FOUND, format!("no patient with id {patient_id}"))
            })
    }

    fn read_history(&self, patient_id: &str) -> Result<MedicalHistory> {
        let conn = self.store()?.conn();
        let mut items = Vec::new();
        for row in rows::for_patient(conn, patient_id)? {
            let recorded_by = staff_display_name(conn, &row.recorded_by);
            items.push(to_dto(row, recorded_by));
        }
        let alerts = items.iter().filter(|i| i.raises_alert).cloned().collect();
        Ok(MedicalHistory { items, alerts })
    }
}

fn to_dto(row: MedicalRow, recorded_by: String) -> MedicalItem {
    let kind = Kind::parse(&row.kind).unwrap_or(Kind::Condition);
    MedicalItem {
        raises_alert: rules::raises_alert(kind, &row.label, &row.detail, row.alert, row.active),
        id: row.id,
        patient_id: row.patient_id,
        kind: match kind {
            Kind::Allergy => MedicalKind::Allergy,
            Kind::Medication => MedicalKind::Medication,
            Kind::Condition => MedicalKind::Condition,
        },
        label: row.label,
        detail: row.detail,
        severity: Sev::parse(&row.severity).ok().map(|s| match s {
            Sev::Low => Severity::Low,
            Sev::Moderate => Severity::Moderate,
            Sev::High => Severity::High,
        }),
        alert: row.alert,
        noted_on: Some(row.noted_on).filter(|d| !d.is_empty()),
        recorded_by,
        recorded_at_ms: row.recorded_at_ms,
        active: row.active,
    }
}

fn kind_to_domain(kind: MedicalKind) -> Kind {
    match kind {
        MedicalKind::Allergy => Kind::Allergy,
        MedicalKind::Medication => Kind::Medication,
        MedicalKind::Condition => Kind::Condition,
    }
}

fn severity_to_domain(s: Severity) -> Sev {
    match s {
        Severity::Low => Sev::Low,
        Severity::Moderate => Sev::Moderate,
        Severity::High => Sev::High,
    }
}
