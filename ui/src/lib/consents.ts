// Pure helpers for the patient's consents: labels, the state line of each kind and reading the
// Rust side's `invalid_input` messages. No Svelte, no I/O. Records are never edited: withdrawing
// is a new record with `granted: false`, and the current state of a kind comes from the Rust side.
import type { ConsentKind, ConsentRecord, Consents, ConsentStatus, Language } from "./bindings";
import { translate } from "./i18n";
import { formatDay } from "./medical";
import { fieldErrorText } from "./patients";

export const CONSENT_KINDS = [
  "treatment",
  "data_processing",
  "sms_reminders",
  "email_reminders",
] as const satisfies readonly ConsentKind[];

/** The text version offered when recording an agreement. */
export const DEFAULT_TEXT_VERSION = "v1";

const isKind = (k: string): k is ConsentKind => (CONSENT_KINDS as readonly string[]).includes(k);

export function consentKindLabel(lang: Language, kind: string): string {
  return isKind(kind) ? translate(lang, `consent.kind_${kind}`) : kind;
}

/** One status per known kind, in CONSENT_KINDS order, whatever the Rust side sent. */
export function statusByKind(consents: Consents | null): ConsentStatus[] {
  return CONSENT_KINDS.map((kind) => ({
    kind,
    current: consents?.status.find((s) => s.kind === kind)?.current ?? null,
  }));
}

export const isGranted = (s: ConsentStatus): boolean => s.current?.granted === true;

/** "Accordé le 14/03/2025 (version v1) par Dr X", "Retiré le 14/03/2025 par Dr X", "Non recueilli". */
export function consentStateLine(lang: Language, current: ConsentRecord | null): string {
  if (!current) return translate(lang, "consent.state_none");
  const date = formatDay(current.recorded_at_ms);
  return current.granted
    ? translate(lang, "consent.state_granted", { date, version: current.text_version, who: current.recorded_by })
    : translate(lang, "consent.state_withdrawn", { date, who: current.recorded_by });
}

/**
 * The reason of an `invalid_input` message about the text version, in the user's language:
 * "text_version: is empty" -> "Ce champ est obligatoire.". Null when it is about something else.
 */
export function consentVersionError(lang: Language, message: string): string | null {
  const m = /^text_version:\s*(.*)$/s.exec(message.trim());
  return m ? fieldErrorText(lang, m[1]) : null;
}
