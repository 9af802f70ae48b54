//! Generates `ui/src/lib/bindings.ts`, the TypeScript twins of the DTOs, with ts-rs.
//!
//! Regenerate with `UPDATE_BINDINGS=1 cargo test -p chairside-app bindings`; without that
//! variable the test fails when the file on disk differs from what the Rust types say.

use ts_rs::{Config, TS};

use crate::dto::*;
use crate::error::ApiError;

pub const HEADER: &str =
    "// This file is generated from the Rust DTOs by ts-rs. Do not edit it by hand.\n";

/// The whole file's text.
pub fn typescript() -> String {
    let cfg = Config::new();
    let decls = [
        Role::decl(&cfg),
        Permission::decl(&cfg),
        Language::decl(&cfg),
        KeyStorage::decl(&cfg),
        AppPhase::decl(&cfg),
        SessionInfo::decl(&cfg),
        AppStatus::decl(&cfg),
        SetupOptions::decl(&cfg),
        PhoneRegion::decl(&cfg),
        SetupRequest::decl(&cfg),
        UnlockStoreRequest::decl(&cfg),
        SignInRequest::decl(&cfg),
        UnlockSessionRequest::decl(&cfg),
        ClinicInfo::decl(&cfg),
        SettingsUpdate::decl(&cfg),
        UserInfo::decl(&cfg),
        NewUserRequest::decl(&cfg),
        AuditVerification::decl(&cfg),
        DbCheck::decl(&cfg),
        DbCompacted::decl(&cfg),
        BackupSummary::decl(&cfg),
        PatientInput::decl(&cfg),
        Patient::decl(&cfg),
        PatientRef::decl(&cfg),
        DuplicatePair::decl(&cfg),
        MergePatientsRequest::decl(&cfg),
        MergePreviewRequest::decl(&cfg),
        MergeSide::decl(&cfg),
        MergeDetail::decl(&cfg),
        MergePreview::decl(&cfg),
        EditConflictInfo::decl(&cfg),
        AttentionInbox::decl(&cfg),
        ConflictChoice::decl(&cfg),
        ResolveConflictRequest::decl(&cfg),
        TimelineEntry::decl(&cfg),
        ErasureReport::decl(&cfg),
        RetainedCount::decl(&cfg),
        StreamReport::decl(&cfg),
        SyncSummary::decl(&cfg),
        RejoinOutcome::decl(&cfg),
        MoveNoticeOutcome::decl(&cfg),
        RelayRejoined::decl(&cfg),
        RejoinRequested::decl(&cfg),
        DeviceRevoked::decl(&cfg),
        RecoveryKeyShown::decl(&cfg),
        FilesHeldBack::decl(&cfg),
        SyncState::decl(&cfg),
        SyncStatus::decl(&cfg),
        SyncProgress::decl(&cfg),
        JoinClinicRequest::decl(&cfg),
        RestoreClinicRequest::decl(&cfg),
        EndOfDayReport::decl(&cfg),
        ClockOff::decl(&cfg),
        DeviceLastSeen::decl(&cfg),
        RelayFileRoom::decl(&cfg),
        DeviceInvite::decl(&cfg),
        PendingDeviceInfo::decl(&cfg),
        DeviceInfo::decl(&cfg),
        MedicalKind::decl(&cfg),
        Severity::decl(&cfg),
        MedicalItemInput::decl(&cfg),
        MedicalItem::decl(&cfg),
        MedicalHistory::decl(&cfg),
        ConsentKind::decl(&cfg),
        ConsentInput::decl(&cfg),
        ConsentRecord::decl(&cfg),
        ConsentStatus::decl(&cfg),
        Consents::decl(&cfg),
        ImageFormat::decl(&cfg),
        SpacingSource::decl(&cfg),
        PatientMatch::decl(&cfg),
        ImportFileStatus::decl(&cfg),
        ImportCandidate::decl(&cfg),
        ImportPreview::decl(&cfg),
        ImportFileRequest::decl(&cfg),
        ImportFileOutcome::decl(&cfg),
        ImageSummary::decl(&cfg),
        DownloadProgress::decl(&cfg),
        AnnotationKind::decl(&cfg),
        ImageAnnotation::decl(&cfg),
        ImageDetail::decl(&cfg),
        WindowPreset::decl(&cfg),
        AnnotationInput::decl(&cfg),
        CalibrationInput::decl(&cfg),
        ImageExportFormat::decl(&cfg),
        Chair::decl(&cfg),
        ChairInput::decl(&cfg),
        AppointmentStatus::decl(&cfg),
        Practitioner::decl(&cfg),
        Appointment::decl(&cfg),
        AgendaDay::decl(&cfg),
        AppointmentInput::decl(&cfg),
        DoubleBooking::decl(&cfg),
        PatientAppointments::decl(&cfg),
        ChairHoldersRequest::decl(&cfg),
        KeepDoubleBookingRequest::decl(&cfg),
        ChartContradiction::decl(&cfg),
        KeepChartEntriesRequest::decl(&cfg),
        ChartKind::decl(&cfg),
        ChartStatus::decl(&cfg),
        ToothMaterial::decl(&cfg),
        ToothState::decl(&cfg),
        ChartEntry::decl(&cfg),
        SurfaceMark::decl(&cfg),
        ToothMark::decl(&cfg),
        ChartKindRule::decl(&cfg),
        ChartTooth::decl(&cfg),
        DentalChart::decl(&cfg),
        ChartEntryInput::decl(&cfg),
        ChartUpdate::decl(&cfg),
        ChartEntryRef::decl(&cfg),
        ApiError::decl(&cfg),
    ];
    let mut out = String::from(HEADER);
    for decl in decls {
        out.push_str("\nexport ");
        out.push_str(decl.trim());
        out.push('\n');
    }
    // Constants the UI must agree with (ts-rs carries types only).
    let quoted: Vec<String> = MERGEABLE_FIELDS
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect();
    out.push_str(&format!(
        "\n/** The details a person chooses between when merging two files (`MERGEABLE_FIELDS`). */\n\
         export const MERGEABLE_FIELDS = [{}] as const;\n",
        quoted.join(", ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn bindings_ts_is_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
        let expected = super::typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p chairside-app bindings` and commit it"
        );
    }
}
