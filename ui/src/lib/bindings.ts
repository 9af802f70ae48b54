// This file is generated from the Rust DTOs by ts-rs. Do not edit it by hand.

export type Role = "owner" | "dentist" | "assistant" | "receptionist";

export type Permission = "view_agenda" | "edit_agenda" | "view_patients" | "edit_patients" | "view_clinical" | "edit_clinical" | "prescribe" | "view_imaging" | "edit_imaging" | "view_billing" | "edit_billing" | "view_reports" | "export_patient_data" | "erase_patient" | "run_sync" | "manage_users" | "manage_devices" | "manage_settings" | "manage_backups" | "view_audit";

export type Language = "fr" | "en";

export type KeyStorage = "keyring" | "passphrase";

export type AppPhase = "needs_setup" | "store_locked" | "signed_out" | "signed_in" | "session_locked" | "joining_clinic";

export type SessionInfo = { user_id: string, username: string, display_name: string, role: Role, permissions: Array<Permission>, idle_lock_seconds: number, };

export type AppStatus = { phase: AppPhase, clinic_name: string | null, language: Language, key_storage: KeyStorage | null, 
/**
 * Whether the OS keyring can hold a new database key (probed during first-run setup only;
 * afterwards, whether this database's key is in the keyring).
 */
keyring_available: boolean, session: SessionInfo | null, data_dir: string, };

export type SetupOptions = { timezones: Array<string>, phone_regions: Array<PhoneRegion>, default_timezone: string, default_phone_region: string, };

export type PhoneRegion = { code: string, name_fr: string, name_en: string, };

export type SetupRequest = { clinic_name: string, address: string, timezone: string, phone_region: string, language: Language, owner_username: string, owner_display_name: string, owner_password: string, 
/**
 * Required when no OS keyring is available; must be null when one is.
 */
passphrase: string | null, };

export type UnlockStoreRequest = { passphrase: string, };

export type SignInRequest = { username: string, password: string, };

export type UnlockSessionRequest = { password: string, };

export type ClinicInfo = { id: string, name: string, address: string, timezone: string, phone_region: string, language: Language, idle_lock_seconds: number, device_id: string, device_name: string, 
/**
 * The national-number scheme patients of this clinic carry by default (be_nrn, fr_nir,
 * dz_cnas), or null where none is known for the region.
 */
default_national_id_kind: string | null, };

export type SettingsUpdate = { language: Language, idle_lock_seconds: number, };

export type UserInfo = { id: string, username: string, display_name: string, role: Role, active: boolean, };

export type NewUserRequest = { username: string, display_name: string, role: Role, password: string, };

export type AuditVerification = { ok: boolean, entries: number, devices: number, 
/**
 * The first broken entry, in words, when `ok` is false.
 */
first_break: string | null, broken_seq: number | null, broken_device: string | null, };

export type DbCheck = { ok: boolean, problems: Array<string>, };

export type DbCompacted = { before_bytes: number, after_bytes: number, };

export type BackupSummary = { path: string, database_id: string, schema_version: number, created_at_ms: number, bytes: number, key_storage: KeyStorage, };

export type PatientInput = { last_name: string, first_name: string, 
/**
 * YYYY-MM-DD.
 */
birth_date: string, 
/**
 * F, M or X.
 */
sex: string, 
/**
 * As typed; stored in E.164 using the clinic's phone region.
 */
phones: Array<string>, email: string | null, address: string, 
/**
 * be_nrn, fr_nir or dz_cnas; defaults to the clinic region's scheme.
 */
national_id_kind: string | null, national_id: string | null, referring_dentist: string, notes: string, 
/**
 * Create even though a patient with the same name and birth date, or phone, exists.
 */
allow_duplicate: boolean, 
/**
 * Another patient's id: the parent, spouse or guardian who pays or answers for this one.
 */
guarantor_id: string | null, 
/**
 * parent, spouse, guardian, child, sibling or other; required with a guarantor.
 */
guarantor_relation: string | null, };

export type Patient = { id: string, file_number: string, last_name: string, first_name: string, birth_date: string, sex: string, 
/**
 * E.164 strings.
 */
phones: Array<string>, email: string | null, address: string, national_id_kind: string | null, national_id: string | null, referring_dentist: string, notes: string, 
/**
 * Whole years, in the clinic's time zone today (from the year alone once erased).
 */
age: number, 
/**
 * The guarantor, when one is linked and still on file.
 */
guarantor: PatientRef | null, guarantor_relation: string | null, 
/**
 * Whether a photo is stored; read it with `patient_photo`.
 */
has_photo: boolean, 
/**
 * Set when the patient's identity was erased on request (GDPR): the file is a pseudonym,
 * its names, contact details and photo are gone, the clinical records stay.
 */
erased_at_ms: number | null, 
/**
 * Other files of the same person merged into this one (their numbers may still be on paper
 * records); their medical history, consents and images show here. Empty for most files.
 */
merged_files: Array<PatientRef>, };

export type PatientRef = { id: string, file_number: string, last_name: string, first_name: string, };

export type DuplicatePair = { a: PatientRef, b: PatientRef, 
/**
 * name_birth_date (same name and birth date) or phone (a shared phone number).
 */
reason: string, found_at_ms: number, };

export type MergePatientsRequest = { kept_id: string, retired_id: string, 
/**
 * Among [`MERGEABLE_FIELDS`]: the details to take from the retired file.
 */
take_from_retired: Array<string>, };

export type MergePreviewRequest = { first_id: string, second_id: string, kept_id: string | null, };

export type MergeSide = "kept" | "retired";

export type MergeDetail = { 
/**
 * Among [`MERGEABLE_FIELDS`].
 */
field: string, 
/**
 * The value it starts on: the kept file's, unless that is empty or cannot be kept.
 */
default_side: MergeSide, 
/**
 * Whether each side's value can be chosen: only a guarantor can be refused (one of the two
 * files: after the merge the file would be its own guarantor).
 */
kept_allowed: boolean, retired_allowed: boolean, };

export type MergePreview = { kept: Patient, retired: Patient, 
/**
 * When each file was created (ms since the epoch): the older is kept by default.
 */
kept_created_at_ms: number, retired_created_at_ms: number, 
/**
 * The details the two files disagree on, in the patient form's order.
 */
details: Array<MergeDetail>, 
/**
 * The kept file's phone numbers after the merge: its own first, then the other's, each once.
 */
phones: Array<string>, 
/**
 * Whether the kept file takes the retired file's photo (it has none of its own).
 */
takes_photo: boolean, };

export type EditConflictInfo = { 
/**
 * `patient`, `medical_item`, `appointment` or `chart_entry`; with `row_id`, `field`, `other_device` and `other_hlc` it
 * names the conflict in [`ResolveConflictRequest`].
 */
table: string, row_id: string, 
/**
 * The field's code (`last_name`, `phones`, `notes`, `label`, ...).
 */
field: string, 
/**
 * The patient whose file it is.
 */
patient: PatientRef, 
/**
 * For a medical-history entry: its label.
 */
item_label: string | null, 
/**
 * For an appointment: when it starts now (`YYYY-MM-DDTHH:MM`).
 */
appointment_starts_at?: string, 
/**
 * For a dental chart entry: its tooth, surfaces and kind as they stand now.
 */
chart_entry?: ChartEntryRef, current_value: string, other_value: string, other_device: string, other_device_name: string, 
/**
 * The losing write's clock, as text (it does not fit a JavaScript number).
 */
other_hlc: string, other_written_at_ms: number, kept_device_name: string, kept_written_at_ms: number, found_at_ms: number, };

export type AttentionInbox = { duplicates: Array<DuplicatePair>, edit_conflicts: Array<EditConflictInfo>, double_bookings: Array<DoubleBooking>, 
/**
 * Entries of one tooth that cannot both be true, charted at two PCs apart (shown to those
 * who may see the clinical record).
 */
chart_contradictions: Array<ChartContradiction>, };

export type ConflictChoice = "keep_current" | "take_other";

export type ResolveConflictRequest = { table: string, row_id: string, field: string, other_device: string, other_hlc: string, choice: ConflictChoice, 
/**
 * Taking an appointment's other value onto a chair held then: keep the double booking on
 * purpose. Without it that value is refused with `chair_taken`.
 */
allow_overlap: boolean, };

export type TimelineEntry = { at_ms: number, 
/**
 * file_created, file_erased, allergy, medication, condition, consent_granted,
 * consent_withdrawn, chart_charted, chart_done (label: tooth and surfaces, detail: the
 * chart kind's code); later modules add theirs. The UI shows unknown kinds as they come.
 */
kind: string, ref_id: string, label: string, detail: string, 
/**
 * The display name of who recorded it; empty when not known.
 */
recorded_by: string, };

export type ErasureReport = { 
/**
 * The pseudonymised patient.
 */
patient: Patient, 
/**
 * Retained clinical records still linked to the pseudonym, per kind ("medical_item": 3).
 */
retained: Array<RetainedCount>, 
/**
 * Whether the database's write-ahead log could be emptied at once (else at the next
 * checkpoint; a backup running in another process can delay it).
 */
wal_emptied: boolean, 
/**
 * The patient's DICOM files held here, written again without the identity in their header.
 */
files_without_identity: number, 
/**
 * The patient's DICOM files this PC does not hold: fetched from the relay and rewritten at
 * its next sync, or rewritten by the PC that holds one if it syncs first.
 */
files_elsewhere: number, 
/**
 * DICOM files that could not be written again: their header keeps the identity.
 */
files_not_rewritable: number, };

export type RetainedCount = { kind: string, count: number, };

export type StreamReport = { device_id: string, device_name: string, this_device: boolean, 
/**
 * Change sets this PC sent (its own log only).
 */
sent: number, 
/**
 * Change sets this PC received from that device.
 */
received: number, 
/**
 * Where that device's log stands.
 */
head: number, };

export type SyncSummary = { relay_url: string, 
/**
 * The relay is reached over plain HTTP beyond the clinic's own network: this PC's secret
 * travels unencrypted (the data does not). Told so the owner moves the relay to HTTPS.
 */
relay_in_clear: boolean, sent: number, received: number, bytes_sent: number, bytes_received: number, 
/**
 * Images and documents uploaded, and their encrypted bytes.
 */
files_sent: number, file_bytes_sent: number, 
/**
 * Change sets (this PC's or another's) that this PC sealed again at the relay after an
 * erased file was scrubbed from them (the relay's copies no longer hold the identity).
 */
redacted: number, 
/**
 * Files (DICOM) replaced by copies without an erased patient's identity whose originals
 * this sync deleted at the relay (the PC that replaced them, usually; another that held
 * one deletes it too, and counts it only if the relay still had it).
 */
files_retired: number, 
/**
 * Files the relay had no room for: they wait on this PC (the change sets went).
 */
files_held_back: FilesHeldBack | null, 
/**
 * Change sets of other PCs' logs that this PC brought to the relay, which lacked them (a
 * relay the clinic moved to, or one restored from an older backup): a PC that is away or
 * lost does not hold them back.
 */
carried: number, 
/**
 * Every device's log is identical here and at the relay.
 */
checksums_match: boolean, 
/**
 * The clinic had moved to another relay (its owner left a sealed notice at the old one):
 * this sync followed it there, and `relay_url` is that relay now. Absent otherwise.
 */
followed_to?: string, streams: Array<StreamReport>, duration_ms: number, 
/**
 * This PC's clock minus the relay's, in milliseconds (positive: ahead), measured by this
 * sync; None when the relay does not say its time. Five minutes or more either way is off
 * (see `chairside_sync::clock`): the PC's writes win or lose by the wrong time.
 */
clock_offset_ms: number | null, 
/**
 * That offset is off (`chairside_sync::clock::is_off`): told to the person.
 */
clock_off: boolean, 
/**
 * Files (radiographs, documents) of the patients booked today and tomorrow fetched ahead by
 * this sync, so that they open at once, and with the network down.
 */
files_prefetched: number, };

export type RejoinOutcome = "already_known" | "registered_clinic" | "joined_clinic";

export type MoveNoticeOutcome = "no_move" | "left" | "not_left";

export type RelayRejoined = { relay_url: string, outcome: RejoinOutcome, 
/**
 * Whether the other PCs will follow (the relay the clinic left was told).
 */
old_relay: MoveNoticeOutcome, };

export type RejoinRequested = { relay_url: string, 
/**
 * Shown on the owner's PC with the request: compare before approving.
 */
fingerprint: string, };

export type DeviceRevoked = { recovery_key_renewed: boolean, 
/**
 * The names of the clinic's other PCs (not revoked) that the renewed data key could not be
 * shared with yet: they have not synced since this version (or at all). Each receives it
 * from the first PC that syncs after it did; until then it sends its changes and receives
 * nothing. Empty when every PC holds the key (or nothing was renewed).
 */
key_waiting_for: Array<string>, };

export type RecoveryKeyShown = { key: string, 
/**
 * Another PC renewed the key since this PC last synced: this is the renewed key (the sheet
 * printed from this PC before no longer works).
 */
renewed_elsewhere: boolean, 
/**
 * Why the relay could not confirm that this is the clinic's current key (offline, this PC
 * refused): a renewal made on another PC since this PC's last sync would not be this key.
 * Absent when the relay confirmed it, or the clinic has no relay yet.
 */
unchecked?: ApiError, };

export type FilesHeldBack = { 
/**
 * `quota_exceeded`: the clinic's files reached the quota the relay's operator set;
 * `storage_full`: the relay's disk is full.
 */
reason: string, 
/**
 * Files waiting on this PC for room at the relay.
 */
waiting: number, 
/**
 * The relay's own sentence (English; a quota's figures), for whoever runs the relay.
 */
detail: string, };

export type SyncState = "idle" | "syncing" | "up_to_date" | "offline" | "not_configured" | "waiting_for_approval" | "error";

export type SyncStatus = { state: SyncState, relay_url: string | null, last_success_ms: number | null, last_attempt_ms: number | null, 
/**
 * Changes written here and not yet at the relay: change sets that change data (audit
 * entries alone go with the next sync uncounted), and sets to replace after an erasure.
 */
changes_waiting: number, 
/**
 * Images and documents stored here and not yet at the relay.
 */
files_waiting: number, 
/**
 * The last sync found no room at the relay for some of them (see [`FilesHeldBack`]).
 */
files_held_back: FilesHeldBack | null, 
/**
 * The last sync's error: its code and reason (the UI words them in the user's language)
 * and the English message (what happened and what to do).
 */
error: ApiError | null, next_attempt_ms: number | null, 
/**
 * While a sync runs: how far it has come (a PC joining a clinic receives years of it).
 */
progress: SyncProgress | null, 
/**
 * This PC's clock minus the relay's at the last sync that reached it (ms; positive:
 * ahead); None before one, or with a relay that does not say its time.
 */
clock_offset_ms: number | null, 
/**
 * That offset is off (`chairside_sync::clock::is_off`): the header asks to set the clock.
 */
clock_off: boolean, };

export type SyncProgress = { to_receive: number, received: number, to_send: number, sent: number, files_to_send: number, files_sent: number, file_bytes_to_send: number, file_bytes_sent: number, };

export type JoinClinicRequest = { relay_url: string, code: string, 
/**
 * How this PC appears in the clinic's device list ("Fauteuil 2").
 */
device_name: string, 
/**
 * Protects the database where the OS has no keyring (else the key goes to the keyring).
 */
passphrase: string | null, };

export type RestoreClinicRequest = { relay_url: string, recovery_key: string, device_name: string, passphrase: string | null, };

export type EndOfDayReport = { summary: SyncSummary, 
/**
 * What waits for a person in the inbox: possible duplicate patients, concurrent edits and
 * double-booked chairs.
 */
conflicts_waiting: number, 
/**
 * Images and documents sent by this sync, and those still waiting on this PC.
 */
files_sent: number, files_waiting: number, 
/**
 * Files this PC holds as being at the relay, checked against the relay's listing (None: the
 * relay is too old to list its files, nothing was checked).
 */
files_checked: number | null, 
/**
 * Those the relay no longer held whole, and those of them sent again from this PC.
 */
files_missing_at_relay: number, files_sent_again: number, 
/**
 * Devices (by name) that did not reach the relay today.
 */
devices_not_seen_today: Array<string>, 
/**
 * The same devices with when they last did (None: never), in the same order: a PC off
 * since yesterday evening is not one unplugged for weeks, whose changes wait on it.
 */
devices_not_seen_since: Array<DeviceLastSeen>, 
/**
 * The clinic's files at the relay against its operator's quota (None: no quota).
 */
relay_file_room: RelayFileRoom | null, 
/**
 * Devices (by name) that had a file refused today for the clinic's quota: those files wait
 * on them until there is room.
 */
devices_with_files_refused_today: Array<string>, 
/**
 * Devices whose clock was five minutes or more off the relay's when they last synced:
 * their writes win or lose against the others' by the wrong time, until someone sets it.
 */
clocks_off: Array<ClockOff>, };

export type ClockOff = { device_name: string, 
/**
 * Its clock minus the relay's, in milliseconds: positive when it runs ahead.
 */
offset_ms: number, };

export type DeviceLastSeen = { device_name: string, 
/**
 * Milliseconds since the epoch; None if it never did.
 */
last_seen_ms: number | null, };

export type RelayFileRoom = { used_bytes: number, quota_bytes: number, 
/**
 * Nine tenths or more used: time to ask the relay's operator for more, before a file is
 * refused.
 */
nearly_full: boolean, };

export type DeviceInvite = { code: string, expires_at_ms: number, relay_url: string, };

export type PendingDeviceInfo = { device_id: string, device_name: string, 
/**
 * Compare with the fingerprint shown on the new PC before approving.
 */
fingerprint: string, requested_at_ms: number, };

export type DeviceInfo = { id: string, name: string, enrolled_at_ms: number, revoked: boolean, this_device: boolean, 
/**
 * When the PC last reached the relay, as the relay said at this PC's last sync (ms since
 * the epoch); None if it never did, or before this PC's first sync.
 */
last_seen_ms: number | null, 
/**
 * How far its clock stood from the relay's when it last said (ms; positive: ahead), as of
 * this PC's last sync; None when unknown.
 */
clock_offset_ms: number | null, 
/**
 * An active PC whose clock is off (`chairside_sync::clock::is_off`): the list says so.
 */
clock_off: boolean, };

export type MedicalKind = "allergy" | "medication" | "condition";

export type Severity = "low" | "moderate" | "high";

export type MedicalItemInput = { kind: MedicalKind, label: string, 
/**
 * Reaction (allergy), dosage (medication), notes (condition).
 */
detail: string, 
/**
 * Allergies only.
 */
severity: Severity | null, 
/**
 * A person asks for it on the red banner.
 */
alert: boolean, 
/**
 * YYYY-MM-DD, when it was reported; defaults to today.
 */
noted_on: string | null, };

export type MedicalItem = { id: string, patient_id: string, kind: MedicalKind, label: string, detail: string, severity: Severity | null, alert: boolean, noted_on: string | null, 
/**
 * The display name of who recorded it.
 */
recorded_by: string, recorded_at_ms: number, active: boolean, 
/**
 * Decided by the domain's rules: shown on the red banner.
 */
raises_alert: boolean, };

export type MedicalHistory = { 
/**
 * Every item, newest first, inactive ones included.
 */
items: Array<MedicalItem>, 
/**
 * The active items that matter chairside (the red banner).
 */
alerts: Array<MedicalItem>, };

export type ConsentKind = "treatment" | "data_processing" | "sms_reminders" | "email_reminders";

export type ConsentInput = { kind: ConsentKind, 
/**
 * false records a withdrawal (or a refusal).
 */
granted: boolean, 
/**
 * The version of the text the patient saw.
 */
text_version: string, };

export type ConsentRecord = { id: string, patient_id: string, kind: ConsentKind, granted: boolean, text_version: string, 
/**
 * The display name of who recorded it.
 */
recorded_by: string, recorded_at_ms: number, };

export type ConsentStatus = { kind: ConsentKind, 
/**
 * The latest decision, or null when never asked.
 */
current: ConsentRecord | null, };

export type Consents = { 
/**
 * One entry per kind, in a fixed order.
 */
status: Array<ConsentStatus>, 
/**
 * Every decision, newest first.
 */
history: Array<ConsentRecord>, };

export type ImageFormat = "dicom" | "png" | "jpeg" | "tiff";

export type SpacingSource = "pixel_spacing" | "imager_pixel_spacing" | "calibration";

export type PatientMatch = "matches" | "differs" | "unknown";

export type ImportFileStatus = "ready" | "duplicate" | "refused";

export type ImportCandidate = { path: string, file_name: string, status: ImportFileStatus, 
/**
 * Why it is refused, or which image it duplicates.
 */
reason: string | null, format: ImageFormat | null, modality: string | null, 
/**
 * YYYY-MM-DD, from the DICOM study/acquisition date.
 */
taken_on: string | null, rows: number, columns: number, frames: number, 
/**
 * The patient named inside the file (DICOM), as written there.
 */
file_patient_id: string | null, file_patient_name: string | null, patient_match: PatientMatch, };

export type ImportPreview = { patient: PatientRef, files: Array<ImportCandidate>, 
/**
 * Some ready file names another patient: the import needs `confirm_mismatch`.
 */
needs_confirmation: boolean, ready: number, duplicates: number, refused: number, };

export type ImportFileRequest = { patient_id: string, path: string, 
/**
 * The person confirmed importing a file whose DICOM patient differs.
 */
confirm_mismatch: boolean, 
/**
 * Teeth (FDI, e.g. "36") to link the image to.
 */
teeth: Array<string>, };

export type ImportFileOutcome = { path: string, status: ImportFileStatus, 
/**
 * The new image (or, for a duplicate, the one already there).
 */
image_id: string | null, reason: string | null, };

export type ImageSummary = { id: string, patient_id: string, format: ImageFormat, 
/**
 * DICOM modality (IO intraoral, PX panoramic, CT, ...), else empty.
 */
modality: string, 
/**
 * YYYY-MM-DD: the acquisition date from the file, else the import date.
 */
taken_on: string, file_name: string, rows: number, columns: number, frames: number, 
/**
 * Millimetres per pixel [row, column], from the file or a calibration; null when unknown
 * (lengths are then in pixels).
 */
spacing_mm: [number, number] | null, spacing_source: SpacingSource | null, 
/**
 * Teeth (FDI) the image is linked to, sorted.
 */
teeth: Array<string>, 
/**
 * The full-mouth-series slot (0 to 17, upper right to lower right) its teeth put it in,
 * for an intraoral image.
 */
fmx_slot: number | null, 
/**
 * A PNG data URL, at most 256 px on its longer side.
 */
thumbnail: string, 
/**
 * Whether its bytes are on this PC (else opening it fetches them from the relay).
 */
local: boolean, imported_by: string, imported_at_ms: number, };

export type DownloadProgress = { 
/**
 * Bytes of the file on this PC (all of them once it is here).
 */
bytes_here: number, bytes_total: number, };

export type AnnotationKind = "length" | "angle" | "text" | "arrow";

export type ImageAnnotation = { id: string, image_id: string, kind: AnnotationKind, 
/**
 * Points in image pixel coordinates (x to the right, y down, from the top-left corner).
 */
points: Array<[number, number]>, text: string, 
/**
 * The measured value, worked out in Rust: "12.4 mm", "12.4 px" (no spacing), "37.5°".
 */
label: string, length_mm: number | null, angle_deg: number | null, created_by: string, created_at_ms: number, };

export type ImageDetail = { image: ImageSummary, annotations: Array<ImageAnnotation>, 
/**
 * The file's own VOI window [centre, width], in modality units.
 */
window: [number, number] | null, 
/**
 * Window presets for this image: name and [centre, width].
 */
presets: Array<WindowPreset>, };

export type WindowPreset = { 
/**
 * `file`, `full_range`, `enamel`, `bone`, `soft` (the UI translates).
 */
name: string, window: [number, number], };

export type AnnotationInput = { image_id: string, kind: AnnotationKind, points: Array<[number, number]>, text: string, };

export type CalibrationInput = { image_id: string, points: [[number, number], [number, number]], known_mm: number, };

export type ImageExportFormat = "original" | "png";

export type Chair = { id: string, name: string, 
/**
 * A chair taken out of service keeps its past appointments but takes no new ones.
 */
active: boolean, };

export type ChairInput = { id?: string, name: string, active: boolean, };

export type AppointmentStatus = "booked" | "arrived" | "completed" | "no_show" | "cancelled";

export type Practitioner = { id: string, display_name: string, };

export type Appointment = { id: string, 
/**
 * The patient's file (the kept file, if the booked one was merged into another since).
 */
patient: PatientRef, chair_id: string, chair_name: string, practitioner_id?: string, practitioner_name?: string, 
/**
 * Clinic wall-clock time, `YYYY-MM-DDTHH:MM`.
 */
starts_at: string, 
/**
 * `YYYY-MM-DDTHH:MM`, the same day.
 */
ends_at: string, duration_min: number, reason: string, status: AppointmentStatus, 
/**
 * Whether it holds its chair (booked, arrived, completed); a cancelled appointment and a
 * patient who did not come leave it free.
 */
holds_chair: boolean, 
/**
 * Who booked it, and when.
 */
booked_by_name: string, booked_at_ms: number, 
/**
 * The other appointments that hold the same chair at an overlapping time and wait for a
 * person (booked at two desks while apart). A pair kept on purpose is not listed.
 */
overlaps_with: Array<string>, };

export type AgendaDay = { 
/**
 * `YYYY-MM-DD`.
 */
date: string, 
/**
 * The clinic's today, so the agenda can mark it and the current time.
 */
today: string, chairs: Array<Chair>, appointments: Array<Appointment>, practitioners: Array<Practitioner>, };

export type AppointmentInput = { patient_id: string, chair_id: string, 
/**
 * Clinic wall-clock time, `YYYY-MM-DDTHH:MM`, on a 5-minute step.
 */
starts_at: string, 
/**
 * 5 to 480 minutes, a multiple of 5, ending the same day.
 */
duration_min: number, reason: string, practitioner_id?: string, 
/**
 * Book even though the chair is taken then (a parent and a child on purpose, say). Without
 * it such a booking is refused with `chair_taken`.
 */
allow_overlap: boolean, };

export type DoubleBooking = { chair_id: string, chair_name: string, 
/**
 * The earlier-starting of the two first.
 */
first: Appointment, second: Appointment, found_at_ms: number, };

export type PatientAppointments = { coming: Array<Appointment>, past: Array<Appointment>, };

export type ChairHoldersRequest = { chair_id: string, 
/**
 * `YYYY-MM-DDTHH:MM`.
 */
starts_at: string, duration_min: number, 
/**
 * The appointment being moved (it does not hold the chair against itself).
 */
except_id?: string, };

export type KeepDoubleBookingRequest = { first_id: string, second_id: string, };

export type ChartContradiction = { 
/**
 * The file the chart is read in (the kept one, when files were merged).
 */
patient: PatientRef, 
/**
 * FDI, two digits.
 */
tooth: string, 
/**
 * The entry that does not fit the tooth as `because_of` makes it.
 */
entry: ChartEntry, 
/**
 * What makes the tooth absent or replaced: a missing tooth, a done extraction, an implant,
 * a pontic.
 */
because_of: ChartEntry, 
/**
 * `tooth_absent`, `on_implant` or `on_pontic`: the chart's refusal codes, as a form words
 * them.
 */
reason: string, found_at_ms: number, };

export type KeepChartEntriesRequest = { entry_id: string, because_of_id: string, };

export type ChartKind = "caries" | "fracture" | "watch" | "missing" | "restoration" | "sealant" | "crown" | "root_canal" | "implant" | "pontic" | "extraction";

export type ChartStatus = "existing" | "planned" | "done";

export type ToothMaterial = "composite" | "amalgam" | "glass_ionomer" | "ceramic" | "metal_ceramic" | "zirconia" | "metal";

export type ToothState = "present" | "missing" | "implant" | "pontic";

export type ChartEntry = { id: string, 
/**
 * The file it was charted in (one merged into the file shown, possibly).
 */
patient_id: string, 
/**
 * FDI, two digits ("36").
 */
tooth: string, 
/**
 * Canonical letters ("MOD"); empty for the whole tooth.
 */
surfaces: string, kind: ChartKind, status: ChartStatus, material: ToothMaterial | null, note: string, 
/**
 * `YYYY-MM-DD`, for an entry done here.
 */
done_on: string | null, 
/**
 * The display name of who marked it done, for an entry done here.
 */
done_by: string | null, 
/**
 * The display name of who charted it.
 */
recorded_by: string, recorded_at_ms: number, 
/**
 * False once settled by a treatment or struck out.
 */
active: boolean, 
/**
 * The treatment entry whose completion settled it.
 */
settled_by: string | null, };

export type SurfaceMark = { 
/**
 * M, O, I, D, B or L.
 */
surface: string, kind: ChartKind, status: ChartStatus, };

export type ToothMark = { kind: ChartKind, status: ChartStatus, };

export type ChartKindRule = { kind: ChartKind, 
/**
 * Seen, not done (caries, fracture, a point to watch, a missing tooth): always existing.
 */
finding: boolean, 
/**
 * The status the form starts from.
 */
default_status: ChartStatus, 
/**
 * The materials it may be made of; empty when it has none.
 */
materials: Array<ToothMaterial>, };

export type ChartTooth = { tooth: string, upper: boolean, 
/**
 * An incisor or a canine: its biting edge is I (incisal), not O (occlusal).
 */
anterior: boolean, state: ToothState, surfaces: Array<SurfaceMark>, whole: Array<ToothMark>, 
/**
 * Active entries on this tooth.
 */
active_entries: number, };

export type DentalChart = { patient_id: string, 
/**
 * The 32 permanent teeth.
 */
permanent: Array<ChartTooth>, 
/**
 * The 20 milk teeth.
 */
primary: Array<ChartTooth>, 
/**
 * Whether milk teeth carry active entries (the chart then opens on them too).
 */
has_primary_entries: boolean, 
/**
 * Every entry, active or not, by tooth then in the order charted.
 */
entries: Array<ChartEntry>, 
/**
 * Every kind of entry with what it takes, findings first.
 */
kinds: Array<ChartKindRule>, 
/**
 * Entries of one tooth charted apart at two PCs that cannot both be true, waiting for a
 * person (the same as the inbox's for this file), by tooth.
 */
contradictions: Array<ChartContradiction>, };

export type ChartEntryInput = { tooth: string, surfaces: string, kind: ChartKind, status: ChartStatus, material: ToothMaterial | null, note: string, 
/**
 * For a done entry: the day (`YYYY-MM-DD`, not in the future); today when absent.
 */
done_on: string | null, };

export type ChartUpdate = { chart: DentalChart, entry_id: string, settled: Array<string>, restored: Array<string>, };

export type ChartEntryRef = { tooth: string, surfaces: string, kind: ChartKind, };

export type ApiError = { code: string, message: string, 
/**
 * What exactly happened, where `code` covers several cases (the codes of the `reason`
 * module of `error.rs`); absent otherwise, and then absent from the JSON.
 */
reason?: string, };

/** The details a person chooses between when merging two files (`MERGEABLE_FIELDS`). */
export const MERGEABLE_FIELDS = ["last_name", "first_name", "birth_date", "sex", "email", "address", "national_id", "referring_dentist", "notes", "guarantor"] as const;
