import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { invoke } from "@tauri-apps/api/core";
import * as api from "./api";
import type { AttentionInbox, ChartContradiction, ChartEntry, EditConflictInfo } from "./bindings";
import { conflictKey } from "./inbox";
import {
  adoptInboxUser,
  forgetChartContradiction,
  forgetChartEntry,
  forgetConflict,
  forgetFile,
  forgetPair,
  inboxState,
  pollInbox,
  refreshInbox,
} from "./inboxstate.svelte";

const ref = (id: string) => ({ id, file_number: `K7Q-${id}`, last_name: "Meziane", first_name: id });
const notes: EditConflictInfo = {
  table: "patient", row_id: "p1", field: "notes", patient: ref("p1"), item_label: null, current_value: "a",
  other_value: "b", other_device: "d2", other_device_name: "Fauteuil 1", other_hlc: "42", other_written_at_ms: 1,
  kept_device_name: "Poste accueil", kept_written_at_ms: 2, found_at_ms: 3,
};
const inbox = (): AttentionInbox => ({
  duplicates: [{ a: ref("p13"), b: ref("p17"), reason: "phone", found_at_ms: 1 }],
  edit_conflicts: [notes],
  double_bookings: [],
  chart_contradictions: [],
});
const entry = (id: string, kind: ChartEntry["kind"], tooth = "18"): ChartEntry => ({
  id, patient_id: "p1", tooth, surfaces: kind === "caries" ? "O" : "", kind, status: "existing", material: null, note: "",
  done_on: null, done_by: null, recorded_by: "Karim Haddad", recorded_at_ms: 1, active: true, settled_by: null,
});
const contradiction = (e: ChartEntry, b: ChartEntry): ChartContradiction => ({
  patient: ref("p1"), tooth: e.tooth, entry: e, because_of: b, reason: "tooth_absent", found_at_ms: 1,
});

describe("inbox state", () => {
  let calls = 0;
  let answer: () => Promise<unknown> = async () => inbox();

  beforeEach(() => {
    calls = 0;
    answer = async () => inbox();
    adoptInboxUser(`u-${Math.random()}`); // a fresh session each time
    api.setInvoker(((cmd: string) => {
      if (cmd !== "attention_inbox") return Promise.reject({ code: "internal", message: cmd });
      calls++;
      return answer();
    }) as api.Invoker);
  });
  afterEach(() => {
    api.setInvoker(invoke);
    vi.useRealTimers();
  });

  it("reads the inbox once while a read is pending", async () => {
    await Promise.all([refreshInbox(), refreshInbox()]);
    expect(calls).toBe(1);
    expect(inboxState.inbox).toEqual(inbox());
    expect(inboxState.error).toBeNull();
  });

  it("keeps the last answer under an error", async () => {
    await refreshInbox();
    answer = async () => Promise.reject({ code: "internal", message: "disk" });
    await refreshInbox();
    expect(inboxState.inbox).toEqual(inbox());
    expect(inboxState.error).toEqual({ code: "internal", message: "disk" });
  });

  it("drops a decision's item at once, and an answer that predates it", async () => {
    await refreshInbox();
    let release: (v: AttentionInbox) => void = () => {};
    answer = () => new Promise<AttentionInbox>((r) => (release = r));
    const stale = refreshInbox();
    forgetConflict(conflictKey(notes));
    forgetPair("p17", "p13");
    expect(inboxState.inbox).toEqual({ duplicates: [], edit_conflicts: [], double_bookings: [], chart_contradictions: [] });
    release(inbox());
    await stale;
    expect(inboxState.inbox).toEqual({ duplicates: [], edit_conflicts: [], double_bookings: [], chart_contradictions: [] });
    // The next read is a new one and counts.
    answer = async () => ({ duplicates: [], edit_conflicts: [notes] });
    await refreshInbox();
    expect(inboxState.inbox?.edit_conflicts).toEqual([notes]);
  });

  it("drops every pair of a file merged into another at once, and an answer that predates it", async () => {
    answer = async () => ({
      duplicates: [
        { a: ref("p13"), b: ref("p17"), reason: "phone", found_at_ms: 2 },
        { a: ref("p1"), b: ref("p20"), reason: "name_birth_date", found_at_ms: 1 },
      ],
      edit_conflicts: [notes],
    });
    await refreshInbox();
    let release: (v: AttentionInbox) => void = () => {};
    const before = inboxState.inbox!;
    answer = () => new Promise<AttentionInbox>((r) => (release = r));
    const stale = refreshInbox();
    forgetFile("p17");
    expect(inboxState.inbox?.duplicates.map((d) => d.a.id)).toEqual(["p1"]);
    expect(inboxState.inbox?.edit_conflicts).toEqual([notes]);
    release(before);
    await stale;
    expect(inboxState.inbox?.duplicates).toHaveLength(1);
  });

  it("drops a chart contradiction kept here, and every one naming an entry struck out here", async () => {
    const caries = entry("ce31", "caries");
    const fracture = entry("ce32", "fracture");
    const missing = entry("ce4", "missing");
    const implant = entry("ce15", "implant", "16");
    const onImplant = entry("ce33", "root_canal", "16");
    answer = async () => ({
      ...inbox(),
      chart_contradictions: [contradiction(caries, missing), contradiction(fracture, missing), contradiction(onImplant, implant)],
    });
    await refreshInbox();
    let release: (v: AttentionInbox) => void = () => {};
    const before = inboxState.inbox!;
    answer = () => new Promise<AttentionInbox>((r) => (release = r));
    const stale = refreshInbox();
    forgetChartContradiction("ce33", "ce15");
    expect(inboxState.inbox?.chart_contradictions.map((c) => c.entry.id)).toEqual(["ce31", "ce32"]);
    // "Absente" struck out: the tooth is there again, and neither entry on it contradicts it.
    forgetChartEntry("ce4");
    expect(inboxState.inbox?.chart_contradictions).toEqual([]);
    expect(inboxState.inbox?.edit_conflicts).toEqual([notes]);
    release(before);
    await stale;
    expect(inboxState.inbox?.chart_contradictions).toEqual([]);
  });

  it("starts over for another user", async () => {
    await refreshInbox();
    adoptInboxUser("someone-else");
    expect(inboxState.inbox).toBeNull();
  });

  it("polls with the user's next action once due, never on its own", async () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    const stop = pollInbox(30_000, target);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1); // at once
    target.dispatchEvent(new Event("keydown"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1); // not due yet
    await vi.advanceTimersByTimeAsync(95_000);
    expect(calls).toBe(1); // due, but nobody did anything: the idle lock is left alone
    target.dispatchEvent(new Event("mousedown"));
    target.dispatchEvent(new Event("keydown"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2); // once
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    target.dispatchEvent(new Event("keydown"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
  });
});
