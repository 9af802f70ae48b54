//! Builds the Tauri context from the repository root's `tauri.conf.json` and declares the app's
//! commands, so that each must be granted by a capability (see `capabilities/`).

const COMMANDS: &[&str] = &[
    "app_status",
    "setup_options",
    "setup_clinic",
    "unlock_store",
    "sign_in",
    "sign_out",
    "lock_session",
    "unlock_session",
    "record_activity",
    "clinic_info",
    "update_settings",
    "list_users",
    "add_user",
    "add_patient",
    "get_patient",
    "edit_patient",
    "search_patients",
    "medical_history",
    "add_medical_item",
    "set_medical_item_active",
    "consents",
    "record_consent",
    "export_patient_fhir",
    "erase_patient",
    "patient_timeline",
    "patient_dependents",
    "patient_photo",
    "set_patient_photo",
    "remove_patient_photo",
    "duplicate_pairs",
    "mark_distinct",
    "sync_now",
    "end_of_day",
    "list_devices",
    "device_invite",
    "pending_devices",
    "approve_device",
    "revoke_device",
    "recovery_key",
    "sync_status",
    "join_clinic",
    "restore_clinic",
    "check_joining",
    "attention_inbox",
    "resolve_edit_conflict",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
