// Pure helpers for the review of possible duplicate patient files: the reasons in words, the
// pairs of one patient, their count in the "needs attention" inbox. No Svelte, no I/O.
// The Rust side finds the pairs after every change (typed here or merged from another PC of the
// clinic) and never merges files by itself: a person compares both and decides (two different
// people, or the same person: see merge.ts).
import type { DuplicatePair, Language, PatientRef } from "./bindings";
import { translate } from "./i18n";
import { formatDay } from "./medical";
import { displayName } from "./patients";
import { dayKey, timeOfDay } from "./timeline";

export const DUPLICATE_REASONS = ["name_birth_date", "phone"] as const;
export type DuplicateReason = (typeof DUPLICATE_REASONS)[number];

export function isDuplicateReason(reason: string): reason is DuplicateReason {
  return (DUPLICATE_REASONS as readonly string[]).includes(reason);
}

/** "même nom et même date de naissance", "même numéro de téléphone"; an unknown reason as sent. */
export function reasonLabel(lang: Language, reason: string): string {
  return isDuplicateReason(reason) ? translate(lang, `dup.reason_${reason}`) : reason;
}

/** The short form, for the banner of a file: "même téléphone"; an unknown reason as sent. */
export function reasonShort(lang: Language, reason: string): string {
  return isDuplicateReason(reason) ? translate(lang, `dup.reason_short_${reason}`) : reason;
}

/** "Même numéro de téléphone": a reason at the start of a line. */
export function capitalised(text: string): string {
  return text ? text.charAt(0).toLocaleUpperCase() + text.slice(1) : text;
}

/** "K7Q-00012 MEZIANE Sarah", or "Dossier effacé · K7Q-00012" (already named by its number). */
export function refLabel(lang: Language, ref: PatientRef): string {
  const named = ref.last_name.trim() !== "" || ref.first_name.trim() !== "";
  return named ? `${ref.file_number} ${displayName(lang, ref)}` : displayName(lang, ref);
}

/** One key per pair of files, whichever way round they are given. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Whether the pair is the two files `a` and `b`, in either order. */
export function isPairOf(pair: DuplicatePair, a: string, b: string): boolean {
  return pairKey(pair.a.id, pair.b.id) === pairKey(a, b);
}

/** The pairs still to review: each pair once (the first, i.e. newest, kept), none of a file with itself. */
export function distinctPairs(pairs: readonly DuplicatePair[]): DuplicatePair[] {
  const seen = new Set<string>();
  const out: DuplicatePair[] = [];
  for (const p of pairs) {
    if (p.a.id === p.b.id) continue;
    const key = pairKey(p.a.id, p.b.id);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** The number of pairs still to review (each pair once). */
export function duplicateCount(pairs: readonly DuplicatePair[] | null | undefined): number {
  return pairs ? distinctPairs(pairs).length : 0;
}

/** "1 doublon possible", "3 doublons possibles". */
export function noticeCountLabel(lang: Language, n: number): string {
  return n === 1 ? translate(lang, "dup.notice_one") : translate(lang, "dup.notice_many", { n });
}

/** The list once a person said the two files are different people. */
export function withoutPair(pairs: readonly DuplicatePair[], a: string, b: string): DuplicatePair[] {
  return pairs.filter((p) => !isPairOf(p, a, b));
}

/** The list once a file was merged into another: it is in no pair any more. */
export function withoutFile(pairs: readonly DuplicatePair[], id: string): DuplicatePair[] {
  return pairs.filter((p) => p.a.id !== id && p.b.id !== id);
}

/** A pair seen from one of its files (`self`): the other file and why they look alike. */
export type PatientDuplicate = { pair: DuplicatePair; self: PatientRef; other: PatientRef };

/** The flagged pairs a patient is in, newest first, each with the other file. */
export function duplicatesOf(pairs: readonly DuplicatePair[] | null | undefined, patientId: string): PatientDuplicate[] {
  if (!pairs) return [];
  const out: PatientDuplicate[] = [];
  for (const pair of distinctPairs(pairs)) {
    if (pair.a.id === patientId) out.push({ pair, self: pair.a, other: pair.b });
    else if (pair.b.id === patientId) out.push({ pair, self: pair.b, other: pair.a });
  }
  return out;
}

/** "Doublon possible avec K7Q-00012 MEZIANE Sarah (même téléphone)". */
export function bannerText(lang: Language, d: PatientDuplicate): string {
  return translate(lang, "dup.banner", { other: refLabel(lang, d.other), reason: reasonShort(lang, d.pair.reason) });
}

/** "repéré aujourd'hui à 09:05", "repéré hier à 17:40", "repéré le 14/03/2025". */
export function foundLabel(lang: Language, ms: number, nowMs: number = Date.now()): string {
  const day = dayKey(ms);
  if (!day) return "";
  const yesterday = new Date(nowMs);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === dayKey(nowMs)) return translate(lang, "dup.found_today", { time: timeOfDay(ms) });
  if (day === dayKey(yesterday.getTime())) return translate(lang, "dup.found_yesterday", { time: timeOfDay(ms) });
  return translate(lang, "dup.found_on", { date: formatDay(ms) });
}
