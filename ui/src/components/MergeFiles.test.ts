// The merge's markup, rendered on the server (the project has no DOM for tests): the button beside
// "different people" in the duplicate review, its dialog, the notice of a file that holds another, and
// "merge with another file" on a file, with its search.
import { describe, expect, it } from "vitest";
import { render } from "svelte/server";
import type { DuplicatePair, Patient } from "../lib/bindings";
import { fr } from "../lib/i18n";
import DuplicateReview from "./DuplicateReview.svelte";
import MergePatientsDialog from "./MergePatientsDialog.svelte";
import MergeWithPicker from "./MergeWithPicker.svelte";
import PatientFile from "./PatientFile.svelte";

/** The opening tag of the element with this test id. */
const tag = (body: string, testid: string) => body.match(new RegExp(`<[^<>]*data-testid="${testid}"[^<>]*>`))?.[0] ?? "";
const count = (body: string, testid: string) => body.split(`data-testid="${testid}"`).length - 1;

const ref = (id: string, first_name: string) => ({ id, file_number: `K7Q-000${id.slice(1)}`, last_name: "Meziane", first_name });
const pairs: DuplicatePair[] = [{ a: ref("p13", "Sarah"), b: ref("p17", "Sara"), reason: "phone", found_at_ms: 1 }];
const none = () => {};

const sarah: Patient = {
  id: "p13", file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah", birth_date: "1986-05-20", sex: "F",
  phones: ["+213552334455"], email: null, address: "", national_id_kind: null, national_id: null, referring_dentist: "",
  notes: "", age: 38, guarantor: null, guarantor_relation: null, has_photo: false, erased_at_ms: null,
  merged_files: [ref("p17", "Sara")],
};

describe("DuplicateReview", () => {
  const review = (canEdit: boolean) =>
    render(DuplicateReview, { props: { pairs, canEdit, onopen: none, ondistinct: none, onmerged: none } }).body;

  it("offers to merge the two files beside 'different people', with its dialog", () => {
    const body = review(true);
    expect(tag(body, "duplicate-merge")).toMatch(/^<button/);
    expect(body).toContain(fr["dup.merge"]);
    expect(body).toContain('data-testid="duplicate-distinct"');
    expect(tag(body, "merge-dialog")).toMatch(/^<dialog/);
    expect(body).toContain(fr["merge.nothing_lost"]);
    expect(body).toContain(fr["dup.intro"]);
  });

  it("offers neither decision to a role that cannot edit patients", () => {
    const body = review(false);
    expect(body).not.toContain('data-testid="duplicate-merge"');
    expect(body).not.toContain('data-testid="merge-dialog"');
  });
});

describe("MergePatientsDialog", () => {
  it("opens on the loading line while merge_preview answers, the merge not yet offered", () => {
    const body = render(MergePatientsDialog, { props: { pair: pairs[0], onmerged: none, oncancel: none } }).body;
    expect(tag(body, "merge-dialog")).toMatch(/^<dialog/);
    expect(body).toContain(fr["merge.loading"]);
    expect(tag(body, "merge-loading")).toContain('aria-live="polite"');
    expect(tag(body, "merge-confirm")).toMatch(/disabled/);
    expect(body).not.toContain('data-testid="merge-blocked"');
    expect(body).not.toContain('data-testid="merge-side-a"');
  });
});

describe("PatientFile", () => {
  const file = (canEdit: boolean, patient: Patient = sarah, id: string = patient.id) =>
    render(PatientFile, {
      props: {
        id, preloaded: patient, flash: null, canEdit, canExport: false, canErase: false, canViewImaging: false,
        canEditImaging: false, onback: none, onedit: none, onopen: none, onupdated: none, ondistinct: none, onmerged: none,
        oninbox: none,
      },
    }).body;

  it("names the files merged into it, each with 'Separate' behind a confirmation", () => {
    const body = file(true);
    expect(tag(body, "merged-files")).toContain('role="note"');
    expect(body).toContain("Ce dossier réunit aussi le dossier n° K7Q-00017 · MEZIANE Sara (fusionné)");
    expect(count(body, "merged-file-separate")).toBe(1);
    expect(tag(body, "separate-dialog")).toMatch(/^<dialog/);
  });

  it("lets a role that cannot edit read the notice without the button", () => {
    const body = file(false);
    expect(body).toContain('data-testid="merged-files"');
    expect(body).not.toContain('data-testid="merged-file-separate"');
  });

  it("says nothing of merges for a file that holds no other", () => {
    expect(file(true, { ...sarah, merged_files: [] })).not.toContain('data-testid="merged-files"');
  });

  it("offers to merge with another file, beside the file's other actions, with its search", () => {
    const body = file(true);
    expect(tag(body, "merge-with-open")).toMatch(/^<button/);
    expect(body).toContain(fr["merge.with_open"]);
    // In the header's actions, before "Edit".
    expect(body.indexOf('data-testid="merge-with-open"')).toBeLessThan(body.indexOf('data-testid="patient-edit"'));
    expect(tag(body, "merge-with-dialog")).toMatch(/^<dialog/);
    expect(tag(body, "merge-dialog")).toMatch(/^<dialog/);
  });

  it("does not offer it to a role that cannot edit, on an erased file, or on a file opened by a merged file's id", () => {
    expect(file(false)).not.toContain('data-testid="merge-with-open"');
    expect(file(false)).not.toContain('data-testid="merge-with-dialog"');
    const erased = { ...sarah, first_name: "", last_name: "", phones: [], erased_at_ms: 1, merged_files: [] };
    expect(file(true, erased)).not.toContain('data-testid="merge-with-open"');
    // Sara's file (p17) was merged into Sarah's: opened by its id, the file shown is Sarah's.
    expect(file(true, sarah, "p17")).not.toContain('data-testid="merge-with-open"');
  });
});

describe("MergeWithPicker", () => {
  it("asks for the other file, says what comes next, and lists nothing before a search", () => {
    const body = render(MergeWithPicker, { props: { open: true, patient: sarah, onpick: none, oncancel: none } }).body;
    expect(tag(body, "merge-with-dialog")).toMatch(/^<dialog/);
    expect(tag(body, "merge-with-search")).toMatch(/^<input/);
    expect(tag(body, "merge-with-search")).toContain('role="combobox"');
    expect(tag(body, "merge-with-cancel")).toMatch(/^<button/);
    expect(body).toContain(fr["merge.with_next"]);
    expect(body).toContain("Ce dossier : n° K7Q-00013, MEZIANE Sarah.");
    expect(body).not.toContain('data-testid="merge-with-result"');
    expect(body).not.toContain('data-testid="merge-with-none"');
  });
});
