// Helpers of the dialog that merges two files of the same person (a patient created at two
// desks, say): the person's choices, the request sent, the words shown. No Svelte, no I/O.
// The rules are the Rust side's: merge_preview says which file is kept by default (the one
// created first), which details the two files disagree on, the value each starts on, the values
// that cannot be chosen, the phones kept and whether the photo is taken; merge_patients applies
// the same rules (it keeps one file, takes the chosen details from the other, keeps both files'
// phone numbers and shows both files' medical history, consents and images in the kept file);
// separate_patient undoes it. Here only the person's picks are kept, over the preview the Rust
// side sent. Nothing is merged unless a person asks.
import {
  MERGEABLE_FIELDS,
  type ApiError,
  type DuplicatePair,
  type Language,
  type MergeDetail,
  type MergePatientsRequest,
  type MergePreview,
  type MergeSide,
  type Patient,
  type PatientRef,
} from "./bindings";
import { translate, type MessageKey } from "./i18n";
import { formatDay } from "./medical";
import { displayName, formatDate, guarantorCandidates, guarantorLine, isNationalIdKind, SEXES } from "./patients";

export type { MergeSide };

/** The details a person chooses between, in the form's order: the Rust side's MERGEABLE_FIELDS,
 * generated into bindings.ts. `national_id` is the kind and the number together, `guarantor` the
 * guarantor and relation. */
export const MERGE_FIELDS = MERGEABLE_FIELDS;
export type MergeField = (typeof MERGE_FIELDS)[number];

/** Whether a preview's detail is one this UI knows how to show (all are, with the bindings
 * generated alongside the Rust side). */
export function isMergeField(field: string): field is MergeField {
  return (MERGE_FIELDS as readonly string[]).includes(field);
}

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

/** The person's choices: per detail, the id of the file whose value they chose. Kept by id, not
 * by side, so that choosing the other file to keep leaves them as chosen. */
export type MergePicks = Readonly<Partial<Record<string, string>>>;

/** Whether a side's value can be chosen for this detail (the preview says; only a guarantor can
 * be refused). */
export function sideAllowed(detail: MergeDetail, side: MergeSide): boolean {
  return side === "kept" ? detail.kept_allowed : detail.retired_allowed;
}

/**
 * Whose value each detail of the preview takes: the person's pick, when it is one of the two
 * files and that side's value can be chosen; else the value the preview starts it on.
 */
export function chosenSides(preview: MergePreview, picked: MergePicks = {}): Partial<Record<string, MergeSide>> {
  const out: Partial<Record<string, MergeSide>> = {};
  for (const d of preview.details) {
    const id = picked[d.field];
    const side: MergeSide | null = id === preview.kept.id ? "kept" : id === preview.retired.id ? "retired" : null;
    out[d.field] = side !== null && sideAllowed(d, side) ? side : d.default_side;
  }
  return out;
}

/** What merge_patients is sent: the details whose value is the retired file's, in the preview's
 * order. */
export function mergeRequest(preview: MergePreview, picked: MergePicks = {}): MergePatientsRequest {
  const sides = chosenSides(preview, picked);
  return {
    kept_id: preview.kept.id,
    retired_id: preview.retired.id,
    take_from_retired: preview.details.filter((d) => sides[d.field] === "retired").map((d) => d.field),
  };
}

/** A detail's value in words ("" when not given): "14/03/1985", "Femme", "851234567890 — N° CNAS
 * / Chifa (DZ)", "MEZIANE Sarah (parent) · K7Q-00013". */
export function fieldText(lang: Language, p: Patient, field: MergeField): string {
  switch (field) {
    case "birth_date":
      return p.birth_date.trim() ? formatDate(p.birth_date.trim()) : "";
    case "sex": {
      const sex = p.sex.trim();
      return (SEXES as readonly string[]).includes(sex) ? translate(lang, `sex.${sex as (typeof SEXES)[number]}`) : sex;
    }
    case "email":
      return (p.email ?? "").trim();
    case "national_id": {
      const number = (p.national_id ?? "").trim();
      if (!number) return "";
      return isNationalIdKind(p.national_id_kind) ? `${number} — ${translate(lang, `nid.${p.national_id_kind}`)}` : number;
    }
    case "guarantor":
      return p.guarantor ? guarantorLine(lang, p.guarantor, p.guarantor_relation) : "";
    default:
      return p[field].trim();
  }
}

/** "dossier créé le 14/03/2025", from the time the preview gives (ms since the epoch); "" when
 * the time is not known. */
export function createdLabel(lang: Language, createdAtMs: number): string {
  const date = Number.isFinite(createdAtMs) && createdAtMs > 0 ? formatDay(createdAtMs) : "";
  return date ? translate(lang, "merge.created_on", { date }) : "";
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

/** Why merge_preview refused the two files, said in the dialog instead of the choices (the files
 * cannot be merged as they are): an erased file, or a file merged already (on another PC, say).
 * null: another error, said with the general words (`te`). */
export function previewBlockedKey(err: ApiError): MessageKey | null {
  if (err.code === "patient_erased") return "merge.erased";
  if (err.code === "conflict") return "merge.error_conflict";
  return null;
}

/** The words for an error of separate_patient, where the general ones would mislead. */
export function separateErrorKey(err: ApiError): MessageKey | null {
  return err.code === "conflict" ? "merge.separate_error_conflict" : null;
}

// "Fusionner avec un autre dossier…": the person finds the other file themselves (the duplicate
// detector did not flag the two, or someone said "different people" by mistake). The Rust side
// accepts any two files and refuses, with its own errors, an erased or merged file or the same
// file twice; here the search's answer is only narrowed to the files worth offering.

/** The reason of a pair the person put together themselves, not one the duplicate detector
 * flagged. Not among DUPLICATE_REASONS (duplicates.ts): it is never shown (the merge dialog
 * shows no reason) and such a pair never joins the review's list. */
export const PICKED_PAIR_REASON = "picked";

/** A file's reference: its id, number and names. */
export function patientRef(p: Pick<Patient, "id" | "file_number" | "last_name" | "first_name">): PatientRef {
  return { id: p.id, file_number: p.file_number, last_name: p.last_name, first_name: p.first_name };
}

/** The two files the merge dialog compares when the person chose the other one: the file open
 * first (on the left), the one picked second. */
export function pickedPair(
  self: Pick<Patient, "id" | "file_number" | "last_name" | "first_name">,
  other: Pick<Patient, "id" | "file_number" | "last_name" | "first_name">,
  nowMs: number = Date.now(),
): DuplicatePair {
  return { a: patientRef(self), b: patientRef(other), reason: PICKED_PAIR_REASON, found_at_ms: nowMs };
}

/** The files found that can be offered to merge with `self`, in the search's order, each once:
 * not `self`, nor a file already merged into it, nor a file erased on request (it cannot be
 * merged). */
export function mergeCandidates<P extends Pick<Patient, "id" | "erased_at_ms">>(
  found: P[],
  self: Pick<Patient, "id" | "merged_files">,
): P[] {
  const skip = new Set(self.merged_files.map((r) => r.id));
  // Not `self`, not erased: the files a guarantor is picked from too.
  return guarantorCandidates(found, self.id).filter((p) => {
    if (skip.has(p.id)) return false;
    skip.add(p.id); // each file once
    return true;
  });
}

