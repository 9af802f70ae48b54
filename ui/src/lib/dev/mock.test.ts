import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type {
  ApiError,
  DeviceInfo,
  DeviceRevoked,
  DuplicatePair,
  MedicalHistory,
  MergePreview,
  Patient,
  RecoveryKeyShown,
  RelayRejoined,
  SyncSummary,
} from "../bindings";
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
    expect(revoked.value).toEqual({ recovery_key_renewed: true });
    const devices = (await outcome(invoke<DeviceInfo[]>("list_devices"))).value!;
    expect(devices.find((d) => d.id === "d2")?.revoked).toBe(true);

    const renewed = (await shownKey(invoke));
    expect(renewed).not.toBe(first);
    expect(chars(renewed)).toBe(104);

    // Already revoked: it held nothing more, the key stays.
    expect((await outcome(invoke<DeviceRevoked>("revoke_device", { id: "d2" }))).value).toEqual({
      recovery_key_renewed: false,
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
