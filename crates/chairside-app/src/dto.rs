//! The data transfer objects that cross a process boundary: to the webview over Tauri IPC and to
//! scripts as the CLI's `--json` output. TypeScript types for the UI are generated from these by
//! ts-rs ([`crate::bindings`]); a test fails when `ui/src/lib/bindings.ts` is stale.

use chairside_domain as domain;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Dentist,
    Assistant,
    Receptionist,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewAgenda,
    EditAgenda,
    ViewPatients,
    EditPatients,
    ViewClinical,
    EditClinical,
    Prescribe,
    ViewImaging,
    EditImaging,
    ViewBilling,
    EditBilling,
    ViewReports,
    ExportPatientData,
    ErasePatient,
    RunSync,
    ManageUsers,
    ManageDevices,
    ManageSettings,
    ManageBackups,
    ViewAudit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum Language {
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "en")]
    English,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyStorage {
    Keyring,
    Passphrase,
}

/// Where the app is in its life: decides which screen the UI shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppPhase {
    /// No database yet: first-run setup.
    NeedsSetup,
    /// The database exists but its key is wrapped by a passphrase nobody has entered yet.
    StoreLocked,
    SignedOut,
    SignedIn,
    /// Signed in, but idle too long (or locked by hand): the password is needed again.
    SessionLocked,
    /// This PC joined a clinic (pairing code or recovery key) and has not received it yet: the
    /// first sync brings the clinic and its accounts.
    JoiningClinic,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionInfo {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub idle_lock_seconds: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    pub phase: AppPhase,
    pub clinic_name: Option<String>,
    pub language: Language,
    pub key_storage: Option<KeyStorage>,
    /// Whether the OS keyring can hold a new database key (probed during first-run setup only;
    /// afterwards, whether this database's key is in the keyring).
    pub keyring_available: bool,
    pub session: Option<SessionInfo>,
    pub data_dir: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SetupOptions {
    pub timezones: Vec<String>,
    pub phone_regions: Vec<PhoneRegion>,
    pub default_timezone: String,
    pub default_phone_region: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhoneRegion {
    pub code: String,
    pub name_fr: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SetupRequest {
    pub clinic_name: String,
    pub address: String,
    pub timezone: String,
    pub phone_region: String,
    pub language: Language,
    pub owner_username: String,
    pub owner_display_name: String,
    pub owner_password: String,
    /// Required when no OS keyring is available; must be null when one is.
    pub passphrase: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UnlockStoreRequest {
    pub passphrase: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UnlockSessionRequest {
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClinicInfo {
    pub id: String,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub phone_region: String,
    pub language: Language,
    pub idle_lock_seconds: u32,
    pub device_id: String,
    pub device_name: String,
    /// The national-number scheme patients of this clinic carry by default (be_nrn, fr_nir,
    /// dz_cnas), or null where none is known for the region.
    pub default_national_id_kind: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SettingsUpdate {
    pub language: Language,
    pub idle_lock_seconds: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

/// The result of `audit verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditVerification {
    pub ok: bool,
    pub entries: u32,
    pub devices: u32,
    /// The first broken entry, in words, when `ok` is false.
    pub first_break: Option<String>,
    pub broken_seq: Option<u32>,
    pub broken_device: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DbCheck {
    pub ok: bool,
    pub problems: Vec<String>,
}

/// The database's size on disk (file and write-ahead log) before and after compacting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DbCompacted {
    #[ts(type = "number")]
    pub before_bytes: u64,
    #[ts(type = "number")]
    pub after_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BackupSummary {
    pub path: String,
    pub database_id: String,
    pub schema_version: u32,
    #[ts(type = "number")]
    pub created_at_ms: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    pub key_storage: KeyStorage,
}

// Conversions between the domain's types and their wire twins. The twins exist because the
// domain crate carries no serde: its names may change without breaking the UI or scripts.

impl From<domain::Role> for Role {
    fn from(r: domain::Role) -> Self {
        match r {
            domain::Role::Owner => Role::Owner,
            domain::Role::Dentist => Role::Dentist,
            domain::Role::Assistant => Role::Assistant,
            domain::Role::Receptionist => Role::Receptionist,
        }
    }
}

impl From<Role> for domain::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => domain::Role::Owner,
            Role::Dentist => domain::Role::Dentist,
            Role::Assistant => domain::Role::Assistant,
            Role::Receptionist => domain::Role::Receptionist,
        }
    }
}

impl From<domain::Permission> for Permission {
    fn from(p: domain::Permission) -> Self {
        use domain::Permission as P;
        match p {
            P::ViewAgenda => Permission::ViewAgenda,
            P::EditAgenda => Permission::EditAgenda,
            P::ViewPatients => Permission::ViewPatients,
            P::EditPatients => Permission::EditPatients,
            P::ViewClinical => Permission::ViewClinical,
            P::EditClinical => Permission::EditClinical,
            P::Prescribe => Permission::Prescribe,
            P::ViewImaging => Permission::ViewImaging,
            P::EditImaging => Permission::EditImaging,
            P::ViewBilling => Permission::ViewBilling,
            P::EditBilling => Permission::EditBilling,
            P::ViewReports => Permission::ViewReports,
            P::ExportPatientData => Permission::ExportPatientData,
            P::ErasePatient => Permission::ErasePatient,
            P::RunSync => Permission::RunSync,
            P::ManageUsers => Permission::ManageUsers,
            P::ManageDevices => Permission::ManageDevices,
            P::ManageSettings => Permission::ManageSettings,
            P::ManageBackups => Permission::ManageBackups,
            P::ViewAudit => Permission::ViewAudit,
        }
    }
}

impl From<domain::Language> for Language {
    fn from(l: domain::Language) -> Self {
        match l {
            domain::Language::French => Language::French,
            domain::Language::English => Language::English,
        }
    }
}

impl From<Language> for domain::Language {
    fn from(l: Language) -> Self {
        match l {
            Language::French => domain::Language::French,
            Language::English => domain::Language::English,
        }
    }
}

impl From<chairside_store::KeyStorage> for KeyStorage {
    fn from(k: chairside_store::KeyStorage) -> Self {
        match k {
            chairside_store::KeyStorage::Keyring => KeyStorage::Keyring,
            chairside_store::KeyStorage::Passphrase => KeyStorage::Passphrase,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_the_domain_names() {
        for role in domain::Role::ALL {
            let wire = serde_json::to_value(Role::from(role)).unwrap();
            assert_eq!(wire, role.as_str());
            assert_eq!(domain::Role::from(Role::from(role)), role);
        }
        for permission in domain::Permission::ALL {
            assert_eq!(
                serde_json::to_value(Permission::from(permission)).unwrap(),
                permission.as_str()
            );
        }
        for language in [domain::Language::French, domain::Language::English] {
            assert_eq!(
                serde_json::to_value(Language::from(language)).unwrap(),
                language.code()
            );
        }
    }
}

/// A patient as typed in a form or on the command line; validated by the app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PatientInput {
    pub last_name: String,
    pub first_name: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// F, M or X.
    pub sex: String,
    /// As typed; stored in E.164 using the clinic's phone region.
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub address: String,
    /// be_nrn, fr_nir or dz_cnas; defaults to the clinic region's scheme.
    pub national_id_kind: Option<String>,
    pub national_id: Option<String>,
    pub referring_dentist: String,
    pub notes: String,
    /// Create even though a patient with the same name and birth date, or phone, exists.
    pub allow_duplicate: bool,
    /// Another patient's id: the parent, spouse or guardian who pays or answers for this one.
    #[serde(default)]
    pub guarantor_id: Option<String>,
    /// parent, spouse, guardian, child, sibling or other; required with a guarantor.
    #[serde(default)]
    pub guarantor_relation: Option<String>,
}

/// Another patient, named: a guarantor or a dependent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PatientRef {
    pub id: String,
    pub file_number: String,
    pub last_name: String,
    pub first_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Patient {
    pub id: String,
    pub file_number: String,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: String,
    pub sex: String,
    /// E.164 strings.
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub address: String,
    pub national_id_kind: Option<String>,
    pub national_id: Option<String>,
    pub referring_dentist: String,
    pub notes: String,
    /// Whole years, in the clinic's time zone today (from the year alone once erased).
    pub age: u32,
    /// The guarantor, when one is linked and still on file.
    pub guarantor: Option<PatientRef>,
    pub guarantor_relation: Option<String>,
    /// Whether a photo is stored; read it with `patient_photo`.
    pub has_photo: bool,
    /// Set when the patient's identity was erased on request (GDPR): the file is a pseudonym,
    /// its names, contact details and photo are gone, the clinical records stay.
    #[ts(type = "number | null")]
    pub erased_at_ms: Option<i64>,
    /// Other files of the same person merged into this one (their numbers may still be on paper
    /// records); their medical history, consents and images show here. Empty for most files.
    pub merged_files: Vec<PatientRef>,
}

/// Merging two files of the same person (a patient created at two desks, say): the file kept,
/// the file retired, and which of the retired file's details replace the kept file's. Both
/// files' phone numbers are kept; the retired file's photo is taken when the kept has none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergePatientsRequest {
    pub kept_id: String,
    pub retired_id: String,
    /// Among [`MERGEABLE_FIELDS`]: the details to take from the retired file.
    pub take_from_retired: Vec<String>,
}

/// Asking what merging two files would do, before a person decides: the pair (either order),
/// and the file to keep, or none for the default (the file created first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergePreviewRequest {
    pub first_id: String,
    pub second_id: String,
    pub kept_id: Option<String>,
}

/// Whose value a detail takes in a merge: the kept file's or the retired file's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MergeSide {
    Kept,
    Retired,
}

/// A detail the two files disagree on (a value against none counts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergeDetail {
    /// Among [`MERGEABLE_FIELDS`].
    pub field: String,
    /// The value it starts on: the kept file's, unless that is empty or cannot be kept.
    pub default_side: MergeSide,
    /// Whether each side's value can be chosen: only a guarantor can be refused (one of the two
    /// files: after the merge the file would be its own guarantor).
    pub kept_allowed: bool,
    pub retired_allowed: bool,
}

/// What merging two files would do (`merge_preview`): the person chooses from this, and
/// `merge_patients` applies the same rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergePreview {
    pub kept: Patient,
    pub retired: Patient,
    /// When each file was created (ms since the epoch): the older is kept by default.
    #[ts(type = "number")]
    pub kept_created_at_ms: i64,
    #[ts(type = "number")]
    pub retired_created_at_ms: i64,
    /// The details the two files disagree on, in the patient form's order.
    pub details: Vec<MergeDetail>,
    /// The kept file's phone numbers after the merge: its own first, then the other's, each once.
    pub phones: Vec<String>,
    /// Whether the kept file takes the retired file's photo (it has none of its own).
    pub takes_photo: bool,
}

/// The details a person chooses between when merging two files: `national_id` is the kind and
/// number together, `guarantor` the guarantor and relation together.
pub const MERGEABLE_FIELDS: &[&str] = &[
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "email",
    "address",
    "national_id",
    "referring_dentist",
    "notes",
    "guarantor",
];

/// One event of a patient's history (see `chairside_store::timeline`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimelineEntry {
    #[ts(type = "number")]
    pub at_ms: i64,
    /// file_created, file_erased, allergy, medication, condition, consent_granted,
    /// consent_withdrawn, chart_charted, chart_done (label: tooth and surfaces, detail: the
    /// chart kind's code); later modules add theirs. The UI shows unknown kinds as they come.
    pub kind: String,
    pub ref_id: String,
    pub label: String,
    pub detail: String,
    /// The display name of who recorded it; empty when not known.
    pub recorded_by: String,
}

/// Two files that may be the same person, for a person to review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DuplicatePair {
    pub a: PatientRef,
    pub b: PatientRef,
    /// name_birth_date (same name and birth date) or phone (a shared phone number).
    pub reason: String,
    #[ts(type = "number")]
    pub found_at_ms: i64,
}

/// Two desks changed the same field without seeing each other's change: the value shown now
/// won (the later write); the other one waits here until a person decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EditConflictInfo {
    /// `patient`, `medical_item`, `appointment` or `chart_entry`; with `row_id`, `field`, `other_device` and `other_hlc` it
    /// names the conflict in [`ResolveConflictRequest`].
    pub table: String,
    pub row_id: String,
    /// The field's code (`last_name`, `phones`, `notes`, `label`, ...).
    pub field: String,
    /// The patient whose file it is.
    pub patient: PatientRef,
    /// For a medical-history entry: its label.
    pub item_label: Option<String>,
    /// For an appointment: when it starts now (`YYYY-MM-DDTHH:MM`).
    #[ts(optional)]
    pub appointment_starts_at: Option<String>,
    /// For a dental chart entry: its tooth, surfaces and kind as they stand now.
    #[ts(optional)]
    pub chart_entry: Option<ChartEntryRef>,
    pub current_value: String,
    pub other_value: String,
    pub other_device: String,
    pub other_device_name: String,
    /// The losing write's clock, as text (it does not fit a JavaScript number).
    pub other_hlc: String,
    #[ts(type = "number")]
    pub other_written_at_ms: i64,
    pub kept_device_name: String,
    #[ts(type = "number")]
    pub kept_written_at_ms: i64,
    #[ts(type = "number")]
    pub found_at_ms: i64,
}

/// What waits for a person after merges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttentionInbox {
    pub duplicates: Vec<DuplicatePair>,
    pub edit_conflicts: Vec<EditConflictInfo>,
    pub double_bookings: Vec<DoubleBooking>,
    /// Entries of one tooth that cannot both be true, charted at two PCs apart (shown to those
    /// who may see the clinical record).
    pub chart_contradictions: Vec<ChartContradiction>,
}

/// Two entries of one tooth that cannot both be true, charted apart at two PCs that each checked
/// its own chart: a caries on a tooth the other operatory charted missing, a filling on an
/// implant. Both stay charted until a person strikes one out (`set_chart_entry_active`) or
/// keeps both ([`KeepChartEntriesRequest`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartContradiction {
    /// The file the chart is read in (the kept one, when files were merged).
    pub patient: PatientRef,
    /// FDI, two digits.
    pub tooth: String,
    /// The entry that does not fit the tooth as `because_of` makes it.
    pub entry: ChartEntry,
    /// What makes the tooth absent or replaced: a missing tooth, a done extraction, an implant,
    /// a pontic.
    pub because_of: ChartEntry,
    /// `tooth_absent`, `on_implant` or `on_pontic`: the chart's refusal codes, as a form words
    /// them.
    pub reason: String,
    #[ts(type = "number")]
    pub found_at_ms: i64,
}

/// A person's decision that two contradicting chart entries both stand as charted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KeepChartEntriesRequest {
    pub entry_id: String,
    pub because_of_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    KeepCurrent,
    TakeOther,
}

/// A person's decision on one concurrent edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResolveConflictRequest {
    pub table: String,
    pub row_id: String,
    pub field: String,
    pub other_device: String,
    pub other_hlc: String,
    pub choice: ConflictChoice,
    /// Taking an appointment's other value onto a chair held then: keep the double booking on
    /// purpose. Without it that value is refused with `chair_taken`.
    #[serde(default)]
    pub allow_overlap: bool,
}

impl ResolveConflictRequest {
    /// The decision `choice` on the conflict `c` as the inbox lists it (no double booking kept).
    pub fn for_conflict(c: &EditConflictInfo, choice: ConflictChoice) -> Self {
        ResolveConflictRequest {
            table: c.table.clone(),
            row_id: c.row_id.clone(),
            field: c.field.clone(),
            other_device: c.other_device.clone(),
            other_hlc: c.other_hlc.clone(),
            choice,
            allow_overlap: false,
        }
    }
}

/// What an erasure did, to show the person who asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErasureReport {
    /// The pseudonymised patient.
    pub patient: Patient,
    /// Retained clinical records still linked to the pseudonym, per kind ("medical_item": 3).
    pub retained: Vec<RetainedCount>,
    /// Whether the database's write-ahead log could be emptied at once (else at the next
    /// checkpoint; a backup running in another process can delay it).
    pub wal_emptied: bool,
    /// The patient's DICOM files held here, written again without the identity in their header.
    pub files_without_identity: u32,
    /// The patient's DICOM files this PC does not hold: fetched from the relay and rewritten at
    /// its next sync, or rewritten by the PC that holds one if it syncs first.
    pub files_elsewhere: u32,
    /// DICOM files that could not be written again: their header keeps the identity.
    pub files_not_rewritable: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RetainedCount {
    pub kind: String,
    pub count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MedicalKind {
    Allergy,
    Medication,
    Condition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Moderate,
    High,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MedicalItemInput {
    pub kind: MedicalKind,
    pub label: String,
    /// Reaction (allergy), dosage (medication), notes (condition).
    pub detail: String,
    /// Allergies only.
    pub severity: Option<Severity>,
    /// A person asks for it on the red banner.
    pub alert: bool,
    /// YYYY-MM-DD, when it was reported; defaults to today.
    pub noted_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MedicalItem {
    pub id: String,
    pub patient_id: String,
    pub kind: MedicalKind,
    pub label: String,
    pub detail: String,
    pub severity: Option<Severity>,
    pub alert: bool,
    pub noted_on: Option<String>,
    /// The display name of who recorded it.
    pub recorded_by: String,
    #[ts(type = "number")]
    pub recorded_at_ms: i64,
    pub active: bool,
    /// Decided by the domain's rules: shown on the red banner.
    pub raises_alert: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MedicalHistory {
    /// Every item, newest first, inactive ones included.
    pub items: Vec<MedicalItem>,
    /// The active items that matter chairside (the red banner).
    pub alerts: Vec<MedicalItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    Treatment,
    DataProcessing,
    SmsReminders,
    EmailReminders,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConsentInput {
    pub kind: ConsentKind,
    /// false records a withdrawal (or a refusal).
    pub granted: bool,
    /// The version of the text the patient saw.
    pub text_version: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConsentRecord {
    pub id: String,
    pub patient_id: String,
    pub kind: ConsentKind,
    pub granted: bool,
    pub text_version: String,
    /// The display name of who recorded it.
    pub recorded_by: String,
    #[ts(type = "number")]
    pub recorded_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConsentStatus {
    pub kind: ConsentKind,
    /// The latest decision, or null when never asked.
    pub current: Option<ConsentRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Consents {
    /// One entry per kind, in a fixed order.
    pub status: Vec<ConsentStatus>,
    /// Every decision, newest first.
    pub history: Vec<ConsentRecord>,
}

/// One device's log in a sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StreamReport {
    pub device_id: String,
    pub device_name: String,
    pub this_device: bool,
    /// Change sets this PC sent (its own log only).
    pub sent: u32,
    /// Change sets this PC received from that device.
    pub received: u32,
    /// Where that device's log stands.
    #[ts(type = "number")]
    pub head: i64,
}

/// What one sync did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncSummary {
    pub relay_url: String,
    /// The relay is reached over plain HTTP beyond the clinic's own network: this PC's secret
    /// travels unencrypted (the data does not). Told so the owner moves the relay to HTTPS.
    pub relay_in_clear: bool,
    pub sent: u32,
    pub received: u32,
    #[ts(type = "number")]
    pub bytes_sent: u64,
    #[ts(type = "number")]
    pub bytes_received: u64,
    /// Images and documents uploaded, and their encrypted bytes.
    pub files_sent: u32,
    #[ts(type = "number")]
    pub file_bytes_sent: u64,
    /// Change sets (this PC's or another's) that this PC sealed again at the relay after an
    /// erased file was scrubbed from them (the relay's copies no longer hold the identity).
    pub redacted: u32,
    /// Files (DICOM) replaced by copies without an erased patient's identity whose originals
    /// this sync deleted at the relay (the PC that replaced them, usually; another that held
    /// one deletes it too, and counts it only if the relay still had it).
    pub files_retired: u32,
    /// Files the relay had no room for: they wait on this PC (the change sets went).
    pub files_held_back: Option<FilesHeldBack>,
    /// Change sets of other PCs' logs that this PC brought to the relay, which lacked them (a
    /// relay the clinic moved to, or one restored from an older backup): a PC that is away or
    /// lost does not hold them back.
    pub carried: u32,
    /// Every device's log is identical here and at the relay.
    pub checksums_match: bool,
    /// The clinic had moved to another relay (its owner left a sealed notice at the old one):
    /// this sync followed it there, and `relay_url` is that relay now. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub followed_to: Option<String>,
    pub streams: Vec<StreamReport>,
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// This PC's clock minus the relay's, in milliseconds (positive: ahead), measured by this
    /// sync; None when the relay does not say its time. Five minutes or more either way is off
    /// (see `chairside_sync::clock`): the PC's writes win or lose by the wrong time.
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    /// That offset is off (`chairside_sync::clock::is_off`): told to the person.
    pub clock_off: bool,
    /// Files (radiographs, documents) of the patients booked today and tomorrow fetched ahead by
    /// this sync, so that they open at once, and with the network down.
    pub files_prefetched: u32,
}

/// How a relay came to know this PC when the owner joined it to it ([`crate::App::rejoin_relay`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RejoinOutcome {
    /// The relay knew this PC already: only its address was remembered.
    AlreadyKnown,
    /// The relay did not know the clinic: this PC registered it there, as its first PC.
    RegisteredClinic,
    /// The relay knew the clinic (another PC of it joined first): this PC joined it.
    JoinedClinic,
}

/// A PC revoked. `recovery_key_renewed`: it had been a member, so the clinic's recovery key was
/// renewed with it (the old printed sheet no longer works: print the new one), and with it the
/// clinic's data key (what the clinic writes from then on is sealed under a key the revoked PC
/// never receives).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeviceRevoked {
    pub recovery_key_renewed: bool,
    /// The names of the clinic's other PCs (not revoked) that the renewed data key could not be
    /// shared with yet: they have not synced since this version (or at all). Each receives it
    /// from the first PC that syncs after it did; until then it sends its changes and receives
    /// nothing. Empty when every PC holds the key (or nothing was renewed).
    pub key_waiting_for: Vec<String>,
}

/// The clinic's recovery key to print ([`crate::App::recovery_key`]), checked with the relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecoveryKeyShown {
    pub key: String,
    /// Another PC renewed the key since this PC last synced: this is the renewed key (the sheet
    /// printed from this PC before no longer works).
    pub renewed_elsewhere: bool,
    /// Why the relay could not confirm that this is the clinic's current key (offline, this PC
    /// refused): a renewal made on another PC since this PC's last sync would not be this key.
    /// Absent when the relay confirmed it, or the clinic has no relay yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unchecked: Option<crate::ApiError>,
}

/// What the relay the clinic left was told when the owner moved it ([`RelayRejoined`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MoveNoticeOutcome {
    /// The relay is the one this PC used already (it had lost the clinic): no move to tell.
    NoMove,
    /// The old relay keeps the new one's address, sealed: the other PCs follow at their next
    /// sync with it.
    Left,
    /// The old relay could not be told (unreachable, lost, too old): join each other PC to
    /// the new relay by hand.
    NotLeft,
}

/// A relay this PC joined: the next sync sends it everything this PC holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RelayRejoined {
    pub relay_url: String,
    pub outcome: RejoinOutcome,
    /// Whether the other PCs will follow (the relay the clinic left was told).
    pub old_relay: MoveNoticeOutcome,
}

/// Images and documents the relay refused for lack of room. They wait on this PC, which keeps
/// them and sends them at a later sync once there is room; appointments, notes and charts sync
/// all the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FilesHeldBack {
    /// `quota_exceeded`: the clinic's files reached the quota the relay's operator set;
    /// `storage_full`: the relay's disk is full.
    pub reason: String,
    /// Files waiting on this PC for room at the relay.
    pub waiting: u32,
    /// The relay's own sentence (English; a quota's figures), for whoever runs the relay.
    pub detail: String,
}

/// The owner's end-of-day report: the sync, what waits for a person, who was not seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EndOfDayReport {
    pub summary: SyncSummary,
    /// What waits for a person in the inbox: possible duplicate patients, concurrent edits and
    /// double-booked chairs.
    pub conflicts_waiting: u32,
    /// Images and documents sent by this sync, and those still waiting on this PC.
    pub files_sent: u32,
    pub files_waiting: u32,
    /// Files this PC holds as being at the relay, checked against the relay's listing (None: the
    /// relay is too old to list its files, nothing was checked).
    pub files_checked: Option<u32>,
    /// Those the relay no longer held whole, and those of them sent again from this PC.
    pub files_missing_at_relay: u32,
    pub files_sent_again: u32,
    /// Devices (by name) that did not reach the relay today.
    pub devices_not_seen_today: Vec<String>,
    /// The same devices with when they last did (None: never), in the same order: a PC off
    /// since yesterday evening is not one unplugged for weeks, whose changes wait on it.
    pub devices_not_seen_since: Vec<DeviceLastSeen>,
    /// The clinic's files at the relay against its operator's quota (None: no quota).
    pub relay_file_room: Option<RelayFileRoom>,
    /// Devices (by name) that had a file refused today for the clinic's quota: those files wait
    /// on them until there is room.
    pub devices_with_files_refused_today: Vec<String>,
    /// Devices whose clock was five minutes or more off the relay's when they last synced:
    /// their writes win or lose against the others' by the wrong time, until someone sets it.
    pub clocks_off: Vec<ClockOff>,
}

/// A device and when it last reached the relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeviceLastSeen {
    pub device_name: String,
    /// Milliseconds since the epoch; None if it never did.
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
}

/// A device whose clock is off, and by how much.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClockOff {
    pub device_name: String,
    /// Its clock minus the relay's, in milliseconds: positive when it runs ahead.
    #[ts(type = "number")]
    pub offset_ms: i64,
}

/// The clinic's files at the relay against the quota its operator set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RelayFileRoom {
    #[ts(type = "number")]
    pub used_bytes: u64,
    #[ts(type = "number")]
    pub quota_bytes: u64,
    /// Nine tenths or more used: time to ask the relay's operator for more, before a file is
    /// refused.
    pub nearly_full: bool,
}

/// Where background sync stands, for the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not tried yet since the app started.
    Idle,
    Syncing,
    UpToDate,
    /// The relay cannot be reached: changes wait here; retried with back-off.
    Offline,
    /// No relay set for this PC (a single-PC clinic, or not set up yet).
    NotConfigured,
    /// This PC asked to join the clinic and waits for the owner's approval.
    WaitingForApproval,
    /// A failure a person must look at; `message` says what to do.
    Error,
}

/// The background sync's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    pub state: SyncState,
    pub relay_url: Option<String>,
    #[ts(type = "number | null")]
    pub last_success_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub last_attempt_ms: Option<i64>,
    /// Changes written here and not yet at the relay: change sets that change data (audit
    /// entries alone go with the next sync uncounted), and sets to replace after an erasure.
    pub changes_waiting: u32,
    /// Images and documents stored here and not yet at the relay.
    pub files_waiting: u32,
    /// The last sync found no room at the relay for some of them (see [`FilesHeldBack`]).
    pub files_held_back: Option<FilesHeldBack>,
    /// The last sync's error: its code and reason (the UI words them in the user's language)
    /// and the English message (what happened and what to do).
    pub error: Option<crate::ApiError>,
    #[ts(type = "number | null")]
    pub next_attempt_ms: Option<i64>,
    /// While a sync runs: how far it has come (a PC joining a clinic receives years of it).
    pub progress: Option<SyncProgress>,
    /// This PC's clock minus the relay's at the last sync that reached it (ms; positive:
    /// ahead); None before one, or with a relay that does not say its time.
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    /// That offset is off (`chairside_sync::clock::is_off`): the header asks to set the clock.
    pub clock_off: bool,
}

/// How far a running sync has come, in change sets (what one save wrote): received from the
/// other PCs and merged here, sent from this PC and acknowledged by the relay. The totals are
/// what the relay's heads said when the sync started. Files this PC sends (radiographs, scans)
/// are counted apart, in files and bytes: one CBCT volume outweighs a day's change sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    #[ts(type = "number")]
    pub to_receive: u64,
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub to_send: u64,
    #[ts(type = "number")]
    pub sent: u64,
    #[ts(type = "number")]
    pub files_to_send: u64,
    #[ts(type = "number")]
    pub files_sent: u64,
    #[ts(type = "number")]
    pub file_bytes_to_send: u64,
    #[ts(type = "number")]
    pub file_bytes_sent: u64,
}

impl From<chairside_sync::Progress> for SyncProgress {
    fn from(p: chairside_sync::Progress) -> Self {
        SyncProgress {
            to_receive: p.to_receive,
            received: p.received,
            to_send: p.to_send,
            sent: p.sent,
            files_to_send: p.files_to_send,
            files_sent: p.files_sent,
            file_bytes_to_send: p.file_bytes_to_send,
            file_bytes_sent: p.file_bytes_sent,
        }
    }
}

/// On a new PC: join a clinic with the pairing code shown on the owner's PC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JoinClinicRequest {
    pub relay_url: String,
    pub code: String,
    /// How this PC appears in the clinic's device list ("Fauteuil 2").
    pub device_name: String,
    /// Protects the database where the OS has no keyring (else the key goes to the keyring).
    pub passphrase: Option<String>,
}

/// A PC of the clinic that asked to join its relay again with a pairing code
/// ([`crate::App::rejoin_with_code`]): the owner's PC approves it after comparing fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RejoinRequested {
    pub relay_url: String,
    /// Shown on the owner's PC with the request: compare before approving.
    pub fingerprint: String,
}

/// On a new PC, when every device of the clinic is lost: restore it with the printed key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RestoreClinicRequest {
    pub relay_url: String,
    pub recovery_key: String,
    pub device_name: String,
    pub passphrase: Option<String>,
}

/// A one-time pairing code for a new PC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeviceInvite {
    pub code: String,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    pub relay_url: String,
}

/// A PC that asked to join and waits for approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PendingDeviceInfo {
    pub device_id: String,
    pub device_name: String,
    /// Compare with the fingerprint shown on the new PC before approving.
    pub fingerprint: String,
    #[ts(type = "number")]
    pub requested_at_ms: i64,
}

/// A device of the clinic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    #[ts(type = "number")]
    pub enrolled_at_ms: i64,
    pub revoked: bool,
    pub this_device: bool,
    /// When the PC last reached the relay, as the relay said at this PC's last sync (ms since
    /// the epoch); None if it never did, or before this PC's first sync.
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
    /// How far its clock stood from the relay's when it last said (ms; positive: ahead), as of
    /// this PC's last sync; None when unknown.
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    /// An active PC whose clock is off (`chairside_sync::clock::is_off`): the list says so.
    pub clock_off: bool,
}

// ---------------------------------------------------------------------------------------------
// Imaging

/// The kind of file an image was imported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    Dicom,
    Png,
    Jpeg,
    Tiff,
}

/// Where an image's millimetres come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SpacingSource {
    /// DICOM Pixel Spacing (0028,0030).
    PixelSpacing,
    /// DICOM Imager Pixel Spacing (0018,1164): at the detector.
    ImagerPixelSpacing,
    /// A person measured a known length on the image.
    Calibration,
}

/// How a file's patient (DICOM Patient ID and name) compares with the patient imported into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PatientMatch {
    /// The file's Patient ID is the file number, or its name is the patient's.
    Matches,
    /// The file names someone else: importing needs an explicit confirmation.
    Differs,
    /// The file says nothing of its patient (sensor PNG/JPEG/TIFF, anonymised DICOM).
    Unknown,
}

/// What will happen to one file of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportFileStatus {
    /// Will be imported.
    Ready,
    /// The same bytes are already in this patient's file.
    Duplicate,
    /// Cannot be imported: `reason` says why.
    Refused,
}

/// One file of an import, before anything is stored: read from its header, not decoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportCandidate {
    pub path: String,
    pub file_name: String,
    pub status: ImportFileStatus,
    /// Why it is refused, or which image it duplicates.
    pub reason: Option<String>,
    pub format: Option<ImageFormat>,
    pub modality: Option<String>,
    /// YYYY-MM-DD, from the DICOM study/acquisition date.
    pub taken_on: Option<String>,
    pub rows: u32,
    pub columns: u32,
    pub frames: u32,
    /// The patient named inside the file (DICOM), as written there.
    pub file_patient_id: Option<String>,
    pub file_patient_name: Option<String>,
    pub patient_match: PatientMatch,
}

/// What an import of these files would do (`preview_image_import`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportPreview {
    pub patient: PatientRef,
    pub files: Vec<ImportCandidate>,
    /// Some ready file names another patient: the import needs `confirm_mismatch`.
    pub needs_confirmation: bool,
    pub ready: u32,
    pub duplicates: u32,
    pub refused: u32,
}

/// Import one file (the UI calls this file by file, to show progress).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportFileRequest {
    pub patient_id: String,
    pub path: String,
    /// The person confirmed importing a file whose DICOM patient differs.
    pub confirm_mismatch: bool,
    /// Teeth (FDI, e.g. "36") to link the image to.
    pub teeth: Vec<String>,
}

/// What became of one imported file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportFileOutcome {
    pub path: String,
    pub status: ImportFileStatus,
    /// The new image (or, for a duplicate, the one already there).
    pub image_id: Option<String>,
    pub reason: Option<String>,
}

/// How far the download of an image's file from the relay has come (an image imported on
/// another PC, being opened here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DownloadProgress {
    /// Bytes of the file on this PC (all of them once it is here).
    #[ts(type = "number")]
    pub bytes_here: u64,
    #[ts(type = "number")]
    pub bytes_total: u64,
}

/// An image in a patient's file, as listed (no pixels).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImageSummary {
    pub id: String,
    pub patient_id: String,
    pub format: ImageFormat,
    /// DICOM modality (IO intraoral, PX panoramic, CT, ...), else empty.
    pub modality: String,
    /// YYYY-MM-DD: the acquisition date from the file, else the import date.
    pub taken_on: String,
    pub file_name: String,
    pub rows: u32,
    pub columns: u32,
    pub frames: u32,
    /// Millimetres per pixel [row, column], from the file or a calibration; null when unknown
    /// (lengths are then in pixels).
    pub spacing_mm: Option<[f64; 2]>,
    pub spacing_source: Option<SpacingSource>,
    /// Teeth (FDI) the image is linked to, sorted.
    pub teeth: Vec<String>,
    /// The full-mouth-series slot (0 to 17, upper right to lower right) its teeth put it in,
    /// for an intraoral image.
    pub fmx_slot: Option<u8>,
    /// A PNG data URL, at most 256 px on its longer side.
    pub thumbnail: String,
    /// Whether its bytes are on this PC (else opening it fetches them from the relay).
    pub local: bool,
    pub imported_by: String,
    #[ts(type = "number")]
    pub imported_at_ms: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    /// Two points: a length.
    Length,
    /// Three points (end, vertex, end): an angle.
    Angle,
    /// One point and a text.
    Text,
    /// Two points (tail, head) and an optional text.
    Arrow,
}

/// A measurement or note drawn on an image; saved as a record, so it syncs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImageAnnotation {
    pub id: String,
    pub image_id: String,
    pub kind: AnnotationKind,
    /// Points in image pixel coordinates (x to the right, y down, from the top-left corner).
    pub points: Vec<[f64; 2]>,
    pub text: String,
    /// The measured value, worked out in Rust: "12.4 mm", "12.4 px" (no spacing), "37.5°".
    pub label: String,
    pub length_mm: Option<f64>,
    pub angle_deg: Option<f64>,
    pub created_by: String,
    #[ts(type = "number")]
    pub created_at_ms: i64,
}

/// An image with its annotations: what the viewer shows around the pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImageDetail {
    pub image: ImageSummary,
    pub annotations: Vec<ImageAnnotation>,
    /// The file's own VOI window [centre, width], in modality units.
    pub window: Option<[f64; 2]>,
    /// Window presets for this image: name and [centre, width].
    pub presets: Vec<WindowPreset>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct WindowPreset {
    /// `file`, `full_range`, `enamel`, `bone`, `soft` (the UI translates).
    pub name: String,
    pub window: [f64; 2],
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnotationInput {
    pub image_id: String,
    pub kind: AnnotationKind,
    pub points: Vec<[f64; 2]>,
    pub text: String,
}

/// Calibrate an image: the two points span `known_mm` millimetres.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CalibrationInput {
    pub image_id: String,
    pub points: [[f64; 2]; 2],
    pub known_mm: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImageExportFormat {
    /// The original file as imported (DICOM, or the sensor's PNG/JPEG/TIFF).
    Original,
    /// An 8-bit PNG of the first frame with the file's window.
    Png,
}

// ---- Agenda -------------------------------------------------------------------------------

/// A treatment chair (an operatory): the agenda has a column for each active chair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Chair {
    pub id: String,
    pub name: String,
    /// A chair taken out of service keeps its past appointments but takes no new ones.
    pub active: bool,
}

/// A chair to add (`id` absent) or rename, take out of service or back into it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChairInput {
    #[ts(optional)]
    pub id: Option<String>,
    pub name: String,
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    /// The patient is in the waiting room.
    Arrived,
    Completed,
    /// The patient did not come: the chair was free after all.
    NoShow,
    Cancelled,
}

/// Someone who sees patients (an owner or a dentist), for the agenda's practitioner choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Practitioner {
    pub id: String,
    pub display_name: String,
}

/// One appointment, as the agenda shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Appointment {
    pub id: String,
    /// The patient's file (the kept file, if the booked one was merged into another since).
    pub patient: PatientRef,
    pub chair_id: String,
    pub chair_name: String,
    #[ts(optional)]
    pub practitioner_id: Option<String>,
    #[ts(optional)]
    pub practitioner_name: Option<String>,
    /// Clinic wall-clock time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// `YYYY-MM-DDTHH:MM`, the same day.
    pub ends_at: String,
    pub duration_min: u32,
    pub reason: String,
    pub status: AppointmentStatus,
    /// Whether it holds its chair (booked, arrived, completed); a cancelled appointment and a
    /// patient who did not come leave it free.
    pub holds_chair: bool,
    /// Who booked it, and when.
    pub booked_by_name: String,
    #[ts(type = "number")]
    pub booked_at_ms: i64,
    /// The other appointments that hold the same chair at an overlapping time and wait for a
    /// person (booked at two desks while apart). A pair kept on purpose is not listed.
    pub overlaps_with: Vec<String>,
}

/// A day of the agenda: the chairs (active ones, and any inactive one holding an appointment that
/// day) and the day's appointments, cancelled ones included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgendaDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The clinic's today, so the agenda can mark it and the current time.
    pub today: String,
    pub chairs: Vec<Chair>,
    pub appointments: Vec<Appointment>,
    pub practitioners: Vec<Practitioner>,
}

/// An appointment to book, or the new state of one (moved, lengthened, another chair...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppointmentInput {
    pub patient_id: String,
    pub chair_id: String,
    /// Clinic wall-clock time, `YYYY-MM-DDTHH:MM`, on a 5-minute step.
    pub starts_at: String,
    /// 5 to 480 minutes, a multiple of 5, ending the same day.
    pub duration_min: u32,
    pub reason: String,
    #[ts(optional)]
    pub practitioner_id: Option<String>,
    /// Book even though the chair is taken then (a parent and a child on purpose, say). Without
    /// it such a booking is refused with `chair_taken`.
    pub allow_overlap: bool,
}

/// Two live appointments holding one chair at overlapping times, booked at two desks while they
/// were apart: for a person to settle (cancel or move one, or keep both).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DoubleBooking {
    pub chair_id: String,
    pub chair_name: String,
    /// The earlier-starting of the two first.
    pub first: Appointment,
    pub second: Appointment,
    #[ts(type = "number")]
    pub found_at_ms: i64,
}

/// A patient's appointments (with those of the files merged into it), split by the clinic's
/// clock: the coming ones, soonest first, and the past ones, latest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PatientAppointments {
    pub coming: Vec<Appointment>,
    pub past: Vec<Appointment>,
}

/// Which appointments hold a chair at a time: what a `chair_taken` refusal is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChairHoldersRequest {
    pub chair_id: String,
    /// `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub duration_min: u32,
    /// The appointment being moved (it does not hold the chair against itself).
    #[ts(optional)]
    pub except_id: Option<String>,
}

/// A person's decision that two overlapping appointments both stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KeepDoubleBookingRequest {
    pub first_id: String,
    pub second_id: String,
}

/// What is charted on a tooth (see `chairside_domain::chart::ChartKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Caries,
    Fracture,
    /// To look at again.
    Watch,
    Missing,
    /// A filling or an inlay/onlay.
    Restoration,
    Sealant,
    Crown,
    RootCanal,
    Implant,
    /// A bridge's false tooth.
    Pontic,
    Extraction,
}

/// Where a chart entry stands: found in the mouth, planned, or done here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChartStatus {
    Existing,
    Planned,
    Done,
}

/// What a restoration, a crown or a pontic is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ToothMaterial {
    Composite,
    Amalgam,
    GlassIonomer,
    Ceramic,
    MetalCeramic,
    Zirconia,
    Metal,
}

/// What the odontogram draws for a tooth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ToothState {
    Present,
    /// Missing or extracted, not replaced.
    Missing,
    Implant,
    Pontic,
}

/// One entry of a patient's dental chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartEntry {
    pub id: String,
    /// The file it was charted in (one merged into the file shown, possibly).
    pub patient_id: String,
    /// FDI, two digits ("36").
    pub tooth: String,
    /// Canonical letters ("MOD"); empty for the whole tooth.
    pub surfaces: String,
    pub kind: ChartKind,
    pub status: ChartStatus,
    pub material: Option<ToothMaterial>,
    pub note: String,
    /// `YYYY-MM-DD`, for an entry done here.
    pub done_on: Option<String>,
    /// The display name of who marked it done, for an entry done here.
    pub done_by: Option<String>,
    /// The display name of who charted it.
    pub recorded_by: String,
    #[ts(type = "number")]
    pub recorded_at_ms: i64,
    /// False once settled by a treatment or struck out.
    pub active: bool,
    /// The treatment entry whose completion settled it.
    pub settled_by: Option<String>,
}

/// A surface's most pressing mark (the domain decides which of a surface's entries it is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SurfaceMark {
    /// M, O, I, D, B or L.
    pub surface: String,
    pub kind: ChartKind,
    pub status: ChartStatus,
}

/// An entry of the whole tooth, as the odontogram marks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToothMark {
    pub kind: ChartKind,
    pub status: ChartStatus,
}

/// What a kind of entry takes, from the domain's rules: the form offers these, the store
/// checks them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartKindRule {
    pub kind: ChartKind,
    /// Seen, not done (caries, fracture, a point to watch, a missing tooth): always existing.
    pub finding: bool,
    /// The status the form starts from.
    pub default_status: ChartStatus,
    /// The materials it may be made of; empty when it has none.
    pub materials: Vec<ToothMaterial>,
}

/// One tooth of the odontogram, from its active entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartTooth {
    pub tooth: String,
    pub upper: bool,
    /// An incisor or a canine: its biting edge is I (incisal), not O (occlusal).
    pub anterior: bool,
    pub state: ToothState,
    pub surfaces: Vec<SurfaceMark>,
    pub whole: Vec<ToothMark>,
    /// Active entries on this tooth.
    pub active_entries: u32,
}

/// A patient's dental chart: the odontogram's teeth in chart order (upper arch from the
/// patient's right, then lower arch from the patient's right) and every entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DentalChart {
    pub patient_id: String,
    /// The 32 permanent teeth.
    pub permanent: Vec<ChartTooth>,
    /// The 20 milk teeth.
    pub primary: Vec<ChartTooth>,
    /// Whether milk teeth carry active entries (the chart then opens on them too).
    pub has_primary_entries: bool,
    /// Every entry, active or not, by tooth then in the order charted.
    pub entries: Vec<ChartEntry>,
    /// Every kind of entry with what it takes, findings first.
    pub kinds: Vec<ChartKindRule>,
    /// Entries of one tooth charted apart at two PCs that cannot both be true, waiting for a
    /// person (the same as the inbox's for this file), by tooth.
    pub contradictions: Vec<ChartContradiction>,
}

/// A chart entry as typed. Surfaces as typed ("mod", "M O D", V for B, P for L).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartEntryInput {
    pub tooth: String,
    pub surfaces: String,
    pub kind: ChartKind,
    pub status: ChartStatus,
    pub material: Option<ToothMaterial>,
    pub note: String,
    /// For a done entry: the day (`YYYY-MM-DD`, not in the future); today when absent.
    pub done_on: Option<String>,
}

/// A chart entry written: the chart as it stands, the entry's id, and the findings the write
/// settled (a caries under a restoration now done) or gave back (the restoration struck out,
/// no longer done, or narrowed), if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartUpdate {
    pub chart: DentalChart,
    pub entry_id: String,
    pub settled: Vec<String>,
    pub restored: Vec<String>,
}

/// A concurrent edit's chart entry, for the inbox: which tooth and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartEntryRef {
    pub tooth: String,
    pub surfaces: String,
    pub kind: ChartKind,
}
