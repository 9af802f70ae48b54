import { describe, expect, it } from "vitest";
import type { Patient } from "./bindings";
import {
  ageLabel,
  bornLabel,
  clientErrors,
  displayName,
  emptyForm,
  fieldErrorText,
  fieldOfInvalidInput,
  formatDate,
  formatPhone,
  formFromPatient,
  formFromQuery,
  guarantorCandidates,
  guarantorLine,
  inputFromForm,
  isErased,
  parseDuplicates,
  patientName,
  RELATIONS,
  relationLabel,
} from "./patients";

const patient: Patient = {
  id: "p1",
  file_number: "K7Q-00042",
  last_name: "Benali",
  first_name: "Mohamed",
  birth_date: "1985-03-14",
  sex: "M",
  phones: ["+213555123456"],
  email: null,
  address: "Alger",
  national_id_kind: null,
  national_id: null,
  referring_dentist: "",
  notes: "",
  age: 39,
  guarantor: null,
  guarantor_relation: null,
  has_photo: false,
  erased_at_ms: null,
  merged_files: [],
};

const erased: Patient = {
  ...patient,
  id: "p9",
  file_number: "K7Q-00009",
  last_name: "",
  first_name: "",
  birth_date: "1985",
  phones: [],
  address: "",
  erased_at_ms: Date.UTC(2025, 2, 14, 12),
};

describe("formatPhone", () => {
  it("groups E.164 numbers for reading", () => {
    expect(formatPhone("+213555123456")).toBe("+213 555 12 34 56");
    expect(formatPhone("+21321234567")).toBe("+213 21 23 45 67");
    expect(formatPhone("+33612345678")).toBe("+33 6 12 34 56 78");
    expect(formatPhone("+32470123456")).toBe("+32 470 12 34 56");
    expect(formatPhone("+3221234567")).toBe("+32 21 23 45 67");
    expect(formatPhone("+212612345678")).toBe("+212 6 12 34 56 78");
    expect(formatPhone("+21620123456")).toBe("+216 20 123 456");
    expect(formatPhone("+14155552671")).toBe("+1 415 555 2671");
  });
  it("keeps the digits and leaves anything else alone", () => {
    for (const p of ["+213555123456", "+33612345678", "+4915112345678"]) {
      expect(formatPhone(p).replace(/\s/g, "")).toBe(p);
    }
    expect(formatPhone("0555 12 34 56")).toBe("0555 12 34 56");
    expect(formatPhone("")).toBe("");
  });
});

describe("display", () => {
  it("writes names, dates and ages", () => {
    expect(patientName({ last_name: "Bensaïd", first_name: "Nour" })).toBe("BENSAÏD Nour");
    expect(formatDate("1985-03-14")).toBe("14/03/1985");
    expect(formatDate("garbage")).toBe("garbage");
    expect(ageLabel("fr", 1)).toBe("1 an");
    expect(ageLabel("fr", 39)).toBe("39 ans");
    expect(ageLabel("en", 0)).toBe("0 year");
    expect(ageLabel("en", 2)).toBe("2 years");
  });
});

describe("fieldOfInvalidInput", () => {
  it("names the field at the start of the message", () => {
    expect(fieldOfInvalidInput("last_name: is empty", [""])).toEqual({ field: "last_name", reason: "is empty" });
    expect(fieldOfInvalidInput("birth_date: 2030-01-01 is in the future", [])).toEqual({
      field: "birth_date",
      reason: "2030-01-01 is in the future",
    });
    expect(fieldOfInvalidInput('national_id: "123": the check digits do not match (mistyped?)', [])?.field).toBe(
      "national_id",
    );
    expect(fieldOfInvalidInput("referring_dentist: is longer than 200 characters", [])?.field).toBe(
      "referring_dentist",
    );
  });
  it("finds which phone was refused from the text it quotes", () => {
    const phones = ["0555 12 34 56", "12", ""];
    expect(fieldOfInvalidInput('phone: "12" is not a phone number', phones)?.field).toBe("phone-1");
    expect(fieldOfInvalidInput('phone: " 12 " is not a phone number', ["0555", "12"])?.field).toBe("phone-1");
    // Unknown text: the first phone that is filled in.
    expect(fieldOfInvalidInput('phone: "zz" is not a phone number', ["", "x"])?.field).toBe("phone-1");
    expect(fieldOfInvalidInput('phone: "a\\"b" is not a phone number', ['a"b'])?.field).toBe("phone-0");
  });
  it("returns null when no form field is named", () => {
    expect(fieldOfInvalidInput("something went wrong", [])).toBeNull();
    expect(fieldOfInvalidInput("clinic_name: is empty", [])).toBeNull();
  });
});

describe("fieldErrorText", () => {
  it("translates the reasons the Rust side gives", () => {
    expect(fieldErrorText("fr", "is empty")).toBe("Ce champ est obligatoire.");
    expect(fieldErrorText("fr", "2030-01-01 is in the future")).toBe("La date de naissance est dans le futur.");
    expect(fieldErrorText("fr", '"12" is not a phone number')).toBe("« 12 » n'est pas un numéro de téléphone.");
    expect(fieldErrorText("en", '"0123" is not a valid phone number for DZ')).toMatch(/^“0123” is not a valid number for region DZ/);
    expect(fieldErrorText("en", '"9" : the check digits do not match (mistyped?)')).toBe(
      "The check digits do not match: check the number.",
    );
    expect(fieldErrorText("fr", '"1": the key does not match (mistyped?)')).toBe("La clé de contrôle ne correspond pas : vérifiez le numéro.");
    expect(fieldErrorText("fr", "is longer than 200 characters")).toBe("200 caractères au maximum.");
    expect(fieldErrorText("en", 'contains "7": only letters, spaces, hyphens and apostrophes')).toMatch(/\(7\)/);
    expect(fieldErrorText("en", "a Belgian national register number has 11 digits")).toMatch(/11 digits/);
    expect(fieldErrorText("en", '"x@" is not an e-mail address')).toBe("This e-mail address is not valid.");
  });
  it("shows unknown reasons as they are", () => {
    expect(fieldErrorText("fr", "is odd")).toBe("is odd");
  });
});

describe("parseDuplicates", () => {
  it("reads the existing files from the message", () => {
    const message =
      "possible duplicate of K7Q-00042 Mohamed Benali (1985-03-14), A2B-00007 Jean-Pierre De La Tour (1955-09-17): open that file, or confirm that this is another person";
    expect(parseDuplicates({ code: "possible_duplicate", message })).toEqual([
      { fileNumber: "K7Q-00042", name: "Mohamed Benali", birthDate: "1985-03-14" },
      { fileNumber: "A2B-00007", name: "Jean-Pierre De La Tour", birthDate: "1955-09-17" },
    ]);
  });
  it("gives nothing for a message it cannot read", () => {
    expect(parseDuplicates({ code: "possible_duplicate", message: "duplicate" })).toEqual([]);
  });
});

describe("form <-> PatientInput", () => {
  it("sends trimmed values, drops empty phones and the number when no kind is chosen", () => {
    const f = { ...emptyForm("none"), last_name: " Benali ", first_name: "Mohamed", birth_date: "1985-03-14" };
    f.sex = "M";
    f.phones = ["0555 12 34 56", " ", ""];
    f.national_id = "123";
    expect(inputFromForm(f, true)).toEqual({
      last_name: "Benali",
      first_name: "Mohamed",
      birth_date: "1985-03-14",
      sex: "M",
      phones: ["0555 12 34 56"],
      email: null,
      address: "",
      national_id_kind: null,
      national_id: null,
      referring_dentist: "",
      notes: "",
      allow_duplicate: true,
      guarantor_id: null,
      guarantor_relation: null,
    });
    f.national_id_kind = "dz_cnas";
    expect(inputFromForm(f)).toMatchObject({ national_id_kind: "dz_cnas", national_id: "123", allow_duplicate: false });
  });
  it("starts an edit from the stored patient", () => {
    const f = formFromPatient(patient, "dz_cnas");
    expect(f.phones).toEqual(["+213 555 12 34 56"]);
    expect(f.national_id_kind).toBe("dz_cnas");
    expect(f.sex).toBe("M");
    expect(formFromPatient({ ...patient, phones: [] }).phones).toEqual([""]);
  });
  it("checks only the trivial things", () => {
    expect(Object.keys(clientErrors(emptyForm()))).toEqual(["last_name", "first_name", "birth_date", "sex"]);
    expect(clientErrors({ ...emptyForm(), last_name: "A", first_name: "B", birth_date: "2000-01-01", sex: "X" })).toEqual({});
  });
  it("prefills a new file from the search text", () => {
    expect(formFromQuery("Benali").last_name).toBe("Benali");
    expect(formFromQuery("14/03/1985").birth_date).toBe("1985-03-14");
    expect(formFromQuery("1985-03-14").birth_date).toBe("1985-03-14");
    expect(formFromQuery("0555 12 34 56").phones).toEqual(["0555 12 34 56"]);
    expect(formFromQuery("K7Q-00042")).toEqual(emptyForm());
  });
});

describe("erased files", () => {
  it("are named by their file number", () => {
    expect(isErased(erased)).toBe(true);
    expect(isErased(patient)).toBe(false);
    expect(displayName("fr", erased)).toBe("Dossier effacé · K7Q-00009");
    expect(displayName("en", erased)).toBe("Erased file · K7Q-00009");
    expect(displayName("fr", patient)).toBe("BENALI Mohamed");
    // A reference to an erased file has no erasure date: blank names are enough.
    const ref = { id: "p9", file_number: "K7Q-00009", last_name: "", first_name: "" };
    expect(displayName("en", ref)).toBe("Erased file · K7Q-00009");
  });
  it("keep the year of birth alone", () => {
    expect(bornLabel("fr", "1985")).toBe("né(e) en 1985");
    expect(bornLabel("en", "1985")).toBe("born in 1985");
    expect(bornLabel("fr", "1985-03-14")).toBe("né(e) le 14/03/1985");
  });
});

describe("guarantor", () => {
  const sarah = { id: "p13", file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah" };

  it("names every relation in both languages, as the Rust side lists them", () => {
    expect([...RELATIONS]).toEqual(["parent", "spouse", "guardian", "child", "sibling", "other"]);
    for (const r of RELATIONS) {
      expect(relationLabel("fr", r)).not.toMatch(/^relation\./);
      expect(relationLabel("en", r)).not.toMatch(/^relation\./);
    }
    expect(relationLabel("fr", "spouse")).toBe("Conjoint(e)");
    expect(relationLabel("fr", "sibling")).toBe("Frère ou sœur");
    expect(relationLabel("en", "guardian")).toBe("Guardian");
    expect(relationLabel("fr", "cousin")).toBe("cousin");
  });

  it("writes the guarantor line", () => {
    expect(guarantorLine("fr", sarah, "parent")).toBe("MEZIANE Sarah (parent) · K7Q-00013");
    expect(guarantorLine("en", sarah, "spouse")).toBe("MEZIANE Sarah (spouse) · K7Q-00013");
    expect(guarantorLine("fr", sarah, null)).toBe("MEZIANE Sarah · K7Q-00013");
    expect(guarantorLine("fr", { ...sarah, last_name: "", first_name: "" }, "parent")).toBe(
      "Dossier effacé · K7Q-00013 (parent)",
    );
  });

  it("sends the guarantor's id and relation, and keeps them when editing", () => {
    const f = { ...emptyForm(), guarantor: sarah, guarantor_relation: "parent" as const };
    expect(inputFromForm(f)).toMatchObject({ guarantor_id: "p13", guarantor_relation: "parent" });
    expect(inputFromForm({ ...f, guarantor: null })).toMatchObject({ guarantor_id: null, guarantor_relation: null });
    expect(inputFromForm({ ...f, guarantor_relation: "" })).toMatchObject({ guarantor_id: "p13", guarantor_relation: null });
    const edit = formFromPatient({ ...patient, guarantor: sarah, guarantor_relation: "parent" });
    expect(edit.guarantor).toEqual(sarah);
    expect(edit.guarantor_relation).toBe("parent");
    expect(formFromPatient(patient).guarantor).toBeNull();
    expect(formFromPatient({ ...patient, guarantor: sarah, guarantor_relation: "weird" }).guarantor_relation).toBe("");
  });

  it("requires the relation once a guarantor is chosen", () => {
    const base = { ...emptyForm(), last_name: "A", first_name: "B", birth_date: "2000-01-01", sex: "X" as const };
    expect(clientErrors({ ...base, guarantor: sarah })).toEqual({ guarantor_relation: "pfield.relation_required" });
    expect(clientErrors({ ...base, guarantor: sarah, guarantor_relation: "child" })).toEqual({});
    expect(clientErrors({ ...base, guarantor_relation: "" })).toEqual({});
  });

  it("offers neither the patient themself nor an erased file", () => {
    const found = [patient, erased, { ...patient, id: "p2" }];
    expect(guarantorCandidates(found, "p1").map((p) => p.id)).toEqual(["p2"]);
    expect(guarantorCandidates(found, null).map((p) => p.id)).toEqual(["p1", "p2"]);
  });

  it("puts the Rust side's errors on the guarantor fields, translated", () => {
    const cases: [string, string, string, string][] = [
      [
        "guarantor_relation: say how the guarantor is related: parent, spouse, guardian, child, sibling or other",
        "guarantor_relation",
        "Précisez le lien du garant avec le patient.",
        "Say how the guarantor is related to the patient.",
      ],
      [
        'guarantor_relation: unknown relation "cousin": use parent, spouse, guardian, child, sibling or other',
        "guarantor_relation",
        "Précisez le lien du garant avec le patient.",
        "Say how the guarantor is related to the patient.",
      ],
      [
        "guarantor_id: a patient cannot be their own guarantor",
        "guarantor_id",
        "Un patient ne peut pas être son propre garant.",
        "A patient cannot be their own guarantor.",
      ],
      [
        "guarantor_id: no patient with id 0195-x: search for the guarantor's file first",
        "guarantor_id",
        "Ce dossier n'existe pas ou plus : recherchez à nouveau le garant.",
        "This file does not exist (any more): search for the guarantor again.",
      ],
      [
        "guarantor_id: that file was erased on request and cannot be a guarantor",
        "guarantor_id",
        "Ce dossier a été effacé à la demande du patient et ne peut pas servir de garant.",
        "This file was erased at the patient's request and cannot be a guarantor.",
      ],
    ];
    for (const [message, field, fr, en] of cases) {
      const f = fieldOfInvalidInput(message, [""]);
      expect(f?.field, message).toBe(field);
      expect(fieldErrorText("fr", f!.reason)).toBe(fr);
      expect(fieldErrorText("en", f!.reason)).toBe(en);
    }
  });
});
