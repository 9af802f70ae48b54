// The merge's markup, rendered on the server (the project has no DOM for tests): the button beside
// "different people" in the duplicate review, its dialog, and the notice of a file that holds another.
import { describe, expect, it } from "vitest";
import { render } from "svelte/server";
import type { DuplicatePair, Patient } from "../lib/bindings";
import { fr } from "../lib/i18n";
import DuplicateReview from "./DuplicateReview.svelte";
import MergePatientsDialog from "./MergePatientsDialog.svelte";
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
  const file = (canEdit: boolean, patient: Patient = sarah) =>
    render(PatientFile, {
      props: {
        id: patient.id, preloaded: patient, flash: null, canEdit, canExport: false, canErase: false, canViewImaging: false,
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
});
