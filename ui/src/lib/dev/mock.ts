// DEV ONLY. A tiny in-memory stand-in for the Rust side, to look at the screens in a browser.
// Loaded only from main.ts, in dev or `--mode mock` builds, outside Tauri and with `?mock` in the URL.
// Query: ?mock[=setup|store|login|home|locked|joining][&nokeyring][&role=dentist]
// Patients: seventeen seeded files; search replies come back after a random delay (out of order
// on purpose). Adding "Benali Mohamed 14/03/1985" or phone 0555 12 34 56 triggers the duplicate
// warning; phone "12" and a future birth date trigger field errors.
// Medical history: Mohamed Benali (K7Q-00001) and Fatima-Zohra Hadjadj have alerts; an empty
// label or a future date noted trigger field errors.
// Consents: Mohamed Benali has treatment and data processing granted and SMS reminders withdrawn;
// an empty text version triggers a field error.
// Guarantors: Sarah Meziane (K7Q-00013) is the parent and guarantor of Yanis and Lina Meziane.
// K7Q-00016 is an erased file (GDPR): search "K7Q-00016" to open it. Erasing needs the owner
// role, exporting the owner or dentist role (?mock=home&role=dentist). The timeline is built from
// the files, medical items and consents; photos are kept as sent (JPEG or PNG, not scaled).
// Possible duplicates: Sara Meziane (K7Q-00017, "created at the other desk") shares Sarah Meziane's
// phone, so one pair waits for review. Pairs are derived from the files as the Rust side does
// (same folded names and birth date, or a shared phone; never an erased file); "different people"
// is remembered, and so is "create anyway" in the duplicate warning.
// Merging ("Même personne : fusionner…", merge_patients) works as on the Rust side: the retired
// file leaves the search, the lists and the duplicate review (get_patient of it answers the kept
// file), the kept file takes the chosen details and both files' phones (and the retired file's
// photo when it has none), and shows both files' medical history, consents, images and timeline;
// merged_files names the retired file, and separate_patient makes it stand on its own again.
// The dialog asks merge_preview first, with the Rust side's rules: the file created first is kept
// unless the person keeps the other (Sarah's K7Q-00013, Sara's K7Q-00017 was created two days
// ago), the details that differ start on the kept file's value unless it is empty, and a guarantor
// that is one of the two files cannot be chosen.
// Needs attention (attention_inbox): those pairs, and three concurrent edits made on "Fauteuil 1"
// that lost to this PC's: Mohamed Benali's notes, Fatima-Zohra Hadjadj's phones, and the label of
// Mohamed Benali's penicillin allergy (medical items only for roles that see clinical data).
// "Keep" drops one, "take the other value" writes it into the file; editing the field here
// settles it too, and erasing the file drops its own.
// Sync: the relay https://relais.cabinet-tilleuls.example is remembered (&norelay: none yet, so
// sync_now(null) answers sync_not_ready). Two PCs: "Poste accueil" (this one) and "Fauteuil 1"
// (last seen yesterday, so the end-of-day report names it); "Portable Dr Benali" waits for
// approval (fingerprint 3F2A-91C4-07BE). Every change made here is sent at the next sync; the
// first sync receives 12 changes from "Fauteuil 1". A relay URL containing "offline" is
// unreachable (sync_unreachable), "refuse" refuses (sync_refused), "tamper" fails the integrity
// check, "mismatch" syncs with checksums that differ; &offline makes the remembered relay
// unreachable and &revoked makes this PC revoked (permission_denied); &moved makes the remembered
// relay hold the clinic's move notice, so the next sync follows it to relais2 (followed_to).
// This PC's clock is 350 ms ahead of the relay's; &clockoff makes it 2 h 05 ahead (the header
// asks to set it, and the end-of-day report names it with "Fauteuil 1", 7 min behind).
// Joining a relay from another one answers that the old one was told (old_relay "left"; one
// containing "offline" could not be). A relay URL containing "lost" lost its data while this PC
// missed a renewal of the recovery key: it does not know this PC and refuses its recovery proof
// (rejoin_relay: sync_refused, proof_refused); rejoin_with_code asks it with a pairing code instead
// (any well-formed code works except one starting with EXP), approved 20 s later: until then
// syncs wait for approval.
// Recovery key: revoking "Fauteuil 1" (or an approved PC) renews it (a 104-character key, which
// recovery_key then shows); &norenew makes that renewal fail (conflict, recovery_not_renewed:
// the PC is revoked all the same); &renewedelsewhere makes renew_recovery_key answer that another
// PC renewed it (conflict, recovery_renewed_elsewhere) until this PC syncs or shows the key
// (which then finds that renewal at the relay: renewed_elsewhere). With the relay unreachable or
// this PC revoked, recovery_key says the key is unchecked.
// Background sync (sync_status, see agent.ts): every minute while all is well, back-off when
// offline; each attempt sends what waits (changes, and a photo counts as a file waiting).
// Joining (?mock=setup, then "Rejoindre un cabinet existant"): any well-formed code works except
// one starting with EXP (expired); a relay URL containing "offline" is unreachable. The owner
// approves 20 s after the request: "Vérifier maintenant" then brings the clinic (else the
// background sync's next attempt, ten minutes later). Restoring: any 80- or 104-character key
// (letters and 2-7) works except one starting with AAAAA; the download takes 9 s. ?mock=joining is a PC
// that joined before a restart (the fingerprint is no longer known).
// Imaging (imaging.ts; the "Imagerie" tab needs view_imaging, so not ?role=receptionist): the
// images are drawn in TypeScript and sent by image_frame in the Rust side's binary format.
// Mohamed Benali (K7Q-00001) has two panoramics (2021 and 2023, tooth 36 gone in between, the
// 2023 one with a length and an angle), intraoral images placed in the FMX layout (IO_36-37 has
// an arrow, a text and a length), a MONOCHROME1 bitewing, an intraoral image with no pixel
// spacing (lengths in px until calibrated), a colour photograph (JPEG: no window), an 8-bit sensor
// PNG and a 24-frame CBCT (Hounsfield units). IO_44-45 is "on the relay": its first opening takes
// 1.8 s. Yanis Meziane has primary molars (84, 85); the erased file K7Q-00016 keeps a panoramic
// (read only). Measurements are worked out as the Rust side does: length = sqrt((dx * column
// spacing)^2 + (dy * row spacing)^2) mm with one decimal, else px; angle at the middle point in
// degrees with one decimal; calibrating sets a square spacing from the known length and measures
// the lengths again. Teeth must be FDI (11-48, 51-85), else invalid_input.
// Import: a path ending in .dcm, .png, .jpg, .tif or .txt is that file; one ending in DICOMDIR
// lists four files; a path containing "missing" is not found, "vide"/"empty" holds no file; any
// other path is a folder of nine files: ready ones, pano_2023.dcm (a duplicate for Mohamed
// Benali), IO_autre_patient.dcm (names DUPONT^JEAN: the import needs the confirmation),
// corrupt_IM0007.dcm and LISEZMOI.txt (refused). Each file takes about half a second to import
// (1.4 s for a panoramic or a CBCT), so the progress bar and "stop after this file" can be seen.
// There is no drag and drop outside Tauri. Every image change waits for the next sync.
// Agenda (agenda.ts): "Fauteuil 1" and "Fauteuil 2" (&nochairs: none yet, to see the empty state),
// a day of appointments today in the clinic's time zone (one completed, one arrived, a no-show, a
// cancellation), Mohamed Benali's next and past ones, and two practitioners. Martin Léa (14:00)
// and Dupont Jean-Pierre (14:15) hold Fauteuil 2 at once: a double booking waits in the inbox. A
// booking onto a chair held then by a booked, arrived or completed appointment is refused with
// chair_taken unless booked anyway (the pair is then kept, not flagged). Zerrouki Amine's reason
// was changed at "Fauteuil 1" too: a concurrent edit of an appointment waits in the inbox.
// Dental chart (chart.ts; the "Schéma dentaire" tab needs view_clinical, so not ?role=receptionist):
// Mohamed Benali has a caries on 36 (M) and its restoration MOD planned (marking it done settles
// the caries), a crown on 46, 18 missing, 11 restored (MI, composite), 45's caries settled by its
// restoration, 26's root canal done and its crown planned, 24 to watch, 38 to extract, 47
// fractured, and a caries on 14 struck out. Fatima-Zohra Hadjadj has an implant (16) and a bridge
// 35-37; Yanis Meziane's milk molars make the chart open on both dentitions. The checks are the
// Rust side's, with its words (O on a front tooth, no surfaces for a caries, a planned caries, a
// composite crown...). The material of Mohamed Benali's crown on 46 was changed at "Fauteuil 1"
// too: a concurrent edit of a chart entry waits in the inbox (for roles that see clinical data).
// And Karim Haddad charted a caries on his 18 at "Fauteuil 1", a tooth charted missing: a chart
// contradiction waits in the inbox (same roles) and in his chart (its notice, the tooth marked),
// gone once either entry is struck out (set_chart_entry_active) or both are kept
// (keep_chart_entries).
import type { Invoker } from "../api";
import { LONGEST_WAIT_MS, MockAgent, type AgentState, type AttemptOutcome } from "./agent";
import { MERGEABLE_FIELDS } from "../bindings";
import { createMockAgenda } from "./agenda";
import { createMockChart } from "./chart";
import { imagingHandlers } from "./imaging";
import type {
  ApiError,
  AppStatus,
  AttentionInbox,
  ChartContradiction,
  ClinicInfo,
  DeviceInfo,
  DeviceInvite,
  DeviceRevoked,
  RecoveryKeyShown,
  EndOfDayReport,
  JoinClinicRequest,
  PendingDeviceInfo,
  RelayRejoined,
  RejoinRequested,
  RestoreClinicRequest,
  StreamReport,
  SyncStatus,
  SyncSummary,
  ConsentInput,
  ConsentKind,
  ConsentRecord,
  Consents,
  DuplicatePair,
  EditConflictInfo,
  ErasureReport,
  MedicalHistory,
  MedicalItem,
  MedicalItemInput,
  MergeDetail,
  MergePatientsRequest,
  MergePreview,
  MergePreviewRequest,
  NewUserRequest,
  Patient,
  PatientInput,
  PatientRef,
  Permission,
  ResolveConflictRequest,
  Role,
  SessionInfo,
  SettingsUpdate,
  SetupOptions,
  SetupRequest,
  TimelineEntry,
  UserInfo,
} from "../bindings";

const ALL: Permission[] = [
  "view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_clinical", "edit_clinical",
  "prescribe", "view_imaging", "edit_imaging", "view_billing", "edit_billing", "view_reports",
  "export_patient_data", "erase_patient", "run_sync", "manage_users", "manage_devices",
  "manage_settings", "manage_backups", "view_audit",
];
// As the Rust side's access matrix (chairside-domain access.rs).
const BY_ROLE: Record<Role, Permission[]> = {
  owner: ALL,
  dentist: ["view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_clinical", "edit_clinical", "prescribe", "view_imaging", "edit_imaging", "view_billing", "edit_billing", "view_reports", "export_patient_data", "run_sync"],
  assistant: ["view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_clinical", "edit_clinical", "view_imaging", "edit_imaging", "run_sync"],
  receptionist: ["view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_billing", "edit_billing", "run_sync"],
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The characters of a pairing code (the Rust side's CODE_ALPHABET: no I, L, O, 0 or 1). */
const PAIRING_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const fail = (code: string, message: string, reason?: string) =>
  Promise.reject(reason === undefined ? { code, message } : { code, message, reason });

export function createMockInvoker(params: URLSearchParams): Invoker {
  const start = params.get("mock") || "setup";
  const keyring = !params.has("nokeyring");
  const role = (params.get("role") as Role | null) ?? "owner";

  let clinic: ClinicInfo = {
    id: "c1", name: "Cabinet dentaire des Tilleuls", address: "12 rue des Tilleuls\n16000 Alger",
    timezone: "Africa/Algiers", phone_region: "DZ", language: "fr", idle_lock_seconds: 300,
    device_id: "d1", device_name: "Poste accueil", default_national_id_kind: "dz_cnas",
  };
  const users: (UserInfo & { password: string })[] = [
    { id: "u1", username: "amina", display_name: "Dr Amina Benali", role, active: true, password: "correct-horse" },
    { id: "u2", username: "karim", display_name: "Karim Haddad", role: "assistant", active: true, password: "x" },
    { id: "u3", username: "lea", display_name: "Léa Martin", role: "receptionist", active: false, password: "x" },
  ];
  const phases: Record<string, AppStatus["phase"]> = {
    setup: "needs_setup", store: "store_locked", login: "signed_out", home: "signed_in", locked: "session_locked",
    joining: "joining_clinic",
  };
  let phase: AppStatus["phase"] = phases[start] ?? "needs_setup";
  let current: (typeof users)[number] | null = phase === "signed_in" || phase === "session_locked" ? users[0] : null;

  const session = (): SessionInfo | null =>
    current && {
      user_id: current.id, username: current.username, display_name: current.display_name, role: current.role,
      permissions: BY_ROLE[current.role], idle_lock_seconds: clinic.idle_lock_seconds,
    };
  const status = (): AppStatus => ({
    phase, clinic_name: phase === "needs_setup" || phase === "joining_clinic" ? null : clinic.name, language: clinic.language,
    key_storage: phase === "needs_setup" ? null : keyring ? "keyring" : "passphrase",
    keyring_available: keyring, session: session(), data_dir: "/tmp/chairside-mock",
  });
  const options: SetupOptions = {
    timezones: ["Africa/Algiers", "Africa/Casablanca", "Africa/Tunis", "Europe/Brussels", "Europe/Paris", "UTC"],
    phone_regions: [
      { code: "DZ", name_fr: "Algérie", name_en: "Algeria" },
      { code: "BE", name_fr: "Belgique", name_en: "Belgium" },
      { code: "FR", name_fr: "France", name_en: "France" },
      { code: "MA", name_fr: "Maroc", name_en: "Morocco" },
      { code: "TN", name_fr: "Tunisie", name_en: "Tunisia" },
    ],
    default_timezone: "Africa/Algiers", default_phone_region: "DZ",
  };

  // Idle lock, as the Rust side would apply it in app_status().
  let lastActivity = Date.now();
  const touch = () => (lastActivity = Date.now());
  const applyIdle = () => {
    if (phase === "signed_in" && Date.now() - lastActivity > clinic.idle_lock_seconds * 1000) phase = "session_locked";
  };

  const patients = seedPatients();
  let fileCounter = patients.length;
  const allowed = (perm: Permission) => current !== null && BY_ROLE[current.role].includes(perm);
  const findPatient = (id: unknown) => patients.find((x) => x.id === id);
  const refOf = (p: MockPatient): PatientRef => ({ id: p.id, file_number: p.file_number, last_name: p.last_name, first_name: p.first_name });
  /** The file whose reads a file's go to: follow merged_into to a file that stands on its own
   * (a file named that is not here, or a circle, stops there, as on the Rust side). */
  const survivor = (id: string): string => {
    const seen = [id];
    let at = id;
    for (;;) {
      const next = findPatient(at)?.merged_into ?? "";
      if (!next || !findPatient(next)) return at;
      if (seen.includes(next)) return seen.slice(seen.indexOf(next)).sort()[0];
      seen.push(next);
      at = next;
    }
  };
  const stands = (p: MockPatient) => survivor(p.id) === p.id;
  /** A file and those merged into it (directly or not), the file first: whose medical items,
   * consents and images a read of the file takes in. */
  const filesOf = (id: string): string[] => [
    id,
    ...patients.filter((x) => x.id !== id && x.merged_into && survivor(x.id) === id).map((x) => x.id),
  ];
  /** The DTO the Rust side sends: age, guarantor named, whether a photo is stored, files merged in. */
  const dto = (p: MockPatient): Patient => {
    const { guarantor_id, photo, created_at_ms: _c, merged_into: _m, ...rest } = p;
    // A guarantor whose file was merged into another is that one now.
    const g = guarantor_id ? findPatient(survivor(guarantor_id)) : undefined;
    return {
      ...rest,
      age: ageOn(p.birth_date),
      guarantor: g ? refOf(g) : null,
      guarantor_relation: g ? p.guarantor_relation : null,
      has_photo: photo !== "",
      merged_files: filesOf(p.id).slice(1).map((id) => refOf(findPatient(id)!)),
    };
  };
  /** check_guarantor on the Rust side: null when fine, else the invalid_input message. */
  const guarantorProblem = (selfId: string | null, guarantorId: string): string | null => {
    if (!guarantorId) return null;
    if (guarantorId === selfId) return "guarantor_id: a patient cannot be their own guarantor";
    const g = findPatient(guarantorId);
    if (!g) return `guarantor_id: no patient with id ${guarantorId}: search for the guarantor's file first`;
    if (g.erased_at_ms !== null) return "guarantor_id: that file was erased on request and cannot be a guarantor";
    return null;
  };
  // Possible duplicates: the pairs a person said are different people, and when each flagged
  // pair was found (found again, with a new time, after either file changes).
  const distinct = new Set<string>();
  const foundAt = new Map<string, number>([[pairKey("p13", "p17"), Date.now() - 26 * 3_600_000]]);
  const forgetFound = (id: string) => {
    for (const key of [...foundAt.keys()]) if (key.split("+").includes(id)) foundAt.delete(key);
  };
  const duplicatePairs = (): DuplicatePair[] => {
    const live = patients.filter((p) => p.erased_at_ms === null && stands(p));
    const pairs: DuplicatePair[] = [];
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        const reason = duplicateReason(live[i], live[j]);
        if (!reason) continue;
        const [a, b] = live[i].id < live[j].id ? [live[i], live[j]] : [live[j], live[i]];
        const key = pairKey(a.id, b.id);
        if (distinct.has(key)) continue;
        let at = foundAt.get(key);
        if (at === undefined) foundAt.set(key, (at = Date.now()));
        pairs.push({ a: refOf(a), b: refOf(b), reason, found_at_ms: at });
      }
    }
    return pairs.sort((x, y) => y.found_at_ms - x.found_at_ms || x.a.id.localeCompare(y.a.id) || x.b.id.localeCompare(y.b.id));
  };
  const mergedError = (p: MockPatient) =>
    fail(
      "conflict",
      `file ${p.file_number} was merged into file ${findPatient(survivor(p.id))?.file_number ?? "?"}: open that file (this one cannot be changed on its own)`,
      "file_merged",
    );
  const erasedError = (p: MockPatient) =>
    fail("patient_erased", `file ${p.file_number} was erased on request (GDPR): its identity cannot be edited; create a new file if the person comes back`);
  /** merge_pair on the Rust side: the two files of a merge, both on file, neither erased nor
   * merged; else the refusal. */
  const mergePair = (firstId: string, secondId: string): [MockPatient, MockPatient] | Promise<never> => {
    if (firstId === secondId) return fail("invalid_input", "retired_id: choose two different files");
    const first = findPatient(firstId);
    if (!first) return fail("not_found", `no patient with id ${firstId}`);
    const second = findPatient(secondId);
    if (!second) return fail("not_found", `no patient with id ${secondId}`);
    for (const p of [first, second]) {
      if (p.erased_at_ms !== null) return erasedError(p);
      if (!stands(p)) return mergedError(p);
    }
    return [first, second];
  };
  /** guarantor_can_stay on the Rust side: a file's guarantor can stay on the merged file unless
   * it is one of the two files (or a file merged into one of them). */
  const guarantorCanStay = (p: Pick<MockPatient, "guarantor_id">, pair: [MockPatient, MockPatient]) =>
    !p.guarantor_id || !pair.some((x) => x.id === survivor(p.guarantor_id));
  const medical = seedMedical();
  let medicalCounter = medical.length;
  const agenda = createMockAgenda(
    {
      allowed,
      patient: findPatient,
      survivor,
      files: filesOf,
      user: () => current,
      timezone: () => clinic.timezone,
    },
    { noChairs: params.has("nochairs") },
  );
  const chart = createMockChart({
    allowed,
    patient: findPatient,
    survivor,
    files: filesOf,
    user: () => current,
    today: () => new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10),
  });
  /** The chart contradictions waiting, each named by its file (the one the chart is read in). */
  const chartContradictions = (): ChartContradiction[] => chart.named();
  const history = (patientId: string): MedicalHistory => {
    const files = filesOf(patientId);
    const items = medical
      .filter((m) => files.includes(m.patient_id))
      .sort((a, b) => b.recorded_at_ms - a.recorded_at_ms)
      .map((m) => ({ ...m, raises_alert: m.active && (m.kind === "allergy" || m.alert) }));
    return { items, alerts: items.filter((m) => m.raises_alert) };
  };

  const consentRecords = seedConsents();
  let consentCounter = consentRecords.length;
  const consentsOf = (patientId: string): Consents => {
    const files = filesOf(patientId);
    const history = consentRecords
      .filter((c) => files.includes(c.patient_id))
      .sort((a, b) => b.recorded_at_ms - a.recorded_at_ms);
    return {
      status: CONSENT_KINDS.map((kind) => ({ kind, current: history.find((c) => c.kind === kind) ?? null })),
      history,
    };
  };

  // Sync: the relay, the clinic's PCs, each PC's log head at the relay, who waits to join.
  const hour = 3_600_000;
  const day = 24 * hour;
  let relayUrl: string | null = params.has("norelay") ? null : "https://relais.cabinet-tilleuls.example";
  const offline = params.has("offline");
  const revoked = params.has("revoked");
  const devices: (Omit<DeviceInfo, "last_seen_ms" | "clock_offset_ms" | "clock_off"> & { last_seen_ms: number })[] = [
    { id: "d1", name: clinic.device_name, enrolled_at_ms: Date.now() - 420 * day, revoked: false, this_device: true, last_seen_ms: Date.now() - 3 * hour },
    { id: "d2", name: "Fauteuil 1", enrolled_at_ms: Date.now() - 300 * day, revoked: false, this_device: false, last_seen_ms: Date.now() - day - 2 * hour },
  ];
  const heads = new Map<string, number>([["d1", 214], ["d2", 187]]);
  let unsent = 3; // changes made here since the last sync
  let filesWaiting = offline ? 2 : 0; // images and documents stored here, not yet at the relay
  let toRedact = 0; // this PC's sets scrubbed by an erasure, to replace at the relay
  // Relays this PC joined with "Rejoindre ce relais": one whose URL contains "new" does not know
  // this PC until then (a clinic moving to a new relay); the first sync after carries the
  // other PCs' changes this PC holds.
  const joinedRelays = new Set<string>();
  let toCarry = 0;
  // A relay containing "lost" refuses this PC's recovery proof: rejoin_with_code asks it with a
  // pairing code, approved by the owner at `approvedAt` (joining it then).
  let rejoinAsked: { relay: string; approvedAt: number } | null = null;
  let incoming = 12; // changes from "Fauteuil 1" waiting at the relay
  const pending: PendingDeviceInfo[] = [
    { device_id: "d3", device_name: "Portable Dr Benali", fingerprint: "3F2A-91C4-07BE", requested_at_ms: Date.now() - 4 * 60_000 },
  ];
  // The clinic's recovery key: the first one (80 characters), then each renewal's (104).
  let recoveryKeyText = "AGRAM-Q42XF-7KD3M-PZ6WN-B4T2Y-HC3QE-R5JXA-M3VLU-2NGD7-WKF4S-Q6ZTB-6YHPC-EJ3MR-A7XUN-V5D2K-LQ4GA";
  const noRenew = params.has("norenew");
  let renewedElsewhere = params.has("renewedelsewhere");
  const REVOKED: ApiError = { code: "permission_denied", reason: "revoked", message: "the relay refused: this device was revoked" };
  /** relay_for on the Rust side: the given URL (remembered), else the remembered one. */
  const relayFor = (given: unknown): string | ApiError => {
    const text = typeof given === "string" ? given.trim() : "";
    if (text) {
      if (!/^https?:\/\//.test(text))
        return { code: "invalid_input", message: `${JSON.stringify(text)} is not a relay URL: give one starting with http:// or https://` };
      relayUrl = text.replace(/\/+$/, "");
    }
    if (!relayUrl)
      return { code: "sync_not_ready", reason: "no_relay", message: "no relay is set for this PC: run `chairside sync --relay URL` once" };
    if (offline || relayUrl.includes("offline"))
      return {
        code: "sync_unreachable",
        message: `the relay at ${relayUrl} cannot be reached (connection refused): check the network; changes wait here and the next sync sends them`,
      };
    if (relayUrl.includes("refuse"))
      return { code: "sync_refused", reason: "too_large", message: "the relay refused: a request body is at most 8388608 bytes" };
    return relayUrl;
  };
  /** Where a sync stops after reaching the relay, as the Rust side would; null when it goes through. */
  const syncProblem = (relay: string): ApiError | null => {
    if (revoked) return REVOKED;
    if (rejoinAsked?.relay === relay) {
      if (Date.now() < rejoinAsked.approvedAt) return WAITING_FOR_APPROVAL;
      rejoinAsked = null;
      joinedRelays.add(relay);
      toCarry = heads.get("d2") ?? 0;
    }
    if ((relay.includes("new") || relay.includes("lost")) && !joinedRelays.has(relay))
      return {
        code: "sync_not_ready",
        reason: "unknown_to_relay",
        message:
          "the relay does not know this PC (unknown device or wrong credential). If the clinic moved to this relay, or the relay lost its data, the owner joins this PC to it, which sends it everything this PC holds: Rejoin in the Sync panel, or `chairside sync --relay URL --rejoin`. Otherwise check the relay's address",
      };
    if (relay.includes("tamper"))
      return {
        code: "integrity",
        reason: "diverged",
        message: "the log of device d2 differs between this PC and the relay at record 187 (checksum mismatch): sync stopped; tell the clinic's owner",
      };
    return null;
  };
  /** Whether a clock offset is off: the Rust side's rule (`chairside_sync::clock::is_off`). */
  const isOff = (offsetMs: number) => Math.abs(offsetMs) >= 300_000;
  /** This PC's clock minus the relay's, as each sync measures it; &clockoff: 2 h 05 ahead. */
  const clockOffset = params.has("clockoff") ? 7_500_000 : 350;
  /** &moved: the remembered relay holds the clinic's move notice; the next sync follows it. */
  let movedTo: string | null = params.has("moved") ? "https://relais2.cabinet-tilleuls.example" : null;
  /** One exchange with the relay: what waits here goes, what waits there comes. */
  const exchange = (relayUsed: string, started: number): SyncSummary => {
    let relay = relayUsed;
    let followed: string | null = null;
    if (movedTo && movedTo !== relay) {
      relay = followed = relayUrl = movedTo;
      joinedRelays.add(movedTo);
      movedTo = null;
    }
    const sent = unsent;
    const received = incoming;
    const files = filesWaiting;
    const redacted = toRedact;
    const carried = toCarry;
    toCarry = 0;
    renewedElsewhere = false; // this PC now has the other PC's renewal
    unsent = 0;
    filesWaiting = 0;
    toRedact = 0;
    incoming = Math.random() < 0.5 ? 0 : 1 + Math.floor(Math.random() * 3);
    heads.set("d1", (heads.get("d1") ?? 0) + sent);
    heads.set("d2", (heads.get("d2") ?? 0) + received);
    const me = devices.find((d) => d.this_device);
    if (me) me.last_seen_ms = Date.now();
    const streams: StreamReport[] = devices
      .filter((d) => heads.has(d.id))
      .map((d) => ({
        device_id: d.id, device_name: d.name, this_device: d.this_device, sent: d.this_device ? sent : 0,
        received: d.id === "d2" ? received : 0, head: heads.get(d.id) ?? 0,
      }))
      .sort((a, b) => Number(b.this_device) - Number(a.this_device));
    return {
      relay_url: relay, relay_in_clear: false, files_held_back: null, sent, received, bytes_sent: sent ? 1200 + sent * 830 : 412, bytes_received: received ? 900 + received * 910 : 388,
      files_sent: files, file_bytes_sent: files * 187_000, redacted, files_retired: 0, carried, checksums_match: !relay.includes("mismatch"), streams,
      duration_ms: Date.now() - started, clock_offset_ms: clockOffset, clock_off: isOff(clockOffset),
      // The mock's images are all on this PC: nothing to fetch ahead (&prefetched: two radiographs
      // of the patients booked today and tomorrow were).
      files_prefetched: params.has("prefetched") ? 2 : 0,
      ...(followed ? { followed_to: followed } : {}),
    };
  };

  // The background sync (see agent.ts), and joining a clinic from this PC: a join waits for the
  // owner's approval (given APPROVAL_DELAY_MS after the request; the background sync only
  // notices at its next attempt, ten minutes later, unless "Vérifier maintenant" asks now); a
  // restore downloads the clinic in RESTORE_MS.
  const WAITING_FOR_APPROVAL: ApiError = {
    code: "sync_not_ready",
    reason: "waiting_for_approval",
    message:
      "this PC's request to join waits for the owner's approval: on the owner's PC run `chairside device approve`, then sync here again",
  };
  const APPROVAL_DELAY_MS = 20_000;
  const RESTORE_MS = 9000;
  let joinKind: "join" | "restore" | null = phase === "joining_clinic" ? "join" : null;
  let approvedAt = Date.now() + APPROVAL_DELAY_MS;
  const outcomeOf = (p: ApiError): AttemptOutcome => {
    if (p.code === "sync_unreachable") return { ok: false, state: "offline", error: p };
    if (p.code === "sync_not_ready") return relayUrl ? { ok: false, state: "waiting_for_approval", error: p } : { ok: false, state: "not_configured", error: null };
    return { ok: false, state: "error", error: p };
  };
  /** The clinic arrives on a joining PC: its data and accounts are here, sign-in follows. */
  const receiveClinic = () => {
    phase = "signed_out";
    joinKind = null;
    unsent = 0;
    filesWaiting = 0;
  };
  /** What a background attempt ending at `end` brings. */
  const attempt = (end: number): AttemptOutcome => {
    const relay = relayFor(null);
    if (typeof relay !== "string") return outcomeOf(relay);
    if (phase === "joining_clinic") {
      if (joinKind !== "restore" && end < approvedAt) return { ok: false, state: "waiting_for_approval", error: WAITING_FOR_APPROVAL };
      receiveClinic();
      return { ok: true };
    }
    const problem = syncProblem(relay);
    if (problem) return outcomeOf(problem);
    exchange(relay, end - 2000);
    return { ok: true };
  };
  /** Where the background sync stands when the mock starts, after the query. */
  const initialAgent = (): Partial<AgentState> => {
    const now = Date.now();
    const unreachable: ApiError = {
      code: "sync_unreachable",
      message: `the relay at ${relayUrl} cannot be reached (connection refused): check the network; changes wait here and the next sync sends them`,
    };
    if (phase === "joining_clinic")
      return { state: "waiting_for_approval", last_attempt_ms: now - 40_000, next_attempt_ms: now - 40_000 + LONGEST_WAIT_MS, error: WAITING_FOR_APPROVAL, failures: 1 };
    if (!relayUrl) return { state: "not_configured", next_attempt_ms: null };
    if (revoked)
      return {
        state: "error", last_success_ms: now - 2 * day, last_attempt_ms: now - 5 * 60_000, next_attempt_ms: now + 5 * 60_000,
        error: REVOKED, failures: 1,
      };
    if (offline)
      return { state: "offline", last_success_ms: now - 3 * hour, last_attempt_ms: now - 20_000, next_attempt_ms: now + 40_000, error: unreachable, failures: 4 };
    return { state: "up_to_date", last_success_ms: now - 2 * 60_000, last_attempt_ms: now - 2 * 60_000 - 1500, next_attempt_ms: now + 40_000 };
  };
  const agent = new MockAgent(initialAgent(), attempt);
  const storeOpen = () => phase !== "needs_setup" && phase !== "store_locked";
  const syncStatus = (): SyncStatus => {
    if (!storeOpen()) return agentlessStatus();
    agent.tick();
    return agent.status(relayUrl, phase === "joining_clinic" ? 0 : unsent, filesWaiting, clockOffset);
  };
  /** sync_now: the agent is held during the exchange; a bad or missing relay stops before it. */
  const syncOnce = async (given: unknown): Promise<SyncSummary> => {
    const relay = relayFor(given);
    if (typeof relay !== "string" && (relay.code === "invalid_input" || relay.code === "sync_not_ready")) {
      await delay(150);
      return Promise.reject(relay);
    }
    const started = Date.now();
    agent.begin(started);
    await delay(600 + Math.random() * 900);
    const problem = typeof relay === "string" ? syncProblem(relay) : relay;
    if (problem || typeof relay !== "string") {
      const p = problem ?? { code: "internal", message: "mock: no relay" };
      agent.end(outcomeOf(p));
      return Promise.reject(p);
    }
    const summary = exchange(relay, started);
    agent.end({ ok: true });
    return summary;
  };
  /** join_clinic and restore_clinic check, in the Rust side's order; null when all is well. */
  const joinProblem = (r: JoinClinicRequest | RestoreClinicRequest): ApiError | null => {
    const url = r.relay_url.trim();
    if (!/^https?:\/\/\S+$/.test(url)) return { code: "invalid_input", message: `${JSON.stringify(url)} is not a relay URL: give one starting with http:// or https://` };
    if ("recovery_key" in r) {
      const key = r.recovery_key.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
      if (!/^(?:[A-Z2-7]{80}|[A-Z2-7]{104})$/.test(key))
        return { code: "invalid_input", message: "this recovery key is not valid (a character is wrong or missing): type it again from the printed sheet" };
    }
    const passphrase = r.passphrase || null;
    if (passphrase !== null && [...passphrase].length < 8) return { code: "invalid_input", message: "passphrase: a database passphrase has at least 8 characters" };
    if (passphrase === null && !keyring)
      return { code: "invalid_input", message: "passphrase: this computer has no OS keyring: set CHAIRSIDE_PASSPHRASE to protect the database" };
    if (phase !== "needs_setup")
      return { code: "already_initialised", message: "this data directory already belongs to a clinic: enroll or recover into an empty data directory" };
    if (offline || url.includes("offline"))
      return {
        code: "sync_unreachable",
        message: `the relay at ${url} cannot be reached (connection refused): check the network; changes wait here and the next sync sends them`,
      };
    if ([...r.device_name.trim()].length > 100)
      return { code: "sync_refused", reason: "bad_request", message: "the relay refused: a public key has 32 bytes and a device name at most 100 characters" };
    if ("code" in r) {
      const code = r.code.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
      if (!/^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}$/.test(code) || code.startsWith("EXP"))
        return { code: "sync_refused", reason: "bad_code", message: "the relay refused: this pairing code is unknown, already used or expired: ask the owner for a new one" };
    } else if (r.recovery_key.replace(/[^0-9A-Za-z]/g, "").toUpperCase().startsWith("AAAAA")) {
      return { code: "sync_refused", reason: "not_found", message: "the relay refused: no clinic with this id and recovery key at this relay: check the recovery key" };
    }
    return null;
  };
  /** The new PC now has a store of its own, named as asked, and the relay remembered. */
  const joined = (r: JoinClinicRequest | RestoreClinicRequest, kind: "join" | "restore") => {
    relayUrl = r.relay_url.trim().replace(/\/+$/, "");
    clinic = { ...clinic, device_name: r.device_name.trim() || clinic.device_name };
    const me = devices.find((d) => d.this_device);
    if (me) me.name = clinic.device_name;
    joinKind = kind;
    phase = "joining_clinic";
    current = null;
  };
  const noDevices = () => fail("permission_denied", "your role does not allow managing devices");
  const relayOrFail = async () => {
    await delay(250);
    const relay = relayFor(null);
    return typeof relay === "string" ? relay : Promise.reject(relay);
  };

  // Concurrent edits ("needs attention" inbox): two desks changed one field without seeing each
  // other's change; the later write shows, the other value waits here for a person. The current
  // value is read from the file as it is now; a conflict whose two values are equal is not
  // listed (as the Rust side judges when listing).
  type MockConflict = {
    table: "patient" | "medical_item" | "appointment" | "chart_entry"; row_id: string; field: string; other_value: string; other_device: string;
    other_written_at_ms: number; kept_device: string; kept_written_at_ms: number; found_at_ms: number;
  };
  const minute = 60_000;
  const editConflicts: MockConflict[] = [
    // Mohamed Benali's notes, typed at the front desk and on "Fauteuil 1" before either synced.
    {
      table: "patient", row_id: "p1", field: "notes", other_value: "Préfère les rendez-vous le matin. Prévenir 24 h avant.",
      other_device: "d2", other_written_at_ms: Date.now() - 3 * hour - 10 * minute, kept_device: "d1",
      kept_written_at_ms: Date.now() - 2 * hour - 55 * minute, found_at_ms: Date.now() - 40 * minute,
    },
    // Fatima-Zohra Hadjadj's phones: a second number added at the chair, the first one retyped here.
    {
      table: "patient", row_id: "p4", field: "phones", other_value: "+213550445566, +213661778899", other_device: "d2",
      other_written_at_ms: Date.now() - 26 * hour, kept_device: "d1", kept_written_at_ms: Date.now() - 25 * hour,
      found_at_ms: Date.now() - 20 * hour,
    },
    // Mohamed Benali's penicillin allergy, its label made more precise at the chair.
    {
      table: "medical_item", row_id: "m1", field: "label", other_value: "Pénicillines (amoxicilline comprise)", other_device: "d2",
      other_written_at_ms: Date.now() - 70 * minute, kept_device: "d1", kept_written_at_ms: Date.now() - 50 * minute,
      found_at_ms: Date.now() - 10 * minute,
    },
    // Zerrouki Amine's appointment today: its reason retyped at the chair.
    {
      table: "appointment", row_id: "a3", field: "reason", other_value: "Extraction 48", other_device: "d2",
      other_written_at_ms: Date.now() - 50 * minute, kept_device: "d1", kept_written_at_ms: Date.now() - 45 * minute,
      found_at_ms: Date.now() - 25 * minute,
    },
    // Mohamed Benali's crown on 46: its material corrected at the chair.
    {
      table: "chart_entry", row_id: "ce3", field: "material", other_value: "zirconia", other_device: "d2",
      other_written_at_ms: Date.now() - 35 * minute, kept_device: "d1", kept_written_at_ms: Date.now() - 30 * minute,
      found_at_ms: Date.now() - 5 * minute,
    },
  ];
  // `?movedapart`: Zerrouki Amine's 10:00 appointment was also moved to 11:15 at the chair, a
  // time at which Fauteuil 1 is held by the 11:30 (taking that value is refused as taken).
  const moved = agenda.find("a3");
  if (params.has("movedapart") && moved)
    editConflicts.push({
      table: "appointment", row_id: "a3", field: "starts_at", other_value: `${moved.starts_at.slice(0, 10)}T11:15`,
      other_device: "d2", other_written_at_ms: Date.now() - 40 * minute, kept_device: "d1",
      kept_written_at_ms: Date.now() - 38 * minute, found_at_ms: Date.now() - 20 * minute,
    });
  /** The clock of a write, as the Rust side sends it (text: it does not fit a JavaScript number). */
  const hlcOf = (ms: number, device: string) => String(BigInt(ms) * 65_536n + BigInt(device.charCodeAt(device.length - 1)));
  const deviceName = (id: string) => devices.find((d) => d.id === id)?.name ?? `device ${id.slice(0, 8)}`;
  /** A stored value as the inbox shows it (display() on the Rust side): lists joined, booleans 1/0. */
  const shownValue = (value: unknown): string =>
    value === null || value === undefined ? "" : Array.isArray(value) ? value.join(", ") : typeof value === "boolean" ? (value ? "1" : "0") : String(value);
  const fieldValue = (c: Pick<MockConflict, "table" | "row_id" | "field">): string | null => {
    if (c.field === "deleted") return "0";
    const row: Record<string, unknown> | undefined =
      c.table === "patient"
        ? findPatient(c.row_id)
        : c.table === "appointment"
          ? agenda.find(c.row_id)
          : c.table === "chart_entry"
            ? chart.find(c.row_id)
            : medical.find((m) => m.id === c.row_id);
    return row ? shownValue(row[c.field]) : null;
  };
  /** The conflicts the Rust side lists, oldest found first; medical items only for clinical roles. */
  const listConflicts = (forRole: boolean): EditConflictInfo[] => {
    const out: EditConflictInfo[] = [];
    for (const c of editConflicts) {
      const item = c.table === "medical_item" ? medical.find((m) => m.id === c.row_id) : undefined;
      if (c.table === "medical_item" && (!item || (forRole && !allowed("view_clinical")))) continue;
      const appointment = c.table === "appointment" ? agenda.find(c.row_id) : undefined;
      if (c.table === "appointment" && (!appointment || (forRole && !allowed("view_agenda")))) continue;
      const entry = c.table === "chart_entry" ? chart.find(c.row_id) : undefined;
      if (c.table === "chart_entry" && (!entry || (forRole && !allowed("view_clinical")))) continue;
      const patient = findPatient(
        item ? item.patient_id : appointment ? survivor(appointment.patient_id) : entry ? survivor(entry.patient_id) : c.row_id,
      );
      const current = fieldValue(c);
      if (!patient || current === null || current === c.other_value) continue;
      out.push({
        table: c.table, row_id: c.row_id, field: c.field, patient: refOf(patient), item_label: item ? item.label : null,
        ...(appointment ? { appointment_starts_at: appointment.starts_at } : {}),
        ...(entry ? { chart_entry: { tooth: entry.tooth, surfaces: entry.surfaces, kind: entry.kind } } : {}),
        current_value: current, other_value: c.other_value, other_device: c.other_device,
        other_device_name: deviceName(c.other_device), other_hlc: hlcOf(c.other_written_at_ms, c.other_device),
        other_written_at_ms: c.other_written_at_ms, kept_device_name: deviceName(c.kept_device),
        kept_written_at_ms: c.kept_written_at_ms, found_at_ms: c.found_at_ms,
      });
    }
    return out.sort((a, b) => a.found_at_ms - b.found_at_ms);
  };
  /** "Take the other value": written again as a new edit of the field. */
  const takeOther = (c: MockConflict) => {
    const text = c.other_value;
    if (c.table === "patient") {
      const p = findPatient(c.row_id);
      if (!p || c.field === "deleted") return;
      const fields: Record<string, unknown> = p;
      if (c.field === "phones") p.phones = text ? text.split(",").map((x) => x.trim()).filter(Boolean) : [];
      else if (["email", "national_id_kind", "national_id", "guarantor_relation"].includes(c.field)) fields[c.field] = text || null;
      else fields[c.field] = text;
      forgetFound(p.id);
    } else if (c.table === "appointment") {
      const a = agenda.find(c.row_id);
      if (!a) return;
      const fields: Record<string, unknown> = a;
      fields[c.field] = c.field === "duration_min" ? Number(text) : text;
    } else if (c.table === "chart_entry") {
      const e = chart.find(c.row_id);
      if (!e) return;
      const fields: Record<string, unknown> = e;
      if (c.field === "active") fields.active = text === "1";
      else if (c.field === "material" || c.field === "done_on" || c.field === "settled_by") fields[c.field] = text || null;
      else fields[c.field] = text;
    } else {
      const m = medical.find((x) => x.id === c.row_id);
      if (!m || c.field === "deleted") return;
      const fields: Record<string, unknown> = m;
      if (c.field === "alert" || c.field === "active") fields[c.field] = text === "1";
      else if (c.field === "severity" || c.field === "noted_on") fields[c.field] = text || null;
      else fields[c.field] = text;
    }
  };
  /** A later edit of a field, made here with the other value in view, settles its conflicts. */
  const settleEdited = (table: MockConflict["table"], rowId: string, before: Record<string, string | null>) => {
    for (let i = editConflicts.length - 1; i >= 0; i--) {
      const c = editConflicts[i];
      if (c.table === table && c.row_id === rowId && c.field in before && fieldValue(c) !== before[c.field]) editConflicts.splice(i, 1);
    }
  };
  const valuesOf = (table: MockConflict["table"], rowId: string): Record<string, string | null> =>
    Object.fromEntries(
      editConflicts.filter((c) => c.table === table && c.row_id === rowId).map((c) => [c.field, fieldValue(c)]),
    );

  const handlers: Record<string, (req: never, args: Record<string, unknown>) => Promise<unknown>> = {
    app_status: async () => (applyIdle(), storeOpen() && agent.tick(), status()),
    setup_options: async () => options,
    setup_clinic: async (r: SetupRequest) => {
      await delay(900);
      clinic = { ...clinic, name: r.clinic_name, address: r.address, timezone: r.timezone, phone_region: r.phone_region, language: r.language };
      users.splice(0, users.length, { id: "u1", username: r.owner_username, display_name: r.owner_display_name, role: "owner", active: true, password: r.owner_password });
      phase = "signed_out";
      // A new clinic has no relay yet (the Sync panel sets it).
      relayUrl = null;
      unsent = 0;
      agent.reset({ state: "not_configured", next_attempt_ms: null });
      return status();
    },
    unlock_store: async (r: { passphrase: string }) => {
      await delay(600);
      if (r.passphrase !== "passphrase") return fail("wrong_passphrase", "wrong passphrase");
      phase = "signed_out";
      return status();
    },
    sign_in: async (r: { username: string; password: string }) => {
      await delay(300);
      const u = users.find((x) => x.username === r.username && x.password === r.password && x.active);
      if (!u) return fail("wrong_credentials", "wrong username or password");
      current = u;
      phase = "signed_in";
      touch();
      return status();
    },
    sign_out: async () => ((current = null), (phase = "signed_out"), status()),
    lock_session: async () => ((phase = "session_locked"), status()),
    unlock_session: async (r: { password: string }) => {
      await delay(300);
      if (r.password !== current?.password) return fail("wrong_credentials", "wrong password");
      phase = "signed_in";
      touch();
      return status();
    },
    record_activity: async () => (applyIdle(), phase === "signed_in" && touch(), status()),
    clinic_info: async () => clinic,
    update_settings: async (r: SettingsUpdate) => ((clinic = { ...clinic, ...r }), clinic),
    list_users: async () => users.map(({ password: _p, ...u }) => u),
    add_user: async (r: NewUserRequest) => {
      if (users.some((u) => u.username === r.username)) return fail("conflict", "username already taken");
      const u = { id: `u${users.length + 1}`, username: r.username, display_name: r.display_name, role: r.role, active: true, password: r.password };
      users.push(u);
      const { password: _p, ...info } = u;
      return info;
    },
    search_patients: async (_r: never, args: Record<string, unknown>) => {
      await delay(40 + Math.random() * 260);
      return searchPatients(patients.filter(stands), String(args.query ?? "")).map(dto);
    },
    get_patient: async (_r: never, args: Record<string, unknown>) => {
      await delay(60);
      const p = findPatient(args.id);
      // A file merged into another opens as that one.
      return p ? dto(findPatient(survivor(p.id))!) : fail("not_found", `no patient with id ${args.id}`);
    },
    add_patient: async (r: PatientInput) => {
      await delay(300);
      const row = validatePatient(r);
      if (typeof row === "string") return fail("invalid_input", row);
      const gp = guarantorProblem(null, row.guarantor_id);
      if (gp) return fail("invalid_input", gp);
      const dups = patients.filter((p) => stands(p) && duplicateReason(p, row) !== null);
      if (!r.allow_duplicate && dups.length) {
        const list = dups.map((d) => `${d.file_number} ${d.first_name} ${d.last_name} (${d.birth_date})`).join(", ");
        return fail("possible_duplicate", `possible duplicate of ${list}: open that file, or confirm that this is another person`);
      }
      const p: MockPatient = {
        ...row, id: `p${++fileCounter}`, file_number: `K7Q-${String(fileCounter).padStart(5, "0")}`,
        photo: "", erased_at_ms: null, created_at_ms: Date.now(), merged_into: "",
      };
      patients.push(p);
      // "Create anyway": the person looked at the possible duplicates and said someone else.
      for (const d of dups) distinct.add(pairKey(p.id, d.id));
      return dto(p);
    },
    edit_patient: async (r: PatientInput, args: Record<string, unknown>) => {
      await delay(300);
      const i = patients.findIndex((x) => x.id === args.id);
      if (i < 0) return fail("not_found", `no patient with id ${args.id}`);
      if (patients[i].erased_at_ms !== null) return erasedError(patients[i]);
      if (!stands(patients[i])) return mergedError(patients[i]);
      const row = validatePatient(r);
      if (typeof row === "string") return fail("invalid_input", row);
      const gp = guarantorProblem(patients[i].id, row.guarantor_id);
      if (gp) return fail("invalid_input", gp);
      const before = valuesOf("patient", patients[i].id);
      patients[i] = { ...patients[i], ...row };
      forgetFound(patients[i].id);
      settleEdited("patient", patients[i].id, before);
      return dto(patients[i]);
    },
    medical_history: async (_r: never, args: Record<string, unknown>) => {
      await delay(120);
      if (!patients.some((x) => x.id === args.id)) return fail("not_found", `no patient with id ${args.id}`);
      return history(String(args.id));
    },
    add_medical_item: async (r: MedicalItemInput, args: Record<string, unknown>) => {
      await delay(250);
      if (!patients.some((x) => x.id === args.id)) return fail("not_found", `no patient with id ${args.id}`);
      if (!["allergy", "medication", "condition"].includes(r.kind)) return fail("invalid_input", `kind: unknown kind ${JSON.stringify(r.kind)}`);
      if (!r.label.trim()) return fail("invalid_input", "label: is empty");
      if (r.label.length > 200) return fail("invalid_input", "label: is longer than 200 characters");
      if (r.detail.length > 1000) return fail("invalid_input", "detail: is longer than 1000 characters");
      if (r.severity !== null && r.kind !== "allergy") return fail("invalid_input", "severity: only allergies have a severity");
      if (r.noted_on !== null && !/^\d{4}-\d{2}-\d{2}$/.test(r.noted_on))
        return fail("invalid_input", `noted_on: ${JSON.stringify(r.noted_on)} is not a date YYYY-MM-DD`);
      if (r.noted_on !== null && r.noted_on > todayIso()) return fail("invalid_input", `noted_on: ${r.noted_on} is in the future`);
      medical.push({
        ...r, noted_on: r.noted_on ?? todayIso(), label: r.label.trim(), detail: r.detail.trim(), id: `m${++medicalCounter}`, patient_id: String(args.id),
        recorded_by: current?.display_name ?? "?", recorded_at_ms: Date.now(), active: true, raises_alert: false,
      });
      return history(String(args.id));
    },
    set_medical_item_active: async (_r: never, args: Record<string, unknown>) => {
      await delay(150);
      const m = medical.find((x) => x.id === args.item);
      if (!m) return fail("not_found", `no medical item with id ${args.item}`);
      const before = valuesOf("medical_item", m.id);
      m.active = Boolean(args.active);
      settleEdited("medical_item", m.id, before);
      return history(m.patient_id);
    },
    consents: async (_r: never, args: Record<string, unknown>) => {
      await delay(140);
      if (!patients.some((x) => x.id === args.id)) return fail("not_found", `no patient with id ${args.id}`);
      return consentsOf(String(args.id));
    },
    record_consent: async (r: ConsentInput, args: Record<string, unknown>) => {
      await delay(250);
      if (!patients.some((x) => x.id === args.id)) return fail("not_found", `no patient with id ${args.id}`);
      if (!CONSENT_KINDS.includes(r.kind)) return fail("invalid_input", `kind: unknown kind ${JSON.stringify(r.kind)}`);
      if (!r.text_version.trim()) return fail("invalid_input", "text_version: is empty");
      if (r.text_version.length > 50) return fail("invalid_input", "text_version: is longer than 50 characters");
      consentRecords.push({
        id: `c${++consentCounter}`, patient_id: String(args.id), kind: r.kind, granted: r.granted,
        text_version: r.text_version.trim(), recorded_by: current?.display_name ?? "?", recorded_at_ms: Date.now(),
      });
      return consentsOf(String(args.id));
    },
    export_patient_fhir: async (_r: never, args: Record<string, unknown>) => {
      await delay(700);
      if (!allowed("export_patient_data")) return fail("permission_denied", "your role does not allow exporting patient data");
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      return `/home/${current?.username ?? "user"}/Documents/Chairside exports/${p.file_number}-fhir-${todayIso()}.json`;
    },
    erase_patient: async (_r: never, args: Record<string, unknown>): Promise<ErasureReport> => {
      await delay(900);
      if (!allowed("erase_patient")) return fail("permission_denied", "your role does not allow erasing a patient");
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      if (p.erased_at_ms !== null) return erasedError(p);
      Object.assign(p, {
        last_name: "", first_name: "", phones: [], email: null, address: "", national_id_kind: null, national_id: null,
        referring_dentist: "", notes: "", photo: "", guarantor_id: "", guarantor_relation: null,
        birth_date: p.birth_date.slice(0, 4), erased_at_ms: Date.now(),
      });
      toRedact += 1; // the file's creation here, sent before the erasure
      // The file's own conflicts go with its identity (its medical items' stay).
      for (let i = editConflicts.length - 1; i >= 0; i--)
        if (editConflicts[i].table === "patient" && editConflicts[i].row_id === p.id) editConflicts.splice(i, 1);
      return {
        patient: dto(p),
        retained: [
          { kind: "medical_item", count: medical.filter((m) => m.patient_id === p.id).length },
          { kind: "consent", count: consentRecords.filter((c) => c.patient_id === p.id).length },
          { kind: "chart_entry", count: chart.entries.filter((e) => e.patient_id === p.id).length },
        ],
        wal_emptied: true,
        // The mock's images are PNG sensor captures: no DICOM header to rewrite.
        files_without_identity: 0,
        files_elsewhere: 0,
        files_not_rewritable: 0,
      };
    },
    patient_timeline: async (_r: never, args: Record<string, unknown>) => {
      await delay(150);
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      const files = filesOf(p.id);
      const entries: TimelineEntry[] = [];
      for (const f of files.map((id) => findPatient(id)!)) {
        entries.push({ at_ms: f.created_at_ms, kind: "file_created", ref_id: f.id, label: f.file_number, detail: "", recorded_by: "" });
        if (f.erased_at_ms !== null)
          entries.push({ at_ms: f.erased_at_ms, kind: "file_erased", ref_id: f.id, label: f.file_number, detail: "", recorded_by: "" });
      }
      for (const m of medical.filter((x) => files.includes(x.patient_id)))
        entries.push({ at_ms: m.recorded_at_ms, kind: m.kind, ref_id: m.id, label: m.label, detail: m.detail, recorded_by: m.recorded_by });
      for (const c of consentRecords.filter((x) => files.includes(x.patient_id)))
        entries.push({
          at_ms: c.recorded_at_ms, kind: c.granted ? "consent_granted" : "consent_withdrawn", ref_id: c.id, label: c.kind,
          detail: c.text_version, recorded_by: c.recorded_by,
        });
      entries.push(...chart.timeline(files));
      return entries.sort((a, b) => b.at_ms - a.at_ms);
    },
    patient_dependents: async (_r: never, args: Record<string, unknown>) => {
      await delay(90);
      if (!findPatient(args.id)) return fail("not_found", `no patient with id ${args.id}`);
      // Those whose guarantor is the file or a file merged into it, each once as the file it stands as.
      const files = filesOf(String(args.id));
      const out: MockPatient[] = [];
      for (const x of patients.filter((x) => x.guarantor_id && files.includes(x.guarantor_id))) {
        const shown = findPatient(survivor(x.id))!;
        if (!out.includes(shown)) out.push(shown);
      }
      return out
        .sort((a, b) => a.last_name.localeCompare(b.last_name, "fr") || a.first_name.localeCompare(b.first_name, "fr"))
        .map(refOf);
    },
    patient_photo: async (_r: never, args: Record<string, unknown>) => {
      await delay(120);
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      return p.photo || null;
    },
    set_patient_photo: async (_r: never, args: Record<string, unknown>) => {
      await delay(500);
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      if (p.erased_at_ms !== null) return erasedError(p);
      const photo = String(args.photo ?? "").trim();
      if (photo.length > ((15 * 1024 * 1024) / 3) * 4 + 4)
        return fail("invalid_input", "photo: the file is larger than 15 MB: choose a smaller picture");
      // JPEG files start with FF D8 FF, PNG files with 89 50 4E 47 0D 0A 1A 0A.
      if (!photo.startsWith("/9j/") && !photo.startsWith("iVBORw0KGgo"))
        return fail("invalid_input", "photo: not a JPEG or PNG picture");
      p.photo = photo;
      return null;
    },
    remove_patient_photo: async (_r: never, args: Record<string, unknown>) => {
      await delay(200);
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      p.photo = "";
      return null;
    },
    duplicate_pairs: async () => {
      await delay(120);
      if (!allowed("view_patients")) return fail("permission_denied", "your role does not allow viewing patients");
      return duplicatePairs();
    },
    attention_inbox: async (): Promise<AttentionInbox> => {
      await delay(150);
      if (!allowed("view_patients")) return fail("permission_denied", "your role does not allow viewing patients");
      return {
        duplicates: duplicatePairs(),
        edit_conflicts: listConflicts(true),
        double_bookings: allowed("view_agenda") ? agenda.doubleBookings() : [],
        chart_contradictions: allowed("view_clinical") ? chartContradictions() : [],
      };
    },
    attention_inbox_refresh: async (r: never, args: Record<string, unknown>): Promise<AttentionInbox> =>
      (await handlers.attention_inbox(r, args)) as AttentionInbox,
    resolve_edit_conflict: async (r: ResolveConflictRequest) => {
      await delay(250);
      const perm: Permission | null =
        r.table === "patient"
          ? "edit_patients"
          : r.table === "medical_item" || r.table === "chart_entry"
            ? "edit_clinical"
            : r.table === "appointment"
              ? "edit_agenda"
              : null;
      if (!perm) return fail("invalid_input", "table: no such conflict");
      if (!allowed(perm))
        return fail(
          "permission_denied",
          `your role does not allow ${perm === "edit_clinical" ? "editing clinical data" : perm === "edit_agenda" ? "changing the agenda" : "editing patients"}`,
        );
      const i = editConflicts.findIndex(
        (c) =>
          c.table === r.table && c.row_id === r.row_id && c.field === r.field && c.other_device === r.other_device &&
          hlcOf(c.other_written_at_ms, c.other_device) === r.other_hlc && fieldValue(c) !== c.other_value,
      );
      if (i < 0) return fail("not_found", "this conflict no longer waits: it was settled here or on another PC");
      const c = editConflicts[i];
      const p = c.table === "patient" ? findPatient(c.row_id) : undefined;
      if (p && p.erased_at_ms !== null) return erasedError(p);
      if (r.choice === "take_other" && c.table === "appointment") {
        const problem = agenda.takeProblem(c.row_id, c.field, c.other_value, r.allow_overlap ?? false);
        if (problem) return fail(problem.code, problem.message);
      }
      if (r.choice === "take_other") takeOther(c);
      editConflicts.splice(i, 1);
      return null;
    },
    mark_distinct: async (_r: never, args: Record<string, unknown>) => {
      await delay(250);
      if (!allowed("edit_patients")) return fail("permission_denied", "your role does not allow editing patients");
      for (const id of [args.a, args.b]) if (!findPatient(id)) return fail("not_found", `no patient with id ${id}`);
      if (args.a === args.b) return fail("invalid_input", "b: choose two different files");
      distinct.add(pairKey(String(args.a), String(args.b)));
      foundAt.delete(pairKey(String(args.a), String(args.b)));
      return null;
    },
    merge_preview: async (_r: never, args: Record<string, unknown>) => {
      await delay(250);
      if (!allowed("edit_patients")) return fail("permission_denied", "your role does not allow editing patients");
      const req = args.req as MergePreviewRequest;
      const pair = mergePair(req.first_id, req.second_id);
      if (pair instanceof Promise) return pair;
      const [first, second] = pair;
      let kept: MockPatient, retired: MockPatient;
      if (req.kept_id === null || req.kept_id === undefined)
        [kept, retired] = second.created_at_ms < first.created_at_ms ? [second, first] : [first, second];
      else if (req.kept_id === second.id) [kept, retired] = [second, first];
      else if (req.kept_id === first.id) [kept, retired] = [first, second];
      else return fail("invalid_input", `kept_id: ${req.kept_id} is neither of the two files: keep one of them`);
      const keptCanStay = guarantorCanStay(kept, pair);
      const retiredCanStay = guarantorCanStay(retired, pair);
      const details: MergeDetail[] = [];
      for (const field of MERGEABLE_FIELDS) {
        const keptValue = detailValue(kept, field);
        if (keptValue === detailValue(retired, field)) continue;
        const [kept_allowed, retired_allowed] = field === "guarantor" ? [keptCanStay, retiredCanStay] : [true, true];
        const default_side = !kept_allowed || (keptValue === "" && retired_allowed) ? "retired" : "kept";
        details.push({ field, default_side, kept_allowed, retired_allowed });
      }
      const phones = [...kept.phones];
      for (const phone of retired.phones) if (!phones.includes(phone)) phones.push(phone);
      return {
        kept: dto(kept),
        retired: dto(retired),
        kept_created_at_ms: kept.created_at_ms,
        retired_created_at_ms: retired.created_at_ms,
        details,
        phones,
        takes_photo: !kept.photo && retired.photo !== "",
      } satisfies MergePreview;
    },
    merge_patients: async (_r: never, args: Record<string, unknown>) => {
      await delay(600);
      if (!allowed("edit_patients")) return fail("permission_denied", "your role does not allow editing patients");
      const req = args.req as MergePatientsRequest;
      const pair = mergePair(req.kept_id, req.retired_id);
      if (pair instanceof Promise) return pair;
      const [kept, retired] = pair;
      const row: MockPatient = { ...kept, phones: [...kept.phones] };
      for (const field of req.take_from_retired) {
        switch (field) {
          case "last_name":
          case "first_name":
          case "birth_date":
          case "sex":
          case "address":
          case "referring_dentist":
          case "notes":
            row[field] = retired[field];
            break;
          case "email":
            row.email = retired.email;
            break;
          case "national_id":
            row.national_id_kind = retired.national_id_kind;
            row.national_id = retired.national_id;
            break;
          case "guarantor":
            row.guarantor_id = retired.guarantor_id;
            row.guarantor_relation = retired.guarantor_relation;
            break;
          default:
            return fail(
              "invalid_input",
              `take_from_retired: ${JSON.stringify(field)} is not a detail that can be taken: choose among ${MERGEABLE_FIELDS.join(", ")}`,
            );
        }
      }
      for (const phone of retired.phones) if (!row.phones.includes(phone)) row.phones.push(phone);
      if (!guarantorCanStay(row, pair))
        return fail(
          "invalid_input",
          "take_from_retired: the guarantor chosen is one of the two files: keep the other guarantor, or change it after the merge",
        );
      if (!row.photo) row.photo = retired.photo;
      Object.assign(kept, row);
      retired.merged_into = kept.id;
      forgetFound(kept.id);
      forgetFound(retired.id);
      return dto(kept);
    },
    separate_patient: async (_r: never, args: Record<string, unknown>) => {
      await delay(400);
      if (!allowed("edit_patients")) return fail("permission_denied", "your role does not allow editing patients");
      const p = findPatient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      if (stands(p) || !p.merged_into)
        return fail("conflict", `file ${p.file_number} is not merged into another: there is nothing to separate`);
      p.merged_into = "";
      forgetFound(p.id);
      return dto(p);
    },
  };

  // Sync and devices.
  Object.assign(handlers, {
    sync_status: async () => syncStatus(),
    join_clinic: async (r: JoinClinicRequest): Promise<string> => {
      await delay(900);
      const problem = joinProblem(r);
      if (problem) return Promise.reject(problem);
      joined(r, "join");
      approvedAt = Date.now() + APPROVAL_DELAY_MS;
      // Woken at once: the first attempt finds the request waiting for approval.
      agent.reset({ next_attempt_ms: Date.now() });
      const hex = Array.from({ length: 12 }, () => "0123456789ABCDEF"[Math.floor(Math.random() * 16)]).join("");
      return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8)}`;
    },
    restore_clinic: async (r: RestoreClinicRequest): Promise<null> => {
      await delay(1200);
      const problem = joinProblem(r);
      if (problem) return Promise.reject(problem);
      joined(r, "restore");
      agent.reset({});
      agent.startAttempt(Date.now(), Date.now() + RESTORE_MS);
      return null;
    },
    check_joining: async (): Promise<SyncStatus> => {
      if (phase !== "joining_clinic") return syncStatus();
      // The agent is busy with a background attempt: wait for it, then try again now.
      agent.tick();
      const left = agent.attemptLeft();
      if (left > 0) {
        await delay(left);
        agent.tick();
      }
      if (phase === "joining_clinic") {
        const started = Date.now();
        agent.begin(started);
        await delay(joinKind === "join" && started >= approvedAt ? 2500 : 700);
        agent.end(attempt(Date.now()));
      }
      return syncStatus();
    },
    cancel_joining: async (): Promise<AppStatus> => {
      if (phase !== "joining_clinic") return fail("conflict", "this PC is not waiting to join a clinic: there is nothing to cancel");
      await delay(400);
      phase = "needs_setup";
      joinKind = null;
      relayUrl = null;
      return status();
    },
    sync_now: async (_r: never, args: Record<string, unknown>) => {
      if (!allowed("run_sync")) return fail("permission_denied", "your role does not allow syncing");
      return syncOnce(args.relay);
    },
    end_of_day: async (): Promise<EndOfDayReport> => {
      if (!allowed("view_reports")) return fail("permission_denied", "your role does not allow viewing reports");
      const summary = await syncOnce(null);
      const midnight = new Date();
      midnight.setHours(0, 0, 0, 0);
      return {
        summary,
        conflicts_waiting: duplicatePairs().length + listConflicts(false).length + agenda.doubleBookings().length,
        files_sent: summary.files_sent,
        files_waiting: filesWaiting,
        // The mock relay loses nothing: the files this mock sync sent are there.
        files_checked: summary.files_sent,
        files_missing_at_relay: 0,
        files_sent_again: 0,
        devices_not_seen_today: devices.filter((d) => !d.revoked && d.last_seen_ms < midnight.getTime()).map((d) => d.name),
        devices_not_seen_since: devices
          .filter((d) => !d.revoked && d.last_seen_ms < midnight.getTime())
          .map((d) => ({ device_name: d.name, last_seen_ms: d.last_seen_ms })),
        // The mock relay has no quota.
        relay_file_room: null,
        devices_with_files_refused_today: [],
        // &clockoff: this PC and Fauteuil 1, seen by the relay with their clocks off.
        clocks_off: params.has("clockoff")
          ? [
              { device_name: "Fauteuil 1", offset_ms: -420_000 },
              { device_name: clinic.device_name, offset_ms: clockOffset },
            ]
          : [],
      };
    },
    list_devices: async () => {
      await delay(120);
      if (!allowed("manage_devices")) return noDevices();
      // As the relay said at this PC's last sync: when each PC last reached it, and its clock
      // (&clockoff: this PC 2 h 05 ahead, Fauteuil 1 7 min behind).
      return devices.map((d) => {
        const offset = d.this_device ? clockOffset : params.has("clockoff") ? -420_000 : 1_200;
        return { ...d, clock_offset_ms: offset, clock_off: !d.revoked && isOff(offset) };
      });
    },
    device_invite: async (_r: never, args: Record<string, unknown>): Promise<DeviceInvite> => {
      await delay(400);
      if (!allowed("manage_devices")) return noDevices();
      const relay = relayFor(args.relay);
      if (typeof relay !== "string") return Promise.reject(relay);
      const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
      const chars = Array.from({ length: 8 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
      return { code: `${chars.slice(0, 4)}-${chars.slice(4)}`, expires_at_ms: Date.now() + hour, relay_url: relay };
    },
    pending_devices: async () => {
      if (!allowed("manage_devices")) return noDevices();
      await relayOrFail();
      return pending.map((p) => ({ ...p }));
    },
    approve_device: async (_r: never, args: Record<string, unknown>) => {
      if (!allowed("manage_devices")) return noDevices();
      await relayOrFail();
      const i = pending.findIndex((p) => p.device_id === args.id);
      if (i < 0) return fail("not_found", `no pending request from device ${args.id}: list them with \`chairside device approve\``);
      const [p] = pending.splice(i, 1);
      devices.push({ id: p.device_id, name: p.device_name, enrolled_at_ms: Date.now(), revoked: false, this_device: false, last_seen_ms: 0 });
      heads.set(p.device_id, 0);
      return p;
    },
    refuse_device: async (_r: never, args: Record<string, unknown>) => {
      if (!allowed("manage_devices")) return noDevices();
      await relayOrFail();
      const i = pending.findIndex((p) => p.device_id === args.id);
      if (i < 0) return fail("not_found", `no pending request from device ${args.id}: list them with \`chairside device approve\``);
      const [p] = pending.splice(i, 1);
      return p;
    },
    rejoin_relay: async (_r: never, args: Record<string, unknown>): Promise<RelayRejoined> => {
      if (!allowed("manage_devices")) return noDevices();
      await delay(300);
      const previous = relayUrl;
      const relay = relayFor(args.relay);
      if (typeof relay !== "string") return Promise.reject(relay);
      if (revoked) return Promise.reject(REVOKED);
      if (relay.includes("lost") && !joinedRelays.has(relay)) {
        // Refused: this PC goes on syncing where it last did.
        relayUrl = previous;
        return fail(
          "sync_refused",
          `the relay at ${relay} holds the clinic but does not take this PC's recovery key: it was renewed since this PC last synced. Ask an owner's PC for a pairing code (\`chairside device invite\`, or "Add a PC" in the Sync panel) and join with it, keeping what this PC holds: \`chairside sync --relay ${relay} --rejoin --code CODE\`, or the pairing code form of the Sync panel`,
          "proof_refused",
        );
      }
      const known = joinedRelays.has(relay) || !relay.includes("new");
      joinedRelays.add(relay);
      if (!known) toCarry = heads.get("d2") ?? 0;
      // A move from another relay leaves word there, unless it cannot be reached.
      const oldRelay = !previous || previous === relay ? "no_move" : offline || previous.includes("offline") ? "not_left" : "left";
      return { relay_url: relay, outcome: known ? "already_known" : "registered_clinic", old_relay: oldRelay };
    },
    rejoin_with_code: async (_r: never, args: Record<string, unknown>): Promise<RejoinRequested> => {
      if (!allowed("manage_devices")) return noDevices();
      await delay(500);
      // The Rust side's order: the code as typed, the relay's address, a request already made, the relay.
      const typed = [...String(args.code ?? "").toUpperCase()].filter((c) => !/\s|-/.test(c));
      const foreign = [...new Set(typed.filter((c) => !PAIRING_CODE_ALPHABET.includes(c)))];
      if (foreign.length > 0) return fail("invalid_input", `code: the pairing code cannot contain ${foreign.join(" ")}`);
      if (typed.length !== 8) return fail("invalid_input", `code: the pairing code has 8 characters, not ${typed.length}`);
      const url = String(args.relay ?? "").trim();
      if (!/^https?:\/\/\S+$/.test(url))
        return fail("invalid_input", `${JSON.stringify(url)} is not a relay URL: give one starting with http:// or https://`);
      const relay = url.replace(/\/+$/, "");
      if (rejoinAsked && Date.now() < rejoinAsked.approvedAt) return Promise.reject(WAITING_FOR_APPROVAL);
      if (offline || relay.includes("offline"))
        return fail(
          "sync_unreachable",
          `the relay at ${relay} cannot be reached (connection refused): check the network; changes wait here and the next sync sends them`,
        );
      if (typed.join("").startsWith("EXP"))
        return fail(
          "sync_refused",
          "the relay refused: this pairing code is unknown, already used or expired: ask the owner for a new one",
          "bad_code",
        );
      relayUrl = relay;
      rejoinAsked = { relay, approvedAt: Date.now() + APPROVAL_DELAY_MS };
      const hex = Array.from({ length: 12 }, () => "0123456789ABCDEF"[Math.floor(Math.random() * 16)]).join("");
      return { relay_url: relay, fingerprint: `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8)}` };
    },
    revoke_device: async (_r: never, args: Record<string, unknown>) => {
      if (!allowed("manage_devices")) return noDevices();
      const d = devices.find((x) => x.id === args.id);
      if (d?.this_device) return fail("invalid_input", "device_id: this PC cannot revoke itself: revoke it from another owner's PC");
      await relayOrFail();
      if (!d) return fail("not_found", `no device with id ${args.id}`);
      // A member held the clinic key, from which the printed key derived: it is renewed.
      const member = !d.revoked;
      d.revoked = true;
      if (!member) return { recovery_key_renewed: false, key_waiting_for: [] } satisfies DeviceRevoked;
      if (noRenew)
        return Promise.reject({
          code: "conflict",
          reason: "recovery_not_renewed",
          message:
            "the PC is revoked, but the clinic's recovery key could not be renewed (the relay at https://relais.cabinet-tilleuls.example cannot be reached (connection refused)): renew it (Devices, recovery key) before anything else, since the revoked PC could join again with the old one",
        } satisfies ApiError);
      recoveryKeyText = renewedRecoveryKey();
      return { recovery_key_renewed: true, key_waiting_for: [] } satisfies DeviceRevoked;
    },
    recovery_key: async () => {
      await delay(200);
      if (!allowed("manage_devices")) return noDevices();
      const relay = relayFor(null);
      // &norelay: the clinic has no relay yet, so no renewal anywhere: the key is current.
      if (typeof relay !== "string" && relay.reason === "no_relay")
        return { key: recoveryKeyText, renewed_elsewhere: false } satisfies RecoveryKeyShown;
      const problem = typeof relay === "string" ? (revoked ? REVOKED : null) : relay;
      if (problem) return { key: recoveryKeyText, renewed_elsewhere: false, unchecked: problem } satisfies RecoveryKeyShown;
      if (renewedElsewhere) {
        // The other PC's renewal, found at the relay: this PC prints it from now on.
        renewedElsewhere = false;
        recoveryKeyText = renewedRecoveryKey();
        return { key: recoveryKeyText, renewed_elsewhere: true } satisfies RecoveryKeyShown;
      }
      return { key: recoveryKeyText, renewed_elsewhere: false } satisfies RecoveryKeyShown;
    },
    renew_recovery_key: async () => {
      if (!allowed("manage_devices")) return noDevices();
      await relayOrFail();
      if (renewedElsewhere)
        return Promise.reject({
          code: "conflict",
          reason: "recovery_renewed_elsewhere",
          message:
            "the recovery key was renewed on another PC a moment ago: sync this PC, then show the key (it is the new one); renew it again only if needed",
        } satisfies ApiError);
      recoveryKeyText = renewedRecoveryKey();
      return recoveryKeyText;
    },
  });
  Object.assign(handlers, agenda.handlers);
  Object.assign(handlers, chart.handlers);
  // A later edit of a chart entry, made here with the other value in view, settles its conflicts.
  for (const name of ["update_chart_entry", "complete_chart_entry", "set_chart_entry_active"]) {
    const edit = handlers[name];
    handlers[name] = async (r, a) => {
      const id = String(a.entry);
      const before = valuesOf("chart_entry", id);
      const out = await edit(r, a);
      settleEdited("chart_entry", id, before);
      return out;
    };
  }
  Object.assign(
    handlers,
    imagingHandlers({
      allowed,
      patient: findPatient,
      files: filesOf,
      user: () => current && { display_name: current.display_name, username: current.username },
    }),
  );
  // Every change made here waits for the next sync (an imported image's file too).
  for (const name of [
    "update_settings", "add_user", "add_patient", "edit_patient", "add_medical_item", "set_medical_item_active", "record_consent",
    "erase_patient", "set_patient_photo", "remove_patient_photo", "mark_distinct", "merge_patients", "separate_patient",
    "resolve_edit_conflict", "save_chair", "book_appointment", "update_appointment", "set_appointment_status", "keep_double_booking",
    "import_image_file", "add_image_annotation", "delete_image_annotation", "calibrate_image", "set_image_teeth", "delete_image",
    "add_chart_entry", "update_chart_entry", "complete_chart_entry", "set_chart_entry_active", "keep_chart_entries",
  ]) {
    const write = handlers[name];
    handlers[name] = async (r, a) => {
      const out = await write(r, a);
      unsent++;
      if (name === "set_patient_photo" || (name === "import_image_file" && (out as { status?: string }).status === "ready")) filesWaiting++;
      return out;
    };
  }

  return (<T>(cmd: string, args?: Record<string, unknown>): Promise<T> => {
    const h = handlers[cmd];
    if (!h) return fail("internal", `mock: unknown command ${cmd}`);
    return h((args?.request ?? undefined) as never, args ?? {}) as Promise<T>;
  }) as Invoker;
}

/** A renewed recovery key as the Rust side prints it: 104 base32 characters (A-Z, 2-7) in 20
 * groups of five and one of four. Random: the mock has no check to compute. */
export function renewedRecoveryKey(random: () => number = Math.random): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const text = Array.from({ length: 104 }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
  return (text.match(/.{1,5}/g) ?? []).join("-");
}

/** sync_status before the store is open: nothing to sync yet. */
function agentlessStatus(): SyncStatus {
  return {
    state: "not_configured", relay_url: null, last_success_ms: null, last_attempt_ms: null, changes_waiting: 0,
    files_waiting: 0, files_held_back: null, error: null, next_attempt_ms: null, progress: null, clock_offset_ms: null, clock_off: false,
  };
}

// ---------------------------------------------------------------- patients (mock rules)

const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

/** One key per pair of files, whichever way round (the Rust side stores them ordered too). */
const pairKey = (x: string, y: string) => (x < y ? `${x}+${y}` : `${y}+${x}`);

/** Why two files may be the same person, as the Rust side finds it; null when they differ. */
function duplicateReason(
  p: Pick<MockPatient, "last_name" | "first_name" | "birth_date" | "phones">,
  q: Pick<MockPatient, "last_name" | "first_name" | "birth_date" | "phones">,
): DuplicatePair["reason"] | null {
  if (
    p.birth_date.length === 10 &&
    p.birth_date === q.birth_date &&
    fold(p.last_name) === fold(q.last_name) &&
    fold(p.first_name) === fold(q.first_name)
  )
    return "name_birth_date";
  return p.phones.some((ph) => q.phones.includes(ph)) ? "phone" : null;
}
const todayIso = () => new Date().toISOString().slice(0, 10);

function ageOn(birth: string, today = todayIso()): number {
  const [by, bm, bd] = birth.split("-").map(Number);
  const [ty, tm, td] = today.split("-").map(Number);
  if (bm === undefined) return Math.max(0, ty - by); // an erased file keeps the year alone
  return Math.max(0, ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0));
}

/** A patient as the mock stores it: the DTO's fields, with the guarantor by id, the photo and the
 * file it was merged into ("" when none; the DTO's merged_files is worked out from these). */
type MockPatient = Omit<Patient, "age" | "guarantor" | "has_photo" | "merged_files"> & {
  guarantor_id: string;
  photo: string;
  created_at_ms: number;
  merged_into: string;
};
type PatientFields = Omit<MockPatient, "id" | "file_number" | "photo" | "erased_at_ms" | "created_at_ms" | "merged_into">;


/** A detail's value as merge_preview compares it (detail_value on the Rust side): "" when not
 * given, spaces around a text aside; the kind of a national number without the number is no
 * national number. */
function detailValue(p: MockPatient, field: string): string {
  switch (field) {
    case "last_name":
    case "first_name":
    case "birth_date":
    case "sex":
    case "address":
    case "referring_dentist":
    case "notes":
      return p[field].trim();
    case "email":
      return (p.email ?? "").trim();
    case "national_id": {
      const number = (p.national_id ?? "").trim();
      return number ? `${p.national_id_kind ?? ""}\u0000${number}` : "";
    }
    case "guarantor":
      return p.guarantor_id ? `${p.guarantor_id}\u0000${p.guarantor_relation ?? ""}` : "";
    default:
      return "";
  }
}

const RELATIONS = ["parent", "spouse", "guardian", "child", "sibling", "other"];

/** Like the Rust side, with DZ as the clinic's region: "0555 12 34 56" -> "+213555123456". */
function mockPhone(text: string): string {
  const t = text.trim();
  const digits = t.replace(/\D/g, "");
  if (t.startsWith("+") || t.startsWith("00")) {
    const d = t.startsWith("00") ? digits.slice(2) : digits;
    if (d.length < 8 || d.length > 15) throw `phone: ${JSON.stringify(text)} is not a phone number`;
    return `+${d}`;
  }
  if (digits.length < 4) throw `phone: ${JSON.stringify(text)} is not a phone number`;
  const national = digits.replace(/^0/, "");
  if (national.length !== 8 && national.length !== 9) throw `phone: ${JSON.stringify(text)} is not a valid phone number for DZ`;
  return `+213${national}`;
}

function validatePatient(r: PatientInput): PatientFields | string {
  try {
    for (const [field, value] of [["last_name", r.last_name], ["first_name", r.first_name]] as const) {
      if (!value.trim()) throw `${field}: is empty`;
      const bad = value.match(/[^\p{L}\p{M} '’-]/u);
      if (bad) throw `${field}: contains ${JSON.stringify(bad[0])}: only letters, spaces, hyphens and apostrophes`;
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.birth_date)) throw `birth_date: ${JSON.stringify(r.birth_date)} is not a date YYYY-MM-DD`;
    if (r.birth_date > todayIso()) throw `birth_date: ${r.birth_date} is in the future`;
    if (r.birth_date < "1900-01-01") throw `birth_date: ${r.birth_date} is before 1900`;
    const sex = r.sex.trim().toUpperCase();
    if (!["F", "M", "X"].includes(sex)) throw `sex: unknown sex ${JSON.stringify(r.sex)}: use F, M or X`;
    const phones: string[] = [];
    for (const ph of r.phones.filter((p) => p.trim())) {
      const e = mockPhone(ph);
      if (!phones.includes(e)) phones.push(e);
    }
    const email = r.email?.trim() || null;
    if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw `email: ${JSON.stringify(email)} is not an e-mail address`;
    let kind: string | null = null;
    let nid: string | null = null;
    if (r.national_id?.trim()) {
      kind = r.national_id_kind || "dz_cnas";
      nid = r.national_id.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
      if (kind === "be_nrn") {
        if (!/^\d{11}$/.test(nid)) throw "national_id: a Belgian national register number has 11 digits";
        const body = Number(nid.slice(0, 9));
        const check = Number(nid.slice(9));
        if (97 - (body % 97) !== check && 97 - ((2_000_000_000 + body) % 97) !== check)
          throw `national_id: ${JSON.stringify(r.national_id)}: the check digits do not match (mistyped?)`;
      } else if (kind === "fr_nir") {
        if (nid.length !== 15) throw "national_id: a French social security number has 15 characters (13 + a 2-digit key)";
      } else if (!/^\d{10,15}$/.test(nid)) {
        throw "national_id: an Algerian social security (CNAS) number has 10 to 15 digits";
      }
    }
    if (r.notes.length > 10_000) throw "notes: is longer than 10000 characters";
    const guarantorId = r.guarantor_id?.trim() ?? "";
    const relation = r.guarantor_relation?.trim().toLowerCase() ?? "";
    if (guarantorId && !relation)
      throw "guarantor_relation: say how the guarantor is related: parent, spouse, guardian, child, sibling or other";
    if (guarantorId && !RELATIONS.includes(relation))
      throw `guarantor_relation: unknown relation ${JSON.stringify(relation)}: use parent, spouse, guardian, child, sibling or other`;
    return {
      last_name: r.last_name.trim(), first_name: r.first_name.trim(), birth_date: r.birth_date, sex, phones, email,
      address: r.address.trim(), national_id_kind: kind, national_id: nid, referring_dentist: r.referring_dentist.trim(),
      notes: r.notes.trim(), guarantor_id: guarantorId, guarantor_relation: guarantorId ? relation : null,
    };
  } catch (e) {
    return String(e);
  }
}

function searchPatients(all: MockPatient[], query: string): MockPatient[] {
  const q = query.trim();
  if (!q) return [];
  let m: RegExpExecArray | null;
  let hits: MockPatient[];
  if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(q)) || /^\d{4}-\d{2}-\d{2}$/.test(q)) {
    const iso = m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : q;
    hits = all.filter((p) => p.birth_date === iso);
  } else if (/^[\d\s+\-./()]+$/.test(q) && q.replace(/\D/g, "").length >= 3) {
    const digits = q.replace(/\D/g, "").replace(/^0+/, "");
    hits = all.filter((p) => p.phones.some((ph) => ph.replace(/^\+213/, "").startsWith(digits) || ph.slice(1).startsWith(digits)));
  } else if (/^[0-9A-Za-z]{3}-\d*$/.test(q)) {
    hits = all.filter((p) => p.file_number.startsWith(q.toUpperCase()));
  } else {
    const words = fold(q).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    hits = all.filter((p) => {
      const names = fold(`${p.last_name} ${p.first_name}`).split(/[^\p{L}\p{N}]+/u);
      return words.every((w) => names.some((n) => n.startsWith(w)));
    });
    hits.sort((a, b) => a.last_name.localeCompare(b.last_name, "fr") || a.first_name.localeCompare(b.first_name, "fr"));
  }
  return hits.slice(0, 50);
}

const CONSENT_KINDS: ConsentKind[] = ["treatment", "data_processing", "sms_reminders", "email_reminders"];

function seedConsents(): ConsentRecord[] {
  const day = 86_400_000;
  const now = Date.now();
  const rows: [string, ConsentKind, boolean, string, number][] = [
    ["p1", "treatment", true, "v1", 400],
    ["p1", "data_processing", true, "v1", 400],
    ["p1", "sms_reminders", true, "v1", 400],
    ["p1", "sms_reminders", false, "v1", 60],
    ["p4", "treatment", true, "v1", 900],
    ["p16", "treatment", true, "v1", 560],
  ];
  return rows.map(([patient_id, kind, granted, text_version, daysAgo], i) => ({
    id: `c${i + 1}`, patient_id, kind, granted, text_version, recorded_by: "Dr Amina Benali", recorded_at_ms: now - daysAgo * day,
  }));
}

function seedMedical(): MedicalItem[] {
  const day = 86_400_000;
  const now = Date.now();
  const rows: [string, MedicalItem["kind"], string, string, MedicalItem["severity"], boolean, string | null, number, boolean][] = [
    ["p1", "allergy", "Pénicilline", "Urticaire généralisée, œdème des lèvres", "high", true, "2019-06-03", 400, true],
    ["p1", "medication", "Warfarine", "5 mg, 1 fois par jour (INR suivi)", null, true, "2023-02-10", 200, true],
    ["p1", "condition", "Hypertension artérielle", "Traitée, stable", null, false, null, 190, true],
    ["p1", "medication", "Amoxicilline", "1 g matin et soir, 7 jours", null, false, "2024-01-05", 120, false],
    ["p1", "allergy", "Latex", "Rougeurs au contact", "low", false, null, 100, false],
    ["p4", "condition", "Grossesse", "2e trimestre", null, true, null, 30, true],
    ["p4", "condition", "Diabète de type 2", "", null, false, "2015-09-01", 900, true],
    ["p16", "condition", "Parodontite chronique", "Suivi tous les 6 mois", null, false, null, 500, true],
  ];
  return rows.map(([patient_id, kind, label, detail, severity, alert, noted_on, daysAgo, active], i) => ({
    id: `m${i + 1}`, patient_id, kind, label, detail, severity, alert, noted_on, recorded_by: "Dr Amina Benali",
    recorded_at_ms: now - daysAgo * day, active, raises_alert: false,
  }));
}

function seedPatients(): MockPatient[] {
  const rows: [string, string, string, string, string[], string | null, string, string | null, string | null, string, string][] = [
    ["Benali", "Mohamed", "1985-03-14", "M", ["+213555123456", "+21321234567"], "m.benali@example.dz", "4 rue Didouche Mourad\n16000 Alger", "dz_cnas", "851234567890", "Dr Karim Haddad", "Préfère les rendez-vous en fin de journée."],
    ["Benali", "Amina", "1990-07-02", "F", ["+213661987654"], null, "4 rue Didouche Mourad\n16000 Alger", null, null, "", ""],
    ["Bensaïd", "Nour", "2012-11-23", "F", ["+213770112233"], null, "Cité 500 logements, Bab Ezzouar", null, null, "", "Accompagnée de sa mère."],
    ["Hadjadj", "Fatima-Zohra", "1962-01-30", "F", ["+213550445566"], "fz.hadjadj@example.dz", "", "dz_cnas", "620130123456", "Dr Lamia Cherif", ""],
    ["Martin", "Léa", "1978-05-09", "F", ["+33612345678"], "lea.martin@example.fr", "18 avenue Jean Jaurès\n69007 Lyon", "fr_nir", "278056912345678", "", ""],
    ["Dupont", "Jean-Pierre", "1955-09-17", "M", ["+32470123456"], null, "Rue de la Loi 16\n1000 Bruxelles", "be_nrn", "55091712345", "", ""],
    ["Ouali", "Yasmine", "2001-04-04", "F", [], "yasmine.ouali@example.com", "", null, null, "", ""],
    ["Zerrouki", "Amine", "1994-12-12", "M", ["+213698001122"], null, "", null, null, "", ""],
    ["Benmoussa", "Rachid", "1970-02-28", "M", ["+213540556677"], null, "Oran", null, null, "", ""],
    ["Belkacem", "Ilyes", "2019-08-15", "M", ["+213661223344"], null, "", null, null, "", "Premier rendez-vous : contrôle."],
    ["Amrani", "Sofiane", "1988-06-21", "M", ["+212612345678"], null, "Casablanca", null, null, "", ""],
    ["Peeters", "Lotte", "1999-10-01", "F", ["+3221234567"], null, "Antwerpen", null, null, "", ""],
    ["Meziane", "Sarah", "1986-05-20", "F", ["+213552334455"], "sarah.meziane@example.dz", "7 rue Larbi Ben M'hidi\n16000 Alger", null, null, "", ""],
    ["Meziane", "Yanis", "2015-09-02", "M", [], null, "7 rue Larbi Ben M'hidi\n16000 Alger", null, null, "", ""],
    ["Meziane", "Lina", "2018-02-11", "F", [], null, "7 rue Larbi Ben M'hidi\n16000 Alger", null, null, "", ""],
    // Erased on request (GDPR): the identity is gone, the file number and clinical records stay.
    ["", "", "1971", "M", [], null, "", null, null, "", ""],
    // Sarah Meziane again, typed at the other desk (first name and birth date mistyped, same phone).
    ["Meziane", "Sara", "1986-05-02", "F", ["+213552334455"], null, "7 rue Larbi Ben M'hidi, Alger", null, null, "", ""],
  ];
  const day = 86_400_000;
  const now = Date.now();
  const guarantors: Record<string, [string, string]> = { p14: ["p13", "parent"], p15: ["p13", "parent"] };
  return rows.map(([last_name, first_name, birth_date, sex, phones, email, address, national_id_kind, national_id, referring_dentist, notes], i) => {
    const id = `p${i + 1}`;
    const [guarantor_id, guarantor_relation] = guarantors[id] ?? ["", null];
    return {
      id, file_number: `K7Q-${String(i + 1).padStart(5, "0")}`, last_name, first_name, birth_date, sex, phones, email,
      address, national_id_kind, national_id, referring_dentist, notes, guarantor_id, guarantor_relation, photo: "",
      created_at_ms: id === "p17" ? now - 2 * day : now - (1200 - i * 40) * day, erased_at_ms: id === "p16" ? now - 30 * day : null,
      merged_into: "",
    };
  });
}
