// DEV ONLY. The dental chart commands of the mock (see the top of mock.ts): a few entries on the
// demo patients, the odontogram's picture worked out as the Rust side does (chairside-domain
// chart.rs: a caries over a planned treatment over a fracture over a treatment in place over
// something to watch), the settling of findings by a treatment done and their coming back when it
// no longer stands, and the Rust side's checks with its wording and its reasons (the rule that
// refused), so that the form's errors can be seen. The chart contradictions (the inbox's, and each
// chart's own) are the entries that do not fit their tooth as another entry makes it (the same
// checks), until one is struck out or both are kept (keep_chart_entries). Only for looking at the
// screens.
import type {
  ChartContradiction,
  ChartEntry,
  ChartEntryInput,
  KeepChartEntriesRequest,
  ChartKind,
  ChartStatus,
  ChartTooth,
  ChartUpdate,
  DentalChart,
  Permission,
  SurfaceMark,
  TimelineEntry,
  ToothMark,
  ToothMaterial,
  ToothState,
} from "../bindings";

type Handler = (req: never, args: Record<string, unknown>) => Promise<unknown>;

/** What the chart mock needs from the rest of the mock. */
export type ChartHost = {
  allowed: (perm: Permission) => boolean;
  patient: (
    id: unknown,
  ) => { id: string; file_number: string; last_name: string; first_name: string; erased_at_ms: number | null } | undefined;
  /** The file a file's reads go to (the kept file of a merge). */
  survivor: (id: string) => string;
  /** A file and those merged into it. */
  files: (id: string) => string[];
  user: () => { display_name: string } | null;
  /** The clinic's today, "YYYY-MM-DD". */
  today: () => string;
};

/** An entry as the mock stores it. */
export type MockChartEntry = ChartEntry & { done_at_ms: number };

/** A chart contradiction of the inbox, its file by id (the mock names it). */
export type MockChartContradiction = {
  patient_id: string;
  tooth: string;
  entry: ChartEntry;
  because_of: ChartEntry;
  reason: string;
  found_at_ms: number;
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** An ApiError as the Rust side sends it: `reason` only where it sets one. */
const fail = (code: string, message: string, reason?: string) =>
  Promise.reject(reason === undefined ? { code, message } : { code, message, reason });
/** `invalid_input` on a field; `reason` the code of the rule (ChartError::code, reason::NOT_A_TOOTH). */
const invalid = (field: string, message: string, reason?: string) => fail("invalid_input", `${field}: ${message}`, reason);

// ---------------------------------------------------------------- the Rust side's rules, copied

const KINDS: ChartKind[] = [
  "caries", "fracture", "watch", "missing", "restoration", "sealant", "crown", "root_canal", "implant", "pontic", "extraction",
];
const MATERIALS: ToothMaterial[] = ["composite", "amalgam", "glass_ionomer", "ceramic", "metal_ceramic", "zirconia", "metal"];
const LETTERS = ["M", "O", "I", "D", "B", "L"] as const;
type Letter = (typeof LETTERS)[number];
const ALIASES: Record<string, Letter> = { M: "M", O: "O", I: "I", D: "D", B: "B", V: "B", F: "B", L: "L", P: "L" };
const ARTICLE: Record<ChartKind, string> = {
  caries: "a caries", fracture: "a fracture", watch: "a point to watch", missing: "a missing tooth", restoration: "a restoration",
  sealant: "a sealant", crown: "a crown", root_canal: "a root canal treatment", implant: "an implant", pontic: "a pontic",
  extraction: "an extraction",
};
const isFinding = (k: ChartKind) => k === "caries" || k === "fracture" || k === "watch" || k === "missing";
const surfaceRule = (k: ChartKind) =>
  k === "caries" || k === "restoration" || k === "sealant" ? "required" : k === "fracture" || k === "watch" ? "optional" : "whole";
const materialsOf = (k: ChartKind): ToothMaterial[] =>
  k === "restoration"
    ? ["composite", "amalgam", "glass_ionomer", "ceramic", "metal"]
    : k === "crown" || k === "pontic"
      ? ["ceramic", "metal_ceramic", "zirconia", "metal"]
      : [];

const isTooth = (code: string) => /^[1-8][1-8]$/.test(code) && (Number(code[0]) <= 4 || Number(code[1]) <= 5);
const isAnterior = (code: string) => Number(code[1]) <= 3;
const isPrimary = (code: string) => Number(code[0]) >= 5;
const canonical = (set: Set<Letter>) => LETTERS.filter((l) => set.has(l)).join("");
const stored = (text: string) => new Set([...text].map((c) => ALIASES[c]).filter(Boolean));
const covers = (treated: Set<Letter>, found: Set<Letter>) => [...found].every((s) => treated.has(s));

/** A refusal of ChartEntrySpec::check or Surfaces::parse: the field, the message, the rule's code. */
type Refusal = [field: string, message: string, reason: string];

/** Surfaces as typed, for a tooth; the refusal when they cannot be. */
function parseSurfaces(text: string, tooth: string): string | Refusal {
  const set = new Set<Letter>();
  for (const c of text) {
    if (/\s/.test(c) || ",+-/;".includes(c)) continue;
    const s = ALIASES[c.toUpperCase()];
    if (!s)
      return [
        "surfaces",
        `'${c}' is not a surface: use M (mesial), O (occlusal), I (incisal), D (distal), B or V (buccal), L or P (lingual)`,
        "unknown_surface",
      ];
    if (s === "O" && isAnterior(tooth))
      return ["surfaces", `tooth ${tooth} is a front tooth: its biting edge is I (incisal), not O (occlusal)`, "surface_not_on_tooth"];
    if (s === "I" && !isAnterior(tooth))
      return ["surfaces", `tooth ${tooth} is a back tooth: its chewing surface is O (occlusal), not I (incisal)`, "surface_not_on_tooth"];
    set.add(s);
  }
  return canonical(set);
}

/** ChartEntrySpec::check: the refusal, or null. */
function checkSpec(tooth: string, kind: ChartKind, status: ChartStatus, surfaces: string, material: ToothMaterial | null): Refusal | null {
  const rule = surfaceRule(kind);
  if (rule === "required" && !surfaces)
    return ["surfaces", `${ARTICLE[kind]} is charted on the surfaces it reaches: give them (for example MO)`, "surfaces_required"];
  if (rule === "whole" && surfaces) return ["surfaces", `${ARTICLE[kind]} concerns the whole tooth: give no surfaces`, "whole_tooth"];
  if (kind === "sealant") {
    if (isAnterior(tooth)) return ["tooth", `tooth ${tooth} is a front tooth: a sealant goes on premolars and molars`, "sealant_front_tooth"];
    if (surfaces.includes("M") || surfaces.includes("D"))
      return ["surfaces", "a sealant goes on a back tooth's chewing surface and pits: O, B or L", "sealant_surfaces"];
  }
  if ((kind === "implant" || kind === "pontic") && isPrimary(tooth))
    return ["tooth", `tooth ${tooth} is a milk tooth: ${ARTICLE[kind]} replaces a permanent tooth`, "milk_tooth"];
  if (isFinding(kind) && status !== "existing")
    return [
      "status",
      `${ARTICLE[kind]} is a finding: chart it as existing (plan its treatment as a separate entry, a restoration say)`,
      "finding_not_existing",
    ];
  if (kind === "extraction" && status === "existing")
    return ["status", "an extraction is planned or done: a tooth already out is charted as missing", "existing_extraction"];
  if (material !== null && !materialsOf(kind).includes(material)) {
    const allowed = materialsOf(kind);
    return [
      "material",
      allowed.length === 0
        ? `${ARTICLE[kind]} has no material: only restorations, crowns and pontics have one`
        : `${ARTICLE[kind]} is not made of ${material}: use ${allowed.join(", ")}`,
      "material_not_for_kind",
    ];
  }
  return null;
}

/** rules::settles: whether a treatment, now done, settles a finding on the same tooth. */
function settles(treatment: ChartKind, treated: string, finding: ChartKind, found: string): boolean {
  if (treatment === "extraction") return finding === "caries" || finding === "fracture" || finding === "watch";
  if (treatment === "crown") return finding === "caries" || finding === "fracture";
  if (treatment === "restoration" && (finding === "caries" || finding === "fracture"))
    return found !== "" && covers(stored(treated), stored(found));
  return false;
}

/** How pressing a surface mark is: lower draws over higher. */
function urgency(kind: ChartKind, status: ChartStatus): number {
  if (kind === "caries") return 0;
  if (status === "planned") return 1;
  if (kind === "fracture") return 2;
  if (kind === "watch") return 4;
  return 3;
}

/** ChartEntrySpec::check_on: what the tooth's other active entries say of it refuses the entry. */
function checkOnTooth(tooth: string, kind: ChartKind, others: MockChartEntry[]): Refusal | null {
  const state = toothOf(tooth, others).state;
  if (state === "missing" && !["implant", "pontic", "watch", "missing"].includes(kind))
    return [
      "tooth",
      `tooth ${tooth} is charted missing or extracted: chart what replaces it (an implant, a pontic), or strike out the entry that says it is gone`,
      "tooth_absent",
    ];
  if ((state === "implant" || state === "pontic") && ["caries", "restoration", "sealant", "root_canal", "extraction"].includes(kind))
    return [
      "tooth",
      `tooth ${tooth} is replaced by ${ARTICLE[state]}: ${ARTICLE[kind]} concerns a natural tooth`,
      state === "implant" ? "on_implant" : "on_pontic",
    ];
  return null;
}

/** rules::picture: a tooth's active entries added up. */
function toothOf(code: string, active: MockChartEntry[]): ChartTooth {
  const has = (kind: ChartKind) => active.some((e) => e.kind === kind && e.status !== "planned");
  const state: ToothState = has("implant") ? "implant" : has("pontic") ? "pontic" : has("missing") || has("extraction") ? "missing" : "present";
  const marks = new Map<Letter, SurfaceMark>();
  const whole: ToothMark[] = [];
  for (const e of active) {
    if (!e.surfaces) {
      if (!["missing", "implant", "pontic"].includes(e.kind) || e.status === "planned") whole.push({ kind: e.kind, status: e.status });
      continue;
    }
    for (const s of stored(e.surfaces)) {
      const now = marks.get(s);
      if (!now || urgency(e.kind, e.status) < urgency(now.kind, now.status)) marks.set(s, { surface: s, kind: e.kind, status: e.status });
    }
  }
  return {
    tooth: code, upper: [1, 2, 5, 6].includes(Number(code[0])), anterior: isAnterior(code), state,
    surfaces: LETTERS.filter((l) => marks.has(l)).map((l) => marks.get(l)!), whole, active_entries: active.length,
  };
}

/** Tooth::chart_order. */
function chartOrder(primary: boolean): string[] {
  const [quadrants, last] = primary ? [[5, 6, 8, 7], 5] : [[1, 2, 4, 3], 8];
  const out: string[] = [];
  quadrants.forEach((q, i) => {
    const positions = Array.from({ length: last }, (_, k) => k + 1);
    for (const p of i % 2 === 0 ? positions.reverse() : positions) out.push(`${q}${p}`);
  });
  return out;
}

// ---------------------------------------------------------------- the mock

export function createMockChart(host: ChartHost) {
  const day = 86_400_000;
  const now = Date.now();
  const ago = (days: number) => now - days * day;
  const isoAgo = (days: number) => new Date(ago(days)).toISOString().slice(0, 10);

  // [patient, tooth, surfaces, kind, status, material, note, days ago charted, days ago done, active, settled by (row)]
  type Seed = [string, string, string, ChartKind, ChartStatus, ToothMaterial | null, string, number, number | null, boolean, number | null];
  const seeds: Seed[] = [
    // Mohamed Benali: a caries on 36 and its restoration planned, a crown on 46, 18 missing, 11
    // restored, 45's caries settled by its restoration, 26's root canal done and crown planned,
    // something to watch on 24, 38 to extract, a caries on 14 struck out (charted in error).
    ["p1", "36", "M", "caries", "existing", null, "Visible sur la rétro-coronaire", 21, null, true, null],
    ["p1", "36", "MOD", "restoration", "planned", "composite", "", 21, null, true, null],
    ["p1", "46", "", "crown", "existing", "metal_ceramic", "Posée avant l'arrivée au cabinet", 900, null, true, null],
    ["p1", "18", "", "missing", "existing", null, "", 900, null, true, null],
    ["p1", "11", "MI", "restoration", "existing", "composite", "", 900, null, true, null],
    ["p1", "45", "O", "caries", "existing", null, "", 400, null, false, 9],
    ["p1", "26", "", "root_canal", "done", null, "3 canaux", 300, 290, true, null],
    ["p1", "26", "", "crown", "planned", "zirconia", "Après le traitement endodontique", 290, null, true, null],
    ["p1", "14", "D", "caries", "existing", null, "", 200, null, false, null],
    ["p1", "45", "O", "restoration", "done", "amalgam", "", 400, 380, true, null],
    ["p1", "24", "", "watch", "existing", null, "Fêlure de l'émail à revoir", 120, null, true, null],
    ["p1", "38", "", "extraction", "planned", null, "Dent de sagesse en désinclusion", 60, null, true, null],
    ["p1", "47", "", "fracture", "existing", null, "Cuspide disto-linguale", 30, null, true, null],
    // Fatima-Zohra Hadjadj: 16 replaced by an implant, a bridge 35-37 over 36, wisdom teeth out.
    ["p4", "16", "", "missing", "existing", null, "", 1500, null, true, null],
    ["p4", "16", "", "implant", "done", null, "", 1400, 1300, true, null],
    ["p4", "36", "", "missing", "existing", null, "", 1500, null, true, null],
    ["p4", "36", "", "pontic", "existing", "metal_ceramic", "Bridge 35-37", 1500, null, true, null],
    ["p4", "35", "", "crown", "existing", "metal_ceramic", "Pilier du bridge", 1500, null, true, null],
    ["p4", "37", "", "crown", "existing", "metal_ceramic", "Pilier du bridge", 1500, null, true, null],
    ["p4", "21", "", "crown", "existing", "ceramic", "", 1500, null, true, null],
    ["p4", "18", "", "missing", "existing", null, "", 1500, null, true, null],
    ["p4", "28", "", "missing", "existing", null, "", 1500, null, true, null],
    ["p4", "38", "", "missing", "existing", null, "", 1500, null, true, null],
    ["p4", "48", "", "missing", "existing", null, "", 1500, null, true, null],
    // Yanis Meziane (10): milk molars, and his first permanent molar sealed.
    ["p14", "85", "O", "caries", "existing", null, "", 40, null, true, null],
    ["p14", "84", "OD", "restoration", "done", "glass_ionomer", "", 200, 190, true, null],
    ["p14", "74", "O", "restoration", "planned", "glass_ionomer", "", 40, null, true, null],
    ["p14", "75", "MO", "caries", "existing", null, "", 40, null, true, null],
    ["p14", "36", "O", "sealant", "existing", null, "", 200, null, true, null],
    // The erased file keeps its clinical record (read only).
    ["p16", "11", "", "crown", "existing", "ceramic", "", 700, null, true, null],
    // Charted yesterday at "Fauteuil 1" while apart: a caries on Mohamed Benali's 18, which is
    // charted missing (17 was meant, most likely). The inbox's chart contradiction.
    ["p1", "18", "O", "caries", "existing", null, "Sensible au froid", 1, null, true, null],
  ];
  const entries: MockChartEntry[] = seeds.map(([patient_id, tooth, surfaces, kind, status, material, note, charted, done], i) => ({
    id: `ce${i + 1}`, patient_id, tooth, surfaces, kind, status, material, note, done_on: done === null ? null : isoAgo(done),
    done_by: done === null ? null : "Dr Amina Benali", recorded_by: "Dr Amina Benali", recorded_at_ms: ago(charted) + i * 60_000,
    active: true, settled_by: null, done_at_ms: done === null ? 0 : ago(done),
  }));
  seeds.forEach((s, i) => {
    entries[i].active = s[9];
    if (s[10] !== null) entries[i].settled_by = entries[s[10]].id;
  });
  const chartedElsewhere = entries[entries.length - 1];
  chartedElsewhere.recorded_by = "Karim Haddad";
  let counter = entries.length;

  const find = (id: unknown) => entries.find((e) => e.id === id);
  /** Who marks an entry done now (App::checked, complete_chart_entry: the session's user). */
  const doer = () => host.user()?.display_name ?? "?";
  const dto = ({ done_at_ms: _d, ...e }: MockChartEntry): ChartEntry => ({ ...e });

  function read(patientId: string): DentalChart {
    const files = host.files(patientId);
    const mine = entries
      .filter((e) => files.includes(e.patient_id) && KINDS.includes(e.kind))
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.tooth.localeCompare(b.e.tooth) || a.e.recorded_at_ms - b.e.recorded_at_ms || a.e.id.localeCompare(b.e.id))
      .map(({ e }) => e);
    const teeth = (primary: boolean) => chartOrder(primary).map((code) => toothOf(code, mine.filter((e) => e.active && e.tooth === code)));
    const primary = teeth(true);
    return {
      patient_id: patientId, permanent: teeth(false), primary, has_primary_entries: primary.some((t) => t.active_entries > 0),
      entries: mine.map(dto),
      kinds: KINDS.map((kind) => ({
        kind,
        finding: isFinding(kind),
        default_status: isFinding(kind) ? "existing" : "planned",
        materials: materialsOf(kind),
      })),
      // Those among the entries read (a file's own and those of the files merged into it).
      contradictions: named().filter((c) => files.includes(c.entry.patient_id) && files.includes(c.because_of.patient_id)),
    };
  }

  /** What writing `entry` changes in its tooth's findings (App::follow_up): pairs of (entry, active after). */
  function followUp(entry: MockChartEntry): { row: MockChartEntry; active: boolean; settledBy: string | null }[] {
    const files = host.files(host.survivor(entry.patient_id));
    const treats = entry.active && entry.status === "done";
    const out: { row: MockChartEntry; active: boolean; settledBy: string | null }[] = [];
    for (const row of entries.filter((e) => files.includes(e.patient_id) && e.id !== entry.id)) {
      const s = treats && row.tooth === entry.tooth && settles(entry.kind, entry.surfaces, row.kind, row.surfaces);
      if (s && row.active) out.push({ row, active: false, settledBy: entry.id });
      else if (!s && !row.active && row.settled_by === entry.id) out.push({ row, active: true, settledBy: null });
    }
    return out;
  }

  /** App::chart_update: the chart as it is now, the entry written, the findings it settled and
   * those back in the chart (its treatment struck out, no longer done, or narrowed). */
  function write(entry: MockChartEntry): ChartUpdate {
    const changes = followUp(entry);
    for (const c of changes) {
      c.row.active = c.active;
      c.row.settled_by = c.settledBy;
    }
    const ids = (active: boolean) => changes.filter((c) => c.active === active).map((c) => c.row.id);
    return { chart: read(host.survivor(entry.patient_id)), entry_id: entry.id, settled: ids(false), restored: ids(true) };
  }

  /** The day done as typed (not in the future), or today; a message for done_on otherwise. */
  function dayDone(text: string | null | undefined): string | { reason: string } {
    const d = (text ?? "").trim();
    if (!d) return host.today();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d))) return { reason: `${JSON.stringify(d)} is not a date YYYY-MM-DD` };
    if (d > host.today()) return { reason: `${d} is in the future` };
    if (d < "1900-01-01") return { reason: `${d} is before 1900` };
    return d;
  }

  /** App::checked: the input as an entry's fields, or the refusal. */
  function checked(
    r: ChartEntryInput,
  ): Pick<MockChartEntry, "tooth" | "surfaces" | "kind" | "status" | "material" | "note" | "done_on" | "done_at_ms" | "done_by"> | Promise<never> {
    const tooth = String(r.tooth ?? "").trim();
    if (!isTooth(tooth))
      return invalid("tooth", `${JSON.stringify(tooth)} is not a tooth in FDI notation (11 to 48, or 51 to 85 for milk teeth)`, "not_a_tooth");
    if (!KINDS.includes(r.kind))
      return invalid("kind", `${JSON.stringify(r.kind)} is not a kind of chart entry: use ${KINDS.join(", ")}`, "unknown_kind");
    if (!["existing", "planned", "done"].includes(r.status))
      return invalid("status", `${JSON.stringify(r.status)} is not a status: use existing, planned or done`, "unknown_status");
    if (r.material !== null && !MATERIALS.includes(r.material))
      return invalid("material", `${JSON.stringify(r.material)} is not a material: use ${MATERIALS.join(", ")}`, "unknown_material");
    const surfaces = parseSurfaces(String(r.surfaces ?? ""), tooth);
    if (typeof surfaces !== "string") return invalid(...surfaces);
    const bad = checkSpec(tooth, r.kind, r.status, surfaces, r.material);
    if (bad) return invalid(...bad);
    const note = String(r.note ?? "").trim();
    if ([...note].length > 1000) return invalid("note", "is longer than 1000 characters");
    let done_on: string | null = null;
    if (r.status === "done") {
      const d = dayDone(r.done_on);
      if (typeof d !== "string") return invalid("done_on", d.reason);
      done_on = d;
    }
    const done = r.status === "done";
    return {
      tooth, surfaces, kind: r.kind, status: r.status, material: r.material, note, done_on, done_at_ms: done ? Date.now() : 0,
      done_by: done ? doer() : null,
    };
  }

  /** fits_its_tooth: the entry against the tooth's other active entries (settled ones are out). */
  function fitsTooth(patientId: string, entryId: string | null, tooth: string, kind: ChartKind): Refusal | null {
    const others = entries.filter(
      (o) => o.patient_id === patientId && o.id !== entryId && o.active && o.tooth === tooth && !o.settled_by,
    );
    return checkOnTooth(tooth, kind, others);
  }

  // Chart contradictions: each entry against the other active entries of its tooth (in its file
  // and those merged into it), as fits_its_tooth checks a new one; both kept: not flagged again.
  const contradictionKey = (entryId: string, becauseOfId: string) => `${entryId}+${becauseOfId}`;
  const kept = new Set<string>();
  const foundAt = new Map<string, number>([[contradictionKey(chartedElsewhere.id, "ce4"), now - 2 * 3_600_000]]);
  /** The entry that puts a tooth in its state (rules::picture's order: an implant, a pontic, then
   * a missing tooth or a done extraction). */
  const cause = (state: ToothState, others: MockChartEntry[]) =>
    others.find((o) => o.status !== "planned" && (state === "missing" ? o.kind === "missing" || o.kind === "extraction" : o.kind === state));
  /** The contradictions waiting, oldest found first. */
  function contradictions(): MockChartContradiction[] {
    const live = entries.filter((e) => e.active && !e.settled_by && KINDS.includes(e.kind));
    const out: MockChartContradiction[] = [];
    for (const e of live) {
      const file = host.survivor(e.patient_id);
      const others = live.filter((o) => o !== e && o.tooth === e.tooth && host.survivor(o.patient_id) === file);
      const misfit = checkOnTooth(e.tooth, e.kind, others);
      const because = misfit && cause(toothOf(e.tooth, others).state, others);
      if (!misfit || !because) continue;
      const key = contradictionKey(e.id, because.id);
      if (kept.has(key)) continue;
      let at = foundAt.get(key);
      if (at === undefined) foundAt.set(key, (at = Date.now()));
      out.push({ patient_id: file, tooth: e.tooth, entry: dto(e), because_of: dto(because), reason: misfit[2], found_at_ms: at });
    }
    return out.sort((a, b) => a.found_at_ms - b.found_at_ms || a.entry.id.localeCompare(b.entry.id));
  }
  /** The contradictions as the Rust side sends them (the inbox's, a chart's), each named by its
   * file. */
  function named(): ChartContradiction[] {
    return contradictions().flatMap(({ patient_id, ...c }) => {
      const p = host.patient(patient_id);
      return p ? [{ ...c, patient: { id: p.id, file_number: p.file_number, last_name: p.last_name, first_name: p.first_name } }] : [];
    });
  }

  const noView = () => fail("permission_denied", "your role does not allow viewing clinical data");
  const noEdit = () => fail("permission_denied", "your role does not allow editing clinical data");
  /** require_live_patient: an erased file keeps its clinical records but takes no new ones. */
  const erased = (file: string) =>
    fail(
      "patient_erased",
      `file ${file} was erased on request (GDPR): its records are kept but take nothing new; create a new file if the person comes back`,
    );
  /** The entry and its file, still standing; else the refusal. */
  const editable = (id: unknown): MockChartEntry | Promise<never> => {
    const e = find(id);
    if (!e) return fail("not_found", `no chart entry with id ${id}`);
    const p = host.patient(e.patient_id);
    if (p && p.erased_at_ms !== null) return erased(p.file_number);
    return e;
  };

  const handlers: Record<string, Handler> = {
    dental_chart: async (_r: never, args: Record<string, unknown>): Promise<DentalChart> => {
      await delay(120);
      if (!host.allowed("view_clinical")) return noView();
      const p = host.patient(args.id);
      if (!p) return fail("not_found", `no patient with id ${args.id}`);
      return read(p.id);
    },
    add_chart_entry: async (_r: never, args: Record<string, unknown>): Promise<ChartUpdate> => {
      await delay(200);
      if (!host.allowed("edit_clinical")) return noEdit();
      const given = host.patient(args.id);
      if (!given) return fail("not_found", `no patient with id ${args.id}`);
      // A file merged into another is charted in that one (the person's file now).
      const p = host.patient(host.survivor(given.id));
      if (!p) return fail("not_found", `no patient with id ${host.survivor(given.id)}`);
      if (p.erased_at_ms !== null) return erased(p.file_number);
      const fields = checked(args.request as ChartEntryInput);
      if (fields instanceof Promise) return fields;
      const misfit = fitsTooth(p.id, null, fields.tooth, fields.kind);
      if (misfit) return invalid(...misfit);
      const entry: MockChartEntry = {
        ...fields, id: `ce${++counter}`, patient_id: p.id, recorded_by: host.user()?.display_name ?? "?", recorded_at_ms: Date.now(),
        active: true, settled_by: null,
      };
      entries.push(entry);
      return write(entry);
    },
    update_chart_entry: async (_r: never, args: Record<string, unknown>): Promise<ChartUpdate> => {
      await delay(200);
      if (!host.allowed("edit_clinical")) return noEdit();
      const e = editable(args.entry);
      if (e instanceof Promise) return e;
      const fields = checked(args.request as ChartEntryInput);
      if (fields instanceof Promise) return fields;
      if (e.active && (fields.tooth !== e.tooth || fields.kind !== e.kind || fields.status !== e.status)) {
        const misfit = fitsTooth(e.patient_id, e.id, fields.tooth, fields.kind);
        if (misfit) return invalid(...misfit);
      }
      // Still done: marked done when and by whom it first was.
      const same = fields.status === e.status;
      Object.assign(e, { ...fields, done_at_ms: same ? e.done_at_ms : fields.done_at_ms, done_by: same ? e.done_by : fields.done_by });
      return write(e);
    },
    complete_chart_entry: async (_r: never, args: Record<string, unknown>): Promise<ChartUpdate> => {
      await delay(200);
      if (!host.allowed("edit_clinical")) return noEdit();
      const e = editable(args.entry);
      if (e instanceof Promise) return e;
      if (e.status !== "planned") return invalid("status", `only a planned entry is marked done; this one is ${e.status}`, "not_planned");
      if (!e.active) return invalid("active", "this entry is struck out: restore it first if it is to be done", "struck_out");
      const d = dayDone(args.doneOn as string | null);
      if (typeof d !== "string") return invalid("done_on", d.reason);
      const misfit = fitsTooth(e.patient_id, e.id, e.tooth, e.kind);
      if (misfit) return invalid(...misfit);
      Object.assign(e, { status: "done", done_on: d, done_at_ms: Date.now(), done_by: doer() });
      return write(e);
    },
    set_chart_entry_active: async (_r: never, args: Record<string, unknown>): Promise<ChartUpdate> => {
      await delay(150);
      if (!host.allowed("edit_clinical")) return noEdit();
      const e = editable(args.entry);
      if (e instanceof Promise) return e;
      const active = Boolean(args.active);
      if (active && !e.active && e.settled_by) {
        const treatment = find(e.settled_by);
        if (treatment && treatment.active && treatment.status === "done")
          return invalid(
            "active",
            "this finding was settled by a treatment that still stands: strike that treatment out, or chart the finding again if it came back",
            "settled_finding",
          );
      }
      if (active && !e.active) {
        const misfit = fitsTooth(e.patient_id, e.id, e.tooth, e.kind);
        if (misfit) return invalid(...misfit);
      }
      e.active = active;
      // Back in the chart as itself, not as something another entry settled.
      if (e.active) e.settled_by = null;
      return write(e);
    },
    keep_chart_entries: async (_r: never, args: Record<string, unknown>): Promise<null> => {
      await delay(200);
      if (!host.allowed("edit_clinical")) return noEdit();
      const req = args.req as KeepChartEntriesRequest;
      const key = contradictionKey(req.entry_id, req.because_of_id);
      if (!contradictions().some((c) => contradictionKey(c.entry.id, c.because_of.id) === key))
        return fail("not_found", "these two chart entries no longer contradict each other: it was settled here or on another PC");
      kept.add(key);
      return null;
    },
  };

  /** The chart's lines of a patient's timeline: each entry charted, and each one done here. */
  function timeline(files: string[]): TimelineEntry[] {
    const out: TimelineEntry[] = [];
    for (const e of entries.filter((x) => files.includes(x.patient_id))) {
      const label = e.surfaces ? `${e.tooth} ${e.surfaces}` : e.tooth;
      out.push({ at_ms: e.recorded_at_ms, kind: "chart_charted", ref_id: e.id, label, detail: e.kind, recorded_by: e.recorded_by });
      if (e.status === "done" && e.done_at_ms > 0)
        out.push({ at_ms: e.done_at_ms, kind: "chart_done", ref_id: e.id, label, detail: e.kind, recorded_by: e.done_by ?? "" });
    }
    return out;
  }

  return { handlers, entries, find, timeline, contradictions, named };
}
