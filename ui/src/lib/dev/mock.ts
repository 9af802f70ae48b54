// DEV ONLY. A tiny in-memory stand-in for the Rust side, to look at the screens in a browser.
// Loaded only from main.ts, in dev or `--mode mock` builds, outside Tauri and with `?mock` in the URL.
// Query: ?mock[=setup|store|login|home|locked][&nokeyring][&role=dentist]
import type { Invoker } from "../api";
import type {
  AppStatus,
  ClinicInfo,
  NewUserRequest,
  Permission,
  Role,
  SessionInfo,
  SettingsUpdate,
  SetupOptions,
  SetupRequest,
  UserInfo,
} from "../bindings";

const ALL: Permission[] = [
  "view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_clinical", "edit_clinical",
  "prescribe", "view_imaging", "edit_imaging", "view_billing", "edit_billing", "view_reports",
  "export_patient_data", "erase_patient", "run_sync", "manage_users", "manage_devices",
  "manage_settings", "manage_backups", "view_audit",
];
const BY_ROLE: Record<Role, Permission[]> = {
  owner: ALL,
  dentist: ["view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_clinical", "edit_clinical", "prescribe", "view_imaging", "edit_imaging", "view_billing", "view_reports"],
  assistant: ["view_agenda", "edit_agenda", "view_patients", "view_clinical", "view_imaging", "edit_imaging"],
  receptionist: ["view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_billing", "edit_billing"],
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fail = (code: string, message: string) => Promise.reject({ code, message });

export function createMockInvoker(params: URLSearchParams): Invoker {
  const start = params.get("mock") || "setup";
  const keyring = !params.has("nokeyring");
  const role = (params.get("role") as Role | null) ?? "owner";

  let clinic: ClinicInfo = {
    id: "c1", name: "Cabinet dentaire des Tilleuls", address: "12 rue des Tilleuls\n16000 Alger",
    timezone: "Africa/Algiers", phone_region: "DZ", language: "fr", idle_lock_seconds: 300,
    device_id: "d1", device_name: "Poste accueil",
  };
  const users: (UserInfo & { password: string })[] = [
    { id: "u1", username: "amina", display_name: "Dr Amina Benali", role, active: true, password: "correct-horse" },
    { id: "u2", username: "karim", display_name: "Karim Haddad", role: "assistant", active: true, password: "x" },
    { id: "u3", username: "lea", display_name: "Léa Martin", role: "receptionist", active: false, password: "x" },
  ];
  const phases: Record<string, AppStatus["phase"]> = {
    setup: "needs_setup", store: "store_locked", login: "signed_out", home: "signed_in", locked: "session_locked",
  };
  let phase: AppStatus["phase"] = phases[start] ?? "needs_setup";
  let current: (typeof users)[number] | null = phase === "signed_in" || phase === "session_locked" ? users[0] : null;

  const session = (): SessionInfo | null =>
    current && {
      user_id: current.id, username: current.username, display_name: current.display_name, role: current.role,
      permissions: BY_ROLE[current.role], idle_lock_seconds: clinic.idle_lock_seconds,
    };
  const status = (): AppStatus => ({
    phase, clinic_name: phase === "needs_setup" ? null : clinic.name, language: clinic.language,
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

  const handlers: Record<string, (req: never) => Promise<unknown>> = {
    app_status: async () => (applyIdle(), status()),
    setup_options: async () => options,
    setup_clinic: async (r: SetupRequest) => {
      await delay(900);
      clinic = { ...clinic, name: r.clinic_name, address: r.address, timezone: r.timezone, phone_region: r.phone_region, language: r.language };
      users.splice(0, users.length, { id: "u1", username: r.owner_username, display_name: r.owner_display_name, role: "owner", active: true, password: r.owner_password });
      phase = "signed_out";
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
  };

  return (<T>(cmd: string, args?: Record<string, unknown>): Promise<T> => {
    const h = handlers[cmd];
    if (!h) return fail("internal", `mock: unknown command ${cmd}`);
    return h((args?.request ?? undefined) as never) as Promise<T>;
  }) as Invoker;
}
