//! What the `sync_record` target and its seed writer share: the clinic, its key, and the patient
//! on file in the store every input is merged into (fixed ids, so that seeds can edit it).

use chairside_store::patients::PatientRow;

pub const CLINIC: &str = "0190a5e2-0000-7000-8000-00000000c11c";
/// The clinic's settings row in the target's store.
pub const CLINIC_ROW: &str = "0190a5e2-0000-7000-8000-0000000c1a1c";
/// The patient on file in the target's store.
pub const PATIENT: &str = "0190a5e2-0000-7000-8000-00000000a11a";
pub const KEY: [u8; 32] = [0x5a; 32];

pub fn patient_on_file() -> PatientRow {
    PatientRow {
        id: PATIENT.into(),
        last_name: "Benali".into(),
        first_name: "Amina".into(),
        birth_date: "1990-04-04".into(),
        sex: "F".into(),
        phones: vec!["+213555000001".into()],
        notes: "Allergie pénicilline".into(),
        ..PatientRow::default()
    }
}
