import { describe, expect, it } from "vitest";
import type { MergeDetail, MergePreview, Patient, PatientRef } from "./bindings";
import { en, fr } from "./i18n";
import {
  chosenSides,
  createdLabel,
  fieldText,
  holdsLine,
  isMergeField,
  MERGE_FIELD_LABELS,
  MERGE_FIELDS,
  mergeDoneText,
  mergeCandidates,
  mergeErrorKey,
  mergeRequest,
  patientRef,
  PICKED_PAIR_REASON,
  pickedPair,
  previewBlockedKey,
  separateErrorKey,
  sideAllowed,
} from "./merge";
import { isDuplicateReason, reasonLabel } from "./duplicates";
import { formatDay } from "./medical";

// Sarah Meziane, created at the front desk, and again at the chair two years later (first name and
// birth date mistyped, no e-mail, another address, a second phone).
const SARAH_ID = "018f3a2b-4c5d-7e6f-8a9b-0c1d2e3f4a5b";
const SARA_ID = "0193c4d5-e6f7-7a8b-9c0d-1e2f3a4b5c6d";
const SARAH_CREATED = new Date(2023, 2, 14, 9, 30).getTime();
const SARA_CREATED = new Date(2025, 2, 14, 16, 5).getTime();
const lina: PatientRef = { id: "p15", file_number: "K7Q-00015", last_name: "Meziane", first_name: "Lina" };

const sarah: Patient = {
  id: SARAH_ID, file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah", birth_date: "1986-05-20", sex: "F",
  phones: ["+213552334455"], email: "sarah.meziane@example.dz", address: "7 rue Larbi Ben M'hidi\n16000 Alger",
  national_id_kind: null, national_id: null, referring_dentist: "", notes: "", age: 38, guarantor: null,
  guarantor_relation: null, has_photo: false, erased_at_ms: null, merged_files: [],
};
const sara: Patient = {
  ...sarah, id: SARA_ID, file_number: "M2X-00004", first_name: "Sara", birth_date: "1986-05-02",
  phones: ["+213552334455", "+213661000111"], email: null, address: "7 rue Larbi Ben M'hidi, Alger",
  national_id_kind: "dz_cnas", national_id: "860502123456", has_photo: true,
};

const detail = (field: string, default_side: MergeDetail["default_side"], allowed: Partial<MergeDetail> = {}): MergeDetail => ({
  field, default_side, kept_allowed: true, retired_allowed: true, ...allowed,
});

// What merge_preview answers for the pair, Sarah's file kept (created first): the details that
// differ, each on the kept file's value unless it is empty.
const sarahKept: MergePreview = {
  kept: sarah, retired: sara, kept_created_at_ms: SARAH_CREATED, retired_created_at_ms: SARA_CREATED,
  details: [
    detail("first_name", "kept"), detail("birth_date", "kept"), detail("email", "kept"), detail("address", "kept"),
    detail("national_id", "retired"),
  ],
  phones: ["+213552334455", "+213661000111"],
  takes_photo: true,
};
// And with Sara's file kept instead: Sarah's e-mail fills the empty one.
const saraKept: MergePreview = {
  kept: sara, retired: sarah, kept_created_at_ms: SARA_CREATED, retired_created_at_ms: SARAH_CREATED,
  details: [
    detail("first_name", "kept"), detail("birth_date", "kept"), detail("email", "retired"), detail("address", "kept"),
    detail("national_id", "kept"),
  ],
  phones: ["+213552334455", "+213661000111"],
  takes_photo: false,
};

describe("the details a person chooses between", () => {
  it("are the Rust side's MERGEABLE_FIELDS, each with the patient form's label", () => {
    expect([...MERGE_FIELDS]).toEqual([
      "last_name", "first_name", "birth_date", "sex", "email", "address", "national_id", "referring_dentist", "notes", "guarantor",
    ]);
    for (const f of MERGE_FIELDS) expect(fr[MERGE_FIELD_LABELS[f]], f).toBeTruthy();
    expect(fr[MERGE_FIELD_LABELS.last_name]).toBe("Nom");
    expect(en[MERGE_FIELD_LABELS.national_id]).toBe("National or insurance number");
  });

  it("are known by name", () => {
    for (const f of MERGE_FIELDS) expect(isMergeField(f), f).toBe(true);
    expect(isMergeField("phones")).toBe(false);
    expect(isMergeField("")).toBe(false);
  });
});

describe("whose value each detail takes", () => {
  it("is the value the preview starts it on, when the person picked none", () => {
    expect(chosenSides(sarahKept)).toEqual({
      first_name: "kept", birth_date: "kept", email: "kept", address: "kept", national_id: "retired",
    });
    expect(chosenSides(saraKept, {})).toEqual({
      first_name: "kept", birth_date: "kept", email: "retired", address: "kept", national_id: "kept",
    });
  });

  it("is the person's pick, kept by file, whichever file is kept afterwards", () => {
    const picked = { first_name: SARA_ID, email: SARA_ID, national_id: SARAH_ID };
    expect(chosenSides(sarahKept, picked)).toEqual({
      first_name: "retired", birth_date: "kept", email: "retired", address: "kept", national_id: "kept",
    });
    // Sara's file kept instead: the values chosen are still hers (and Sarah's national number).
    expect(chosenSides(saraKept, picked)).toEqual({
      first_name: "kept", birth_date: "kept", email: "kept", address: "kept", national_id: "retired",
    });
  });

  it("ignores a pick for a detail the files agree on, or of a file not in the pair", () => {
    const sides = chosenSides(sarahKept, { last_name: SARA_ID, address: "p99" });
    expect(sides).not.toHaveProperty("last_name");
    expect(sides.address).toBe("kept");
  });

  it("falls back to the preview's start when the value picked cannot be chosen", () => {
    // Sara's file names Sarah's as guarantor: after the merge Sarah would answer for herself.
    const preview: MergePreview = {
      ...sarahKept,
      details: [...sarahKept.details, detail("guarantor", "kept", { retired_allowed: false })],
    };
    expect(sideAllowed(preview.details[5], "kept")).toBe(true);
    expect(sideAllowed(preview.details[5], "retired")).toBe(false);
    expect(sideAllowed(preview.details[0], "retired")).toBe(true);
    expect(chosenSides(preview, { guarantor: SARA_ID }).guarantor).toBe("kept");
    expect(mergeRequest(preview, { guarantor: SARA_ID }).take_from_retired).toEqual(["national_id"]);
    // Kept the other way round, the empty guarantor is the one that can stay.
    const other: MergePreview = {
      ...saraKept,
      details: [...saraKept.details, detail("guarantor", "retired", { kept_allowed: false })],
    };
    expect(chosenSides(other, { guarantor: SARA_ID }).guarantor).toBe("retired");
    expect(chosenSides(other, { guarantor: SARAH_ID }).guarantor).toBe("retired");
  });
});

describe("the merge request", () => {
  it("takes from the retired file the details whose value is its own, in the preview's order", () => {
    expect(mergeRequest(sarahKept)).toEqual({ kept_id: SARAH_ID, retired_id: SARA_ID, take_from_retired: ["national_id"] });
    expect(mergeRequest(sarahKept, { address: SARA_ID, first_name: SARA_ID, email: SARAH_ID })).toEqual({
      kept_id: SARAH_ID,
      retired_id: SARA_ID,
      take_from_retired: ["first_name", "address", "national_id"],
    });
    expect(mergeRequest(sarahKept, { national_id: SARAH_ID }).take_from_retired).toEqual([]);
  });

  it("keeps the values picked when the other file is kept", () => {
    const picked = { first_name: SARA_ID, address: SARA_ID };
    expect(mergeRequest(saraKept, picked)).toEqual({
      kept_id: SARA_ID,
      retired_id: SARAH_ID,
      take_from_retired: ["email"],
    });
  });

  it("takes nothing when the files agree", () => {
    const same: MergePreview = { ...sarahKept, details: [] };
    expect(chosenSides(same, { first_name: SARA_ID })).toEqual({});
    expect(mergeRequest(same, { first_name: SARA_ID })).toEqual({ kept_id: SARAH_ID, retired_id: SARA_ID, take_from_retired: [] });
  });
});

describe("when each file was created", () => {
  it("is said from the preview's time", () => {
    expect(createdLabel("fr", SARAH_CREATED)).toBe(`dossier créé le ${formatDay(SARAH_CREATED)}`);
    expect(createdLabel("fr", SARAH_CREATED)).toMatch(/^dossier créé le 14\/03\/2023$/);
    expect(createdLabel("en", SARA_CREATED)).toBe(`file created on ${formatDay(SARA_CREATED)}`);
    expect(createdLabel("en", SARA_CREATED)).toBe("file created on 14/03/2025");
  });

  it("is not said when the time is not known", () => {
    expect(createdLabel("fr", 0)).toBe("");
    expect(createdLabel("en", Number.NaN)).toBe("");
  });
});

describe("words", () => {
  it("show each value as the file does", () => {
    expect(fieldText("fr", sarah, "birth_date")).toBe("20/05/1986");
    expect(fieldText("fr", sarah, "sex")).toBe("Femme");
    expect(fieldText("en", sarah, "sex")).toBe("Female");
    expect(fieldText("fr", sara, "national_id")).toBe("860502123456 — N° CNAS / Chifa (DZ)");
    expect(fieldText("fr", sara, "email")).toBe("");
    expect(fieldText("fr", { ...sarah, guarantor: lina, guarantor_relation: "child" }, "guarantor")).toBe(
      "MEZIANE Lina (enfant) · K7Q-00015",
    );
    expect(fieldText("fr", sarah, "address")).toBe("7 rue Larbi Ben M'hidi\n16000 Alger");
    expect(fieldText("fr", { ...sarah, notes: "  Vient le samedi.  " }, "notes")).toBe("Vient le samedi.");
  });

  it("say nothing of a value not given (the dialog then says 'not given')", () => {
    expect(fieldText("fr", sarah, "national_id")).toBe("");
    // A kind without a number is no national number.
    expect(fieldText("fr", { ...sarah, national_id_kind: "dz_cnas", national_id: " " }, "national_id")).toBe("");
    expect(fieldText("fr", sarah, "guarantor")).toBe("");
    expect(fieldText("fr", { ...sarah, referring_dentist: "   " }, "referring_dentist")).toBe("");
    expect(fieldText("fr", { ...sarah, sex: "" }, "sex")).toBe("");
    expect(fieldText("fr", { ...sarah, birth_date: "" }, "birth_date")).toBe("");
    // A number of another scheme than those known is shown alone.
    expect(fieldText("fr", { ...sara, national_id_kind: "xx_other" }, "national_id")).toBe("860502123456");
  });

  it("name the files merged into a file, and the merge done", () => {
    const ref: PatientRef = { id: SARA_ID, file_number: "M2X-00004", last_name: "Meziane", first_name: "Sara" };
    expect(holdsLine("fr", ref)).toBe("Ce dossier réunit aussi le dossier n° M2X-00004 · MEZIANE Sara (fusionné)");
    expect(holdsLine("en", ref)).toBe("This file also holds file No. M2X-00004 · MEZIANE Sara (merged)");
    expect(holdsLine("fr", { ...ref, last_name: "", first_name: "" })).toBe("Ce dossier réunit aussi le dossier n° M2X-00004 (fusionné)");
    const kept = { ...sarah, merged_files: [ref] };
    expect(mergeDoneText("fr", kept, SARA_ID)).toBe(
      "Dossiers fusionnés : le dossier n° M2X-00004 fait maintenant partie du dossier n° K7Q-00013.",
    );
    expect(mergeDoneText("en", kept, SARA_ID)).toBe("Files merged: file No. M2X-00004 is now part of file No. K7Q-00013.");
  });

  it("explain the errors the general words would not", () => {
    expect(mergeErrorKey({ code: "conflict", message: "file K7Q-00013 was merged into file K7Q-00001" })).toBe("merge.error_conflict");
    expect(
      mergeErrorKey({
        code: "invalid_input",
        message: "take_from_retired: the guarantor chosen is one of the two files",
        reason: "guarantor_in_merge",
      }),
    ).toBe("merge.error_guarantor");
    // Only the reason says it: another invalid input naming a guarantor is not this case.
    expect(mergeErrorKey({ code: "invalid_input", message: "guarantor_id: no such patient" })).toBeNull();
    expect(mergeErrorKey({ code: "invalid_input", message: "retired_id: choose two different files" })).toBeNull();
    expect(mergeErrorKey({ code: "patient_erased", message: "x" })).toBeNull();
    expect(separateErrorKey({ code: "conflict", message: "not merged" })).toBe("merge.separate_error_conflict");
    expect(separateErrorKey({ code: "not_found", message: "x" })).toBeNull();
  });

  it("say why two files cannot be merged when the preview is refused", () => {
    expect(previewBlockedKey({ code: "patient_erased", message: "file K7Q-00016 was erased on request (GDPR)" })).toBe("merge.erased");
    expect(
      previewBlockedKey({ code: "conflict", message: "file K7Q-00017 was merged into file K7Q-00013", reason: "file_merged" }),
    ).toBe("merge.error_conflict");
    // Other errors take the general words.
    expect(previewBlockedKey({ code: "not_found", message: "no patient with id p99" })).toBeNull();
    expect(previewBlockedKey({ code: "invalid_input", message: "retired_id: choose two different files" })).toBeNull();
    expect(previewBlockedKey({ code: "session_locked", message: "x" })).toBeNull();
    expect(fr["merge.erased"]).toMatch(/effacé/);
    expect(en["merge.error_conflict"]).toMatch(/already merged/);
  });

  it("say that nothing is lost and that the merge can be undone", () => {
    expect(fr["merge.nothing_lost"]).toMatch(/antécédents médicaux, les consentements et les images des deux dossiers/);
    expect(fr["merge.nothing_lost"]).toMatch(/annulée/);
    expect(en["merge.nothing_lost"]).toMatch(/can be undone/);
    expect(fr["dup.intro"]).toMatch(/ne fusionne jamais des dossiers de lui-même/);
    expect(en["dup.intro"]).toMatch(/never merges files by itself/);
  });
});

describe("merging with a file the person picks", () => {
  // Sarah's second file was typed "Ben Ali" with a mistyped birth date and no shared phone: the
  // detector does not flag the two, the person finds the other file themselves.
  const benAli: Patient = { ...sara, last_name: "Ben Ali", phones: ["+213770112233"] };

  it("compares this file (left) and the one picked, a pair the review never shows", () => {
    const pair = pickedPair(sarah, benAli, 1_700_000_000_000);
    expect(pair).toEqual({
      a: { id: SARAH_ID, file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah" },
      b: { id: SARA_ID, file_number: "M2X-00004", last_name: "Ben Ali", first_name: "Sara" },
      reason: PICKED_PAIR_REASON,
      found_at_ms: 1_700_000_000_000,
    });
    // Only the reference: none of the file's other details travel with the pair.
    expect(Object.keys(pair.a).sort()).toEqual(["file_number", "first_name", "id", "last_name"]);
    expect(patientRef(benAli)).toEqual(pair.b);
    // Not one of the detector's reasons: never worded as one.
    expect(isDuplicateReason(pair.reason)).toBe(false);
    expect(reasonLabel("fr", pair.reason)).toBe(PICKED_PAIR_REASON);
    expect(pickedPair(sarah, benAli).found_at_ms).toBeGreaterThan(0);
  });

  it("offers the files found but this one, the files merged into it and erased files, each once", () => {
    const erased: Patient = { ...benAli, id: "p16", file_number: "K7Q-00016", erased_at_ms: 1 };
    const merged: Patient = { ...benAli, id: "p17", file_number: "K7Q-00017" };
    const self = { ...sarah, merged_files: [patientRef(merged)] };
    const lina2: Patient = { ...sarah, ...lina };
    const found = [sarah, benAli, erased, merged, lina2, benAli];
    expect(mergeCandidates(found, self).map((p) => p.file_number)).toEqual(["M2X-00004", "K7Q-00015"]);
    expect(mergeCandidates([], self)).toEqual([]);
    expect(mergeCandidates([sarah], sarah)).toEqual([]);
    // The search's order is kept.
    expect(mergeCandidates([lina2, benAli], sarah).map((p) => p.id)).toEqual(["p15", SARA_ID]);
  });

  it("say where the action leads before anything is merged", () => {
    expect(fr["merge.with_open"]).toBe("Fusionner avec un autre dossier…");
    expect(en["merge.with_open"]).toBe("Merge with another file…");
    expect(fr["merge.with_next"]).toMatch(/côte à côte/);
    expect(fr["merge.with_next"]).toMatch(/rien n'est fusionné tant que vous n'avez pas confirmé/);
    expect(fr["merge.with_next"]).toMatch(/annulée depuis le dossier conservé/);
    expect(en["merge.with_next"]).toMatch(/nothing is merged until you confirm/);
    expect(en["merge.with_next"]).toMatch(/undone from the file kept/);
  });
});
