// Pure helpers for the "À traiter" / "Needs attention" inbox: the concurrent edits (two desks
// changed one field without seeing each other's change) in words, grouped by patient, the chart
// contradictions (two PCs charted one tooth in ways that cannot both be true) in words, and the
// count on the navigation's badge. No Svelte, no I/O.
// The Rust side keeps the value that lost (last writer wins) until a person decides; nothing is
// decided automatically. The possible duplicates of the inbox are read with ./duplicates.
import type {
  AttentionInbox,
  ChartContradiction,
  ChartEntry,
  ChartEntryRef,
  ConflictChoice,
  DoubleBooking,
  EditConflictInfo,
  Language,
  PatientRef,
  ResolveConflictRequest,
} from "./bindings";
import { durationText, formatAt, statusLabel } from "./agenda";
import {
  chartRefLabel,
  entryPhrase,
  entryText,
  kindGender,
  kindLabel as chartKindLabel,
  lowerFirst,
  materialLabel,
  misfitText,
  isToothMaterial,
  statusLabel as chartStatusLabel,
  upperFirst,
} from "./chart";
import { distinctPairs, noticeCountLabel, pairKey, refLabel } from "./duplicates";
import { translate, type MessageKey } from "./i18n";
import { formatDay, kindLabel, severityLabel } from "./medical";
import { formatDate, formatPhone, isNationalIdKind, relationLabel, SEXES, type FileTab } from "./patients";
import { plural } from "./sync";

export const CONFLICT_TABLES = ["patient", "medical_item", "appointment", "chart_entry"] as const;
export type ConflictTable = (typeof CONFLICT_TABLES)[number];

/** The reviewed fields of each table, in the order of the patient form and the medical history. */
export const CONFLICT_FIELDS = {
  patient: [
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "phones",
    "email",
    "address",
    "national_id_kind",
    "national_id",
    "referring_dentist",
    "notes",
    "guarantor_id",
    "guarantor_relation",
    "deleted",
  ],
  medical_item: ["kind", "label", "detail", "severity", "alert", "noted_on", "active", "deleted"],
  appointment: ["patient_id", "chair_id", "starts_at", "duration_min", "status", "reason", "practitioner_id"],
  chart_entry: ["tooth", "surfaces", "kind", "status", "material", "done_on", "note", "active"],
} as const satisfies Record<ConflictTable, readonly string[]>;

/** The label of each field: the patient form's and the medical history's where they have one. */
const FIELD_LABELS: { [T in ConflictTable]: Record<(typeof CONFLICT_FIELDS)[T][number], MessageKey> } = {
  patient: {
    last_name: "pform.last_name",
    first_name: "pform.first_name",
    birth_date: "pform.birth_date",
    sex: "pform.sex",
    phones: "pform.phones",
    email: "pform.email",
    address: "pform.address",
    national_id_kind: "pform.national_id_kind",
    national_id: "pfile.national_id",
    referring_dentist: "pform.referring_dentist",
    notes: "pform.notes",
    guarantor_id: "pform.guarantor",
    guarantor_relation: "inbox.field_guarantor_relation",
    deleted: "inbox.field_patient_deleted",
  },
  medical_item: {
    kind: "medical.kind",
    label: "medical.label",
    detail: "medical.detail",
    severity: "medical.severity_label",
    alert: "medical.alert",
    noted_on: "medical.noted_on_label",
    active: "inbox.field_active",
    deleted: "inbox.field_item_deleted",
  },
  appointment: {
    patient_id: "appt.patient",
    chair_id: "appt.chair",
    starts_at: "appt.start",
    duration_min: "appt.duration",
    status: "appt.status",
    reason: "appt.reason",
    practitioner_id: "appt.practitioner",
  },
  chart_entry: {
    tooth: "chart.field_tooth",
    surfaces: "chart.surfaces",
    kind: "chart.kind",
    status: "chart.status",
    material: "chart.material",
    done_on: "chart.done_on",
    note: "chart.note",
    active: "inbox.field_chart_active",
  },
};

export function isConflictTable(table: string): table is ConflictTable {
  return (CONFLICT_TABLES as readonly string[]).includes(table);
}

/** The field's place in its table's order; unknown fields come last. */
function fieldRank(table: string, field: string): number {
  if (!isConflictTable(table)) return Number.MAX_SAFE_INTEGER;
  const i = (CONFLICT_FIELDS[table] as readonly string[]).indexOf(field);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

/** "Notes", "Téléphones", "Libellé"; a field this version does not know as sent. */
export function fieldLabel(lang: Language, table: string, field: string): string {
  if (!isConflictTable(table)) return field;
  const labels = FIELD_LABELS[table] as Record<string, MessageKey>;
  return Object.prototype.hasOwnProperty.call(labels, field) ? translate(lang, labels[field]) : field;
}

/** What changed, in words: "Notes", "Libellé de « Pénicilline »" for a medical-history entry,
 * "Heure du rendez-vous du 25/11/2026 09:30" for an appointment, "Schéma dentaire — dent 36
 * MO, carie : Matériau" for a chart entry. */
export function conflictSubject(
  lang: Language,
  c: Pick<EditConflictInfo, "table" | "field" | "item_label"> & { appointment_starts_at?: string; chart_entry?: ChartEntryRef },
): string {
  const parts = conflictSubjectParts(lang, c);
  return parts.entry === null ? parts.field : translate(lang, "inbox.chart_field", { entry: parts.entry, field: parts.field });
}

/** A chart entry's conflict subject in two parts, the entry ("Schéma dentaire — dent 36 MO,
 * carie") shown on its own, and the rest; for the other tables, the whole subject in `field`. */
export function conflictSubjectParts(
  lang: Language,
  c: Pick<EditConflictInfo, "table" | "field" | "item_label"> & { appointment_starts_at?: string; chart_entry?: ChartEntryRef },
): { entry: string | null; field: string } {
  if (c.table === "chart_entry") {
    const field = fieldLabel(lang, c.table, c.field);
    return { entry: c.chart_entry ? chartRefLabel(lang, c.chart_entry) : translate(lang, "chart.title"), field };
  }
  return { entry: null, field: subjectOf(lang, c) };
}

function subjectOf(
  lang: Language,
  c: Pick<EditConflictInfo, "table" | "field" | "item_label"> & { appointment_starts_at?: string },
): string {
  const field = fieldLabel(lang, c.table, c.field);
  if (c.table === "appointment") {
    return c.appointment_starts_at
      ? translate(lang, "inbox.appointment_field", { field, when: formatAt(c.appointment_starts_at) })
      : translate(lang, "inbox.appointment_field_unknown", { field });
  }
  if (c.table !== "medical_item") return field;
  const item = c.item_label?.trim();
  return item ? translate(lang, "inbox.item_field", { field, item }) : translate(lang, "inbox.item_field_unnamed", { field });
}

/**
 * A value as the inbox shows it: "(vide)" when empty, sexes, yes/no and present/deleted in
 * words, dates as typed (14/03/1985), phones grouped one per line, the guarantor by name when
 * its file is known (`refs`). An appointment's status in words, its time and duration as the
 * agenda shows them, its patient and chair by name when known (`refs`, `chairs`). Anything this
 * version does not know is shown as sent.
 */
export function valueText(
  lang: Language,
  table: string,
  field: string,
  value: string,
  refs: ReadonlyMap<string, PatientRef> = new Map(),
  chairs: ReadonlyMap<string, string> = new Map(),
): string {
  const v = value.trim();
  if (v === "") return translate(lang, "inbox.empty");
  if (table === "appointment") {
    switch (field) {
      case "status":
        return statusLabel(lang, v);
      case "starts_at":
        return formatAt(v);
      case "duration_min":
        return /^\d+$/.test(v) ? durationText(lang, Number(v)) : value;
      case "chair_id":
        return chairs.get(v) ?? value;
      case "patient_id": {
        const ref = refs.get(v);
        return ref ? refLabel(lang, ref) : value;
      }
    }
    return value;
  }
  if (table === "chart_entry") {
    switch (field) {
      case "kind":
        return chartKindLabel(lang, v);
      case "status":
        return chartStatusLabel(lang, v);
      case "material":
        return isToothMaterial(v) ? materialLabel(lang, v) : value;
      case "active":
        return v === "1"
          ? translate(lang, "inbox.value_chart_active")
          : v === "0"
            ? translate(lang, "inbox.value_chart_struck")
            : value;
      case "done_on":
        return formatDate(v);
    }
    return value;
  }
  switch (field) {
    case "deleted":
      return v === "1" ? translate(lang, "inbox.value_deleted") : v === "0" ? translate(lang, "inbox.value_present") : value;
    case "alert":
    case "active":
      if (table !== "medical_item") break;
      return v === "1" ? translate(lang, "common.yes") : v === "0" ? translate(lang, "common.no") : value;
    case "sex":
      if (table !== "patient") break;
      return (SEXES as readonly string[]).includes(v) ? translate(lang, `sex.${v as (typeof SEXES)[number]}`) : value;
    case "birth_date":
    case "noted_on":
      return formatDate(v);
    case "phones":
      if (table !== "patient") break;
      return v
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)
        .map(formatPhone)
        .join("\n");
    case "national_id_kind":
      return isNationalIdKind(v) ? translate(lang, `nid.${v}`) : value;
    case "guarantor_relation":
      return relationLabel(lang, v);
    case "guarantor_id": {
      const ref = refs.get(v);
      return ref ? refLabel(lang, ref) : translate(lang, "inbox.value_other_file");
    }
    case "kind":
      if (table !== "medical_item") break;
      return kindLabel(lang, v);
    case "severity":
      return severityLabel(lang, v) ?? value;
  }
  return value;
}

/** Whether the value shows as "(vide)". */
export const isEmptyValue = (value: string) => value.trim() === "";

/** The patient files named by the values waiting (a guarantor, an appointment's patient), to show
 * them by name. */
export function guarantorIds(conflicts: readonly EditConflictInfo[]): string[] {
  const ids = new Set<string>();
  for (const c of conflicts) {
    const named = (c.table === "patient" && c.field === "guarantor_id") || (c.table === "appointment" && c.field === "patient_id");
    if (!named) continue;
    for (const v of [c.current_value, c.other_value]) if (v.trim()) ids.add(v.trim());
  }
  return [...ids];
}

/** One key per waiting conflict: what names it in resolve_edit_conflict. */
export function conflictKey(c: Pick<EditConflictInfo, "table" | "row_id" | "field" | "other_device" | "other_hlc">): string {
  return [c.table, c.row_id, c.field, c.other_device, c.other_hlc].join("\u0000");
}

/** The request that records a person's decision on a conflict. */
/** The decision on `c`; `allowOverlap` keeps on purpose the double booking that taking an
 * appointment's other value makes (refused as `chair_taken` without it). */
export function resolveRequest(c: EditConflictInfo, choice: ConflictChoice, allowOverlap = false): ResolveConflictRequest {
  return { table: c.table, row_id: c.row_id, field: c.field, other_device: c.other_device, other_hlc: c.other_hlc, choice, allow_overlap: allowOverlap };
}

/** Each conflict once (the first kept). */
export function distinctConflicts(conflicts: readonly EditConflictInfo[]): EditConflictInfo[] {
  const seen = new Set<string>();
  return conflicts.filter((c) => {
    const key = conflictKey(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The list once a conflict was decided (here, or on another PC). */
export function withoutConflict(conflicts: readonly EditConflictInfo[], key: string): EditConflictInfo[] {
  return conflicts.filter((c) => conflictKey(c) !== key);
}

/**
 * The order of a patient's conflicts: the file's own fields first, in the form's order, then
 * the medical-history entries by label, each in the history's order, then the chart entries by
 * tooth, then the appointments by time; two values for one field oldest written first.
 */
export function compareConflicts(a: EditConflictInfo, b: EditConflictInfo): number {
  const table = (t: string) => (t === "patient" ? 0 : t === "medical_item" ? 1 : t === "chart_entry" ? 2 : t === "appointment" ? 3 : 4);
  const tooth = (c: EditConflictInfo) => Number(c.chart_entry?.tooth ?? 99);
  return (
    table(a.table) - table(b.table) ||
    (a.table === "medical_item"
      ? (a.item_label ?? "").localeCompare(b.item_label ?? "", "fr", { sensitivity: "base" }) ||
        a.row_id.localeCompare(b.row_id)
      : a.table === "appointment"
        ? (a.appointment_starts_at ?? "").localeCompare(b.appointment_starts_at ?? "") || a.row_id.localeCompare(b.row_id)
        : a.table === "chart_entry"
          ? tooth(a) - tooth(b) || a.row_id.localeCompare(b.row_id)
          : a.row_id.localeCompare(b.row_id)) ||
    fieldRank(a.table, a.field) - fieldRank(b.table, b.field) ||
    a.field.localeCompare(b.field) ||
    a.other_written_at_ms - b.other_written_at_ms ||
    a.other_device.localeCompare(b.other_device)
  );
}

/** A patient's waiting conflicts, with when the newest was found. */
export type ConflictGroup = { patient: PatientRef; conflicts: EditConflictInfo[]; latest_found_ms: number };

/** The conflicts by patient: the patient with the newest one first, each patient's in file order. */
export function groupByPatient(conflicts: readonly EditConflictInfo[]): ConflictGroup[] {
  const groups = new Map<string, ConflictGroup>();
  for (const c of distinctConflicts(conflicts)) {
    const g = groups.get(c.patient.id);
    if (g) {
      g.conflicts.push(c);
      g.latest_found_ms = Math.max(g.latest_found_ms, c.found_at_ms);
    } else {
      groups.set(c.patient.id, { patient: c.patient, conflicts: [c], latest_found_ms: c.found_at_ms });
    }
  }
  const out = [...groups.values()];
  for (const g of out) g.conflicts.sort(compareConflicts);
  return out.sort(
    (a, b) =>
      b.latest_found_ms - a.latest_found_ms ||
      a.patient.last_name.localeCompare(b.patient.last_name, "fr", { sensitivity: "base" }) ||
      a.patient.first_name.localeCompare(b.patient.first_name, "fr", { sensitivity: "base" }) ||
      a.patient.file_number.localeCompare(b.patient.file_number),
  );
}

/**
 * The tab a patient's waiting conflicts open the file on: its chart when they are all chart
 * entries (the entry is seen on its tooth there, the file's banner above), else the file itself.
 */
export function fileTabFor(conflicts: readonly EditConflictInfo[]): FileTab {
  return conflicts.length > 0 && conflicts.every((c) => c.table === "chart_entry") ? "chart" : "file";
}

/** A patient's waiting conflicts, in file order. */
export function conflictsOf(conflicts: readonly EditConflictInfo[] | null | undefined, patientId: string): EditConflictInfo[] {
  if (!conflicts) return [];
  return distinctConflicts(conflicts)
    .filter((c) => c.patient.id === patientId)
    .sort(compareConflicts);
}

/** One key per double booking, whichever appointment comes first. */
export function doubleBookingKey(firstId: string, secondId: string): string {
  return pairKey(firstId, secondId);
}

/** Each double booking once (the first kept). An older Rust side sends none. */
export function distinctDoubleBookings(bookings: readonly DoubleBooking[] | null | undefined): DoubleBooking[] {
  const seen = new Set<string>();
  return (bookings ?? []).filter((d) => {
    const key = doubleBookingKey(d.first.id, d.second.id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The list once a double booking was settled here (one cancelled, or both kept). */
export function withoutDoubleBooking(bookings: readonly DoubleBooking[], firstId: string, secondId: string): DoubleBooking[] {
  const key = doubleBookingKey(firstId, secondId);
  return bookings.filter((d) => doubleBookingKey(d.first.id, d.second.id) !== key);
}

/** "1 double réservation", "2 doubles réservations". */
export function doubleBookingCountLabel(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "dbl.count_one" : "dbl.count_many", { n });
}

/** One key per chart contradiction: the entry that does not fit its tooth, then what makes the
 * tooth absent or replaced (the two are not interchangeable, unlike a double booking's). */
export function chartContradictionKey(entryId: string, becauseOfId: string): string {
  return `${entryId}\u0000${becauseOfId}`;
}

/** Each chart contradiction once (the first kept). An older Rust side sends none. */
export function distinctChartContradictions(list: readonly ChartContradiction[] | null | undefined): ChartContradiction[] {
  const seen = new Set<string>();
  return (list ?? []).filter((c) => {
    const key = chartContradictionKey(c.entry.id, c.because_of.id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The list once a chart contradiction was settled here (both kept) or elsewhere. */
export function withoutChartContradiction(
  list: readonly ChartContradiction[],
  entryId: string,
  becauseOfId: string,
): ChartContradiction[] {
  const key = chartContradictionKey(entryId, becauseOfId);
  return list.filter((c) => chartContradictionKey(c.entry.id, c.because_of.id) !== key);
}

/** The list once an entry was struck out here: it contradicts nothing any more, on either side. */
export function withoutChartEntry(list: readonly ChartContradiction[], entryId: string): ChartContradiction[] {
  return list.filter((c) => c.entry.id !== entryId && c.because_of.id !== entryId);
}

/** The teeth with a contradiction waiting, each once, in the order given: a chart's notice counts
 * them, its odontogram marks them. */
export function contradictedTeeth(list: readonly Pick<ChartContradiction, "tooth">[] | null | undefined): string[] {
  return [...new Set((list ?? []).map((c) => c.tooth))];
}

/** What a write in the chart did to its contradictions (an entry of one struck out from its
 * tooth's panel settles it, one restored can bring it back): the inbox follows. */
export function contradictionChanges(
  before: readonly ChartContradiction[] | null | undefined,
  after: readonly ChartContradiction[] | null | undefined,
): { gone: ChartContradiction[]; came: ChartContradiction[] } {
  const keys = (list: readonly ChartContradiction[] | null | undefined) =>
    new Set((list ?? []).map((c) => chartContradictionKey(c.entry.id, c.because_of.id)));
  const [had, has] = [keys(before), keys(after)];
  return {
    gone: distinctChartContradictions(before).filter((c) => !has.has(chartContradictionKey(c.entry.id, c.because_of.id))),
    came: distinctChartContradictions(after).filter((c) => !had.has(chartContradictionKey(c.entry.id, c.because_of.id))),
  };
}

/** The chart's notice: "1 dent porte des entrées qui se contredisent, notées à deux postes
 * séparés…", "2 dents portent…". */
export function contradictedTeethText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "chart.contra_one" : "chart.contra_many", { n });
}

/** "1 contradiction du schéma dentaire", "2 contradictions du schéma dentaire". */
export function chartContradictionCountLabel(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "inbox.contra_count_one" : "inbox.contra_count_many", { n });
}

/** Who charted an entry, and the day ("?" when the name did not come). */
function chartedBy(e: Pick<ChartEntry, "recorded_by" | "recorded_at_ms">): { who: string; date: string } {
  return { who: e.recorded_by.trim() || "?", date: formatDay(e.recorded_at_ms) };
}

/** What makes the tooth absent or replaced, said after the entry: "sur une dent notée absente
 * par Dr Amina Benali le 23/11/2026"; a done extraction by who did it and when. */
function becauseOfPhrase(
  lang: Language,
  b: Pick<ChartEntry, "kind" | "surfaces" | "status" | "recorded_by" | "recorded_at_ms" | "done_by" | "done_on">,
): string {
  const charted = chartedBy(b);
  switch (b.kind) {
    case "missing":
      return translate(lang, "inbox.contra_on_missing", charted);
    case "extraction":
      return translate(lang, "inbox.contra_on_extracted", {
        who: b.done_by?.trim() || charted.who,
        date: b.done_on ? formatDate(b.done_on) : charted.date,
      });
    case "implant":
      return translate(lang, "inbox.contra_on_implant", charted);
    case "pontic":
      return translate(lang, "inbox.contra_on_pontic", charted);
    default:
      return translate(lang, "inbox.contra_on_other", { entry: entryPhrase(lang, b), ...charted });
  }
}

/**
 * A chart contradiction in one sentence: "Carie MOD, notée par Karim Haddad le 24/11/2026, sur
 * une dent notée absente par Dr Amina Benali le 23/11/2026." The tooth and the patient are said
 * above it.
 */
export function contradictionText(lang: Language, c: Pick<ChartContradiction, "entry" | "because_of">): string {
  const entry = translate(lang, `inbox.contra_entry_${kindGender(c.entry.kind)}`, {
    entry: upperFirst(entryPhrase(lang, c.entry)),
    ...chartedBy(c.entry),
  });
  return translate(lang, "inbox.contra_text", { entry, because: becauseOfPhrase(lang, c.because_of) });
}

/** Why both cannot be true, as the chart's form says it: "Carie impossible sur la dent 36 : elle
 * est notée absente ou extraite." Null for a reason this version does not know. */
export function contradictionReason(lang: Language, c: Pick<ChartContradiction, "entry" | "tooth" | "reason">): string | null {
  return misfitText(lang, c.reason, { kind: c.entry.kind, tooth: c.tooth });
}

/** An entry's note, named by the entry: "Note (carie MOD) : Douleur au froid"; null without one. */
export function chartNoteText(lang: Language, e: Pick<ChartEntry, "kind" | "surfaces" | "note">): string | null {
  const note = e.note.trim();
  return note ? translate(lang, "inbox.contra_note", { entry: lowerFirst(entryText(lang, e)), note }) : null;
}

/** Kinds whose label says a state of the tooth (« Absente », « À surveiller »), not a thing: a
 * button quotes it. */
const STATE_KINDS: readonly string[] = ["missing", "watch"];

/**
 * The button that strikes out one of the two entries, naming its kind: "Barrer la carie",
 * "Barrer l'implant", "Barrer « Absente »"; with its status when the other is of the same kind
 * ("Barrer l'extraction prévue", "Barrer l'extraction réalisée").
 */
export function strikeLabel(lang: Language, e: Pick<ChartEntry, "kind" | "status">, other: Pick<ChartEntry, "kind">): string {
  const label = chartKindLabel(lang, e.kind);
  if (STATE_KINDS.includes(e.kind)) return translate(lang, "inbox.contra_strike_quoted", { entry: label });
  const entry = e.kind === other.kind ? entryPhrase(lang, { kind: e.kind, surfaces: "", status: e.status }) : lowerFirst(label);
  // French elides the article before a vowel: « l'obturation », « l'implant ».
  const article = /^[aeiouyhàâéèêëîïôûü]/i.test(label) ? "elided" : kindGender(e.kind);
  return translate(lang, `inbox.contra_strike_${article}`, { entry });
}

/** The number on the navigation's badge: possible duplicates, concurrent edits, double bookings
 * and chart contradictions (0: hidden). */
export function inboxCount(inbox: AttentionInbox | null | undefined): number {
  if (!inbox) return 0;
  return (
    distinctPairs(inbox.duplicates).length +
    distinctConflicts(inbox.edit_conflicts).length +
    distinctDoubleBookings(inbox.double_bookings).length +
    distinctChartContradictions(inbox.chart_contradictions).length
  );
}

/** "1 élément à traiter", "3 éléments à traiter": what the badge says to a screen reader. */
export function badgeLabel(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "inbox.badge_one" : "inbox.badge_many", { n });
}

/** "1 modification simultanée", "2 modifications simultanées": a section's count. */
export function conflictCountLabel(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "inbox.conflicts_one" : "inbox.conflicts_many", { n });
}

/** "2 modifications simultanées · 1 doublon possible · 1 double réservation · 1 contradiction du
 * schéma dentaire": what waits, for the patients list's notice. */
export function inboxSummary(lang: Language, inbox: AttentionInbox | null | undefined): string {
  if (!inbox) return "";
  const parts: string[] = [];
  const conflicts = distinctConflicts(inbox.edit_conflicts).length;
  const pairs = distinctPairs(inbox.duplicates).length;
  const bookings = distinctDoubleBookings(inbox.double_bookings).length;
  const contradictions = distinctChartContradictions(inbox.chart_contradictions).length;
  if (conflicts > 0) parts.push(conflictCountLabel(lang, conflicts));
  if (pairs > 0) parts.push(noticeCountLabel(lang, pairs));
  if (bookings > 0) parts.push(doubleBookingCountLabel(lang, bookings));
  if (contradictions > 0) parts.push(chartContradictionCountLabel(lang, contradictions));
  return parts.join(" · ");
}

/**
 * The banner of a file with waiting conflicts: "Modifié en même temps à deux postes, à vérifier :
 * Notes, Téléphones". Empty when there is none.
 */
export function conflictBannerText(lang: Language, conflicts: readonly EditConflictInfo[]): string {
  if (conflicts.length === 0) return "";
  const subjects: string[] = [];
  for (const c of conflicts) {
    const s = conflictSubject(lang, c);
    if (!subjects.includes(s)) subjects.push(s);
  }
  return translate(lang, conflicts.length === 1 ? "inbox.banner_one" : "inbox.banner_many", {
    fields: subjects.join(", "),
    n: conflicts.length,
  });
}

/** "Poste accueil", or "un autre poste" when the name is not known. */
export function deviceLabel(lang: Language, name: string): string {
  return name.trim() || translate(lang, "inbox.unknown_device");
}
