// The three pickers built on lib/patientsearch.svelte.ts, mounted in a DOM and driven from the
// keyboard: the rows each offers, what a pick hands on, and their own Enter and Escape.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import * as api from "../lib/api";
import type { Patient, PatientRef } from "../lib/bindings";
import { find, findAll, get, tearDown, type, until } from "./domtest";
import GuarantorPicker from "./GuarantorPicker.svelte";
import MergeWithPicker from "./MergeWithPicker.svelte";
import AppointmentPatientPicker from "./agenda/AppointmentPatientPicker.svelte";

const file = (id: string, last_name: string, extra: Partial<Patient> = {}): Patient => ({
  id, file_number: `K7Q-0000${id.slice(1)}`, last_name, first_name: "Nour", birth_date: "1990-01-01", sex: "F",
  phones: [], email: null, address: "", national_id_kind: null, national_id: null, referring_dentist: "", notes: "",
  age: 35, guarantor: null, guarantor_relation: null, has_photo: false, erased_at_ms: null, merged_files: [], ...extra,
});
const self = file("p1", "Benali", { merged_files: [{ id: "p3", file_number: "K7Q-00003", last_name: "Benali", first_name: "N" }] });
const found = [self, file("p2", "Bensaïd"), file("p3", "Benali"), file("p4", "Ben", { erased_at_ms: 1 }), file("p5", "Benmoussa")];
const ref = (p: Patient): PatientRef => ({ id: p.id, file_number: p.file_number, last_name: p.last_name, first_name: p.first_name });

let component: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  api.setInvoker((async (cmd: string) => {
    if (cmd !== "search_patients") throw { code: "internal", message: cmd };
    return found;
  }) as api.Invoker);
});
afterEach(() => {
  component = tearDown(component);
});

/** A key pressed in `el`; true when the picker kept it (preventDefault). */
function key(el: HTMLElement, name: string): boolean {
  const event = new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true });
  el.dispatchEvent(event);
  flushSync();
  return event.defaultPrevented;
}

const numbers = (testid: string) => findAll(testid).map((li) => li.dataset.fileNumber);

describe("the guarantor picker", () => {
  let picked: (PatientRef | null)[];
  /** The picker of a patient form editing p1, with `selected` chosen so far. */
  function start(selected: PatientRef | null) {
    if (component) unmount(component);
    component = mount(GuarantorPicker, {
      target: document.body,
      props: {
        selected, excludeId: "p1", inputId: "guarantor", disabled: false, invalid: false, describedby: undefined,
        onpick: (p: PatientRef | null) => picked.push(p),
      },
    });
  }
  beforeEach(() => {
    picked = [];
    start(null);
  });

  it("offers the files but the patient's own and the erased, and picks from the keyboard", async () => {
    const box = get<HTMLInputElement>("guarantor-search");
    expect(key(box, "Enter")).toBe(false); // an empty box: Enter saves the form
    type(box, "ben");
    await until(() => findAll("guarantor-option").length, "the rows");
    expect(findAll("guarantor-option").map((li) => li.id)).toEqual(["guarantor-option-0", "guarantor-option-1", "guarantor-option-2"]);
    expect(findAll("guarantor-option").map((li) => li.textContent)).toEqual([
      expect.stringContaining("K7Q-00002"), expect.stringContaining("K7Q-00003"), expect.stringContaining("K7Q-00005"),
    ]);
    expect(box.getAttribute("aria-controls")).toBe("guarantor-results");
    expect(get("guarantor-options").id).toBe("guarantor-results");
    expect(key(box, "ArrowDown")).toBe(true);
    expect(box.getAttribute("aria-activedescendant")).toBe("guarantor-option-1");
    expect(key(box, "Enter")).toBe(true);
    expect(picked).toEqual([ref(found[2])]);
  });

  it("drops the choice with its remove button", () => {
    start(ref(found[1]));
    get("guarantor-remove").click();
    expect(picked).toEqual([null]);
  });

  it("Escape closes the list, then empties the box, then leaves the form", async () => {
    const box = get<HTMLInputElement>("guarantor-search");
    type(box, "ben");
    await until(() => findAll("guarantor-option").length, "the rows");
    expect(key(box, "Escape")).toBe(true);
    expect(findAll("guarantor-option")).toEqual([]);
    expect(box.value).toBe("ben");
    expect(key(box, "Escape")).toBe(true);
    expect(box.value).toBe("");
    expect(key(box, "Escape")).toBe(false);
  });
});

describe("the patient of an appointment", () => {
  let picked: (PatientRef | null)[];
  beforeEach(() => {
    picked = [];
    component = mount(AppointmentPatientPicker, {
      target: document.body,
      props: { selected: null, inputId: "appointment-patient", disabled: false, onpick: (p: PatientRef | null) => picked.push(p) },
    });
  });

  it("offers every file not erased, never lets Enter send the form, and Escape steps back", async () => {
    const box = get<HTMLInputElement>("appointment-patient-search");
    expect(key(box, "Enter")).toBe(true);
    type(box, "ben");
    await until(() => findAll("appointment-patient-result").length, "the rows");
    expect(numbers("appointment-patient-result")).toEqual(["K7Q-00001", "K7Q-00002", "K7Q-00003", "K7Q-00005"]);
    expect(key(box, "Escape")).toBe(true);
    expect(key(box, "Escape")).toBe(true);
    expect(box.value).toBe("");
    expect(key(box, "Escape")).toBe(false);
    type(box, "ben");
    await until(() => findAll("appointment-patient-result").length, "the rows");
    for (let i = 0; i < 9; i++) key(box, "ArrowDown");
    expect(box.getAttribute("aria-activedescendant")).toBe("appointment-patient-option-3");
    key(box, "Enter");
    expect(picked).toEqual([ref(found[4])]);
  });
});

describe("the merge picker", () => {
  let picked: Patient[];
  let cancelled: number;
  beforeEach(() => {
    picked = [];
    cancelled = 0;
    component = mount(MergeWithPicker, {
      target: document.body,
      props: { open: true, patient: self, onpick: (p: Patient) => picked.push(p), oncancel: () => cancelled++ },
    });
    flushSync();
  });

  it("offers the other files not merged yet, picks from the keyboard, and leaves Escape to the dialog", async () => {
    const box = get<HTMLInputElement>("merge-with-search");
    expect(key(box, "Enter")).toBe(true);
    type(box, "ben");
    await until(() => findAll("merge-with-result").length, "the rows");
    expect(numbers("merge-with-result")).toEqual(["K7Q-00002", "K7Q-00005"]);
    expect(box.getAttribute("aria-activedescendant")).toBe("merge-with-option-0");
    expect(key(box, "Escape")).toBe(false);
    expect(numbers("merge-with-result")).toEqual(["K7Q-00002", "K7Q-00005"]);
    expect(key(box, "ArrowDown")).toBe(true);
    expect(key(box, "ArrowDown")).toBe(true);
    expect(box.getAttribute("aria-activedescendant")).toBe("merge-with-option-1");
    expect(key(box, "Enter")).toBe(true);
    expect(picked.map((p) => p.id)).toEqual(["p5"]);
    expect(cancelled).toBe(0);
    expect(box.value).toBe("");
    expect(findAll("merge-with-result")).toEqual([]);
  });

  it("says so when an erased file is all the search found, and 'none' when nothing was", async () => {
    const box = get<HTMLInputElement>("merge-with-search");
    api.setInvoker((async (_cmd: string, args?: Record<string, unknown>) =>
      String(args?.query) === "ben" ? [found[3]] : []) as api.Invoker);
    type(box, "ben");
    await until(() => find("merge-with-only-erased"), "the erased-only notice");
    expect(find("merge-with-none")).toBeNull();
    type(box, "xyz");
    await until(() => find("merge-with-none"), "the none notice");
    expect(find("merge-with-only-erased")).toBeNull();
  });
});
