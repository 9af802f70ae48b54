import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { invoke } from "@tauri-apps/api/core";
import * as api from "./api";
import type { Patient, PatientRef } from "./bindings";
import { SEARCH_DEBOUNCE_MS, SEARCH_LIMIT } from "./constants";
import { te } from "./locale.svelte";
import { PatientRefSearch, PatientSearch, type PatientSearchOptions } from "./patientsearch.svelte";
import { guarantorCandidates } from "./patients";

const file = (id: string, last_name: string, extra: Partial<Patient> = {}): Patient => ({
  id, file_number: `K7Q-${id}`, last_name, first_name: "Nour", birth_date: "1990-01-01", sex: "F", phones: [],
  email: null, address: "", national_id_kind: null, national_id: null, referring_dentist: "", notes: "", age: 35,
  guarantor: null, guarantor_relation: null, has_photo: false, erased_at_ms: null, merged_files: [], ...extra,
});
const benali = file("p1", "Benali");
const bensaid = file("p2", "Bensaïd");
const benmoussa = file("p3", "Benmoussa");
const erased = file("p4", "Ben", { erased_at_ms: 1 });

/** A key press as the box gets it, recording what the handler did with it. */
function key(name: string, isComposing = false) {
  return {
    key: name,
    isComposing,
    prevented: false,
    stopped: false,
    preventDefault() {
      this.prevented = true;
    },
    stopPropagation() {
      this.stopped = true;
    },
  };
}

// The replies of search_patients travel through a few promises: let them all land.
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("the patient search under a box", () => {
  let calls: { query: string; resolve: (found: Patient[]) => void; reject: (err: unknown) => void }[];
  let picked: Patient[];

  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    picked = [];
    api.setInvoker(((cmd: string, args?: Record<string, unknown>) => {
      if (cmd !== "search_patients") return Promise.reject({ code: "internal", message: cmd });
      return new Promise<Patient[]>((resolve, reject) => calls.push({ query: String(args?.query), resolve, reject }));
    }) as api.Invoker);
  });
  afterEach(() => {
    api.setInvoker(invoke);
    vi.useRealTimers();
  });

  /** The guarantor picker's search: the patient edited (p3) is never offered, nor an erased file. */
  function picker(opts: Partial<PatientSearchOptions> = {}) {
    return new PatientSearch({
      idPrefix: () => "guarantor",
      filter: (found) => guarantorCandidates(found, "p3"),
      onpick: (p) => picked.push(p),
      emptyEnter: "passes",
      escape: "steps",
      ...opts,
    });
  }

  /** Types `text` into the box; `wait`: the pause after the last keystroke passes. */
  function typeText(s: PatientSearch, text: string, wait = true) {
    s.query = text;
    s.onInput();
    if (wait) vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
  }

  /** A search showing the three rows found for "ben". */
  async function showingBen() {
    const s = picker({ filter: (found) => found });
    typeText(s, "ben");
    calls[0].resolve([benali, bensaid, benmoussa]);
    await settle();
    return s;
  }

  it("offers only the files the picker's filter keeps", async () => {
    const s = picker();
    typeText(s, " ben ");
    expect(calls.map((c) => c.query)).toEqual(["ben"]);
    expect(s.pending).toBe(true);
    calls[0].resolve([benali, benmoussa, erased, bensaid]);
    await settle();
    expect(s.results).toEqual([benali, bensaid]);
    expect(s.count).toBe(2);
    expect(s.answered).toBe("ben");
    expect(s.open).toBe(true);
    expect(s.pending).toBe(false);
    expect(s.truncated).toBe(false);
    expect(s.erasedLeftOut).toBe(1);
    expect(s.listId).toBe("guarantor-results");
    expect(s.optionId(1)).toBe("guarantor-option-1");
  });

  it("counts the erased files left out, so a picker can say when they are all it found", async () => {
    const s = picker();
    typeText(s, "ben");
    calls[0].resolve([erased]);
    await settle();
    expect(s.results).toEqual([]);
    expect(s.erasedLeftOut).toBe(1);
    // The file edited (p3), left out too, is not an erased one.
    typeText(s, "benm");
    calls[1].resolve([benmoussa]);
    await settle();
    expect(s.erasedLeftOut).toBe(0);
    typeText(s, "", false);
    expect(s.erasedLeftOut).toBe(0);
  });

  it("says when the search returned as many files as it can", async () => {
    const s = picker();
    typeText(s, "b");
    calls[0].resolve(Array.from({ length: SEARCH_LIMIT }, (_, i) => file(`x${i}`, "B")));
    await settle();
    expect(s.truncated).toBe(true);
  });

  it("drops a reply older than the one shown, and any reply once the box is emptied", async () => {
    const s = picker();
    typeText(s, "be");
    typeText(s, "ben");
    expect(calls.map((c) => c.query)).toEqual(["be", "ben"]);
    calls[1].resolve([bensaid]);
    await settle();
    calls[0].resolve([benali, bensaid]);
    await settle();
    expect(s.results).toEqual([bensaid]);
    expect(s.answered).toBe("ben");

    typeText(s, "bena");
    typeText(s, "", false);
    expect(s.results).toBeNull();
    expect(s.open).toBe(false);
    expect(s.pending).toBe(false);
    calls[2].resolve([benali]);
    await settle();
    expect(s.results).toBeNull();
  });

  it("picks the best match of the latest text when Enter comes before its reply", async () => {
    const s = picker();
    typeText(s, "ben");
    calls[0].resolve([benali, bensaid]);
    await settle();
    s.onKeydown(key("ArrowDown"));
    typeText(s, "bens", false); // still waiting for the pause
    const enter = key("Enter");
    s.onKeydown(enter);
    expect(enter.prevented).toBe(true);
    expect(calls.map((c) => c.query)).toEqual(["ben", "bens"]); // sent at once
    expect(picked).toEqual([]); // not a row left from "ben"
    calls[1].resolve([benmoussa, erased, bensaid]);
    await settle();
    expect(picked).toEqual([bensaid]);
    expect(s.query).toBe("");
    expect(s.results).toBeNull();
    expect(s.open).toBe(false);
  });

  it("shows, but does not pick from, a reply to shorter text landing after Enter", async () => {
    const s = picker();
    typeText(s, "ben"); // sent, its reply still on its way
    typeText(s, "bens", false);
    s.onKeydown(key("Enter"));
    expect(calls.map((c) => c.query)).toEqual(["ben", "bens"]);
    calls[0].resolve([benali, bensaid]);
    await settle();
    expect(s.results).toEqual([benali, bensaid]);
    expect(picked).toEqual([]);
    calls[1].resolve([bensaid]);
    await settle();
    expect(picked).toEqual([bensaid]);
  });

  it("does not pick on a reply to text typed over since Enter", async () => {
    const s = picker();
    typeText(s, "ben", false);
    s.onKeydown(key("Enter"));
    typeText(s, "benm", false);
    calls[0].resolve([benali]);
    await settle();
    expect(s.results).toEqual([benali]);
    expect(picked).toEqual([]);
  });

  it("moves the active row with the arrows, within the list, and Enter picks it", async () => {
    const s = await showingBen();
    expect(s.active).toBe(0);
    const up = key("ArrowUp");
    s.onKeydown(up);
    expect(up.prevented).toBe(true);
    expect(s.active).toBe(0);
    for (let i = 0; i < 5; i++) s.onKeydown(key("ArrowDown"));
    expect(s.active).toBe(2);
    s.onKeydown(key("ArrowUp"));
    expect(s.active).toBe(1);
    s.onKeydown(key("PageDown")); // not a key of these lists
    expect(s.active).toBe(1);
    s.onKeydown(key("ArrowDown", true)); // composing an accent: the IME's
    expect(s.active).toBe(1);
    s.open = false; // the box lost the focus
    s.onKeydown(key("ArrowDown"));
    expect(s.open).toBe(true);
    expect(s.active).toBe(2);
    s.onKeydown(key("Enter"));
    expect(picked).toEqual([benmoussa]);
  });

  it("leaves the arrows nothing to move without rows, and Enter nothing to pick from a closed list", async () => {
    const s = picker();
    const down = key("ArrowDown");
    s.onKeydown(down);
    expect(down.prevented).toBe(true);
    expect(s.active).toBe(0);
    expect(s.open).toBe(false);

    const shown = await showingBen();
    shown.open = false;
    shown.onKeydown(key("Enter"));
    expect(picked).toEqual([]);
  });

  it("shows an error, and clears it with the next reply or keystroke", async () => {
    const s = picker();
    typeText(s, "ben");
    calls[0].reject({ code: "internal", message: "disk" });
    await settle();
    expect(s.error).toBe(te(api.toApiError({ code: "internal", message: "disk" })));
    expect(s.error).toBeTruthy();
    expect(s.pending).toBe(false);
    typeText(s, "bens");
    expect(s.error).toBeNull();
    calls[1].reject({ code: "internal", message: "disk" });
    await settle();
    typeText(s, "bensa");
    calls[2].resolve([bensaid]);
    await settle();
    expect(s.error).toBeNull();
    expect(s.results).toEqual([bensaid]);
  });

  it("lets Enter in an empty box save the form, or swallows it, as the picker says", () => {
    const form = picker({ emptyEnter: "passes" });
    const passed = key("Enter");
    form.onKeydown(passed);
    expect(passed.prevented).toBe(false);

    const dialog = picker({ emptyEnter: "swallowed" });
    const swallowed = key("Enter");
    dialog.onKeydown(swallowed);
    expect(swallowed.prevented).toBe(true);
    expect(picked).toEqual([]);
  });

  it("Escape closes the list, then empties the box, then goes on", async () => {
    const s = await showingBen();
    const first = key("Escape");
    s.onKeydown(first);
    expect([first.prevented, first.stopped]).toEqual([true, true]);
    expect(s.open).toBe(false);
    expect(s.query).toBe("ben");
    const second = key("Escape");
    s.onKeydown(second);
    expect([second.prevented, second.stopped]).toEqual([true, true]);
    expect(s.query).toBe("");
    expect(s.results).toBeNull();
    const third = key("Escape");
    s.onKeydown(third);
    expect([third.prevented, third.stopped]).toEqual([false, false]);
  });

  it("leaves Escape to the dialog around the box where the picker says so", async () => {
    const s = picker({ escape: "passes", filter: (found) => found });
    typeText(s, "ben");
    calls[0].resolve([benali]);
    await settle();
    const esc = key("Escape");
    s.onKeydown(esc);
    expect([esc.prevented, esc.stopped]).toEqual([false, false]);
    expect(s.open).toBe(true);
    expect(s.query).toBe("ben");
  });

  it("reset empties the box and forgets a pick waiting for its reply", async () => {
    const s = picker();
    typeText(s, "ben", false);
    s.onKeydown(key("Enter"));
    s.reset();
    expect([s.query, s.results, s.answered, s.open, s.pending, s.error]).toEqual(["", null, "", false, false, null]);
    calls[0].resolve([benali]);
    await settle();
    expect(s.results).toBeNull();
    expect(picked).toEqual([]);
  });

  it("a form's field picker offers neither the file excluded nor an erased one, and hands on the reference", async () => {
    const refs: (PatientRef | null)[] = [];
    const s = new PatientRefSearch({
      inputId: () => "guarantor",
      excludeId: () => "p1",
      onpick: (p) => refs.push(p),
      emptyEnter: "passes",
    });
    typeText(s, "ben");
    calls[0].resolve([benali, erased, bensaid, benmoussa]);
    await settle();
    expect(s.results).toEqual([bensaid, benmoussa]);
    expect(s.optionId(0)).toBe("guarantor-option-0");
    s.onKeydown(key("ArrowDown"));
    s.onKeydown(key("Enter"));
    expect(refs).toEqual([{ id: "p3", file_number: "K7Q-p3", last_name: "Benmoussa", first_name: "Nour" }]);
    const esc = key("Escape");
    s.onKeydown(esc);
    expect(esc.prevented).toBe(false); // an empty, closed box: Escape goes on
  });
});
