// Pure helpers for the patient screens: display formats, form <-> PatientInput, and reading
// the Rust side's `invalid_input` / `possible_duplicate` messages. No Svelte, no I/O.
import type { ApiError, Language, Patient, PatientInput, PatientRef } from "./bindings";
import { translate, type MessageKey } from "./i18n";

export const SEXES = ["F", "M", "X"] as const;
export type Sex = (typeof SEXES)[number];

/** A patient file's tabs: identity and clinical lists, the dental chart, the images. A file opens
 * on its own, unless opened for something another tab shows (a chart contradiction). */
export type FileTab = "file" | "chart" | "imaging";

export const NATIONAL_ID_KINDS = ["be_nrn", "fr_nir", "dz_cnas"] as const;
export type NationalIdKind = (typeof NATIONAL_ID_KINDS)[number];
/** What the kind select holds: a kind, or "none" (no number recorded). */
export type NationalIdChoice = NationalIdKind | "none";

export function isNationalIdKind(kind: string | null | undefined): kind is NationalIdKind {
  return (NATIONAL_ID_KINDS as readonly string[]).includes(kind ?? "");
}

/** How the guarantor is related to the patient (the guarantor is the patient's parent, ...). */
export const RELATIONS = ["parent", "spouse", "guardian", "child", "sibling", "other"] as const;
export type Relation = (typeof RELATIONS)[number];

export function isRelation(code: string | null | undefined): code is Relation {
  return (RELATIONS as readonly string[]).includes(code ?? "");
}

/** "Parent", "Conjoint(e)", ...; an unknown code is shown as sent. */
export function relationLabel(lang: Language, code: string): string {
  return isRelation(code) ? translate(lang, `relation.${code}`) : code;
}

// ---------------------------------------------------------------- display

/** "BENALI Mohamed": the last name in capitals first, as on a file folder. */
export function patientName(p: Pick<Patient, "last_name" | "first_name">): string {
  return `${p.last_name.toLocaleUpperCase("fr")} ${p.first_name}`.trim();
}

/** Whether the patient's identity was erased on request (GDPR): the file is a pseudonym. */
export function isErased(p: Pick<Patient, "erased_at_ms">): boolean {
  return p.erased_at_ms !== null && p.erased_at_ms !== undefined;
}

/**
 * The name to show for a patient or a reference to one: "BENALI Mohamed", or "Dossier effacé ·
 * K7Q-00042" for an erased file (its names are blank; a PatientRef has no erasure date, so blank
 * names are enough to tell).
 */
export function displayName(
  lang: Language,
  p: Pick<PatientRef, "last_name" | "first_name" | "file_number"> & { erased_at_ms?: number | null },
): string {
  const erased = (p.erased_at_ms !== null && p.erased_at_ms !== undefined) || (!p.last_name.trim() && !p.first_name.trim());
  return erased ? translate(lang, "patients.erased_name", { file: p.file_number }) : patientName(p);
}

/** "né(e) le 14/03/1985", or "né(e) en 1985" once erased (the year alone is kept). */
export function bornLabel(lang: Language, birthDate: string): string {
  return /^\d{4}$/.test(birthDate)
    ? translate(lang, "pfile.born_year", { year: birthDate })
    : translate(lang, "pfile.born", { date: formatDate(birthDate) });
}

/** "BENALI Mohamed (parent) · K7Q-00012": the guarantor line of a file. */
export function guarantorLine(lang: Language, ref: PatientRef, relation: string | null): string {
  const rel = relation ? ` (${relationLabel(lang, relation).toLocaleLowerCase(lang)})` : "";
  const name = displayName(lang, ref);
  // An erased file is already named by its number.
  return ref.last_name.trim() || ref.first_name.trim() ? `${name}${rel} · ${ref.file_number}` : `${name}${rel}`;
}

/** The search results a guarantor can be picked from: not the patient themself, not an erased file. */
export function guarantorCandidates<P extends Pick<Patient, "id" | "erased_at_ms">>(found: P[], excludeId: string | null): P[] {
  return found.filter((p) => p.id !== excludeId && !isErased(p));
}

/** "1985-03-14" -> "14/03/1985" (the way it is typed in the search box too). */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

export function ageLabel(lang: Language, age: number): string {
  return translate(lang, age <= 1 ? "patients.age_one" : "patients.age_many", { n: age });
}

// Country calling codes of one and two digits; every other code has three.
const CC1 = new Set(["1", "7"]);
const CC2 = new Set([
  "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
  "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81",
  "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
]);

/** Splits "+<digits>" into its country code and national digits, or null if not E.164. */
export function splitE164(phone: string): { cc: string; national: string } | null {
  const m = /^\+(\d{6,15})$/.exec(phone.trim());
  if (!m) return null;
  const digits = m[1];
  const len = CC1.has(digits[0]) ? 1 : CC2.has(digits.slice(0, 2)) ? 2 : 3;
  return { cc: digits.slice(0, len), national: digits.slice(len) };
}

function pairsFromEnd(digits: string, firstLen: number): string {
  const groups = [digits.slice(0, firstLen)];
  for (let i = firstLen; i < digits.length; i += 2) groups.push(digits.slice(i, i + 2));
  return groups.filter(Boolean).join(" ");
}

/**
 * An E.164 number grouped for reading: "+213555123456" -> "+213 555 12 34 56",
 * "+33612345678" -> "+33 6 12 34 56 78". Anything that is not E.164 is returned as is.
 */
export function formatPhone(phone: string): string {
  const parts = splitE164(phone);
  if (!parts) return phone;
  const { cc, national: n } = parts;
  let grouped: string;
  if ((cc === "33" || cc === "212") && n.length === 9) {
    grouped = pairsFromEnd(n, 1); // 6 12 34 56 78
  } else if (cc === "1" && n.length === 10) {
    grouped = `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
  } else if (cc === "216" && n.length === 8) {
    grouped = `${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5)}`;
  } else {
    // Pairs, with a leading group of three when the count is odd: 555 12 34 56, 21 23 45 67.
    grouped = n.length % 2 === 1 && n.length > 3 ? pairsFromEnd(n, 3) : pairsFromEnd(n, 2);
  }
  return `+${cc} ${grouped}`;
}

// ---------------------------------------------------------------- form

/** The form's state: PatientInput with plain strings, as the inputs hold them. */
export type PatientForm = {
  last_name: string;
  first_name: string;
  birth_date: string;
  sex: Sex | "";
  phones: string[];
  email: string;
  address: string;
  national_id_kind: NationalIdChoice;
  national_id: string;
  referring_dentist: string;
  notes: string;
  /** The patient chosen as guarantor, or null. */
  guarantor: PatientRef | null;
  guarantor_relation: Relation | "";
};

export function emptyForm(defaultKind: NationalIdChoice = "none"): PatientForm {
  return {
    last_name: "",
    first_name: "",
    birth_date: "",
    sex: "",
    phones: [""],
    email: "",
    address: "",
    national_id_kind: defaultKind,
    national_id: "",
    referring_dentist: "",
    notes: "",
    guarantor: null,
    guarantor_relation: "",
  };
}

export function formFromPatient(p: Patient, defaultKind: NationalIdChoice = "none"): PatientForm {
  return {
    last_name: p.last_name,
    first_name: p.first_name,
    birth_date: p.birth_date,
    sex: (SEXES as readonly string[]).includes(p.sex) ? (p.sex as Sex) : "",
    phones: p.phones.length ? p.phones.map(formatPhone) : [""],
    email: p.email ?? "",
    address: p.address,
    national_id_kind: isNationalIdKind(p.national_id_kind) ? p.national_id_kind : defaultKind,
    national_id: p.national_id ?? "",
    referring_dentist: p.referring_dentist,
    notes: p.notes,
    guarantor: p.guarantor ? { ...p.guarantor } : null,
    guarantor_relation: p.guarantor && isRelation(p.guarantor_relation) ? p.guarantor_relation : "",
  };
}

/** What is sent to add_patient / edit_patient. Empty phones are dropped. */
export function inputFromForm(f: PatientForm, allowDuplicate = false): PatientInput {
  const number = f.national_id_kind === "none" ? "" : f.national_id.trim();
  return {
    last_name: f.last_name.trim(),
    first_name: f.first_name.trim(),
    birth_date: f.birth_date,
    sex: f.sex,
    phones: f.phones.map((p) => p.trim()).filter(Boolean),
    email: f.email.trim() || null,
    address: f.address.trim(),
    national_id_kind: number ? f.national_id_kind : null,
    national_id: number || null,
    referring_dentist: f.referring_dentist.trim(),
    notes: f.notes.trim(),
    allow_duplicate: allowDuplicate,
    guarantor_id: f.guarantor?.id ?? null,
    guarantor_relation: f.guarantor && f.guarantor_relation ? f.guarantor_relation : null,
  };
}

/** A form field that can carry an error. Phones are "phone-0", "phone-1", ... */
export type FieldKey =
  | "last_name"
  | "first_name"
  | "birth_date"
  | "sex"
  | `phone-${number}`
  | "email"
  | "address"
  | "national_id_kind"
  | "national_id"
  | "referring_dentist"
  | "notes"
  | "guarantor_id"
  | "guarantor_relation";

const SIMPLE_FIELDS = new Set<string>([
  "last_name",
  "first_name",
  "birth_date",
  "sex",
  "email",
  "address",
  "national_id_kind",
  "national_id",
  "referring_dentist",
  "notes",
  "guarantor_id",
  "guarantor_relation",
]);

/** The trivial checks made before sending; the Rust side checks everything for real. */
export function clientErrors(f: PatientForm): Partial<Record<FieldKey, MessageKey>> {
  const errors: Partial<Record<FieldKey, MessageKey>> = {};
  if (!f.last_name.trim()) errors.last_name = "pfield.required";
  if (!f.first_name.trim()) errors.first_name = "pfield.required";
  if (!f.birth_date) errors.birth_date = "pfield.date_required";
  if (!f.sex) errors.sex = "pfield.sex_required";
  if (f.guarantor && !f.guarantor_relation) errors.guarantor_relation = "pfield.relation_required";
  return errors;
}

/** The order fields appear in the form, to focus the first one in error. */
export function fieldOrder(phoneCount: number): FieldKey[] {
  const phones = Array.from({ length: phoneCount }, (_, i) => `phone-${i}` as FieldKey);
  return [
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    ...phones,
    "email",
    "address",
    "guarantor_id",
    "guarantor_relation",
    "national_id_kind",
    "national_id",
    "referring_dentist",
    "notes",
  ];
}

/** Reads a Rust debug-quoted string ("\"0555\"") at the start of `text`. */
function leadingQuoted(text: string): string | null {
  const m = /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m) return null;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return m[1];
  }
}

export type FieldError = { field: FieldKey; reason: string };

/**
 * Which input an `invalid_input` message is about: "phone: \"12\" is not a phone number"
 * -> { field: "phone-<index of the phone typed as 12>", reason: "\"12\" is not a phone number" }.
 * Null when the message names no field of the form.
 */
export function fieldOfInvalidInput(message: string, phones: string[]): FieldError | null {
  const m = /^([a-z_]+):\s*(.*)$/s.exec(message.trim());
  if (!m) return null;
  const [, name, reason] = m;
  if (SIMPLE_FIELDS.has(name)) return { field: name as FieldKey, reason };
  if (name === "phone" || name === "phones") {
    const typed = leadingQuoted(reason);
    let index = typed === null ? -1 : phones.indexOf(typed);
    if (index < 0 && typed !== null) index = phones.findIndex((p) => p.trim() === typed.trim());
    if (index < 0) index = Math.max(0, phones.findIndex((p) => p.trim() !== ""));
    return { field: `phone-${index}`, reason };
  }
  return null;
}

/**
 * The reason of an `invalid_input` message in the user's language. The Rust side words its
 * reasons in English; the known ones are translated, anything else is shown as sent.
 */
export function fieldErrorText(lang: Language, reason: string): string {
  const tr = (key: MessageKey, params?: Record<string, string | number>) => translate(lang, key, params);
  const typed = leadingQuoted(reason) ?? "";
  let m: RegExpExecArray | null;
  if (/^is empty$/.test(reason)) return tr("pfield.required");
  if ((m = /is longer than (\d+) characters/.exec(reason))) return tr("pfield.too_long", { max: m[1] });
  if ((m = /^contains (.*): only letters/.exec(reason)))
    return tr("pfield.bad_chars", { chars: leadingQuoted(m[1]) ?? m[1] });
  if (/^has no letter$/.test(reason)) return tr("pfield.no_letter");
  if (/is not a date/.test(reason)) return tr("pfield.bad_date");
  if (/is in the future$/.test(reason)) return tr("pfield.future_date");
  if (/is before 1900$/.test(reason)) return tr("pfield.too_old");
  if ((m = /is not a valid phone number for (\w+)/.exec(reason)))
    return tr("pfield.phone_region", { phone: typed, region: m[1] });
  if (/is not a phone number/.test(reason)) return tr("pfield.phone", { phone: typed });
  if (/is not an e-mail address/.test(reason)) return tr("pfield.email");
  if (/Belgian national register number has 11 digits/.test(reason)) return tr("pfield.be_nrn_length");
  if (/French social security number has 15 characters/.test(reason)) return tr("pfield.fr_nir_length");
  if (/CNAS\) number has 10 to 15 digits/.test(reason)) return tr("pfield.dz_cnas_length");
  if (/(check digits do|key does) not match/.test(reason)) return tr("pfield.checksum");
  if (/is not a NIR|has no numeric key|^not a number$/.test(reason)) return tr("pfield.national_id");
  if (/^unknown sex/.test(reason)) return tr("pfield.sex_required");
  if (/^unknown kind|^say which kind/.test(reason)) return tr("pfield.national_id_kind");
  if (/^say how the guarantor is related|^unknown relation/.test(reason)) return tr("pfield.relation_required");
  if (/cannot be their own guarantor/.test(reason)) return tr("pfield.guarantor_self");
  if (/^no patient with id/.test(reason)) return tr("pfield.guarantor_missing");
  if (/erased on request and cannot be a guarantor/.test(reason)) return tr("pfield.guarantor_erased");
  return reason;
}

// ---------------------------------------------------------------- duplicates

export type DuplicateRef = { fileNumber: string; name: string; birthDate: string };

/**
 * The existing files named by a `possible_duplicate` message:
 * "possible duplicate of K7Q-00042 Mohamed Benali (1985-03-14), ...: open that file, or ...".
 * Empty when the message cannot be read.
 */
export function parseDuplicates(err: ApiError): DuplicateRef[] {
  const m = /possible duplicate of (.*?): open that file/s.exec(err.message);
  if (!m) return [];
  const refs: DuplicateRef[] = [];
  for (const part of m[1].split(/,\s+(?=\S+ .*\(\d{4}-\d{2}-\d{2}\))/)) {
    const e = /^(\S+)\s+(.*?)\s*\((\d{4}-\d{2}-\d{2})\)$/.exec(part.trim());
    if (e) refs.push({ fileNumber: e[1], name: e[2], birthDate: e[3] });
  }
  return refs;
}

// ---------------------------------------------------------------- search box

/**
 * A new patient's form, started from what was typed in the search box when nothing was found:
 * a date goes to the birth date, a phone to the first phone, anything else to the last name.
 */
export function formFromQuery(query: string, defaultKind: NationalIdChoice = "none"): PatientForm {
  const form = emptyForm(defaultKind);
  const q = query.trim();
  if (!q) return form;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(q))) form.birth_date = q;
  else if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(q)))
    form.birth_date = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  else if (/^[\d\s+\-./()]+$/.test(q)) form.phones = [q];
  else if (!/\d/.test(q)) form.last_name = q;
  return form;
}
