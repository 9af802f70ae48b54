import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type {
  AgendaDay,
  ApiError,
  Appointment,
  PatientAppointments,
  AppointmentInput,
  AttentionInbox,
  Chair,
  DeviceInfo,
  DeviceRevoked,
  DuplicatePair,
  MedicalHistory,
  MergePreview,
  Patient,
  RecoveryKeyShown,
  RejoinRequested,
  RelayRejoined,
  SyncSummary,
} from "../bindings";
import { timeOf, wallClock } from "../agenda";
import { keyLines } from "../sync";
import { createMockInvoker, renewedRecoveryKey } from "./mock";

/** What a command came to once its delays have passed: its value or its error. */
async function outcome<T>(p: Promise<T>): Promise<{ value?: T; error?: ApiError }> {
  const settled = p.then(
    (value) => ({ value }),
    (error: ApiError) => ({ error }),
  );
  await vi.advanceTimersByTimeAsync(5_000);
  return settled;
}

const chars = (key: string) => key.replace(/-/g, "").length;

type Invoke = ReturnType<typeof createMockInvoker>;
/** What recovery_key answers (the key and what the relay said of it). */
const shown = async (invoke: Invoke) => (await outcome(invoke<RecoveryKeyShown>("recovery_key"))).value!;
const shownKey = async (invoke: Invoke) => (await shown(invoke)).key;

describe("the mock's recovery key", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("makes renewed keys as the Rust side prints them: 104 characters, 20 groups of five and one of four", () => {
    for (let i = 0; i < 20; i++) {
      const key = renewedRecoveryKey();
      expect(key).toMatch(/^(?:[A-Z2-7]{5}-){20}[A-Z2-7]{4}$/);
      expect(chars(key)).toBe(104);
    }
    expect(renewedRecoveryKey(() => 0)).toBe(`${"AAAAA-".repeat(20)}AAAA`);
  });

  it("renews the key when a member PC is revoked, and shows the new one", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    const first = (await shownKey(invoke));
    expect(chars(first)).toBe(80);

    const revoked = await outcome(invoke<DeviceRevoked>("revoke_device", { id: "d2" }));
    expect(revoked.value).toEqual({ recovery_key_renewed: true, key_waiting_for: [] });
    const devices = (await outcome(invoke<DeviceInfo[]>("list_devices"))).value!;
    expect(devices.find((d) => d.id === "d2")?.revoked).toBe(true);

    const renewed = (await shownKey(invoke));
    expect(renewed).not.toBe(first);
    expect(chars(renewed)).toBe(104);

    // Already revoked: it held nothing more, the key stays.
    expect((await outcome(invoke<DeviceRevoked>("revoke_device", { id: "d2" }))).value).toEqual({
      recovery_key_renewed: false,
      key_waiting_for: [],
    });
    expect(await shownKey(invoke)).toBe(renewed);
  });

  it("renews the key on demand; recovery_key then shows that one", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    const before = (await shownKey(invoke));
    const renewed = (await outcome(invoke<string>("renew_recovery_key"))).value!;
    expect(renewed).not.toBe(before);
    expect(renewed).toMatch(/^(?:[A-Z2-7]{5}-){20}[A-Z2-7]{4}$/);
    expect(keyLines(renewed)).toHaveLength(6);
    expect(await shownKey(invoke)).toBe(renewed);
  });

  it("leaves renewing to the owner", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home&role=dentist"));
    expect((await outcome(invoke("renew_recovery_key"))).error?.code).toBe("permission_denied");
  });

  it("can fail the renewal of a revocation, the PC revoked all the same", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home&norenew"));
    const before = (await shownKey(invoke));
    const { error } = await outcome(invoke("revoke_device", { id: "d2" }));
    expect(error).toMatchObject({ code: "conflict", reason: "recovery_not_renewed" });
    expect(error?.message).toMatch(/the PC is revoked, but/);
    const devices = (await outcome(invoke<DeviceInfo[]>("list_devices"))).value!;
    expect(devices.find((d) => d.id === "d2")?.revoked).toBe(true);
    expect(await shownKey(invoke)).toBe(before);
    // Renewing by hand then works.
    expect(chars((await outcome(invoke<string>("renew_recovery_key"))).value!)).toBe(104);
  });

  it("says the key was renewed on another PC until this one syncs", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home&renewedelsewhere"));
    const { error } = await outcome(invoke("renew_recovery_key"));
    expect(error).toMatchObject({ code: "conflict", reason: "recovery_renewed_elsewhere" });
    expect((await outcome(invoke("sync_now", { relay: null }))).error).toBeUndefined();
    expect(chars((await outcome(invoke<string>("renew_recovery_key"))).value!)).toBe(104);
  });

  it("shows the key renewed on another PC once, found at the relay", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home&renewedelsewhere"));
    const first = await shown(invoke);
    expect(first.renewed_elsewhere).toBe(true);
    expect(chars(first.key)).toBe(104);
    expect(first.unchecked).toBeUndefined();
    expect(await shown(invoke)).toEqual({ key: first.key, renewed_elsewhere: false });
    // Nothing left to conflict with: renewing works at once.
    expect((await outcome(invoke<string>("renew_recovery_key"))).error).toBeUndefined();
  });

  it("says the key is unchecked when the relay cannot confirm it, and not without a relay", async () => {
    const offline = await shown(createMockInvoker(new URLSearchParams("mock=home&offline")));
    expect(chars(offline.key)).toBe(80);
    expect(offline.unchecked?.code).toBe("sync_unreachable");
    const revoked = await shown(createMockInvoker(new URLSearchParams("mock=home&revoked")));
    expect(revoked.unchecked).toMatchObject({ code: "permission_denied", reason: "revoked" });
    const never = await shown(createMockInvoker(new URLSearchParams("mock=home&norelay")));
    expect(never.unchecked).toBeUndefined();
  });

  it("restores a clinic from a renewed key as from a first one, and refuses other lengths", async () => {
    const restore = (recovery_key: string) => {
      const invoke = createMockInvoker(new URLSearchParams("mock=setup"));
      const request = { relay_url: "https://relais.example", recovery_key, device_name: "Fauteuil 2", passphrase: null };
      return outcome(invoke("restore_clinic", { request }));
    };
    expect((await restore(renewedRecoveryKey(() => 0.5))).error).toBeUndefined();
    expect((await restore("QRSTU-".repeat(16).slice(0, -1))).error).toBeUndefined();
    expect((await restore(renewedRecoveryKey().slice(0, -1))).error?.code).toBe("invalid_input");
  });

  it("cannot renew without the relay", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home&offline"));
    expect((await outcome(invoke("renew_recovery_key"))).error?.code).toBe("sync_unreachable");
  });
});

describe("the mock's relay move", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("follows the clinic once with &moved, then stays", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home&moved"));
    const first = (await outcome(invoke<SyncSummary>("sync_now", { relay: null }))).value!;
    expect(first.followed_to).toBe("https://relais2.cabinet-tilleuls.example");
    expect(first.relay_url).toBe(first.followed_to);
    const next = (await outcome(invoke<SyncSummary>("sync_now", { relay: null }))).value!;
    expect(next.followed_to).toBeUndefined();
    expect(next.relay_url).toBe(first.relay_url);
  });

  it("tells the old relay when the owner joins another one", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    const moved = await outcome(invoke<RelayRejoined>("rejoin_relay", { relay: "https://new.example" }));
    expect(moved.value).toMatchObject({ outcome: "registered_clinic", old_relay: "left" });
    const same = await outcome(invoke<RelayRejoined>("rejoin_relay", { relay: "https://new.example" }));
    expect(same.value).toMatchObject({ outcome: "already_known", old_relay: "no_move" });
  });

  it("refuses this PC's recovery proof at a relay that lost its data, and joins it with a pairing code once approved", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    const relay = "https://lost.example";
    expect((await outcome(invoke("sync_now", { relay }))).error).toMatchObject({ code: "sync_not_ready", reason: "unknown_to_relay" });
    const refused = (await outcome(invoke("rejoin_relay", { relay }))).error;
    expect(refused).toMatchObject({ code: "sync_refused", reason: "proof_refused" });
    expect(refused?.message).toMatch(/--rejoin --code CODE/);

    // The code as the Rust side checks it, then the relay's answer.
    const ask = (code: string) => outcome(invoke<RejoinRequested>("rejoin_with_code", { relay, code }));
    expect((await ask("K7QX-M2P")).error).toEqual({ code: "invalid_input", message: "code: the pairing code has 8 characters, not 7" });
    expect((await ask("K7QX-M2P0")).error?.message).toBe("code: the pairing code cannot contain 0");
    expect((await ask("EXPX-M2PD")).error).toMatchObject({ code: "sync_refused", reason: "bad_code" });
    const asked = (await ask("k7qx m2pd")).value!;
    expect(asked.relay_url).toBe(relay);
    expect(asked.fingerprint).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    // Asked once: until the owner approves, syncs (and another request) wait.
    expect((await ask("K7QX-M2PD")).error).toMatchObject({ code: "sync_not_ready", reason: "waiting_for_approval" });
    expect((await outcome(invoke("sync_now", { relay: null }))).error).toMatchObject({ reason: "waiting_for_approval" });
    await vi.advanceTimersByTimeAsync(20_000);
    const synced = (await outcome(invoke<SyncSummary>("sync_now", { relay: null }))).value!;
    expect(synced.relay_url).toBe(relay);
    expect(synced.carried).toBeGreaterThan(0);
  });
});

describe("the mock's merge of two files", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const pairsOf = async (invoke: Invoke) =>
    (await outcome(invoke<DuplicatePair[]>("duplicate_pairs"))).value!.map((p) => `${p.a.id}+${p.b.id}`);
  const search = async (invoke: Invoke, query: string) =>
    (await outcome(invoke<Patient[]>("search_patients", { query }))).value!.map((p) => p.id);

  it("retires a file into another, and separates them again", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    expect(await pairsOf(invoke)).toContain("p13+p17");

    const req = { kept_id: "p13", retired_id: "p17", take_from_retired: ["address"] };
    const kept = (await outcome(invoke<Patient>("merge_patients", { req }))).value!;
    expect(kept.id).toBe("p13");
    expect(kept.first_name).toBe("Sarah");
    expect(kept.address).toBe("7 rue Larbi Ben M'hidi, Alger");
    expect(kept.email).toBe("sarah.meziane@example.dz");
    expect(kept.phones).toEqual(["+213552334455"]);
    expect(kept.merged_files).toEqual([{ id: "p17", file_number: "K7Q-00017", last_name: "Meziane", first_name: "Sara" }]);
    // Gone from the search and the review; a stale link opens the kept file.
    expect(await search(invoke, "meziane")).not.toContain("p17");
    expect(await pairsOf(invoke)).not.toContain("p13+p17");
    expect((await outcome(invoke<Patient>("get_patient", { id: "p17" }))).value!.id).toBe("p13");
    // Merged already: refused.
    expect((await outcome(invoke("merge_patients", { req }))).error?.code).toBe("conflict");
    expect((await outcome(invoke("edit_patient", { id: "p17", request: {} }))).error?.code).toBe("conflict");

    const alone = (await outcome(invoke<Patient>("separate_patient", { id: "p17" }))).value!;
    expect(alone.id).toBe("p17");
    expect(alone.merged_files).toEqual([]);
    expect((await outcome(invoke<Patient>("get_patient", { id: "p13" }))).value!.merged_files).toEqual([]);
    expect(await search(invoke, "meziane")).toContain("p17");
    expect(await pairsOf(invoke)).toContain("p13+p17");
    expect((await outcome(invoke("separate_patient", { id: "p17" }))).error?.code).toBe("conflict");
  });

  it("shows both files' medical history in the kept file, and phones of both", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    const req = { kept_id: "p2", retired_id: "p4", take_from_retired: [] };
    const kept = (await outcome(invoke<Patient>("merge_patients", { req }))).value!;
    expect(kept.phones).toEqual(["+213661987654", "+213550445566"]);
    const history = (await outcome(invoke<MedicalHistory>("medical_history", { id: "p2" }))).value!;
    expect(history.items.map((m) => m.label)).toContain("Grossesse");
    await outcome(invoke("separate_patient", { id: "p4" }));
    const after = (await outcome(invoke<MedicalHistory>("medical_history", { id: "p2" }))).value!;
    expect(after.items).toEqual([]);
  });

  it("merges two files no longer flagged: said to be different people by mistake, found by a search", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    await outcome(invoke("mark_distinct", { a: "p13", b: "p17" }));
    expect(await pairsOf(invoke)).not.toContain("p13+p17");
    // "Fusionner avec un autre dossier…" on Sarah's file: the other file found by its number.
    expect(await search(invoke, "K7Q-00017")).toEqual(["p17"]);
    const preview = (await outcome(invoke<MergePreview>("merge_preview", { req: { first_id: "p13", second_id: "p17", kept_id: null } }))).value!;
    expect([preview.kept.id, preview.retired.id]).toEqual(["p13", "p17"]);
    const req = { kept_id: "p13", retired_id: "p17", take_from_retired: [] };
    const kept = (await outcome(invoke<Patient>("merge_patients", { req }))).value!;
    expect(kept.merged_files.map((r) => r.id)).toEqual(["p17"]);
  });

  it("refuses a guarantor that is one of the two files, the same file twice and an erased file", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    // Yanis's guarantor is Sarah: merged into Yanis's file, Sarah would answer for herself.
    const own = await outcome(invoke("merge_patients", { req: { kept_id: "p14", retired_id: "p13", take_from_retired: [] } }));
    expect(own.error?.code).toBe("invalid_input");
    expect(own.error?.message).toMatch(/guarantor/);
    const twice = await outcome(invoke("merge_patients", { req: { kept_id: "p13", retired_id: "p13", take_from_retired: [] } }));
    expect(twice.error?.code).toBe("invalid_input");
    const erased = await outcome(invoke("merge_patients", { req: { kept_id: "p13", retired_id: "p16", take_from_retired: [] } }));
    expect(erased.error?.code).toBe("patient_erased");
  });
});

describe("the mock's merge preview", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const preview = async (invoke: Invoke, first_id: string, second_id: string, kept_id: string | null = null) =>
    outcome(invoke<MergePreview>("merge_preview", { req: { first_id, second_id, kept_id } }));
  const sidesOf = (p: MergePreview) => Object.fromEntries(p.details.map((d) => [d.field, d.default_side]));

  it("keeps the file created first unless told, and lists the details that differ with the value each starts on", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    // Sara's file (p17) was created two days ago, Sarah's (p13) long before: Sarah's is kept,
    // whichever order the pair comes in.
    for (const [first, second] of [["p13", "p17"], ["p17", "p13"]]) {
      const p = (await preview(invoke, first, second)).value!;
      expect([p.kept.id, p.retired.id]).toEqual(["p13", "p17"]);
      expect(p.kept_created_at_ms).toBeLessThan(p.retired_created_at_ms);
      expect(p.kept.first_name).toBe("Sarah");
      expect(p.retired.first_name).toBe("Sara");
      // Phones are never chosen between, and the last names agree.
      expect(sidesOf(p)).toEqual({ first_name: "kept", birth_date: "kept", email: "kept", address: "kept" });
      expect(p.details.every((d) => d.kept_allowed && d.retired_allowed)).toBe(true);
      expect(p.phones).toEqual(["+213552334455"]);
      expect(p.takes_photo).toBe(false);
    }
    // Sara's file kept: her empty e-mail starts on Sarah's.
    const other = (await preview(invoke, "p13", "p17", "p17")).value!;
    expect([other.kept.id, other.retired.id]).toEqual(["p17", "p13"]);
    expect(other.kept_created_at_ms).toBeGreaterThan(other.retired_created_at_ms);
    expect(sidesOf(other)).toEqual({ first_name: "kept", birth_date: "kept", email: "retired", address: "kept" });
  });

  it("keeps both files' phones, the kept file's first, and takes the photo when the kept file has none", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    expect((await preview(invoke, "p2", "p4")).value!.phones).toEqual(["+213661987654", "+213550445566"]);
    expect((await preview(invoke, "p2", "p4", "p4")).value!.phones).toEqual(["+213550445566", "+213661987654"]);
    await outcome(invoke("set_patient_photo", { id: "p17", photo: "/9j/4AAQSkZJRg==" }));
    expect((await preview(invoke, "p13", "p17")).value!.takes_photo).toBe(true);
    expect((await preview(invoke, "p13", "p17", "p17")).value!.takes_photo).toBe(false);
  });

  it("offers no guarantor that is one of the two files, and the merge accepts what it starts on", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    // Yanis's (p14) guarantor is Sarah (p13): merged with Sarah's file, she would answer for herself.
    const p = (await preview(invoke, "p14", "p13")).value!;
    expect(p.kept.id).toBe("p13");
    expect(p.details.find((d) => d.field === "guarantor")).toEqual({
      field: "guarantor", default_side: "kept", kept_allowed: true, retired_allowed: false,
    });
    expect(p.details.filter((d) => d.field !== "guarantor").every((d) => d.kept_allowed && d.retired_allowed)).toBe(true);
    // Yanis's file kept: his guarantor cannot stay, the empty one is taken.
    const yanis = (await preview(invoke, "p14", "p13", "p14")).value!;
    expect(yanis.details.find((d) => d.field === "guarantor")).toEqual({
      field: "guarantor", default_side: "retired", kept_allowed: false, retired_allowed: true,
    });
    const take_from_retired = yanis.details.filter((d) => d.default_side === "retired").map((d) => d.field);
    expect(take_from_retired).toContain("guarantor");
    const kept = await outcome(invoke<Patient>("merge_patients", { req: { kept_id: "p14", retired_id: "p13", take_from_retired } }));
    expect(kept.value?.guarantor).toBeNull();
  });

  it("lists nothing when the files agree, the phones aside", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    const sarah = (await outcome(invoke<Patient>("get_patient", { id: "p13" }))).value!;
    const request = {
      last_name: sarah.last_name, first_name: sarah.first_name, birth_date: sarah.birth_date, sex: sarah.sex,
      phones: ["0661 00 01 11"], email: ` ${sarah.email} `, address: sarah.address, national_id_kind: "dz_cnas", national_id: "",
      referring_dentist: "", notes: "", allow_duplicate: true, guarantor_id: null, guarantor_relation: null,
    };
    const twin = (await outcome(invoke<Patient>("add_patient", { request }))).value!;
    const p = (await preview(invoke, twin.id, "p13")).value!;
    expect(p.kept.id).toBe("p13");
    expect(p.details).toEqual([]);
    expect(p.phones).toEqual(["+213552334455", "+213661000111"]);
  });

  it("refuses as the merge would: the same file twice, a file not there, an erased or merged file", async () => {
    const invoke = createMockInvoker(new URLSearchParams("mock=home"));
    expect((await preview(invoke, "p13", "p13")).error?.code).toBe("invalid_input");
    expect((await preview(invoke, "p13", "p99")).error?.code).toBe("not_found");
    expect((await preview(invoke, "p13", "p17", "p1")).error?.code).toBe("invalid_input");
    expect((await preview(invoke, "p16", "p13")).error?.code).toBe("patient_erased");
    await outcome(invoke("merge_patients", { req: { kept_id: "p13", retired_id: "p17", take_from_retired: [] } }));
    const merged = (await preview(invoke, "p17", "p1")).error;
    expect(merged).toMatchObject({ code: "conflict", reason: "file_merged" });
    expect(merged?.message).toMatch(/K7Q-00017 was merged into file K7Q-00013/);
  });
});

describe("the mock's agenda", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const home = (query = "") => createMockInvoker(new URLSearchParams(`mock=home${query}`));
  const today = () => wallClock("Africa/Algiers").date;
  const dayOf = async (invoke: Invoke, date = today()) => (await outcome(invoke<AgendaDay>("agenda_day", { date }))).value!;
  const inbox = async (invoke: Invoke) => (await outcome(invoke<AttentionInbox>("attention_inbox"))).value!;
  const book = (over: Partial<AppointmentInput> = {}): AppointmentInput => ({
    patient_id: "p3", chair_id: "ch1", starts_at: `${today()}T12:00`, duration_min: 30, reason: "Contrôle", allow_overlap: false, ...over,
  });

  it("seeds two chairs, a day of appointments today and a double booking on Fauteuil 2", async () => {
    const invoke = home();
    const day = await dayOf(invoke);
    expect(day.today).toBe(today());
    expect(day.chairs.map((c) => c.name)).toEqual(["Fauteuil 1", "Fauteuil 2"]);
    expect(day.practitioners.length).toBeGreaterThan(0);
    expect(new Set(day.appointments.map((a) => a.status))).toEqual(new Set(["booked", "arrived", "completed", "no_show", "cancelled"]));
    const starts = day.appointments.map((a) => a.starts_at);
    expect(starts).toEqual([...starts].sort());
    const martin = day.appointments.find((a) => a.patient.last_name === "Martin")!;
    const dupont = day.appointments.find((a) => a.patient.last_name === "Dupont")!;
    expect(martin.overlaps_with).toEqual([dupont.id]);
    expect(dupont.overlaps_with).toEqual([martin.id]);
    expect(martin.ends_at).toBe(`${today()}T14:30`);
    const waiting = (await inbox(invoke)).double_bookings;
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ chair_name: "Fauteuil 2", first: { id: martin.id }, second: { id: dupont.id } });
    // Another day: nothing booked, the chairs all the same.
    const later = await dayOf(invoke, "2031-01-02");
    expect(later.appointments).toEqual([]);
    expect(later.chairs).toHaveLength(2);
  });

  it("books a free slot, refuses a taken chair with chair_taken, and books anyway on purpose", async () => {
    const invoke = home();
    const booked = await outcome(invoke<Appointment>("book_appointment", { req: book({ practitioner_id: "u1" }) }));
    expect(booked.value).toMatchObject({
      patient: { id: "p3" }, chair_name: "Fauteuil 1", starts_at: `${today()}T12:00`, ends_at: `${today()}T12:30`,
      status: "booked", booked_by_name: "Dr Amina Benali", practitioner_name: "Dr Amina Benali", overlaps_with: [],
    });
    // Zerrouki Amine holds Fauteuil 1 from 10:00 to 11:00.
    const taken = await outcome(invoke("book_appointment", { req: book({ starts_at: `${today()}T10:30` }) }));
    expect(taken.error?.code).toBe("chair_taken");
    expect(taken.error?.message).toMatch(/Fauteuil 1 is taken then \(10:00–11:00\)/);
    // Touching is not overlapping; a cancelled appointment holds nothing (Belkacem, Fauteuil 2, 10:30).
    expect((await outcome(invoke("book_appointment", { req: book({ starts_at: `${today()}T11:00` }) }))).error).toBeUndefined();
    expect(
      (await outcome(invoke("book_appointment", { req: book({ chair_id: "ch2", starts_at: `${today()}T10:30`, duration_min: 20 }) }))).error,
    ).toBeUndefined();
    const anyway = await outcome(invoke<Appointment>("book_appointment", { req: book({ starts_at: `${today()}T10:30`, allow_overlap: true }) }));
    expect(anyway.value?.status).toBe("booked");
    // Kept on purpose: not flagged, not waiting in the inbox.
    expect(anyway.value?.overlaps_with).toEqual([]);
    expect((await inbox(invoke)).double_bookings).toHaveLength(1);
  });

  it("refuses what the Rust side refuses, in its words", async () => {
    const invoke = home();
    const error = async (req: AppointmentInput) => (await outcome(invoke("book_appointment", { req }))).error;
    expect(await error(book({ starts_at: `${today()}T12:02` }))).toMatchObject({ code: "invalid_input", message: expect.stringMatching(/5-minute step/) });
    expect(await error(book({ duration_min: 7 }))).toMatchObject({ code: "invalid_input" });
    expect(await error(book({ duration_min: 485 }))).toMatchObject({ code: "invalid_input" });
    expect(await error(book({ starts_at: `${today()}T23:30`, duration_min: 60 }))).toMatchObject({ message: expect.stringMatching(/past midnight/) });
    expect(await error(book({ patient_id: "p16" }))).toMatchObject({ code: "patient_erased" });
    expect(await error(book({ patient_id: "nobody" }))).toMatchObject({ code: "not_found" });
    expect(await error(book({ practitioner_id: "u3" }))).toMatchObject({ code: "invalid_input" });
  });

  it("moves an appointment, with the same chair rule", async () => {
    const invoke = home();
    const day = await dayOf(invoke);
    const zerrouki = day.appointments.find((a) => a.patient.last_name === "Zerrouki")!;
    const req = (starts_at: string, chair_id = zerrouki.chair_id): AppointmentInput => ({
      patient_id: zerrouki.patient.id, chair_id, starts_at, duration_min: 60, reason: zerrouki.reason, allow_overlap: false,
    });
    // Onto itself, a little later: its own place does not count.
    const moved = await outcome(invoke<Appointment>("update_appointment", { id: zerrouki.id, req: req(`${today()}T10:15`) }));
    expect(moved.value).toMatchObject({ id: zerrouki.id, starts_at: `${today()}T10:15`, status: "booked" });
    // Onto Hadjadj's arrival (09:00-09:45).
    expect((await outcome(invoke("update_appointment", { id: zerrouki.id, req: req(`${today()}T09:30`) }))).error?.code).toBe("chair_taken");
    expect((await outcome(invoke("update_appointment", { id: "a999", req: req(`${today()}T09:30`) }))).error?.code).toBe("not_found");
  });

  it("changes statuses; a cancellation settles the double booking, restoring it brings it back", async () => {
    const invoke = home();
    const [waiting] = (await inbox(invoke)).double_bookings;
    const cancelled = await outcome(invoke<Appointment>("set_appointment_status", { id: waiting.second.id, status: "cancelled" }));
    expect(cancelled.value).toMatchObject({ status: "cancelled", overlaps_with: [] });
    expect((await inbox(invoke)).double_bookings).toEqual([]);
    expect((await dayOf(invoke)).appointments.find((a) => a.id === waiting.first.id)?.overlaps_with).toEqual([]);
    // Restored onto the chair taken since: allowed, and the double booking waits again.
    const restored = await outcome(invoke<Appointment>("set_appointment_status", { id: waiting.second.id, status: "booked" }));
    expect(restored.value?.overlaps_with).toEqual([waiting.first.id]);
    expect((await inbox(invoke)).double_bookings).toHaveLength(1);
    expect((await outcome(invoke("set_appointment_status", { id: waiting.first.id, status: "gone" }))).error?.code).toBe("invalid_input");
  });

  it("keeps both: the pair leaves the inbox and the agenda's markers, and cannot be kept twice", async () => {
    const invoke = home();
    const [waiting] = (await inbox(invoke)).double_bookings;
    const req = { first_id: waiting.first.id, second_id: waiting.second.id };
    expect((await outcome(invoke("keep_double_booking", { req }))).value).toBeNull();
    expect((await inbox(invoke)).double_bookings).toEqual([]);
    expect((await dayOf(invoke)).appointments.every((a) => a.overlaps_with.length === 0)).toBe(true);
    expect((await outcome(invoke("keep_double_booking", { req }))).error?.code).toBe("not_found");
  });

  it("lists a patient's appointments, the coming ones soonest first, then the past ones latest first", async () => {
    const invoke = home();
    const found = (await outcome(invoke<PatientAppointments>("patient_appointments", { patientId: "p1" }))).value!;
    const now = `${today()}T${timeOf(wallClock("Africa/Algiers").minutes)}`;
    const coming = found.coming.map((a) => a.starts_at);
    const past = found.past.map((a) => a.starts_at);
    expect(coming).toEqual([...coming].sort());
    expect(past).toEqual([...past].sort().reverse());
    expect(past.every((s) => s < now)).toBe(true);
    expect(coming.every((s) => s >= now)).toBe(true);
    const list = [...found.coming, ...found.past];
    expect(list.length).toBe(4);
    expect((await outcome(invoke("patient_appointments", { patientId: "nobody" }))).error?.code).toBe("not_found");
  });

  it("lets the owner add, rename and take chairs out of service; an idle chair leaves the day", async () => {
    const invoke = home();
    const added = (await outcome(invoke<Chair>("save_chair", { req: { name: " Fauteuil 3 ", active: true } }))).value!;
    expect(added).toMatchObject({ name: "Fauteuil 3", active: true });
    expect((await outcome(invoke("save_chair", { req: { name: "fauteuil 3", active: true } }))).error?.code).toBe("invalid_input");
    expect((await outcome(invoke("save_chair", { req: { name: "  ", active: true } }))).error?.code).toBe("invalid_input");
    const off = (await outcome(invoke<Chair>("save_chair", { req: { id: added.id, name: "Fauteuil 3 (panne)", active: false } }))).value!;
    expect(off).toEqual({ id: added.id, name: "Fauteuil 3 (panne)", active: false });
    expect((await dayOf(invoke)).chairs.map((c) => c.id)).toEqual(["ch1", "ch2"]);
    const all = (await outcome(invoke<Chair[]>("list_chairs"))).value!;
    expect(all.map((c) => c.active)).toEqual([true, true, false]);
    expect((await outcome(invoke("book_appointment", { req: book({ chair_id: added.id }) }))).error).toMatchObject({
      code: "invalid_input",
      message: expect.stringMatching(/out of service/),
    });
    // Out of service with appointments that day: still shown, so they can be moved.
    await outcome(invoke("save_chair", { req: { id: "ch2", name: "Fauteuil 2", active: false } }));
    expect((await dayOf(invoke)).chairs.map((c) => [c.id, c.active])).toEqual([["ch1", true], ["ch2", false]]);
    expect((await dayOf(invoke, "2031-01-02")).chairs.map((c) => c.id)).toEqual(["ch1"]);
  });

  it("leaves the chairs to the owner and the agenda to those who may change it", async () => {
    const dentist = home("&role=dentist");
    expect((await outcome(dentist("save_chair", { req: { name: "Fauteuil 3", active: true } }))).error?.code).toBe("permission_denied");
    expect((await outcome(dentist("book_appointment", { req: book() }))).error).toBeUndefined();
  });

  it("starts without chairs with &nochairs", async () => {
    const invoke = home("&nochairs");
    const day = await dayOf(invoke);
    expect(day.chairs).toEqual([]);
    expect(day.appointments).toEqual([]);
    expect((await inbox(invoke)).double_bookings).toEqual([]);
  });

  it("lists a concurrent edit of an appointment with its time, settled by taking the other value", async () => {
    const invoke = home();
    const conflict = (await inbox(invoke)).edit_conflicts.find((c) => c.table === "appointment")!;
    expect(conflict).toMatchObject({
      row_id: "a3", field: "reason", current_value: "Extraction 38", other_value: "Extraction 48",
      appointment_starts_at: `${today()}T10:00`, patient: { file_number: "K7Q-00008" },
    });
    const request = {
      table: "appointment", row_id: "a3", field: "reason", other_device: conflict.other_device, other_hlc: conflict.other_hlc,
      choice: "take_other",
    };
    expect((await outcome(invoke("resolve_edit_conflict", { request }))).error).toBeUndefined();
    expect((await dayOf(invoke)).appointments.find((a) => a.id === "a3")?.reason).toBe("Extraction 48");
    expect((await inbox(invoke)).edit_conflicts.some((c) => c.table === "appointment")).toBe(false);
  });
});
