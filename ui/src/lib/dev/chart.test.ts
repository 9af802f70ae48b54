// The dev mock's dental chart: the picture, the settling and the checks as the Rust side words
// them, with its reasons (the screens and their DOM tests lean on it).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApiError, AttentionInbox, ChartEntryInput, ChartUpdate, DentalChart, TimelineEntry } from "../bindings";
import { chartErrorText } from "../chart";
import { createMockInvoker } from "./mock";

async function outcome<T>(p: Promise<T>): Promise<{ value?: T; error?: ApiError }> {
  const settled = p.then(
    (value) => ({ value }),
    (error: ApiError) => ({ error }),
  );
  await vi.advanceTimersByTimeAsync(5_000);
  return settled;
}

type Invoke = ReturnType<typeof createMockInvoker>;
const home = (query = "") => createMockInvoker(new URLSearchParams(`mock=home${query}`));
const chartOf = async (invoke: Invoke, id = "p1") => (await outcome(invoke<DentalChart>("dental_chart", { id }))).value!;
const toothIn = (c: DentalChart, code: string) => [...c.permanent, ...c.primary].find((t) => t.tooth === code)!;
const input = (over: Record<string, unknown> = {}) => ({
  tooth: "36", surfaces: "", kind: "caries", status: "existing", material: null, note: "", done_on: null, ...over,
});

describe("the mock's dental chart", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("pictures the seeded teeth as the Rust side does", async () => {
    const c = await chartOf(home());
    expect(c.permanent).toHaveLength(32);
    expect(c.primary).toHaveLength(20);
    expect(c.permanent.slice(0, 3).map((t) => t.tooth)).toEqual(["18", "17", "16"]);
    expect(c.has_primary_entries).toBe(false);
    // 36: the caries over the planned restoration on M, the planned restoration on O and D.
    expect(toothIn(c, "36").surfaces).toEqual([
      { surface: "M", kind: "caries", status: "existing" },
      { surface: "O", kind: "restoration", status: "planned" },
      { surface: "D", kind: "restoration", status: "planned" },
    ]);
    expect(toothIn(c, "18").state).toBe("missing");
    expect(toothIn(c, "18").whole).toEqual([]);
    expect(toothIn(c, "46").whole).toEqual([{ kind: "crown", status: "existing" }]);
    expect(toothIn(c, "38").whole).toEqual([{ kind: "extraction", status: "planned" }]);
    expect(toothIn(c, "11").anterior).toBe(true);
    expect(c.entries.find((e) => e.tooth === "45" && e.kind === "caries")).toMatchObject({ active: false, settled_by: "ce10" });
    const fatima = await chartOf(home(), "p4");
    expect(toothIn(fatima, "16").state).toBe("implant");
    expect(toothIn(fatima, "36").state).toBe("pontic");
    expect((await chartOf(home(), "p14")).has_primary_entries).toBe(true);
  });

  it("settles the caries a restoration done covers, and gives it back when struck out", async () => {
    const invoke = home();
    const done = (await outcome(invoke<ChartUpdate>("complete_chart_entry", { entry: "ce2", doneOn: null }))).value!;
    expect(done.entry_id).toBe("ce2");
    expect(done.settled).toEqual(["ce1"]);
    expect(done.restored).toEqual([]);
    expect(done.chart.entries.find((e) => e.id === "ce2")?.done_by).toBe("Dr Amina Benali");
    // Settled by a restoration that stands: not brought back alone.
    expect((await outcome(invoke("set_chart_entry_active", { entry: "ce1", active: true }))).error).toEqual({
      code: "invalid_input",
      message:
        "active: this finding was settled by a treatment that still stands: strike that treatment out, or chart the finding again if it came back",
      reason: "settled_finding",
    });
    expect(toothIn(done.chart, "36").surfaces.map((m) => [m.surface, m.kind, m.status])).toEqual([
      ["M", "restoration", "done"],
      ["O", "restoration", "done"],
      ["D", "restoration", "done"],
    ]);
    const struck = (await outcome(invoke<ChartUpdate>("set_chart_entry_active", { entry: "ce2", active: false }))).value!;
    expect(struck).toMatchObject({ entry_id: "ce2", settled: [], restored: ["ce1"] });
    expect(struck.chart.entries.find((e) => e.id === "ce1")).toMatchObject({ active: true, settled_by: null });
    // Restored, it settles the caries again.
    const back = (await outcome(invoke<ChartUpdate>("set_chart_entry_active", { entry: "ce2", active: true }))).value!;
    expect(back).toMatchObject({ entry_id: "ce2", settled: ["ce1"], restored: [] });
  });

  it("gives a finding back when its restoration is narrowed, and keeps who marked it done", async () => {
    const invoke = home();
    // ce10: 45 O amalgam, done, settling the caries ce6.
    const seeded = (await chartOf(invoke)).entries.find((e) => e.id === "ce10")!;
    expect(seeded.done_by).toBe("Dr Amina Benali");
    expect((await chartOf(invoke)).entries.find((e) => e.id === "ce1")?.done_by).toBeNull();
    const request = input({ tooth: "45", surfaces: "B", kind: "restoration", status: "done", material: "amalgam", done_on: seeded.done_on });
    const narrowed = (await outcome(invoke<ChartUpdate>("update_chart_entry", { entry: "ce10", request }))).value!;
    expect(narrowed).toMatchObject({ entry_id: "ce10", settled: [], restored: ["ce6"] });
    expect(narrowed.chart.entries.find((e) => e.id === "ce10")?.done_by).toBe("Dr Amina Benali");
    // Planned again: no longer done by anyone.
    const planned = (await outcome(invoke<ChartUpdate>("update_chart_entry", { entry: "ce10", request: { ...request, status: "planned" } })))
      .value!;
    expect(planned.chart.entries.find((e) => e.id === "ce10")).toMatchObject({ done_on: null, done_by: null });
  });

  it("charts a new entry under the id it answers with, in the kept file of a merge", async () => {
    const invoke = home();
    const added = (await outcome(invoke<ChartUpdate>("add_chart_entry", { id: "p1", request: input({ surfaces: "O" }) }))).value!;
    const entry = added.chart.entries.find((e) => e.id === added.entry_id)!;
    expect(entry).toMatchObject({ tooth: "36", surfaces: "O", kind: "caries", patient_id: "p1", done_by: null });
    const done = (await outcome(
      invoke<ChartUpdate>("add_chart_entry", { id: "p1", request: input({ tooth: "47", surfaces: "O", kind: "restoration", status: "done" }) }),
    )).value!;
    expect(done.chart.entries.find((e) => e.id === done.entry_id)?.done_by).toBe("Dr Amina Benali");
    // p17 merged into p13: charted in p13, shown there.
    await outcome(invoke("merge_patients", { req: { kept_id: "p13", retired_id: "p17", take_from_retired: [] } }));
    const merged = (await outcome(invoke<ChartUpdate>("add_chart_entry", { id: "p17", request: input({ surfaces: "M" }) }))).value!;
    expect(merged.chart.patient_id).toBe("p13");
    expect(merged.chart.entries.find((e) => e.id === merged.entry_id)?.patient_id).toBe("p13");
    expect((await chartOf(invoke, "p13")).entries.map((e) => e.id)).toContain(merged.entry_id);
  });

  it("marks done no entry struck out, and charts nothing new on an erased file", async () => {
    const invoke = home();
    // ce12: 38's extraction, planned.
    await outcome(invoke("set_chart_entry_active", { entry: "ce12", active: false }));
    expect((await outcome(invoke("complete_chart_entry", { entry: "ce12", doneOn: null }))).error).toEqual({
      code: "invalid_input",
      message: "active: this entry is struck out: restore it first if it is to be done",
      reason: "struck_out",
    });
    await outcome(invoke("set_chart_entry_active", { entry: "ce12", active: true }));
    expect((await outcome(invoke("complete_chart_entry", { entry: "ce12", doneOn: null }))).error).toBeUndefined();
    const erased = {
      code: "patient_erased",
      message: "file K7Q-00016 was erased on request (GDPR): its records are kept but take nothing new; create a new file if the person comes back",
    };
    expect((await outcome(invoke("add_chart_entry", { id: "p16", request: input({ surfaces: "O" }) }))).error).toEqual(erased);
    expect((await outcome(invoke("set_chart_entry_active", { entry: "ce30", active: false }))).error).toEqual(erased);
  });

  it("refuses with the Rust side's words", async () => {
    const invoke = home();
    const add = async (over: Record<string, unknown>) => (await outcome(invoke("add_chart_entry", { id: "p1", request: input(over) }))).error;
    expect(await add({ tooth: "11", surfaces: "O" })).toEqual({
      code: "invalid_input",
      message: "surfaces: tooth 11 is a front tooth: its biting edge is I (incisal), not O (occlusal)",
      reason: "surface_not_on_tooth",
    });
    expect((await add({}))?.message).toBe("surfaces: a caries is charted on the surfaces it reaches: give them (for example MO)");
    expect((await add({ surfaces: "o", status: "planned" }))?.message).toMatch(/^status: a caries is a finding/);
    expect((await add({ kind: "crown", status: "planned", material: "composite" }))?.message).toBe(
      "material: a crown is not made of composite: use ceramic, metal_ceramic, zirconia, metal",
    );
    expect((await add({ kind: "crown", surfaces: "O", status: "planned" }))?.message).toBe("surfaces: a crown concerns the whole tooth: give no surfaces");
    expect((await add({ tooth: "99", surfaces: "O" }))?.message).toMatch(/^tooth: "99" is not a tooth/);
    expect(await add({ surfaces: "d v" })).toBeUndefined();
    // Each refusal carries the rule's code as the Rust side's does (ChartError::code), which the
    // form words in the user's language; the day done and the note carry none.
    const reasons: [Record<string, unknown>, string | undefined][] = [
      [{ tooth: "99", surfaces: "O" }, "not_a_tooth"],
      [{ tooth: "46", surfaces: "I" }, "surface_not_on_tooth"],
      [{ surfaces: "mx" }, "unknown_surface"],
      [{}, "surfaces_required"],
      [{ kind: "crown", surfaces: "O", status: "planned" }, "whole_tooth"],
      [{ kind: "sealant", surfaces: "MO", status: "planned" }, "sealant_surfaces"],
      [{ tooth: "11", kind: "sealant", surfaces: "B", status: "planned" }, "sealant_front_tooth"],
      [{ tooth: "75", kind: "implant", status: "planned" }, "milk_tooth"],
      [{ surfaces: "O", status: "done" }, "finding_not_existing"],
      [{ kind: "extraction" }, "existing_extraction"],
      [{ kind: "crown", status: "planned", material: "composite" }, "material_not_for_kind"],
      [{ kind: "x" }, "unknown_kind"],
      [{ status: "x" }, "unknown_status"],
      [{ material: "x" }, "unknown_material"],
      [{ kind: "crown", status: "done", done_on: "2999-01-01" }, undefined],
      [{ surfaces: "O", note: "n".repeat(1001) }, undefined],
    ];
    for (const [over, reason] of reasons) {
      const error = await add(over);
      expect(error?.code, JSON.stringify(over)).toBe("invalid_input");
      expect(error?.reason, JSON.stringify(over)).toBe(reason);
    }
    expect("reason" in (await add({ surfaces: "O", note: "n".repeat(1001) }))!).toBe(false);
    // The form words what it can send, with the kinds' rules the chart brings.
    const { kinds } = await chartOf(invoke);
    for (const [over] of reasons.filter(([, r]) => r === undefined || !r.startsWith("unknown_") || r === "unknown_surface")) {
      const request = input(over) as ChartEntryInput;
      expect(chartErrorText("fr", (await add(over))!, request, Number(request.tooth[1]) <= 3, kinds), JSON.stringify(over)).not.toBeNull();
    }
    const dentist = home("&role=receptionist");
    expect((await outcome(dentist("dental_chart", { id: "p1" }))).error?.code).toBe("permission_denied");
  });

  it("refuses what a tooth charted missing, or replaced, cannot take", async () => {
    const invoke = home();
    // p1's 18 is charted missing; p4's 16 is an implant and its 36 a pontic.
    const crown = await outcome(invoke("add_chart_entry", { id: "p1", request: input({ tooth: "18", kind: "crown", status: "planned" }) }));
    expect(crown.error).toMatchObject({ code: "invalid_input", reason: "tooth_absent" });
    expect(crown.error?.message).toMatch(/^tooth: tooth 18 is charted missing or extracted/);
    const implant = await outcome(invoke("add_chart_entry", { id: "p1", request: input({ tooth: "18", kind: "implant", status: "planned" }) }));
    expect(implant.error).toBeUndefined();
    const caries = await outcome(invoke("add_chart_entry", { id: "p4", request: input({ tooth: "36", surfaces: "O" }) }));
    expect(caries.error).toMatchObject({ reason: "on_pontic" });
    const canal = await outcome(invoke("add_chart_entry", { id: "p4", request: input({ tooth: "16", kind: "root_canal", status: "planned" }) }));
    expect(canal.error).toMatchObject({ reason: "on_implant" });
    const implantCrown = await outcome(invoke("add_chart_entry", { id: "p4", request: input({ tooth: "16", kind: "crown", status: "planned" }) }));
    expect(implantCrown.error).toBeUndefined();
  });

  it("puts the chart on the timeline and a concurrent edit of an entry in the inbox", async () => {
    const invoke = home();
    const timeline = (await outcome(invoke<TimelineEntry[]>("patient_timeline", { id: "p1" }))).value!;
    expect(timeline.find((e) => e.kind === "chart_done" && e.label === "45 O")).toMatchObject({ detail: "restoration" });
    expect(timeline.find((e) => e.kind === "chart_charted" && e.label === "36 MOD")).toBeTruthy();
    const inbox = (await outcome(invoke<AttentionInbox>("attention_inbox"))).value!;
    const c = inbox.edit_conflicts.find((x) => x.table === "chart_entry")!;
    expect(c).toMatchObject({
      row_id: "ce3", field: "material", current_value: "metal_ceramic", other_value: "zirconia",
      chart_entry: { tooth: "46", surfaces: "", kind: "crown" }, patient: { file_number: "K7Q-00001" },
    });
    const request = { table: "chart_entry", row_id: "ce3", field: "material", other_device: c.other_device, other_hlc: c.other_hlc, choice: "take_other" };
    expect((await outcome(invoke("resolve_edit_conflict", { request }))).error).toBeUndefined();
    expect((await chartOf(invoke)).entries.find((e) => e.id === "ce3")?.material).toBe("zirconia");
  });

  const contradictions = async (invoke: Invoke) => (await outcome(invoke<AttentionInbox>("attention_inbox"))).value!.chart_contradictions;

  it("puts a chart contradiction in the inbox: a caries charted elsewhere on a tooth charted missing", async () => {
    const invoke = home();
    const [c, ...others] = await contradictions(invoke);
    expect(others).toEqual([]);
    expect(c).toMatchObject({
      patient: { id: "p1", file_number: "K7Q-00001" }, tooth: "18", reason: "tooth_absent",
      entry: { id: "ce31", kind: "caries", surfaces: "O", recorded_by: "Karim Haddad", note: "Sensible au froid" },
      because_of: { id: "ce4", kind: "missing", recorded_by: "Dr Amina Benali" },
    });
    expect(c.found_at_ms).toBeLessThan(Date.now());
    // Only for those who see the clinical record.
    expect(await contradictions(home("&role=receptionist"))).toEqual([]);
  });

  it("keeps both: the contradiction leaves the inbox and cannot be kept twice", async () => {
    const invoke = home();
    const req = { entry_id: "ce31", because_of_id: "ce4" };
    expect((await outcome(invoke("keep_chart_entries", { req }))).value).toBeNull();
    expect(await contradictions(invoke)).toEqual([]);
    expect((await outcome(invoke("keep_chart_entries", { req }))).error?.code).toBe("not_found");
    expect((await outcome(home("&role=receptionist")("keep_chart_entries", { req }))).error?.code).toBe("permission_denied");
  });

  it("drops the contradiction once either entry is struck out; one brought back brings it back", async () => {
    const invoke = home();
    expect((await outcome(invoke("set_chart_entry_active", { entry: "ce31", active: false }))).error).toBeUndefined();
    expect(await contradictions(invoke)).toEqual([]);

    const other = home();
    expect((await outcome(other("set_chart_entry_active", { entry: "ce4", active: false }))).error).toBeUndefined();
    expect(await contradictions(other)).toEqual([]);
    expect((await outcome(other("set_chart_entry_active", { entry: "ce4", active: true }))).error).toBeUndefined();
    expect((await contradictions(other)).map((c) => [c.entry.id, c.because_of.id])).toEqual([["ce31", "ce4"]]);
  });

  it("gives each chart its own contradictions, gone with the write that settles them", async () => {
    const invoke = home();
    const [waiting] = await contradictions(invoke);
    expect((await chartOf(invoke)).contradictions).toEqual([waiting]);
    expect((await chartOf(invoke, "p4")).contradictions).toEqual([]);
    // Struck out: the chart the write returns has it no more.
    const struck = (await outcome(invoke<ChartUpdate>("set_chart_entry_active", { entry: "ce31", active: false }))).value!;
    expect(struck.chart.contradictions).toEqual([]);
    // Kept: the chart read again has it no more.
    const other = home();
    expect((await chartOf(other)).contradictions.map((c) => c.entry.id)).toEqual(["ce31"]);
    await outcome(other("keep_chart_entries", { req: { entry_id: "ce31", because_of_id: "ce4" } }));
    expect((await chartOf(other)).contradictions).toEqual([]);
  });
});
