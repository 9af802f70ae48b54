// Pure helpers for merging two files of the same person (a patient created at two desks, say)
// and separating them again: which details the two files disagree on, which value each choice
// starts on, the request sent, the words shown. No Svelte, no I/O.
// The Rust side (merge_patients) keeps one file, takes the chosen details from the other, keeps
// both files' phone numbers and shows both files' medical history, consents and images in the
// kept file; separate_patient undoes it. Nothing is merged unless a person asks.
import {
  MERGEABLE_FIELDS,
  type ApiError,
  type Language,
  type MergePatientsRequest,
  type Patient,
  type PatientRef,
} from "./bindings";
import { translate, type MessageKey } from "./i18n";
import { formatDay } from "./medical";
import { displayName, formatDate, guarantorLine, isNationalIdKind, SEXES } from "./patients";

/** The details a person chooses between, in the form's order: the Rust side's MERGEABLE_FIELDS,
 * generated into bindings.ts. `national_id` is the kind and the number together, `guarantor` the
 * guarantor and relation. */
export const MERGE_FIELDS = MERGEABLE_FIELDS;
export type MergeField = (typeof MERGE_FIELDS)[number];

/** Whose value a detail takes: the kept file's, or the retired file's. */
export type MergeSide = "kept" | "retired";

/** The label of each detail: the patient form's. */
export const MERGE_FIELD_LABELS: Record<MergeField, MessageKey> = {
  last_name: "pform.last_name",
  first_name: "pform.first_name",
  birth_date: "pform.birth_date",
  sex: "pform.sex",
  email: "pform.email",
  address: "pform.address",
  national_id: "pform.national_id_kind",
  referring_dentist: "pform.referring_dentist",
  notes: "pform.notes",
  guarantor: "pform.guarantor_section",
};

/** A detail's value as compared: "" when not given (spaces around a text do not count). */
export function fieldValue(p: Patient, field: MergeField): string {
  switch (field) {
    case "email":
      return (p.email ?? "").trim();
    case "national_id": {
      const number = (p.national_id ?? "").trim();
      // The kind alone, without a number, is no national number.
      return number ? `${p.national_id_kind ?? ""}\u0000${number}` : "";
    }
    case "guarantor":
      return p.guarantor ? `${p.guarantor.id}\u0000${p.guarantor_relation ?? ""}` : "";
    default:
      return p[field].trim();
  }
}

export function isEmptyField(p: Patient, field: MergeField): boolean {
  return fieldValue(p, field) === "";
}

/** The details on which the two files differ (a value against none counts), in the form's order. */
export function differingFields(a: Patient, b: Patient): MergeField[] {
  return MERGE_FIELDS.filter((f) => fieldValue(a, f) !== fieldValue(b, f));
}

/** The time a file was created, read from its id (a UUIDv7 starts with its creation time in ms);
 * null for an id that is not one (a file brought in from another software, say). */
export function fileCreatedMs(id: string): number | null {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.exec(id);
  return m ? parseInt(m[1] + m[2], 16) : null;
}

/** The file kept unless the person chooses the other: the one created first, else the pair's first. */
export function defaultKeptId(a: Pick<PatientRef, "id">, b: Pick<PatientRef, "id">): string {
  const at = fileCreatedMs(a.id);
  const bt = fileCreatedMs(b.id);
  return at !== null && bt !== null && bt < at ? b.id : a.id;
}

/** A guarantor that is one of the two files cannot stay: after the merge the file would be its
 * own guarantor (the Rust side refuses it). */
export function guarantorInPair(p: Patient, kept: Patient, retired: Patient): boolean {
  return p.guarantor !== null && (p.guarantor.id === kept.id || p.guarantor.id === retired.id);
}

/** Whether a side's value can be chosen for this detail (only a guarantor can be refused). */
export function canTake(kept: Patient, retired: Patient, field: MergeField, side: MergeSide): boolean {
  return field !== "guarantor" || !guarantorInPair(side === "kept" ? kept : retired, kept, retired);
}

/** The value a differing detail starts on: the kept file's, unless it is empty (then the value
 * given) or a guarantor that cannot stay. */
export function defaultSide(kept: Patient, retired: Patient, field: MergeField): MergeSide {
  if (!canTake(kept, retired, field, "kept")) return "retired";
  if (!canTake(kept, retired, field, "retired")) return "kept";
  return isEmptyField(kept, field) && !isEmptyField(retired, field) ? "retired" : "kept";
}

/**
 * Whose value each differing detail takes. `picked` holds the person's choices by the id of the
 * file whose value they chose (so changing which file is kept leaves them as chosen); a detail not
 * picked takes its default.
 */
export function chosenSides(
  kept: Patient,
  retired: Patient,
  picked: Partial<Record<MergeField, string>> = {},
): Partial<Record<MergeField, MergeSide>> {
  const out: Partial<Record<MergeField, MergeSide>> = {};
  for (const f of differingFields(kept, retired)) {
    const id = picked[f];
    out[f] = id === kept.id ? "kept" : id === retired.id ? "retired" : defaultSide(kept, retired, f);
  }
  return out;
}

/** What merge_patients is sent: the details whose value is the retired file's. */
export function mergeRequest(
  kept: Patient,
  retired: Patient,
  picked: Partial<Record<MergeField, string>> = {},
): MergePatientsRequest {
  const sides = chosenSides(kept, retired, picked);
  return {
    kept_id: kept.id,
    retired_id: retired.id,
    take_from_retired: MERGE_FIELDS.filter((f) => sides[f] === "retired"),
  };
}

/** Both files' phone numbers, the kept file's first, each once: what the kept file will have. */
export function mergedPhones(kept: Patient, retired: Patient): string[] {
  const out = [...kept.phones];
  for (const p of retired.phones) if (!out.includes(p)) out.push(p);
  return out;
}

/** Whether the kept file takes the retired file's photo (it has none of its own). */
export function takesPhoto(kept: Patient, retired: Patient): boolean {
  return !kept.has_photo && retired.has_photo;
}

/** A detail's value in words ("" when not given): "14/03/1985", "Femme", "851234567890 — N° CNAS
 * / Chifa (DZ)", "MEZIANE Sarah (parent) · K7Q-00013". */
export function fieldText(lang: Language, p: Patient, field: MergeField): string {
  if (isEmptyField(p, field)) return "";
  switch (field) {
    case "birth_date":
      return formatDate(p.birth_date);
    case "sex":
      return (SEXES as readonly string[]).includes(p.sex)
        ? translate(lang, `sex.${p.sex as (typeof SEXES)[number]}`)
        : p.sex;
    case "email":
      return (p.email ?? "").trim();
    case "national_id": {
      const number = (p.national_id ?? "").trim();
      return isNationalIdKind(p.national_id_kind) ? `${number} — ${translate(lang, `nid.${p.national_id_kind}`)}` : number;
    }
    case "guarantor":
      return p.guarantor ? guarantorLine(lang, p.guarantor, p.guarantor_relation) : "";
    default:
      return p[field].trim();
  }
}

/** "dossier créé le 14/03/2025", or "" when the id does not say. */
export function createdLabel(lang: Language, id: string): string {
  const ms = fileCreatedMs(id);
  return ms === null ? "" : translate(lang, "merge.created_on", { date: formatDay(ms) });
}

/** "K7Q-00017 · MEZIANE Sara", or the number alone for a file without a name. */
export function mergedFileLabel(lang: Language, ref: PatientRef): string {
  const named = ref.last_name.trim() !== "" || ref.first_name.trim() !== "";
  return named ? `${ref.file_number} · ${displayName(lang, ref)}` : ref.file_number;
}

/** The line of the notice of a file that holds another: "Ce dossier réunit aussi le dossier
 * n° K7Q-00017 · MEZIANE Sara (fusionné)". */
export function holdsLine(lang: Language, ref: PatientRef): string {
  return translate(lang, "merge.holds", { file: mergedFileLabel(lang, ref) });
}

/** Said once the files are merged: "Dossiers fusionnés : le dossier n° K7Q-00017 fait maintenant
 * partie du dossier n° K7Q-00013." */
export function mergeDoneText(lang: Language, kept: Patient, retiredId: string): string {
  const retired = kept.merged_files.find((r) => r.id === retiredId);
  return translate(lang, "merge.done", { retired: retired?.file_number ?? "?", kept: kept.file_number });
}

/** The words for an error of merge_patients, where the general ones would mislead; null: the
 * general words (`te`). */
export function mergeErrorKey(err: ApiError): MessageKey | null {
  if (err.code === "conflict") return "merge.error_conflict";
  if (err.code === "invalid_input" && err.reason === "guarantor_in_merge") return "merge.error_guarantor";
  return null;
}

/** The words for an error of separate_patient, where the general ones would mislead. */
export function separateErrorKey(err: ApiError): MessageKey | null {
  return err.code === "conflict" ? "merge.separate_error_conflict" : null;
}
