// Pure helpers for the patient's timeline: a label and an icon per kind of event, and grouping
// by day. No Svelte, no I/O. Later modules add kinds on the Rust side (visits, treatments,
// images, ...): an unknown kind is shown with its raw code, never dropped.
import type { Language, TimelineEntry } from "./bindings";
import { kindLabel as chartKindLabel } from "./chart";
import { consentKindLabel } from "./consents";
import { translate } from "./i18n";
import { formatDay } from "./medical";

export const TIMELINE_KINDS = [
  "file_created",
  "file_erased",
  "allergy",
  "medication",
  "condition",
  "consent_granted",
  "consent_withdrawn",
  "chart_charted",
  "chart_done",
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export function isTimelineKind(kind: string): kind is TimelineKind {
  return (TIMELINE_KINDS as readonly string[]).includes(kind);
}

/** What the kind is called: "Allergie", "Consentement accordé"; an unknown kind as sent. */
export function timelineKindLabel(lang: Language, kind: string): string {
  return isTimelineKind(kind) ? translate(lang, `timeline.kind_${kind}`) : kind;
}

/** The icon drawn for a kind; "other" for kinds this version does not know. */
export type TimelineIcon =
  | "file"
  | "erased"
  | "allergy"
  | "medication"
  | "condition"
  | "consent"
  | "withdrawn"
  | "tooth"
  | "tooth_done"
  | "other";

export function timelineIcon(kind: string): TimelineIcon {
  switch (kind) {
    case "file_created":
      return "file";
    case "file_erased":
      return "erased";
    case "allergy":
    case "medication":
    case "condition":
      return kind;
    case "consent_granted":
      return "consent";
    case "consent_withdrawn":
      return "withdrawn";
    case "chart_charted":
      return "tooth";
    case "chart_done":
      return "tooth_done";
    default:
      return "other";
  }
}

/** The entry's texts in the user's language: its main text and the detail line under it. */
export function timelineTexts(lang: Language, e: TimelineEntry): { title: string; label: string; detail: string } {
  const title = timelineKindLabel(lang, e.kind);
  switch (e.kind) {
    case "consent_granted":
    case "consent_withdrawn":
      return {
        title,
        label: consentKindLabel(lang, e.label),
        detail: e.detail ? translate(lang, "timeline.version", { version: e.detail }) : "",
      };
    case "file_created":
    case "file_erased":
      return { title, label: e.label ? translate(lang, "timeline.file", { file: e.label }) : "", detail: e.detail };
    case "chart_charted":
    case "chart_done":
      // The label is the tooth and its surfaces ("36 MOD"), the detail the kind's code.
      return {
        title,
        label: e.label ? translate(lang, "timeline.chart", { kind: chartKindLabel(lang, e.detail), where: e.label }) : chartKindLabel(lang, e.detail),
        detail: "",
      };
    default:
      return { title, label: e.label, detail: e.detail };
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The local day of a timestamp, "2025-03-14" (a key to group by). */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The local time of a timestamp, "09:05". */
export function timeOfDay(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "" : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A timestamp for a <time datetime>, or "" when it is not a valid time. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/** "Aujourd'hui", "Hier" or "14/03/2025". */
export function dayLabel(lang: Language, ms: number, nowMs: number = Date.now()): string {
  const day = dayKey(ms);
  if (day && day === dayKey(nowMs)) return translate(lang, "timeline.today");
  const yesterday = new Date(nowMs);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day && day === dayKey(yesterday.getTime())) return translate(lang, "timeline.yesterday");
  return formatDay(ms);
}

export type TimelineDay = { day: string; label: string; entries: TimelineEntry[] };

/**
 * The entries by local day, newest day first, each day's entries newest first (whatever order
 * they came in; ties keep their order).
 */
export function groupByDay(lang: Language, entries: TimelineEntry[], nowMs: number = Date.now()): TimelineDay[] {
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.at_ms - a.e.at_ms || a.i - b.i)
    .map(({ e }) => e);
  const days: TimelineDay[] = [];
  for (const e of sorted) {
    const day = dayKey(e.at_ms);
    const last = days[days.length - 1];
    if (last && last.day === day) last.entries.push(e);
    else days.push({ day, label: dayLabel(lang, e.at_ms, nowMs), entries: [e] });
  }
  return days;
}
