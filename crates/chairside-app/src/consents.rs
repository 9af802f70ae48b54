//! Consent use cases: record a decision (given or withdrawn) and read a patient's consents.

use chairside_domain::consent::{ConsentKind as Kind, parse_text_version};
use chairside_domain::{EntityId, Permission as P};
use chairside_store::consents::{self as rows, ConsentRow};

use crate::staff_display_name;

use crate::{
    App, ConsentInput, ConsentKind, ConsentRecord, ConsentStatus, Consents, Result, record,
};

impl App {
    pub fn consents(&mut self, patient_id: &str) -> Result<Consents> {
        let session = self.authorize(P::ViewPatients, "consent.read")?;
        self.require_patient(patient_id)?;
        let consents = self.read_consents(patient_id)?;
        self.audit_event(record(
            &session.user_id.to_string(),
            "consent.read",
            "patient",
            patient_id,
            "ok",
            "",
        ))?;
        Ok(consents)
    }

    /// Appends a decision; the previous ones stay as they were.
    pub fn record_consent(&mut self, patient_id: &str, input: ConsentInput) -> Result<Consents> {
        let session = self.authorize(P::EditPatients, "consent.record")?;
        self.require_live_patient(patient_id)?;
        let row = ConsentRow {
            id: EntityId::new().to_string(),
            patient_id: patient_id.to_string(),
            kind: to_domain(input.kind).code().to_string(),
            granted: input.granted,
            text_version: parse_text_version(&input.text_version)?,
            recorded_by: session.user_id.to_string(),
            recorded_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        let user = session.user_id.to_string();
        let detail = format!("{} granted={}", row.kind, row.granted);
        self.store_mut()?.write(|w| {
            w.append_consent(&row)?;
            w.audit(record(
                &user,
                "consent.record",
                "patient",
                patient_id,
                "ok",
                &detail,
            ))?;
            Ok(())
        })?;
        self.read_consents(patient_id)
    }

    fn read_consents(&self, patient_id: &str) -> Result<Consents> {
        let conn = self.store()?.conn();
        let history: Vec<ConsentRecord> = rows::for_patient(conn, patient_id)?
            .into_iter()
            .filter_map(|row| {
                let kind = Kind::parse(&row.kind).ok()?;
                let recorded_by = staff_display_name(conn, &row.recorded_by);
                Some(ConsentRecord {
                    id: row.id,
                    patient_id: row.patient_id,
                    kind: from_domain(kind),
                    granted: row.granted,
                    text_version: row.text_version,
                    recorded_by,
                    recorded_at_ms: row.recorded_at_ms,
                })
            })
            .collect();
        let status = Kind::ALL
            .into_iter()
            .map(|k| ConsentStatus {
                kind: from_domain(k),
                // History is newest first: the first record of a kind is its current state.
                current: history.iter().find(|r| r.kind == from_domain(k)).cloned(),
            })
            .collect();
        Ok(Consents { status, history })
    }
}

fn to_domain(kind: ConsentKind) -> Kind {
    match kind {
        ConsentKind::Treatment => Kind::Treatment,
        ConsentKind::DataProcessing => Kind::DataProcessing,
        ConsentKind::SmsReminders => Kind::SmsReminders,
        ConsentKind::EmailReminders => Kind::EmailReminders,
    }
}

fn from_domain(kind: Kind) -> ConsentKind {
    match kind {
        Kind::Treatment => ConsentKind::Treatment,
        Kind::DataProcessing => ConsentKind::DataProcessing,
        Kind::SmsReminders => ConsentKind::SmsReminders,
        Kind::EmailReminders => ConsentKind::EmailReminders,
    }
}
