//! The Chairside desktop shell. Each command locks the one [`App`], calls one method and returns
//! its DTO or its `{code, message}` error; no rule lives here. Commands run off the main thread
//! (`async`), so a slow key derivation never freezes the window. Sync runs on the library's
//! [`BackgroundSync`] (its own thread and database connection): the sync commands hold the app
//! only to check permissions and audit, never during the network exchange.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::{Arc, Mutex};

use chairside_app::{
    AgendaDay, AnnotationInput, ApiError, App, AppStatus, Appointment, AppointmentInput,
    AppointmentStatus, AttentionInbox, BackgroundSync, CalibrationInput, Chair,
    ChairHoldersRequest, ChairInput, ChartEntryInput, ChartUpdate, ClinicInfo, ConsentInput,
    Consents, DentalChart, DeviceInfo, DeviceInvite, DeviceRevoked, DownloadProgress,
    DuplicatePair, EndOfDayReport, ErasureReport, ImageDetail, ImageExportFormat, ImageSummary,
    ImportFileOutcome, ImportFileRequest, ImportPreview, JoinClinicRequest,
    KeepChartEntriesRequest, KeepDoubleBookingRequest, MedicalHistory, MedicalItemInput,
    MergePatientsRequest, MergePreview, MergePreviewRequest, NewUserRequest, Patient,
    PatientAppointments, PatientInput, PatientRef, PendingDeviceInfo, RecoveryKeyShown,
    RejoinRequested, RelayRejoined, ResolveConflictRequest, RestoreClinicRequest, SettingsUpdate,
    SetupOptions, SetupRequest, SignInRequest, SyncStatus, SyncSummary, TimelineEntry,
    UnlockSessionRequest, UnlockStoreRequest, UserInfo, code, default_data_dir,
};
use tauri::State;

type Shared<'a> = State<'a, Arc<Mutex<App>>>;
type Background<'a> = State<'a, Arc<BackgroundSync>>;
type Reply<T> = Result<T, ApiError>;

fn with_app<T>(state: Shared<'_>, f: impl FnOnce(&mut App) -> Reply<T>) -> Reply<T> {
    let mut app = state
        .lock()
        .map_err(|_| ApiError::new(code::INTERNAL, "internal error: restart Chairside"))?;
    f(&mut app)
}

#[tauri::command(async)]
fn app_status(state: Shared<'_>) -> Reply<AppStatus> {
    with_app(state, App::status)
}

#[tauri::command(async)]
fn setup_options(state: Shared<'_>) -> Reply<SetupOptions> {
    with_app(state, |app| Ok(app.setup_options()))
}

#[tauri::command(async)]
fn setup_clinic(state: Shared<'_>, request: SetupRequest) -> Reply<AppStatus> {
    with_app(state, |app| app.setup(request))
}

#[tauri::command(async)]
fn unlock_store(state: Shared<'_>, request: UnlockStoreRequest) -> Reply<AppStatus> {
    with_app(state, |app| app.unlock_store(request))
}

#[tauri::command(async)]
fn sign_in(state: Shared<'_>, request: SignInRequest) -> Reply<AppStatus> {
    with_app(state, |app| app.sign_in(request))
}

#[tauri::command(async)]
fn sign_out(state: Shared<'_>) -> Reply<AppStatus> {
    with_app(state, App::sign_out)
}

#[tauri::command(async)]
fn lock_session(state: Shared<'_>) -> Reply<AppStatus> {
    with_app(state, App::lock_session)
}

#[tauri::command(async)]
fn unlock_session(state: Shared<'_>, request: UnlockSessionRequest) -> Reply<AppStatus> {
    with_app(state, |app| app.unlock_session(request))
}

#[tauri::command(async)]
fn record_activity(state: Shared<'_>) -> Reply<AppStatus> {
    with_app(state, App::record_activity)
}

#[tauri::command(async)]
fn clinic_info(state: Shared<'_>) -> Reply<ClinicInfo> {
    with_app(state, App::clinic_info)
}

#[tauri::command(async)]
fn update_settings(state: Shared<'_>, request: SettingsUpdate) -> Reply<ClinicInfo> {
    with_app(state, |app| app.update_settings(request))
}

#[tauri::command(async)]
fn list_users(state: Shared<'_>) -> Reply<Vec<UserInfo>> {
    with_app(state, App::list_users)
}

#[tauri::command(async)]
fn add_user(state: Shared<'_>, request: NewUserRequest) -> Reply<UserInfo> {
    with_app(state, |app| app.add_user(request))
}

#[tauri::command(async)]
fn add_patient(state: Shared<'_>, request: PatientInput) -> Reply<Patient> {
    with_app(state, |app| app.add_patient(request))
}

#[tauri::command(async)]
fn get_patient(state: Shared<'_>, id: String) -> Reply<Patient> {
    with_app(state, |app| app.get_patient(&id))
}

#[tauri::command(async)]
fn edit_patient(state: Shared<'_>, id: String, request: PatientInput) -> Reply<Patient> {
    with_app(state, |app| app.edit_patient(&id, request))
}

#[tauri::command(async)]
fn search_patients(state: Shared<'_>, query: String) -> Reply<Vec<Patient>> {
    with_app(state, |app| app.search_patients(&query))
}

#[tauri::command(async)]
fn medical_history(state: Shared<'_>, id: String) -> Reply<MedicalHistory> {
    with_app(state, |app| app.medical_history(&id))
}

#[tauri::command(async)]
fn add_medical_item(
    state: Shared<'_>,
    id: String,
    request: MedicalItemInput,
) -> Reply<MedicalHistory> {
    with_app(state, |app| app.add_medical_item(&id, request))
}

#[tauri::command(async)]
fn set_medical_item_active(state: Shared<'_>, item: String, active: bool) -> Reply<MedicalHistory> {
    with_app(state, |app| app.set_medical_item_active(&item, active))
}

#[tauri::command(async)]
fn consents(state: Shared<'_>, id: String) -> Reply<Consents> {
    with_app(state, |app| app.consents(&id))
}

#[tauri::command(async)]
fn record_consent(state: Shared<'_>, id: String, request: ConsentInput) -> Reply<Consents> {
    with_app(state, |app| app.record_consent(&id, request))
}

/// Writes the export into the user's `Documents/Chairside exports` folder; returns the path.
#[tauri::command(async)]
fn export_patient_fhir(state: Shared<'_>, id: String) -> Reply<String> {
    let dir = chairside_app::default_export_dir();
    with_app(state, |app| {
        app.export_patient_fhir_to_dir(&id, &dir)
            .map(|p| p.display().to_string())
    })
}

#[tauri::command(async)]
fn erase_patient(state: Shared<'_>, id: String) -> Reply<ErasureReport> {
    with_app(state, |app| app.erase_patient(&id))
}

#[tauri::command(async)]
fn patient_timeline(state: Shared<'_>, id: String) -> Reply<Vec<TimelineEntry>> {
    with_app(state, |app| app.patient_timeline(&id))
}

#[tauri::command(async)]
fn patient_dependents(state: Shared<'_>, id: String) -> Reply<Vec<PatientRef>> {
    with_app(state, |app| app.patient_dependents(&id))
}

#[tauri::command(async)]
fn patient_photo(state: Shared<'_>, id: String) -> Reply<Option<String>> {
    with_app(state, |app| app.patient_photo(&id))
}

#[tauri::command(async)]
fn set_patient_photo(state: Shared<'_>, id: String, photo: String) -> Reply<()> {
    with_app(state, |app| app.set_patient_photo_base64(&id, &photo))
}

#[tauri::command(async)]
fn remove_patient_photo(state: Shared<'_>, id: String) -> Reply<()> {
    with_app(state, |app| app.remove_patient_photo(&id))
}

#[tauri::command(async)]
fn duplicate_pairs(state: Shared<'_>) -> Reply<Vec<DuplicatePair>> {
    with_app(state, App::duplicate_pairs)
}

#[tauri::command(async)]
fn mark_distinct(state: Shared<'_>, a: String, b: String) -> Reply<()> {
    with_app(state, |app| app.mark_distinct(&a, &b))
}

#[tauri::command(async)]
fn merge_preview(state: Shared<'_>, req: MergePreviewRequest) -> Reply<MergePreview> {
    with_app(state, |app| app.merge_preview(req))
}

#[tauri::command(async)]
fn agenda_day(state: Shared<'_>, date: String) -> Reply<AgendaDay> {
    with_app(state, |app| app.agenda_day(&date))
}

#[tauri::command(async)]
fn agenda_day_refresh(state: Shared<'_>, date: String) -> Reply<AgendaDay> {
    with_app(state, |app| app.agenda_day_refresh(&date))
}

#[tauri::command(async)]
fn list_chairs(state: Shared<'_>) -> Reply<Vec<Chair>> {
    with_app(state, |app| app.list_chairs())
}

#[tauri::command(async)]
fn save_chair(state: Shared<'_>, req: ChairInput) -> Reply<Chair> {
    with_app(state, |app| app.save_chair(req))
}

#[tauri::command(async)]
fn book_appointment(state: Shared<'_>, req: AppointmentInput) -> Reply<Appointment> {
    with_app(state, |app| app.book_appointment(req))
}

#[tauri::command(async)]
fn update_appointment(state: Shared<'_>, id: String, req: AppointmentInput) -> Reply<Appointment> {
    with_app(state, |app| app.update_appointment(&id, req))
}

#[tauri::command(async)]
fn set_appointment_status(
    state: Shared<'_>,
    id: String,
    status: AppointmentStatus,
) -> Reply<Appointment> {
    with_app(state, |app| app.set_appointment_status(&id, status))
}

#[tauri::command(async)]
fn patient_appointments(state: Shared<'_>, patient_id: String) -> Reply<PatientAppointments> {
    with_app(state, |app| app.patient_appointments(&patient_id))
}

#[tauri::command(async)]
fn chair_holders(state: Shared<'_>, req: ChairHoldersRequest) -> Reply<Vec<Appointment>> {
    with_app(state, |app| app.chair_holders(req))
}

#[tauri::command(async)]
fn keep_double_booking(state: Shared<'_>, req: KeepDoubleBookingRequest) -> Reply<()> {
    with_app(state, |app| app.keep_double_booking(req))
}

#[tauri::command(async)]
fn dental_chart(state: Shared<'_>, id: String) -> Reply<DentalChart> {
    with_app(state, |app| app.dental_chart(&id))
}

#[tauri::command(async)]
fn add_chart_entry(state: Shared<'_>, id: String, request: ChartEntryInput) -> Reply<ChartUpdate> {
    with_app(state, |app| app.add_chart_entry(&id, request))
}

#[tauri::command(async)]
fn update_chart_entry(
    state: Shared<'_>,
    entry: String,
    request: ChartEntryInput,
) -> Reply<ChartUpdate> {
    with_app(state, |app| app.update_chart_entry(&entry, request))
}

#[tauri::command(async)]
fn complete_chart_entry(
    state: Shared<'_>,
    entry: String,
    done_on: Option<String>,
) -> Reply<ChartUpdate> {
    with_app(state, |app| app.complete_chart_entry(&entry, done_on))
}

#[tauri::command(async)]
fn set_chart_entry_active(state: Shared<'_>, entry: String, active: bool) -> Reply<ChartUpdate> {
    with_app(state, |app| app.set_chart_entry_active(&entry, active))
}

#[tauri::command(async)]
fn keep_chart_entries(state: Shared<'_>, req: KeepChartEntriesRequest) -> Reply<()> {
    with_app(state, |app| app.keep_chart_entries(req))
}

#[tauri::command(async)]
fn merge_patients(state: Shared<'_>, req: MergePatientsRequest) -> Reply<Patient> {
    with_app(state, |app| app.merge_patients(req))
}

#[tauri::command(async)]
fn separate_patient(state: Shared<'_>, id: String) -> Reply<Patient> {
    with_app(state, |app| app.separate_patient(&id))
}

#[tauri::command(async)]
fn attention_inbox(state: Shared<'_>) -> Reply<AttentionInbox> {
    with_app(state, App::attention_inbox)
}

#[tauri::command(async)]
fn attention_inbox_refresh(state: Shared<'_>) -> Reply<AttentionInbox> {
    with_app(state, App::attention_inbox_refresh)
}

#[tauri::command(async)]
fn resolve_edit_conflict(state: Shared<'_>, request: ResolveConflictRequest) -> Reply<()> {
    with_app(state, |app| app.resolve_edit_conflict(request))
}

#[tauri::command(async)]
fn sync_now(state: Shared<'_>, sync: Background<'_>, relay: Option<String>) -> Reply<SyncSummary> {
    sync.sync_now(&state, relay.as_deref())
}

#[tauri::command(async)]
fn end_of_day(state: Shared<'_>, sync: Background<'_>) -> Reply<EndOfDayReport> {
    sync.end_of_day(&state)
}

#[tauri::command(async)]
fn sync_status(state: Shared<'_>, sync: Background<'_>) -> Reply<SyncStatus> {
    Ok(sync.status(&state))
}

#[tauri::command(async)]
fn join_clinic(
    state: Shared<'_>,
    sync: Background<'_>,
    request: JoinClinicRequest,
) -> Reply<String> {
    let fingerprint = with_app(state, |app| app.join_clinic(request))?;
    sync.wake();
    Ok(fingerprint)
}

#[tauri::command(async)]
fn restore_clinic(
    state: Shared<'_>,
    sync: Background<'_>,
    request: RestoreClinicRequest,
) -> Reply<()> {
    with_app(state, |app| app.restore_clinic(request))?;
    sync.wake();
    Ok(())
}

/// On a PC that is joining: try the enrollment and first sync now rather than at the next
/// scheduled attempt.
#[tauri::command(async)]
fn check_joining(state: Shared<'_>, sync: Background<'_>) -> Reply<SyncStatus> {
    let _ = sync.with_agent(&state, |agent| agent.sync())?;
    Ok(sync.status(&state))
}

/// On a PC that is joining: gives the join up before the clinic arrives (its store is deleted,
/// the first-run screen shows again).
#[tauri::command(async)]
fn cancel_joining(state: Shared<'_>, sync: Background<'_>) -> Reply<AppStatus> {
    sync.cancel_joining(&state)
}

#[tauri::command(async)]
fn list_devices(state: Shared<'_>) -> Reply<Vec<DeviceInfo>> {
    with_app(state, App::list_devices)
}

#[tauri::command(async)]
fn device_invite(state: Shared<'_>, relay: Option<String>) -> Reply<DeviceInvite> {
    with_app(state, |app| app.device_invite(relay.as_deref()))
}

#[tauri::command(async)]
fn pending_devices(state: Shared<'_>) -> Reply<Vec<PendingDeviceInfo>> {
    with_app(state, App::pending_devices)
}

#[tauri::command(async)]
fn approve_device(state: Shared<'_>, id: String) -> Reply<PendingDeviceInfo> {
    with_app(state, |app| app.approve_device(&id))
}

#[tauri::command(async)]
fn refuse_device(state: Shared<'_>, id: String) -> Reply<PendingDeviceInfo> {
    with_app(state, |app| app.refuse_device(&id))
}

#[tauri::command(async)]
fn revoke_device(state: Shared<'_>, id: String) -> Reply<DeviceRevoked> {
    with_app(state, |app| app.revoke_device(&id))
}

#[tauri::command(async)]
fn rejoin_relay(state: Shared<'_>, relay: Option<String>) -> Reply<RelayRejoined> {
    with_app(state, |app| app.rejoin_relay(relay.as_deref()))
}

#[tauri::command(async)]
fn rejoin_with_code(state: Shared<'_>, relay: String, code: String) -> Reply<RejoinRequested> {
    with_app(state, |app| app.rejoin_with_code(&relay, &code))
}

#[tauri::command(async)]
fn recovery_key(state: Shared<'_>) -> Reply<RecoveryKeyShown> {
    with_app(state, App::recovery_key)
}

#[tauri::command(async)]
fn renew_recovery_key(state: Shared<'_>) -> Reply<String> {
    with_app(state, App::renew_recovery_key)
}

// ---- imaging ---------------------------------------------------------------------------------

#[tauri::command(async)]
fn list_import_files(state: Shared<'_>, path: String) -> Reply<Vec<String>> {
    with_app(state, |app| app.list_import_files(&path))
}

#[tauri::command(async)]
fn preview_image_import(
    state: Shared<'_>,
    patient_id: String,
    paths: Vec<String>,
) -> Reply<ImportPreview> {
    with_app(state, |app| app.preview_image_import(&patient_id, &paths))
}

#[tauri::command(async)]
fn import_image_file(state: Shared<'_>, request: ImportFileRequest) -> Reply<ImportFileOutcome> {
    with_app(state, |app| app.import_image_file(&request))
}

#[tauri::command(async)]
fn patient_images(state: Shared<'_>, patient_id: String) -> Reply<Vec<ImageSummary>> {
    with_app(state, |app| app.patient_images(&patient_id))
}

#[tauri::command(async)]
fn image_detail(state: Shared<'_>, image_id: String) -> Reply<ImageDetail> {
    with_app(state, |app| app.image_detail(&image_id))
}

/// One frame as raw bytes (the wire format of `chairside_imaging::FramePixels`), not JSON: a
/// panoramic is 9 MB of 16-bit values; with `stage_side`, a screen-sized one when the image is
/// much larger than the viewer's stage (`App::image_screen_frame`).
#[tauri::command(async)]
fn image_frame(
    state: Shared<'_>,
    sync: Background<'_>,
    image_id: String,
    frame: u32,
    stage_side: Option<u32>,
) -> Reply<tauri::ipc::Response> {
    sync.image_frame(&state, &image_id, frame, stage_side)
        .map(tauri::ipc::Response::new)
}

/// Polled by the viewer while an image imported on another PC is fetched from the relay.
#[tauri::command(async)]
fn image_download_progress(state: Shared<'_>, image_id: String) -> Reply<DownloadProgress> {
    with_app(state, |app| app.image_download_progress(&image_id))
}

#[tauri::command(async)]
fn add_image_annotation(state: Shared<'_>, request: AnnotationInput) -> Reply<ImageDetail> {
    with_app(state, |app| app.add_image_annotation(&request))
}

#[tauri::command(async)]
fn delete_image_annotation(state: Shared<'_>, annotation_id: String) -> Reply<ImageDetail> {
    with_app(state, |app| app.delete_image_annotation(&annotation_id))
}

#[tauri::command(async)]
fn calibrate_image(state: Shared<'_>, request: CalibrationInput) -> Reply<ImageDetail> {
    with_app(state, |app| app.calibrate_image(&request))
}

#[tauri::command(async)]
fn set_image_teeth(state: Shared<'_>, image_id: String, teeth: Vec<String>) -> Reply<ImageDetail> {
    with_app(state, |app| app.set_image_teeth(&image_id, &teeth))
}

#[tauri::command(async)]
fn delete_image(state: Shared<'_>, image_id: String) -> Reply<()> {
    with_app(state, |app| app.delete_image(&image_id))
}

/// Writes the image into the user's `Documents/Chairside exports` folder; returns the path.
#[tauri::command(async)]
fn export_image(state: Shared<'_>, image_id: String, format: ImageExportFormat) -> Reply<String> {
    let dir = chairside_app::default_export_dir();
    with_app(state, |app| {
        app.export_image_to_dir(&image_id, format, &dir)
            .map(|p| p.display().to_string())
    })
}

fn main() {
    // The image decoder runs in a copy of this program under a memory limit.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = chairside_imaging::isolated::worker_main(&args) {
        std::process::exit(code);
    }
    let app = Arc::new(Mutex::new(App::new(default_data_dir())));
    let sync = BackgroundSync::spawn(app.clone());
    let sync_at_exit = sync.clone();
    let result = tauri::Builder::default()
        .manage(app)
        .manage(sync)
        .invoke_handler(tauri::generate_handler![
            app_status,
            setup_options,
            setup_clinic,
            unlock_store,
            sign_in,
            sign_out,
            lock_session,
            unlock_session,
            record_activity,
            clinic_info,
            update_settings,
            list_users,
            add_user,
            add_patient,
            get_patient,
            edit_patient,
            search_patients,
            medical_history,
            add_medical_item,
            set_medical_item_active,
            consents,
            record_consent,
            export_patient_fhir,
            erase_patient,
            patient_timeline,
            patient_dependents,
            patient_photo,
            set_patient_photo,
            remove_patient_photo,
            duplicate_pairs,
            mark_distinct,
            merge_preview,
            agenda_day,
            agenda_day_refresh,
            list_chairs,
            save_chair,
            book_appointment,
            update_appointment,
            set_appointment_status,
            patient_appointments,
            keep_double_booking,
            chair_holders,
            dental_chart,
            add_chart_entry,
            update_chart_entry,
            complete_chart_entry,
            set_chart_entry_active,
            keep_chart_entries,
            merge_patients,
            separate_patient,
            sync_now,
            end_of_day,
            list_devices,
            device_invite,
            pending_devices,
            approve_device,
            refuse_device,
            revoke_device,
            rejoin_relay,
            rejoin_with_code,
            recovery_key,
            renew_recovery_key,
            sync_status,
            join_clinic,
            restore_clinic,
            check_joining,
            cancel_joining,
            attention_inbox,
            attention_inbox_refresh,
            resolve_edit_conflict,
            list_import_files,
            preview_image_import,
            import_image_file,
            patient_images,
            image_detail,
            image_frame,
            image_download_progress,
            add_image_annotation,
            delete_image_annotation,
            calibrate_image,
            set_image_teeth,
            delete_image,
            export_image,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    // The window closed: a sync under way ends before the process does.
    sync_at_exit.stop();
    if let Err(e) = result {
        eprintln!("Chairside could not start its window: {e}");
        std::process::exit(1);
    }
}
