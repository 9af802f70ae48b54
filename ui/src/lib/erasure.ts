// Pure helpers for the GDPR erasure of a patient's identity: the typed confirmation, the banner
// of an erased file and the report of what was kept. No Svelte, no I/O.
import type { ErasureReport, Language, Patient, RetainedCount } from "./bindings";
import { translate, type MessageKey } from "./i18n";
import { formatDay } from "./medical";

/** The confirmation typed in the dialog must be the file number (case and spaces aside). */
export function confirmsErasure(typed: string, fileNumber: string): boolean {
  const norm = (s: string) => s.replace(/\s/g, "").toUpperCase();
  return norm(fileNumber) !== "" && norm(typed) === norm(fileNumber);
}

/** "Identité effacée à la demande du patient (RGPD) le 14/03/2025 — dossier K7Q-00042". */
export function erasedBanner(lang: Language, p: Pick<Patient, "erased_at_ms" | "file_number">): string {
  return translate(lang, "pfile.erased_banner", {
    date: p.erased_at_ms === null ? "?" : formatDay(p.erased_at_ms),
    file: p.file_number,
  });
}

/** "3 éléments d'antécédents médicaux", "1 consentement", "2 entrées du schéma dentaire"; an
 * unknown kind as "kind : n". */
export function retainedLine(lang: Language, r: RetainedCount): string {
  const many = lang === "fr" ? r.count > 1 : r.count !== 1;
  switch (r.kind) {
    case "medical_item":
      return translate(lang, many ? "erase.retained_medical_item_many" : "erase.retained_medical_item_one", { n: r.count });
    case "consent":
      return translate(lang, many ? "erase.retained_consent_many" : "erase.retained_consent_one", { n: r.count });
    case "chart_entry":
      return translate(lang, many ? "erase.retained_chart_entry_many" : "erase.retained_chart_entry_one", { n: r.count });
    default:
      return translate(lang, "erase.retained_other", { kind: r.kind, n: r.count });
  }
}

/** What became of the patient's DICOM files (their header named the patient): one line per case
 * that happened, none when the patient had no DICOM image. */
export function fileLines(
  lang: Language,
  r: Pick<ErasureReport, "files_without_identity" | "files_elsewhere" | "files_not_rewritable">,
): string[] {
  const line = (n: number, one: MessageKey, many: MessageKey) =>
    n === 0 ? [] : [translate(lang, (lang === "fr" ? n > 1 : n !== 1) ? many : one, { n })];
  return [
    ...line(r.files_without_identity, "erase.files_rewritten_one", "erase.files_rewritten_many"),
    ...line(r.files_elsewhere, "erase.files_elsewhere_one", "erase.files_elsewhere_many"),
    ...line(r.files_not_rewritable, "erase.files_failed_one", "erase.files_failed_many"),
  ];
}
