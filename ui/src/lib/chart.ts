// Pure helpers for the dental chart (odontogram): kinds, statuses and materials in words, where
// each tooth and each of its surfaces is drawn, the keyboard's tooth typing and moves, the
// surfaces typed and toggled, and the entry form <-> ChartEntryInput. No Svelte, no I/O.
// What a tooth looks like (its state, each surface's mark chosen by precedence, its whole-tooth
// marks) and whether an entry is valid (which surfaces a tooth has, which kinds need surfaces,
// which status a kind may take, materials) are the Rust side's: it answers an invalid entry with
// `invalid_input`, its message starting with the field ("surfaces: …") and its `reason` naming
// the rule, which the form words in the user's language (chartErrorText).
import type {
  ApiError,
  ChartEntry,
  ChartEntryInput,
  ChartEntryRef,
  ChartKind,
  ChartKindRule,
  ChartStatus,
  ChartTooth,
  ChartUpdate,
  DentalChart,
  Language,
  ToothMaterial,
} from "./bindings";
import { translate, type MessageKey, type Params } from "./i18n";
import { fieldErrorText } from "./patients";

export const CHART_KINDS = [
  "caries",
  "fracture",
  "watch",
  "missing",
  "restoration",
  "sealant",
  "crown",
  "root_canal",
  "implant",
  "pontic",
  "extraction",
] as const satisfies readonly ChartKind[];

export const CHART_STATUSES = ["existing", "planned", "done"] as const satisfies readonly ChartStatus[];

export const TOOTH_MATERIALS = [
  "composite",
  "amalgam",
  "glass_ionomer",
  "ceramic",
  "metal_ceramic",
  "zirconia",
  "metal",
] as const satisfies readonly ToothMaterial[];

export function isChartKind(kind: string): kind is ChartKind {
  return (CHART_KINDS as readonly string[]).includes(kind);
}
export function isChartStatus(status: string): status is ChartStatus {
  return (CHART_STATUSES as readonly string[]).includes(status);
}
export function isToothMaterial(material: string): material is ToothMaterial {
  return (TOOTH_MATERIALS as readonly string[]).includes(material);
}

/** What a kind takes (finding or treatment, its default status, its materials): the Rust
 * side's rules, sent with the chart (`DentalChart.kinds`). */
export function kindRule(kinds: readonly ChartKindRule[], kind: string): ChartKindRule | undefined {
  return kinds.find((k) => k.kind === kind);
}

/** The materials the form offers for a kind (none: no material select). */
export const materialsOf = (kinds: readonly ChartKindRule[], kind: string): readonly ToothMaterial[] =>
  kindRule(kinds, kind)?.materials ?? [];

/** "Carie", "Obturation"; a kind this version does not know as sent. */
export function kindLabel(lang: Language, kind: string): string {
  return isChartKind(kind) ? translate(lang, `chart.kind_${kind}`) : kind;
}

/** "Constaté", "Prévu", "Réalisé". */
export function statusLabel(lang: Language, status: string): string {
  return isChartStatus(status) ? translate(lang, `chart.status_${status}`) : status;
}

export function materialLabel(lang: Language, material: string | null | undefined): string {
  if (!material) return translate(lang, "chart.material_none");
  return isToothMaterial(material) ? translate(lang, `chart.material_${material}`) : material;
}

/** The French kinds that take a feminine adjective ("obturation prévue", "implant prévu"). */
const FEMININE: readonly ChartKind[] = ["caries", "fracture", "missing", "restoration", "crown", "extraction"];

/** The gender a kind's French words agree with ("f": "obturation prévue", "m": "implant prévu");
 * the keys that end in `_f` and `_m` are chosen by it (English says both alike). */
export function kindGender(kind: string): "f" | "m" {
  return isChartKind(kind) && FEMININE.includes(kind) ? "f" : "m";
}

/** A kind's status as said after it ("prévue", "réalisé"); nothing for what stands in the mouth. */
function statusSaid(lang: Language, kind: string, status: string): string {
  if (status !== "planned" && status !== "done") return "";
  return translate(lang, `chart.said_${status}_${kindGender(kind)}` as MessageKey);
}

/** The first letter in lower case: a label inside a sentence ("carie", "à surveiller"). */
export function lowerFirst(text: string): string {
  return text ? text[0].toLocaleLowerCase() + text.slice(1) : text;
}

/** The first letter in upper case: a phrase that starts a sentence ("Obturation MOD prévue"). */
export function upperFirst(text: string): string {
  return text ? text[0].toLocaleUpperCase() + text.slice(1) : text;
}

// ---------------------------------------------------------------- surfaces

/** A tooth's faces in canonical order: Mesial, Occlusal, Incisal, Distal, Buccal, Lingual. */
export const SURFACES = ["M", "O", "I", "D", "B", "L"] as const;
export type Surface = (typeof SURFACES)[number];

/** The letters dentists type for each face (V vestibular and F facial for B, P palatal for L). */
const ALIASES: Record<string, Surface> = { M: "M", O: "O", I: "I", D: "D", B: "B", V: "B", F: "B", L: "L", P: "L" };

/** The faces named in a text as typed ("mod", "M O D", "dv"); other characters are left to the
 * Rust side, which names what it does not read. */
export function surfaceSet(text: string): Set<Surface> {
  const set = new Set<Surface>();
  for (const c of text.toUpperCase()) {
    const s = ALIASES[c];
    if (s) set.add(s);
  }
  return set;
}

/** Faces in canonical order, "MOD". */
export function surfacesText(set: Iterable<Surface>): string {
  const has = new Set(set);
  return SURFACES.filter((s) => has.has(s)).join("");
}

/** The text once a face's button is pressed: the face added or taken away, in canonical order. */
export function toggleSurface(text: string, surface: Surface): string {
  const set = surfaceSet(text);
  if (set.has(surface)) set.delete(surface);
  else set.add(surface);
  return surfacesText(set);
}

/** The face buttons a tooth shows: a front tooth has a biting edge (I), a back tooth a chewing
 * surface (O). */
export function toothSurfaces(anterior: boolean): Surface[] {
  return ["M", anterior ? "I" : "O", "D", "B", "L"];
}

// ---------------------------------------------------------------- drawing

/** FDI quadrant: 1-4 permanent, 5-8 milk. */
const quadrant = (tooth: string) => Number(tooth[0]);

/** On the patient's right, drawn on the viewer's left (quadrants 1, 4, 5 and 8). */
export const isPatientRight = (tooth: string) => [1, 4, 5, 8].includes(quadrant(tooth));
export const isPrimaryTooth = (tooth: string) => quadrant(tooth) >= 5;

/** A valid FDI two-digit code: 11-18 … 41-48, or 51-55 … 81-85 for milk teeth. */
export function isToothCode(code: string): boolean {
  if (!/^[1-8][1-8]$/.test(code)) return false;
  return quadrant(code) <= 4 || Number(code[1]) <= 5;
}

/** The five zones of the classic tooth diagram. */
export type Zone = "top" | "bottom" | "left" | "right" | "centre";

/**
 * Which face each zone shows: the centre is O (or I on a front tooth); the face towards the lips
 * (B) is on the outside of the chart (the top for an upper tooth, the bottom for a lower one);
 * the face towards the midline (M) is on the right for a tooth on the viewer's left (the
 * patient's right), on the left for the others.
 */
export function zoneSurfaces(t: Pick<ChartTooth, "tooth" | "upper" | "anterior">): Record<Zone, Surface> {
  const right = isPatientRight(t.tooth);
  return {
    top: t.upper ? "B" : "L",
    bottom: t.upper ? "L" : "B",
    left: right ? "D" : "M",
    right: right ? "M" : "D",
    centre: t.anterior ? "I" : "O",
  };
}

/** How a surface mark is drawn: an untreated caries red, a planned treatment hatched orange, a
 * fracture dark, something to watch amber, a treatment in place (existing or done) blue. */
export type MarkStyle = "caries" | "planned" | "fracture" | "watch" | "treated";

export function markStyle(m: { kind: string; status: string }): MarkStyle {
  if (m.kind === "caries") return "caries";
  if (m.status === "planned") return "planned";
  if (m.kind === "fracture") return "fracture";
  if (m.kind === "watch") return "watch";
  return "treated";
}

// ---------------------------------------------------------------- words

/** "Carie M", "Couronne": an entry without its tooth. */
export function entryText(lang: Language, e: Pick<ChartEntry, "kind" | "surfaces">): string {
  const kind = kindLabel(lang, e.kind);
  return e.surfaces ? `${kind} ${e.surfaces}` : kind;
}

/** "Carie 36 M", "Couronne 46": an entry with its tooth. */
export function entryWithTooth(lang: Language, e: Pick<ChartEntry, "kind" | "surfaces" | "tooth">): string {
  return [kindLabel(lang, e.kind), e.tooth, e.surfaces].filter(Boolean).join(" ");
}

/** "carie M", "obturation MOD prévue", "couronne": an entry inside a sentence. */
export function entryPhrase(lang: Language, e: Pick<ChartEntry, "kind" | "surfaces" | "status">): string {
  return [lowerFirst(kindLabel(lang, e.kind)), e.surfaces, statusSaid(lang, e.kind, e.status)].filter(Boolean).join(" ");
}

/** A tooth button's accessible name: "Dent 36 : carie M, obturation MOD prévue" (its active
 * entries), "Dent 21 : rien de noté"; "Dent 18 : absente, carie O — entrées contradictoires" with
 * a contradiction waiting on it. */
export function toothLabel(
  lang: Language,
  tooth: string,
  active: readonly Pick<ChartEntry, "kind" | "surfaces" | "status">[],
  contradicted = false,
): string {
  const label =
    active.length === 0
      ? translate(lang, "chart.tooth_label_none", { tooth })
      : translate(lang, "chart.tooth_label", { tooth, entries: active.map((e) => entryPhrase(lang, e)).join(", ") });
  // The odontogram's mark of a waiting contradiction, said too (the button's label is all a
  // screen reader reads of it).
  return contradicted ? translate(lang, "chart.tooth_label_contra", { label }) : label;
}

/** The inbox's subject for a chart entry: "Schéma dentaire — dent 36 MO, carie". */
export function chartRefLabel(lang: Language, ref: ChartEntryRef): string {
  const where = ref.surfaces ? `${ref.tooth} ${ref.surfaces}` : ref.tooth;
  return translate(lang, "chart.ref", { where, kind: lowerFirst(kindLabel(lang, ref.kind)) });
}

// ---------------------------------------------------------------- layout and keyboard

/** Which dentition is drawn. */
export const CHART_VIEWS = ["permanent", "primary", "mixed"] as const;
export type ChartView = (typeof CHART_VIEWS)[number];

/** The permanent teeth, with the milk teeth too when they carry entries. */
export const defaultView = (chart: Pick<DentalChart, "has_primary_entries">): ChartView =>
  chart.has_primary_entries ? "mixed" : "permanent";

/** Whether a view draws the tooth. */
export function viewShows(view: ChartView, tooth: string): boolean {
  return view === "mixed" || (view === "primary") === isPrimaryTooth(tooth);
}

/** A tooth's place: its row (top to bottom) and its column (0-15, the midline between 7 and 8). */
export type ToothCell = { tooth: ChartTooth; row: number; col: number };

/** Columns on each side of the midline. */
export const HALF_COLUMNS = 8;

/**
 * The rows drawn, top to bottom, each left to right as the Rust side orders them (the patient's
 * right on the viewer's left): the upper arch on top, the lower below, and in the mixed view the
 * milk teeth between them, each under or over the permanent tooth that replaces it (55 under 15).
 */
export function chartRows(chart: Pick<DentalChart, "permanent" | "primary">, view: ChartView): ToothCell[][] {
  const perm = (upper: boolean) => chart.permanent.filter((t) => t.upper === upper);
  const milk = (upper: boolean) => chart.primary.filter((t) => t.upper === upper);
  const lists: { teeth: ChartTooth[]; offset: number }[] = [];
  const permOffset = (teeth: ChartTooth[]) => HALF_COLUMNS - teeth.length / 2;
  const add = (teeth: ChartTooth[]) => lists.push({ teeth, offset: permOffset(teeth) });
  if (view !== "primary") add(perm(true));
  if (view !== "permanent") add(milk(true));
  if (view !== "permanent") add(milk(false));
  if (view !== "primary") add(perm(false));
  return lists.map(({ teeth, offset }, row) => teeth.map((tooth, i) => ({ tooth, row, col: offset + i })));
}

/** The row of the chart that the upper and lower arches meet at (the first lower row). */
export function firstLowerRow(rows: ToothCell[][]): number {
  const i = rows.findIndex((r) => r.length > 0 && !r[0].tooth.upper);
  return i < 0 ? rows.length : i;
}

/**
 * The tooth an arrow key moves to: the neighbour in the row (← →), the nearest tooth of the row
 * above or below (↑ ↓), the row's first or last (Home, End). The first tooth when none is
 * chosen; the same tooth at an edge; null for another key.
 */
export function moveSelection(rows: ToothCell[][], current: string | null, key: string): string | null {
  if (!["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(key)) return null;
  const filled = rows.filter((r) => r.length > 0);
  if (filled.length === 0) return null;
  let r = -1;
  let i = -1;
  filled.forEach((row, ri) => {
    const at = row.findIndex((c) => c.tooth.tooth === current);
    if (at >= 0) [r, i] = [ri, at];
  });
  if (r < 0) return filled[0][0].tooth.tooth;
  const row = filled[r];
  switch (key) {
    case "ArrowLeft":
      return row[Math.max(0, i - 1)].tooth.tooth;
    case "ArrowRight":
      return row[Math.min(row.length - 1, i + 1)].tooth.tooth;
    case "Home":
      return row[0].tooth.tooth;
    case "End":
      return row[row.length - 1].tooth.tooth;
  }
  const next = filled[key === "ArrowUp" ? r - 1 : r + 1];
  if (!next) return row[i].tooth.tooth;
  const col = row[i].col;
  // The nearest column; between two, the one towards the midline.
  const mid = HALF_COLUMNS - 0.5;
  let best = next[0];
  for (const c of next) {
    const d = Math.abs(c.col - col) - Math.abs(best.col - col);
    if (d < 0 || (d === 0 && Math.abs(c.col - mid) < Math.abs(best.col - mid))) best = c;
  }
  return best.tooth.tooth;
}

/** The first digit typed of a tooth's number, waiting for the second. */
export type ToothTyping = { digit: string; at: number } | null;

/** How long the first digit waits for the second. */
export const TYPING_MS = 1500;

/**
 * A digit typed on the chart: a quadrant digit (1-8) waits for the second; the second makes the
 * tooth when the two are a tooth's number ("3", "6" → 36). Anything else starts over.
 */
export function typeToothDigit(pending: ToothTyping, key: string, now: number): { pending: ToothTyping; tooth: string | null } {
  if (!/^[0-9]$/.test(key)) return { pending: null, tooth: null };
  if (pending && now - pending.at <= TYPING_MS) {
    const code = pending.digit + key;
    if (isToothCode(code)) return { pending: null, tooth: code };
  }
  return { pending: /^[1-8]$/.test(key) ? { digit: key, at: now } : null, tooth: null };
}

// ---------------------------------------------------------------- entries

/** Ascending FDI numbers. */
const byTooth = (a: ChartEntry, b: ChartEntry) => Number(a.tooth) - Number(b.tooth);

/** A tooth's entries: the active ones, then those settled or struck out, each in charted order. */
export function toothEntries(chart: Pick<DentalChart, "entries">, tooth: string): ChartEntry[] {
  const mine = chart.entries.filter((e) => e.tooth === tooth);
  return [...mine.filter((e) => e.active), ...mine.filter((e) => !e.active)];
}

/** The chart's entries under it: by tooth, each tooth's in charted order; the active ones only
 * unless `all`. */
export function listedEntries(chart: Pick<DentalChart, "entries">, all: boolean): ChartEntry[] {
  return chart.entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => all || e.active)
    .sort((a, b) => byTooth(a.e, b.e) || a.i - b.i)
    .map(({ e }) => e);
}

/** Every tooth of the chart, permanent and milk. */
export const allTeeth = (chart: Pick<DentalChart, "permanent" | "primary">): ChartTooth[] => [...chart.permanent, ...chart.primary];

/**
 * The status line once a treatment settled findings: "1 constat soldé par obturation MOD :
 * carie 36 M." Null when it settled none.
 */
export function settledText(lang: Language, update: ChartUpdate): string | null {
  const settled = update.settled
    .map((id) => update.chart.entries.find((e) => e.id === id))
    .filter((e): e is ChartEntry => e !== undefined);
  if (update.settled.length === 0) return null;
  const byId = settled.find((e) => e.settled_by)?.settled_by;
  const by = byId ? update.chart.entries.find((e) => e.id === byId) : undefined;
  const params = {
    n: update.settled.length,
    by: by ? lowerFirst(entryText(lang, by)) : lowerFirst(translate(lang, "chart.settled_by_unknown")),
    entries: settled.map((e) => lowerFirst(entryWithTooth(lang, e))).join(", ") || "?",
  };
  return translate(lang, update.settled.length === 1 ? "chart.settled_one" : "chart.settled_many", params);
}

/**
 * The status line once findings came back to the chart, their treatment struck out, no longer
 * done or narrowed to surfaces that no longer cover them: "1 constat rétabli : carie 36 MO."
 * Null when none came back.
 */
export function restoredText(lang: Language, update: Pick<ChartUpdate, "chart" | "restored">): string | null {
  if (update.restored.length === 0) return null;
  const restored = update.restored
    .map((id) => update.chart.entries.find((e) => e.id === id))
    .filter((e): e is ChartEntry => e !== undefined);
  const params = {
    n: update.restored.length,
    entries: restored.map((e) => lowerFirst(entryWithTooth(lang, e))).join(", ") || "?",
  };
  return translate(lang, update.restored.length === 1 ? "chart.restored_one" : "chart.restored_many", params);
}

/** What a write did to other entries, for the status line: the findings it settled, those it
 * gave back; null when it touched none (the action's own words are shown then). */
export function followUpText(lang: Language, update: ChartUpdate): string | null {
  const parts = [settledText(lang, update), restoredText(lang, update)].filter((x): x is string => x !== null);
  return parts.length > 0 ? parts.join(" ") : null;
}

/** The entry a write was about (the one just charted, edited, done, struck out or restored). */
export function writtenEntry(update: Pick<ChartUpdate, "chart" | "entry_id">): ChartEntry | null {
  return update.chart.entries.find((e) => e.id === update.entry_id) ?? null;
}

/**
 * Whether an entry out of the chart can be brought back: one struck out. A settled finding
 * (`settled_by`: the Rust side names the treatment only while it still settles it) comes back
 * when that treatment is struck out or changed, not on its own.
 */
export function restorable(e: Pick<ChartEntry, "active" | "settled_by">): boolean {
  return !e.active && !e.settled_by;
}

// ---------------------------------------------------------------- the entry form

export type ChartForm = {
  kind: ChartKind;
  /** As typed ("mod"); the Rust side reads it. */
  surfaces: string;
  status: ChartStatus;
  /** "" when not given. */
  material: ToothMaterial | "";
  note: string;
  /** "YYYY-MM-DD", "" for today. */
  done_on: string;
};

/** A new entry's form: the kind's default status (a finding is seen, a treatment planned). */
export function emptyChartForm(kinds: readonly ChartKindRule[], kind: ChartKind = "caries"): ChartForm {
  const status = kindRule(kinds, kind)?.default_status ?? "existing";
  return { kind, surfaces: "", status, material: "", note: "", done_on: "" };
}

export function formFromEntry(e: ChartEntry): ChartForm {
  return {
    kind: e.kind,
    surfaces: e.surfaces,
    status: e.status,
    material: e.material ?? "",
    note: e.note,
    done_on: e.done_on ?? "",
  };
}

/** The form as sent: no material where the form offers none, a day done only when done. */
export function inputFromForm(tooth: string, f: ChartForm, kinds: readonly ChartKindRule[]): ChartEntryInput {
  return {
    tooth,
    surfaces: f.surfaces.trim(),
    kind: f.kind,
    status: f.status,
    material: f.material && materialsOf(kinds, f.kind).includes(f.material) ? f.material : null,
    note: f.note.trim(),
    done_on: f.status === "done" && f.done_on.trim() ? f.done_on.trim() : null,
  };
}

export const CHART_FIELDS = ["tooth", "kind", "surfaces", "status", "material", "done_on", "note"] as const;
export type ChartField = (typeof CHART_FIELDS)[number];

/** The field an `invalid_input` message is about ("surfaces: tooth 11 is a front tooth…"). */
export function errorField(message: string): ChartField | null {
  const m = /^([a-z_]+):/.exec(message);
  return m && (CHART_FIELDS as readonly string[]).includes(m[1]) ? (m[1] as ChartField) : null;
}

// ---------------------------------------------------------------- refusals

/** The first character typed that is not a surface's letter (nor a space or a separator, which
 * the Rust side skips), as it reads surfaces; null when there is none. */
function unknownLetter(text: string): string | null {
  for (const c of text) {
    if (/\s/.test(c) || ",+-/;".includes(c)) continue;
    if (!ALIASES[c.toUpperCase()]) return c;
  }
  return null;
}

/** The reasons an entry does not fit its tooth as the tooth's other entries make it. */
const MISFITS = ["tooth_absent", "on_implant", "on_pontic"] as const;

/**
 * Why an entry does not fit its tooth, from the reason (`tooth_absent`, `on_implant`,
 * `on_pontic`): "Carie impossible sur la dent 36 : elle est notée absente ou extraite." Said
 * alone in the inbox (two PCs charted both); a form adds what to do about it. Null for another
 * reason.
 */
export function misfitText(lang: Language, reason: string | undefined, entry: { kind: string; tooth: string }): string | null {
  if (!(MISFITS as readonly string[]).includes(reason ?? "")) return null;
  const params = { kind: kindLabel(lang, entry.kind), tooth: entry.tooth };
  return translate(lang, `chart.err_${reason as (typeof MISFITS)[number]}`, params);
}

/** A form's refusal of an entry that does not fit its tooth: why, and for a tooth charted
 * absent, what to do about it. */
function misfitRefusal(lang: Language, reason: string | undefined, entry: { kind: string; tooth: string }): string | null {
  const why = misfitText(lang, reason, entry);
  if (why === null || reason !== "tooth_absent") return why;
  return `${why} ${translate(lang, "chart.err_tooth_absent_hint")}`;
}

/**
 * A refusal of an action on an entry (mark done, restore) in the user's language, from its
 * reason; null for any other error (the caller shows the generic wording then). `entry`: the
 * entry acted on, for the refusals that name its kind and tooth.
 */
export function chartActionErrorText(
  lang: Language,
  err: ApiError,
  entry?: { kind: string; tooth: string },
): string | null {
  if (err.code !== "invalid_input") return null;
  switch (err.reason) {
    case "tooth_absent":
    case "on_implant":
    case "on_pontic":
      return entry ? misfitRefusal(lang, err.reason, entry) : null;
    case "not_planned":
      return translate(lang, "chart.err_not_planned");
    case "struck_out":
      return translate(lang, "chart.err_struck_out");
    case "settled_finding":
      return translate(lang, "chart.err_settled_finding");
    default:
      return null;
  }
}

/**
 * The Rust side's refusal of a chart entry in the user's language, worded from its `reason` (the
 * rule that refused it) and what was sent: "La dent 11 est une dent antérieure : son bord libre
 * est I (incisal), pas O (occlusal)." `anterior` is the charted tooth's (whether a misplaced O or
 * I was typed). A refusal without a reason (the day done, the note) is worded from its English
 * reason. Null when the error is not one the chart can word (another code, a kind, status or
 * material the form cannot send): the caller shows the generic wording then.
 */
export function chartErrorText(
  lang: Language,
  err: ApiError,
  input: ChartEntryInput,
  anterior: boolean,
  kinds: readonly ChartKindRule[],
): string | null {
  if (err.code !== "invalid_input") return null;
  const tr = (key: MessageKey, params?: Params) => translate(lang, key, params);
  const tooth = input.tooth.trim();
  const kind = kindLabel(lang, input.kind);
  switch (err.reason) {
    case "not_a_tooth":
      return tr("chart.err_not_a_tooth", { tooth });
    case "surface_not_on_tooth":
      return tr(anterior ? "chart.err_front_tooth_edge" : "chart.err_back_tooth_surface", { tooth });
    case "unknown_surface": {
      const letter = unknownLetter(input.surfaces);
      return letter ? tr("chart.err_unknown_surface", { letter }) : tr("chart.err_unknown_surface_any");
    }
    case "surfaces_required":
      return tr("chart.err_surfaces_required", { kind });
    case "whole_tooth":
      return tr("chart.err_whole_tooth", { kind });
    case "sealant_surfaces":
      return tr("chart.err_sealant_surfaces");
    case "sealant_front_tooth":
      return tr("chart.err_sealant_front_tooth", { tooth });
    case "milk_tooth":
      return tr("chart.err_milk_tooth", { kind, tooth });
    case "tooth_absent":
    case "on_implant":
    case "on_pontic":
      return misfitRefusal(lang, err.reason, { kind: input.kind, tooth });
    case "finding_not_existing":
      return tr("chart.err_finding_not_existing", { kind, existing: statusLabel(lang, "existing") });
    case "existing_extraction":
      return tr("chart.err_existing_extraction", { missing: kindLabel(lang, "missing") });
    case "material_not_for_kind": {
      if (!isChartKind(input.kind) || !input.material) return null;
      // Which materials a kind takes is the Rust side's rule, sent with the chart.
      if (materialsOf(kinds, input.kind).length === 0) return tr("chart.err_no_material", { kind });
      return tr("chart.err_material", { kind, material: lowerFirst(materialLabel(lang, input.material)) });
    }
    case undefined:
      break;
    default:
      // unknown_kind, unknown_status, unknown_material, and any rule newer than this version.
      return null;
  }
  // Without a reason: the day done and the note, their English reason after the field.
  const field = errorField(err.message);
  const reason = err.message.replace(/^[a-z_]+:\s*/, "").trim();
  if (field === "done_on") {
    if (/is in the future$/.test(reason)) return tr("chart.err_done_on_future");
    if (/is before 1900$/.test(reason)) return tr("chart.err_done_on_too_old");
    if (/is not a date/.test(reason)) return fieldErrorText(lang, reason);
  }
  if (field === "note" && /is longer than \d+ characters/.test(reason))
    return tr("chart.err_in_field", { field: tr("chart.note"), text: lowerFirst(fieldErrorText(lang, reason)) });
  return null;
}
