// Pure helpers for the medical history: grouping, the alert banner's lines, form <-> input and
// reading the Rust side's `invalid_input` messages. No Svelte, no I/O. Whether an item raises a
// chairside alert is decided by the Rust side (`raises_alert`, `MedicalHistory.alerts`), not here.
import type { Language, MedicalItem, MedicalItemInput, MedicalKind, Severity } from "./bindings";
import { translate } from "./i18n";
import { fieldErrorText, formatDate } from "./patients";

export const MEDICAL_KINDS = ["allergy", "medication", "condition"] as const satisfies readonly MedicalKind[];
export const SEVERITIES = ["low", "moderate", "high"] as const satisfies readonly Severity[];

const isKind = (k: string): k is MedicalKind => (MEDICAL_KINDS as readonly string[]).includes(k);
const isSeverity = (s: string | null | undefined): s is Severity => (SEVERITIES as readonly string[]).includes(s ?? "");

/** The items of each kind, in the order received (newest first); unknown kinds are left out. */
export function groupByKind(items: MedicalItem[]): Record<MedicalKind, MedicalItem[]> {
  const groups: Record<MedicalKind, MedicalItem[]> = { allergy: [], medication: [], condition: [] };
  for (const item of items) if (isKind(item.kind)) groups[item.kind].push(item);
  return groups;
}

export function kindLabel(lang: Language, kind: string): string {
  return isKind(kind) ? translate(lang, `medical.kind_${kind}`) : kind;
}

export function severityLabel(lang: Language, severity: string | null | undefined): string | null {
  return isSeverity(severity) ? translate(lang, `medical.severity_${severity}`) : null;
}

/** One line of the alert banner: "Allergie : Pénicilline (sévère)", "Traitement : Warfarine". */
export function alertLine(lang: Language, item: MedicalItem): string {
  const kind = kindLabel(lang, item.kind);
  const severity = item.kind === "allergy" ? severityLabel(lang, item.severity) : null;
  return severity
    ? translate(lang, "medical.alert_line_severity", { kind, label: item.label, severity })
    : translate(lang, "medical.alert_line", { kind, label: item.label });
}

/** A timestamp in ms as a local date, "14/03/2025". */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return formatDate(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`);
}

// ---------------------------------------------------------------- form

export type MedicalForm = {
  kind: MedicalKind;
  label: string;
  detail: string;
  severity: Severity | "";
  alert: boolean;
  noted_on: string;
};

export function emptyMedicalForm(kind: MedicalKind = "allergy"): MedicalForm {
  return { kind, label: "", detail: "", severity: "", alert: false, noted_on: "" };
}

/** What is sent to add_medical_item. Severity only goes with allergies. */
export function medicalInputFromForm(f: MedicalForm): MedicalItemInput {
  return {
    kind: f.kind,
    label: f.label.trim(),
    detail: f.detail.trim(),
    severity: f.kind === "allergy" && f.severity ? f.severity : null,
    alert: f.alert,
    noted_on: f.noted_on || null,
  };
}

export type MedicalField = "kind" | "label" | "detail" | "severity" | "alert" | "noted_on";
export const MEDICAL_FIELDS: readonly MedicalField[] = ["kind", "label", "detail", "severity", "alert", "noted_on"];

/** The trivial checks made before sending; the Rust side checks everything for real. */
export function medicalClientErrors(f: MedicalForm): Partial<Record<MedicalField, "pfield.required">> {
  return f.label.trim() ? {} : { label: "pfield.required" };
}

/**
 * Which input an `invalid_input` message is about, with its reason in the user's language:
 * "label: is empty" -> { field: "label", text: "Ce champ est obligatoire." }. Null when the
 * message names no field of the form.
 */
export function medicalFieldError(lang: Language, message: string): { field: MedicalField; text: string } | null {
  const m = /^([a-z_]+):\s*(.*)$/s.exec(message.trim());
  if (!m) return null;
  const [, name, reason] = m;
  if (!(MEDICAL_FIELDS as readonly string[]).includes(name)) return null;
  const field = name as MedicalField;
  if (field === "noted_on" && /is in the future$/.test(reason)) {
    return { field, text: translate(lang, "medical.date_future") };
  }
  return { field, text: fieldErrorText(lang, reason) };
}
