import { describe, expect, it } from "vitest";
import type { Patient } from "./bindings";
import {
  ageLabel,
  clientErrors,
  emptyForm,
  fieldErrorText,
  fieldOfInvalidInput,
  formatDate,
  formatPhone,
  formFromPatient,
  formFromQuery,
  inputFromForm,
  parseDuplicates,
  patientName,
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
