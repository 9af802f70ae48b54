// Typed wrappers around the Tauri commands. Every call to the Rust side goes through here.
import { invoke } from "@tauri-apps/api/core";
import type {
  AgendaDay,
  ApiError,
  Appointment,
  AppointmentInput,
  AppointmentStatus,
  AppStatus,
  AnnotationInput,
  AttentionInbox,
  CalibrationInput,
  Chair,
  ChairInput,
  ChartEntryInput,
  ChartUpdate,
  DentalChart,
  ClinicInfo,
  ConsentInput,
  Consents,
  DeviceInfo,
  DeviceInvite,
  DeviceRevoked,
  DownloadProgress,
  DuplicatePair,
  EndOfDayReport,
  ErasureReport,
  ImageDetail,
  ImageExportFormat,
  ImageSummary,
  ImportFileOutcome,
  ImportFileRequest,
  ImportPreview,
  JoinClinicRequest,
  KeepChartEntriesRequest,
  KeepDoubleBookingRequest,
  ChairHoldersRequest,
  PatientAppointments,
  NewUserRequest,
  MedicalHistory,
  MedicalItemInput,
  MergePatientsRequest,
  MergePreview,
  MergePreviewRequest,
  Patient,
  PatientInput,
  PatientRef,
  PendingDeviceInfo,
  ResolveConflictRequest,
  RestoreClinicRequest,
  SettingsUpdate,
  SetupOptions,
  SetupRequest,
  SignInRequest,
  SyncStatus,
  SyncSummary,
  RecoveryKeyShown,
  RelayRejoined,
  RejoinRequested,
  TimelineEntry,
  UnlockSessionRequest,
  UnlockStoreRequest,
  UserInfo,
} from "./bindings";

export type Invoker = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

let invoker: Invoker = invoke;

/** Replace the transport (used only by the dev mock, see main.ts). */
export function setInvoker(fn: Invoker): void {
  invoker = fn;
}

/** Turn whatever a rejected command produced into an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err !== null && typeof err === "object") {
    const o = err as Record<string, unknown>;
    if (typeof o.code === "string") {
      const e: ApiError = { code: o.code, message: typeof o.message === "string" ? o.message : "" };
      // The finer reason (sync_refused, sync_not_ready, integrity) picks the words shown.
      if (typeof o.reason === "string") e.reason = o.reason;
      return e;
    }
    if (err instanceof Error) return { code: "internal", message: err.message };
  }
  if (typeof err === "string") return { code: "internal", message: err };
  return { code: "internal", message: String(err) };
}

export function isApiError(err: unknown): err is ApiError {
  return (
    err !== null &&
    typeof err === "object" &&
    typeof (err as ApiError).code === "string" &&
    typeof (err as ApiError).message === "string"
  );
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoker<T>(cmd, args);
  } catch (err) {
    throw toApiError(err);
  }
}

export const appStatus = () => call<AppStatus>("app_status");
export const setupOptions = () => call<SetupOptions>("setup_options");
export const setupClinic = (request: SetupRequest) => call<AppStatus>("setup_clinic", { request });
export const unlockStore = (request: UnlockStoreRequest) => call<AppStatus>("unlock_store", { request });
export const signIn = (request: SignInRequest) => call<AppStatus>("sign_in", { request });
export const signOut = () => call<AppStatus>("sign_out");
export const lockSession = () => call<AppStatus>("lock_session");
export const unlockSession = (request: UnlockSessionRequest) =>
  call<AppStatus>("unlock_session", { request });
export const recordActivity = () => call<AppStatus>("record_activity");
export const clinicInfo = () => call<ClinicInfo>("clinic_info");
export const updateSettings = (request: SettingsUpdate) => call<ClinicInfo>("update_settings", { request });
export const listUsers = () => call<UserInfo[]>("list_users");
export const addUser = (request: NewUserRequest) => call<UserInfo>("add_user", { request });
export const searchPatients = (query: string) => call<Patient[]>("search_patients", { query });
export const getPatient = (id: string) => call<Patient>("get_patient", { id });
export const addPatient = (request: PatientInput) => call<Patient>("add_patient", { request });
export const editPatient = (id: string, request: PatientInput) =>
  call<Patient>("edit_patient", { id, request });
export const medicalHistory = (id: string) => call<MedicalHistory>("medical_history", { id });
export const addMedicalItem = (id: string, request: MedicalItemInput) =>
  call<MedicalHistory>("add_medical_item", { id, request });
export const setMedicalItemActive = (item: string, active: boolean) =>
  call<MedicalHistory>("set_medical_item_active", { item, active });
export const consents = (id: string) => call<Consents>("consents", { id });
export const recordConsent = (id: string, request: ConsentInput) =>
  call<Consents>("record_consent", { id, request });

/** Writes the patient's record as FHIR R4 JSON into "Documents/Chairside exports"; returns the path. */
export const exportPatientFhir = (id: string) => call<string>("export_patient_fhir", { id });
/** GDPR erasure by pseudonymisation: irreversible. */
export const erasePatient = (id: string) => call<ErasureReport>("erase_patient", { id });
/** The patient's history, newest first. */
export const patientTimeline = (id: string) => call<TimelineEntry[]>("patient_timeline", { id });
/** The patients whose guarantor is this one. */
export const patientDependents = (id: string) => call<PatientRef[]>("patient_dependents", { id });
/** The stored photo as base64 JPEG, or null. */
export const patientPhoto = (id: string) => call<string | null>("patient_photo", { id });
/** `photo`: the base64 (no `data:` prefix) of a JPEG or PNG file; the Rust side scales it down. */
export const setPatientPhoto = (id: string, photo: string) => call<null>("set_patient_photo", { id, photo });
export const removePatientPhoto = (id: string) => call<null>("remove_patient_photo", { id });
/** Pairs of files that may be the same person, newest first (never merged by the software on
 * its own: a person decides). */
export const duplicatePairs = () => call<DuplicatePair[]>("duplicate_pairs");
/** A person decided the two files are different people: the flag goes on every PC. */
export const markDistinct = (a: string, b: string) => call<null>("mark_distinct", { a, b });
/** A person decided the two files are the same person: `retired_id` joins `kept_id`, which takes
 * the details listed in `take_from_retired` and both files' phones. Returns the kept file.
 * Errors: conflict (a file was merged already), invalid_input (the same file twice, a guarantor
 * that is one of the two files), patient_erased. */
export const mergePatients = (req: MergePatientsRequest) => call<Patient>("merge_patients", { req });
/** What merging two files would do, for the person to decide (nothing is written; both files are
 * read, as by getPatient): the file kept (`kept_id`, else the one created first), the details
 * the files disagree on with the value each starts on and the values that cannot be chosen, the
 * phones kept and whether the photo is taken. Errors as mergePatients: not_found,
 * patient_erased, conflict (reason file_merged: a file was merged already), invalid_input (the
 * same file twice, a `kept_id` that is neither file). */
export const mergePreview = (req: MergePreviewRequest) => call<MergePreview>("merge_preview", { req });
/** Undoes a merge: the file `id` (merged into another) stands on its own again with its own
 * medical history, consents and images; returns it. Error conflict when it was not merged. */
export const separatePatient = (id: string) => call<Patient>("separate_patient", { id });
/** What waits for a person after merges: possible duplicates, concurrent edits of one field, double
 * bookings and chart contradictions. */
export const attentionInbox = () => call<AttentionInbox>("attention_inbox");
/** The inbox read again after a sync: not the person's activity, not audited (Rust side). */
export const attentionInboxRefresh = () => call<AttentionInbox>("attention_inbox_refresh");
/** A person's decision on a concurrent edit (not_found: already settled here or on another PC). */
export const resolveEditConflict = (request: ResolveConflictRequest) =>
  call<null>("resolve_edit_conflict", { request });

/** Syncs with the relay: `relay` is remembered for next time; null uses the remembered one. */
export const syncNow = (relay: string | null) => call<SyncSummary>("sync_now", { relay });
/** Syncs (with the remembered relay), then reports what the owner checks at the end of the day. */
export const endOfDay = () => call<EndOfDayReport>("end_of_day");
/** The background sync's state, for the header (it syncs on its own; nothing is started). */
export const syncStatus = () => call<SyncStatus>("sync_status");
/** The clinic's PCs (owner). */
export const listDevices = () => call<DeviceInfo[]>("list_devices");
/** A one-time pairing code for a new PC, valid one hour. */
export const deviceInvite = (relay: string | null) => call<DeviceInvite>("device_invite", { relay });
/** PCs waiting to join, with the fingerprint to compare with the new PC's screen. */
export const pendingDevices = () => call<PendingDeviceInfo[]>("pending_devices");
export const approveDevice = (id: string) => call<PendingDeviceInfo>("approve_device", { id });
/** The relay refuses that PC at once (this PC cannot revoke itself). When it had been a member,
 * the clinic's recovery key is renewed too (`recovery_key_renewed`): the printed sheet no longer
 * works. Revoked but not renewed: error `conflict`, reason `recovery_not_renewed`. */
export const revokeDevice = (id: string) => call<DeviceRevoked>("revoke_device", { id });
export const rejoinRelay = (relay: string | null) => call<RelayRejoined>("rejoin_relay", { relay });
/** Owner, when the relay refuses this PC's recovery proof (it missed a renewal of the key): asks
 * to join the relay again with a pairing code from an owner's PC, keeping everything this PC
 * holds; returns the fingerprint compared there before approving. Syncs wait for approval. */
export const rejoinWithCode = (relay: string, code: string) => call<RejoinRequested>("rejoin_with_code", { relay, code });
/** Owner: refuses a PC waiting for approval (it never receives the clinic). */
export const refuseDevice = (id: string) => call<PendingDeviceInfo>("refuse_device", { id });
/** The clinic's recovery key (owner): a secret, never stored by the UI. Checked with the relay
 * first: `renewed_elsewhere` when another PC renewed it since this PC last synced (the key is the
 * new one); `unchecked` (the error) when the relay could not confirm it is the current one. */
export const recoveryKey = () => call<RecoveryKeyShown>("recovery_key");
/** Owner: a new recovery key for the clinic (returned); the printed one stops working at once.
 * Error `conflict`/`recovery_renewed_elsewhere` when another PC renewed it a moment before. */
export const renewRecoveryKey = () => call<string>("renew_recovery_key");

/** First run on a new PC: asks to join a clinic with the owner's pairing code; returns the
 * fingerprint the owner compares before approving. The phase becomes joining_clinic. */
export const joinClinic = (request: JoinClinicRequest) => call<string>("join_clinic", { request });
/** First run on a new PC: restores the clinic from the relay with the printed recovery key. */
export const restoreClinic = (request: RestoreClinicRequest) => call<null>("restore_clinic", { request });
/** While joining: tries the enrollment and the first sync now rather than at the next attempt. */
export const checkJoining = () => call<SyncStatus>("check_joining");
/** While joining, before the clinic arrives: gives the join up; this PC's new store is deleted
 * and the phase goes back to needs_setup. */
export const cancelJoining = () => call<AppStatus>("cancel_joining");

// Imaging. Tauri passes camelCase argument names to the commands' snake_case parameters
// (patientId -> patient_id).
/** The files to import under a path: the file itself, a folder's files (recursively) or a DICOMDIR's. */
export const listImportFiles = (path: string) => call<string[]>("list_import_files", { path });
/** What importing these files would do, read from their headers (nothing is stored). */
export const previewImageImport = (patientId: string, paths: string[]) =>
  call<ImportPreview>("preview_image_import", { patientId, paths });
/** Imports one file (the UI loops over the files to show progress). */
export const importImageFile = (request: ImportFileRequest) => call<ImportFileOutcome>("import_image_file", { request });
/** The patient's images, newest first. */
export const patientImages = (patientId: string) => call<ImageSummary[]>("patient_images", { patientId });
export const imageDetail = (imageId: string) => call<ImageDetail>("image_detail", { imageId });
/** How far the file of an image imported on another PC has come from the relay (polled while the
 * viewer waits for it). */
export const imageDownloadProgress = (imageId: string) =>
  call<DownloadProgress>("image_download_progress", { imageId });
/**
 * One frame's pixels in the binary format read by `parseFrame` (imaging/frame.ts). With
 * `stageSide` (the viewer's larger side in device pixels), a screen-sized frame when the image is
 * much larger (same value mapping; the Rust side chooses its size): a frame smaller than the
 * image means the full one is still to be asked for.
 */
export const imageFrame = (imageId: string, frame: number, stageSide: number | null = null) =>
  call<ArrayBuffer>("image_frame", { imageId, frame, stageSide });
/** The Rust side works out the measurement (label, mm, degrees) from the image's spacing. */
export const addImageAnnotation = (request: AnnotationInput) => call<ImageDetail>("add_image_annotation", { request });
export const deleteImageAnnotation = (annotationId: string) =>
  call<ImageDetail>("delete_image_annotation", { annotationId });
/** Sets the image's spacing from a known length; its lengths are measured again. */
export const calibrateImage = (request: CalibrationInput) => call<ImageDetail>("calibrate_image", { request });
/** Links the image to these teeth (FDI); invalid codes are refused with invalid_input. */
export const setImageTeeth = (imageId: string, teeth: string[]) => call<ImageDetail>("set_image_teeth", { imageId, teeth });
export const deleteImage = (imageId: string) => call<null>("delete_image", { imageId });
/** Writes the image into "Documents/Chairside exports"; returns the path. */
export const exportImage = (imageId: string, format: ImageExportFormat) => call<string>("export_image", { imageId, format });

// Agenda. Whether a chair is taken is decided on the Rust side: booking or moving onto a chair
// held then by a live appointment is refused with `chair_taken` unless `allow_overlap` is set.
/** The chairs, appointments and practitioners of a day ("YYYY-MM-DD"), and the clinic's today. */
export const agendaDay = (date: string) => call<AgendaDay>("agenda_day", { date });
/** The day on screen read again after a sync: not the person's doing (no activity, no audit). */
export const agendaDayRefresh = (date: string) => call<AgendaDay>("agenda_day_refresh", { date });
/** Every chair, those out of service too. */
export const listChairs = () => call<Chair[]>("list_chairs");
/** Adds a chair (no `id`) or renames one, or takes it out of service (owner). */
export const saveChair = (req: ChairInput) => call<Chair>("save_chair", { req });
export const bookAppointment = (req: AppointmentInput) => call<Appointment>("book_appointment", { req });
/** Moves or edits an appointment (same errors as booking). */
export const updateAppointment = (id: string, req: AppointmentInput) => call<Appointment>("update_appointment", { id, req });
/** Arrived, completed, no-show, cancelled, or back to booked (which may find the chair taken). */
export const setAppointmentStatus = (id: string, status: AppointmentStatus) =>
  call<Appointment>("set_appointment_status", { id, status });
/** A patient's appointments: the upcoming ones soonest first, then the past ones newest first. */
export const patientAppointments = (patientId: string) => call<PatientAppointments>("patient_appointments", { patientId });
/** A person decided two overlapping appointments both stand: the pair is not flagged again. */
export const keepDoubleBooking = (req: KeepDoubleBookingRequest) => call<null>("keep_double_booking", { req });
/** A person decided two entries of a tooth that contradict each other both stand as charted: the
 * pair is not flagged again (not_found: already settled here or on another PC). Striking one out
 * is setChartEntryActive. */
export const keepChartEntries = (req: KeepChartEntriesRequest) => call<null>("keep_chart_entries", { req });
export const chairHolders = (req: ChairHoldersRequest) => call<Appointment[]>("chair_holders", { req });

// Dental chart. What a tooth looks like and whether an entry is valid are decided on the Rust side
// (invalid_input, the message naming the field first: "surfaces: …").
/** The patient's odontogram (both dentitions) and every entry, active or not. */
export const dentalChart = (id: string) => call<DentalChart>("dental_chart", { id });
/** Charts a finding or a treatment on a tooth; one charted as done settles the findings it treats. */
export const addChartEntry = (id: string, request: ChartEntryInput) => call<ChartUpdate>("add_chart_entry", { id, request });
export const updateChartEntry = (entry: string, request: ChartEntryInput) =>
  call<ChartUpdate>("update_chart_entry", { entry, request });
/** A planned entry done on `doneOn` ("YYYY-MM-DD"; null: today). */
export const completeChartEntry = (entry: string, doneOn: string | null) =>
  call<ChartUpdate>("complete_chart_entry", { entry, doneOn });
/** Strikes an entry out (charted in error, or no longer true) or brings it back. */
export const setChartEntryActive = (entry: string, active: boolean) =>
  call<ChartUpdate>("set_chart_entry_active", { entry, active });
