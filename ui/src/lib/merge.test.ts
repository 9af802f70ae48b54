import { describe, expect, it } from "vitest";
import type { Patient, PatientRef } from "./bindings";
import { en, fr } from "./i18n";
import {
  canTake,
  chosenSides,
  createdLabel,
  defaultKeptId,
  defaultSide,
  differingFields,
  fieldText,
  fileCreatedMs,
  holdsLine,
  MERGE_FIELD_LABELS,
  MERGE_FIELDS,
  mergedPhones,
  mergeDoneText,
  mergeErrorKey,
  mergeRequest,
  separateErrorKey,
  takesPhoto,
} from "./merge";
import { formatDay } from "./medical";

// Sarah Meziane, created at the front desk, and again at the chair two years later (first name and
// birth date mistyped, no e-mail, another address, a second phone).
const SARAH_ID = "018f3a2b-4c5d-7e6f-8a9b-0c1d2e3f4a5b";
const SARA_ID = "0193c4d5-e6f7-7a8b-9c0d-1e2f3a4b5c6d";
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

describe("the details two files differ on", () => {
  it("are found in the form's order, a value against none included", () => {
    expect(differingFields(sarah, sara)).toEqual(["first_name", "birth_date", "email", "address", "national_id"]);
    expect(differingFields(sara, sarah)).toEqual(["first_name", "birth_date", "email", "address", "national_id"]);
  });

  it("leave out what both files say alike, spaces around a text aside", () => {
    expect(differingFields(sarah, { ...sarah, id: SARA_ID, file_number: "M2X-00004" })).toEqual([]);
    expect(differingFields(sarah, { ...sarah, last_name: " Meziane ", notes: "" })).toEqual([]);
    // Phones are never chosen between: both files' numbers are kept.
    expect(differingFields(sarah, { ...sarah, phones: ["+213661000111"] })).toEqual([]);
    // An e-mail not given is the same whether null or empty.
    expect(differingFields({ ...sarah, email: null }, { ...sarah, email: "" })).toEqual([]);
  });

  it("compare the national number with its kind, and the guarantor with the relation", () => {
    const be = { ...sara, national_id_kind: "be_nrn" };
    expect(differingFields(sara, be)).toEqual(["national_id"]);
    // A kind without a number is no national number.
    expect(differingFields({ ...sarah, national_id_kind: "dz_cnas" }, sarah)).toEqual([]);
    const child = { ...sarah, guarantor: lina, guarantor_relation: "child" };
    expect(differingFields(child, { ...child, guarantor_relation: "other" })).toEqual(["guarantor"]);
    expect(differingFields(child, { ...child, guarantor: { ...lina, id: "p14" } })).toEqual(["guarantor"]);
    expect(differingFields(child, sarah)).toEqual(["guarantor"]);
    expect(differingFields(child, { ...child })).toEqual([]);
  });

  it("are the Rust side's MERGEABLE_FIELDS, each with the patient form's label", () => {
    expect([...MERGE_FIELDS]).toEqual([
      "last_name", "first_name", "birth_date", "sex", "email", "address", "national_id", "referring_dentist", "notes", "guarantor",
    ]);
    for (const f of MERGE_FIELDS) expect(fr[MERGE_FIELD_LABELS[f]], f).toBeTruthy();
    expect(fr[MERGE_FIELD_LABELS.last_name]).toBe("Nom");
    expect(en[MERGE_FIELD_LABELS.national_id]).toBe("National or insurance number");
  });
});

describe("the file kept by default", () => {
  it("is the one created first, read from its UUIDv7 id", () => {
    expect(fileCreatedMs(SARAH_ID)).toBe(0x018f3a2b4c5d);
    expect(fileCreatedMs(SARA_ID)).toBe(0x0193c4d5e6f7);
    expect(defaultKeptId({ id: SARAH_ID }, { id: SARA_ID })).toBe(SARAH_ID);
    expect(defaultKeptId({ id: SARA_ID }, { id: SARAH_ID })).toBe(SARAH_ID);
  });

  it("is the pair's first when the ids do not tell", () => {
    expect(fileCreatedMs("p13")).toBeNull();
    // A UUIDv4 holds no time.
    expect(fileCreatedMs("0193c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d")).toBeNull();
    expect(defaultKeptId({ id: "p17" }, { id: "p13" })).toBe("p17");
    expect(defaultKeptId({ id: SARA_ID }, { id: "p13" })).toBe(SARA_ID);
  });

  it("shows when each file was created", () => {
    expect(createdLabel("fr", SARAH_ID)).toBe(`dossier créé le ${formatDay(0x018f3a2b4c5d)}`);
    expect(createdLabel("en", SARA_ID)).toBe(`file created on ${formatDay(0x0193c4d5e6f7)}`);
    expect(createdLabel("fr", "p13")).toBe("");
  });
});

describe("the value each detail starts on", () => {
  it("is the kept file's, unless it is empty: then the value given", () => {
    expect(defaultSide(sarah, sara, "first_name")).toBe("kept");
    expect(defaultSide(sarah, sara, "email")).toBe("kept");
    expect(defaultSide(sarah, sara, "national_id")).toBe("retired");
    // The other way round: Sara kept, her empty e-mail gives way to Sarah's.
    expect(chosenSides(sara, sarah)).toEqual({
      first_name: "kept", birth_date: "kept", email: "retired", address: "kept", national_id: "kept",
    });
  });

  it("never is a guarantor that is one of the two files (the file would be its own guarantor)", () => {
    // Sara's file names Sarah's as guarantor: after the merge Sarah would answer for herself.
    const saraWithSarah = { ...sara, guarantor: { id: SARAH_ID, file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah" }, guarantor_relation: "other" };
    expect(canTake(sarah, saraWithSarah, "guarantor", "retired")).toBe(false);
    expect(canTake(sarah, saraWithSarah, "guarantor", "kept")).toBe(true);
    expect(defaultSide(sarah, saraWithSarah, "guarantor")).toBe("kept");
    // Kept the other way round, the empty guarantor is still the one that can stay.
    expect(defaultSide(saraWithSarah, sarah, "guarantor")).toBe("retired");
    expect(canTake(sarah, saraWithSarah, "email", "retired")).toBe(true);
  });

  it("is the person's choice once made, whichever file is kept afterwards", () => {
    const picked = { first_name: SARA_ID, email: SARA_ID };
    expect(chosenSides(sarah, sara, picked)).toMatchObject({ first_name: "retired", email: "retired", address: "kept" });
    // Sara's file kept instead: the values chosen are still hers.
    expect(chosenSides(sara, sarah, picked)).toMatchObject({ first_name: "kept", email: "kept", address: "kept" });
    // A choice for a detail on which the files agree is no choice.
    expect(chosenSides(sarah, sara, { last_name: SARA_ID })).not.toHaveProperty("last_name");
  });
});

describe("the merge request", () => {
  it("takes from the retired file the details whose value is its own, in the form's order", () => {
    expect(mergeRequest(sarah, sara)).toEqual({ kept_id: SARAH_ID, retired_id: SARA_ID, take_from_retired: ["national_id"] });
    expect(mergeRequest(sarah, sara, { address: SARA_ID, first_name: SARA_ID, email: SARAH_ID })).toEqual({
      kept_id: SARAH_ID,
      retired_id: SARA_ID,
      take_from_retired: ["first_name", "address", "national_id"],
    });
    expect(mergeRequest(sarah, sara, { national_id: SARAH_ID }).take_from_retired).toEqual([]);
  });

  it("takes nothing when the files agree", () => {
    expect(mergeRequest(sarah, { ...sarah, id: SARA_ID })).toEqual({ kept_id: SARAH_ID, retired_id: SARA_ID, take_from_retired: [] });
  });

  it("keeps both files' phones, and the retired file's photo when the kept one has none", () => {
    expect(mergedPhones(sarah, sara)).toEqual(["+213552334455", "+213661000111"]);
    expect(mergedPhones(sara, sarah)).toEqual(["+213552334455", "+213661000111"]);
    expect(takesPhoto(sarah, sara)).toBe(true);
    expect(takesPhoto(sara, sarah)).toBe(false);
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

  it("say that nothing is lost and that the merge can be undone", () => {
    expect(fr["merge.nothing_lost"]).toMatch(/antécédents médicaux, les consentements et les images des deux dossiers/);
    expect(fr["merge.nothing_lost"]).toMatch(/annulée/);
    expect(en["merge.nothing_lost"]).toMatch(/can be undone/);
    expect(fr["dup.intro"]).toMatch(/ne fusionne jamais des dossiers de lui-même/);
    expect(en["dup.intro"]).toMatch(/never merges files by itself/);
  });
});
