import { describe, expect, it } from "vitest";
import type {
  ApiError, ChartEntry, ChartEntryInput, ChartKindRule, ChartTooth, DentalChart, ToothMaterial } from "./bindings";
import { translate } from "./i18n";
import {
  CHART_KINDS,
  CHART_STATUSES,
  chartActionErrorText,
  chartErrorText,
  chartRefLabel,
  chartRows,
  defaultView,
  emptyChartForm,
  entryPhrase,
  entryText,
  entryWithTooth,
  errorField,
  firstLowerRow,
  followUpText,
  formFromEntry,
  materialsOf,
  inputFromForm,
  isToothCode,
  kindGender,
  kindLabel,
  listedEntries,
  markStyle,
  materialLabel,
  misfitText,
  moveSelection,
  restorable,
  restoredText,
  settledText,
  statusLabel,
  surfaceSet,
  surfacesText,
  toggleSurface,
  TOOTH_MATERIALS,
  toothEntries,
  toothLabel,
  toothSurfaces,
  typeToothDigit,
  upperFirst,
  TYPING_MS,
  viewShows,
  writtenEntry,
  zoneSurfaces,
} from "./chart";

/** The teeth in the Rust side's chart order (Tooth::chart_order). */
function order(primary: boolean): string[] {
  const [quadrants, last] = primary ? [[5, 6, 8, 7], 5] : [[1, 2, 4, 3], 8];
  const out: string[] = [];
  quadrants.forEach((q, i) => {
    const positions = Array.from({ length: last }, (_, k) => k + 1);
    for (const p of i % 2 === 0 ? positions.reverse() : positions) out.push(`${q}${p}`);
  });
  return out;
}
const toothOf = (code: string): ChartTooth => ({
  tooth: code, upper: [1, 2, 5, 6].includes(Number(code[0])), anterior: Number(code[1]) <= 3, state: "present", surfaces: [],
  whole: [], active_entries: 0,
});
/** The kinds' rules as the Rust side sends them with a chart (`DentalChart.kinds`). */
const KINDS: ChartKindRule[] = CHART_KINDS.map((kind) => {
  const finding = ["caries", "fracture", "watch", "missing"].includes(kind);
  const materials: ToothMaterial[] =
    kind === "restoration"
      ? ["composite", "amalgam", "glass_ionomer", "ceramic", "metal"]
      : kind === "crown" || kind === "pontic"
        ? ["ceramic", "metal_ceramic", "zirconia", "metal"]
        : [];
  return { kind, finding, default_status: finding ? "existing" : "planned", materials };
});
const chart: DentalChart = {
  patient_id: "p1", permanent: order(false).map(toothOf), primary: order(true).map(toothOf), has_primary_entries: false, entries: [],
  kinds: KINDS, contradictions: [],
};

function entry(over: Partial<ChartEntry>): ChartEntry {
  return {
    id: "ce1", patient_id: "p1", tooth: "36", surfaces: "M", kind: "caries", status: "existing", material: null, note: "",
    done_on: null, done_by: null, recorded_by: "Dr Amina Benali", recorded_at_ms: 1000, active: true, settled_by: null, ...over,
  };
}

describe("words", () => {
  it("names every kind, status and material in both languages", () => {
    for (const lang of ["fr", "en"] as const) {
      for (const k of CHART_KINDS) expect(kindLabel(lang, k)).not.toMatch(/^chart\./);
      for (const s of CHART_STATUSES) expect(statusLabel(lang, s)).not.toMatch(/^chart\./);
      for (const m of TOOTH_MATERIALS) expect(materialLabel(lang, m)).not.toMatch(/^chart\./);
    }
    expect(kindLabel("fr", "root_canal")).toBe("Traitement endodontique");
    expect(kindLabel("fr", "watch")).toBe("À surveiller");
    expect(kindLabel("en", "pontic")).toBe("Pontic");
    expect(statusLabel("fr", "existing")).toBe("Constaté");
    expect(statusLabel("en", "done")).toBe("Done");
    expect(materialLabel("fr", "metal_ceramic")).toBe("Céramo-métallique");
    expect(materialLabel("fr", null)).toBe("Non précisé");
    // What a later version adds is shown as sent.
    expect(kindLabel("fr", "veneer")).toBe("veneer");
    expect(materialLabel("en", "gold")).toBe("gold");
  });

  it("words an entry with and without its tooth, and in a sentence", () => {
    expect(entryText("fr", entry({}))).toBe("Carie M");
    expect(entryText("fr", entry({ kind: "crown", surfaces: "" }))).toBe("Couronne");
    expect(entryWithTooth("fr", entry({ kind: "restoration", surfaces: "MOD" }))).toBe("Obturation 36 MOD");
    expect(entryPhrase("fr", entry({ kind: "restoration", surfaces: "MOD", status: "planned" }))).toBe("obturation MOD prévue");
    expect(entryPhrase("fr", entry({ kind: "implant", surfaces: "", status: "planned" }))).toBe("implant prévu");
    expect(entryPhrase("fr", entry({ kind: "root_canal", surfaces: "", status: "done" }))).toBe("traitement endodontique réalisé");
    expect(entryPhrase("fr", entry({ kind: "extraction", surfaces: "", status: "done" }))).toBe("extraction réalisée");
    expect(entryPhrase("en", entry({ kind: "crown", surfaces: "", status: "existing" }))).toBe("crown");
  });

  it("gives each tooth button its name: the tooth and its active entries", () => {
    const active = [entry({}), entry({ id: "ce2", kind: "restoration", surfaces: "MOD", status: "planned" })];
    expect(toothLabel("fr", "36", active)).toBe("Dent 36 : carie M, obturation MOD prévue");
    expect(toothLabel("en", "36", active)).toBe("Tooth 36: caries M, restoration MOD planned");
    expect(toothLabel("fr", "21", [])).toBe("Dent 21 : rien de noté");
    // A contradiction waiting on the tooth (the odontogram's mark) is said too.
    const both = [entry({ tooth: "18", kind: "missing", surfaces: "" }), entry({ tooth: "18", surfaces: "O" })];
    expect(toothLabel("fr", "18", both, true)).toBe("Dent 18 : absente, carie O — entrées contradictoires");
    expect(toothLabel("en", "18", both, true)).toBe("Tooth 18: missing, caries O — contradicting entries");
    expect(toothLabel("en", "21", [], false)).toBe("Tooth 21: nothing charted");
  });

  it("names a chart entry in the inbox", () => {
    expect(chartRefLabel("fr", { tooth: "36", surfaces: "MO", kind: "caries" })).toBe("Schéma dentaire — dent 36 MO, carie");
    expect(chartRefLabel("en", { tooth: "46", surfaces: "", kind: "crown" })).toBe("Dental chart — tooth 46, crown");
  });

  it("says which findings a treatment settled", () => {
    const resto = entry({ id: "r", kind: "restoration", surfaces: "MOD", status: "done" });
    const m = entry({ id: "c1", active: false, settled_by: "r" });
    const o = entry({ id: "c2", surfaces: "O", active: false, settled_by: "r" });
    const update = (entries: ChartEntry[], settled: string[]) => ({ chart: { ...chart, entries }, entry_id: "r", settled, restored: [] });
    expect(settledText("fr", update([m, resto], ["c1"]))).toBe("1 constat soldé par obturation MOD : carie 36 M.");
    expect(settledText("fr", update([m, o, resto], ["c1", "c2"]))).toBe("2 constats soldés par obturation MOD : carie 36 M, carie 36 O.");
    expect(settledText("en", update([m, resto], ["c1"]))).toBe("1 finding settled by restoration MOD: caries 36 M.");
    expect(settledText("fr", update([resto], []))).toBeNull();
  });

  it("says which findings came back to the chart", () => {
    // The restoration struck out: the caries it had settled is back.
    const resto = entry({ id: "r", kind: "restoration", surfaces: "MOD", status: "done", active: false });
    const mo = entry({ id: "c1", surfaces: "MO" });
    const d = entry({ id: "c2", surfaces: "D" });
    const update = (entries: ChartEntry[], restored: string[], settled: string[] = []) => ({
      chart: { ...chart, entries }, entry_id: "r", settled, restored,
    });
    expect(restoredText("fr", update([mo, resto], ["c1"]))).toBe("1 constat rétabli : carie 36 MO.");
    expect(restoredText("en", update([mo, resto], ["c1"]))).toBe("1 finding back in the chart: caries 36 MO.");
    expect(restoredText("fr", update([mo, d, resto], ["c1", "c2"]))).toBe("2 constats rétablis : carie 36 MO, carie 36 D.");
    expect(restoredText("en", update([mo, d, resto], ["c1", "c2"]))).toBe("2 findings back in the chart: caries 36 MO, caries 36 D.");
    expect(restoredText("fr", update([resto], []))).toBeNull();
    // One the chart no longer shows (charted by a newer version) is still counted.
    expect(restoredText("fr", update([resto], ["gone"]))).toBe("1 constat rétabli : ?.");
    // The status line: what was settled, then what came back; nothing when neither.
    const moved = entry({ id: "r", kind: "restoration", surfaces: "D", status: "done" });
    const dSettled = entry({ id: "c2", surfaces: "D", active: false, settled_by: "r" });
    expect(followUpText("fr", update([mo, dSettled, moved], ["c1"], ["c2"]))).toBe(
      "1 constat soldé par obturation D : carie 36 D. 1 constat rétabli : carie 36 MO.",
    );
    expect(followUpText("fr", update([mo, moved], ["c1"]))).toBe("1 constat rétabli : carie 36 MO.");
    expect(followUpText("fr", update([mo, moved], []))).toBeNull();
  });

  it("names the entry a write was about by the id the Rust side gives", () => {
    const a = entry({ id: "a" });
    const b = entry({ id: "b", tooth: "11", kind: "watch", surfaces: "" });
    expect(writtenEntry({ chart: { ...chart, entries: [b, a] }, entry_id: "a" })?.id).toBe("a");
    expect(writtenEntry({ chart: { ...chart, entries: [b] }, entry_id: "a" })).toBeNull();
  });

  it("says when it was done and by whom", () => {
    expect(entry({}).done_by).toBeNull();
    expect(translate("fr", "chart.done_line_by", { date: "20/11/2026", who: "Dr Amel Benali" })).toBe("Réalisé le 20/11/2026 par Dr Amel Benali");
    expect(translate("en", "chart.done_line_by", { date: "20/11/2026", who: "Dr Amel Benali" })).toBe("Done on 20/11/2026 by Dr Amel Benali");
  });
});

describe("surfaces", () => {
  it("reads the letters as dentists type them", () => {
    expect(surfacesText(surfaceSet("mod"))).toBe("MOD");
    expect(surfacesText(surfaceSet("D O M"))).toBe("MOD");
    expect(surfacesText(surfaceSet("dv"))).toBe("DB");
    expect(surfacesText(surfaceSet("P"))).toBe("L");
    expect(surfacesText(surfaceSet("mi, f"))).toBe("MIB");
    // Letters that name no surface are the Rust side's to refuse.
    expect(surfacesText(surfaceSet("mx"))).toBe("M");
    expect(surfaceSet("").size).toBe(0);
  });

  it("toggles a surface into the text in canonical order", () => {
    expect(toggleSurface("", "O")).toBe("O");
    expect(toggleSurface("do", "M")).toBe("MOD");
    expect(toggleSurface("mod", "O")).toBe("MD");
    expect(toggleSurface("MV", "B")).toBe("M");
  });

  it("offers O on a back tooth and I on a front one", () => {
    expect(toothSurfaces(false)).toEqual(["M", "O", "D", "B", "L"]);
    expect(toothSurfaces(true)).toEqual(["M", "I", "D", "B", "L"]);
  });
});

describe("drawing", () => {
  it("puts B towards the lips and M towards the midline", () => {
    // Upper right (viewer's left): B on top, M on the right.
    expect(zoneSurfaces(toothOf("16"))).toEqual({ top: "B", bottom: "L", left: "D", right: "M", centre: "O" });
    // Upper left: M on the left.
    expect(zoneSurfaces(toothOf("21"))).toEqual({ top: "B", bottom: "L", left: "M", right: "D", centre: "I" });
    // Lower left (viewer's right): B at the bottom.
    expect(zoneSurfaces(toothOf("36"))).toEqual({ top: "L", bottom: "B", left: "M", right: "D", centre: "O" });
    // Lower right, and milk teeth the same way.
    expect(zoneSurfaces(toothOf("46"))).toEqual({ top: "L", bottom: "B", left: "D", right: "M", centre: "O" });
    expect(zoneSurfaces(toothOf("85")).right).toBe("M");
    expect(zoneSurfaces(toothOf("53")).centre).toBe("I");
  });

  it("draws a caries over all, then a planned treatment, a fracture, something to watch, a treatment in place", () => {
    expect(markStyle({ kind: "caries", status: "existing" })).toBe("caries");
    expect(markStyle({ kind: "restoration", status: "planned" })).toBe("planned");
    expect(markStyle({ kind: "fracture", status: "existing" })).toBe("fracture");
    expect(markStyle({ kind: "watch", status: "existing" })).toBe("watch");
    expect(markStyle({ kind: "restoration", status: "done" })).toBe("treated");
    expect(markStyle({ kind: "sealant", status: "existing" })).toBe("treated");
  });
});

describe("layout", () => {
  it("draws the upper arch on top, the patient's right on the left", () => {
    const rows = chartRows(chart, "permanent");
    expect(rows).toHaveLength(2);
    expect(rows[0].map((c) => c.tooth.tooth).slice(0, 3)).toEqual(["18", "17", "16"]);
    expect(rows[0][7].tooth.tooth).toBe("11");
    expect(rows[0][8]).toMatchObject({ col: 8 });
    expect(rows[0][8].tooth.tooth).toBe("21");
    expect(rows[1][0].tooth.tooth).toBe("48");
    expect(rows[1][15].tooth.tooth).toBe("38");
    expect(firstLowerRow(rows)).toBe(1);
  });

  it("puts the milk teeth between the arches, each beside the tooth that replaces it", () => {
    const rows = chartRows(chart, "mixed");
    expect(rows.map((r) => r.length)).toEqual([16, 10, 10, 16]);
    expect(rows[1][0]).toMatchObject({ col: 3 });
    expect(rows[1][0].tooth.tooth).toBe("55");
    expect(rows[0][3].tooth.tooth).toBe("15");
    expect(rows[2][9].tooth.tooth).toBe("75");
    expect(rows[2][9].col).toBe(12);
    expect(firstLowerRow(rows)).toBe(2);
    expect(chartRows(chart, "primary").map((r) => r.length)).toEqual([10, 10]);
  });

  it("opens on the milk teeth too when they carry entries", () => {
    expect(defaultView({ has_primary_entries: false })).toBe("permanent");
    expect(defaultView({ has_primary_entries: true })).toBe("mixed");
    expect(viewShows("permanent", "85")).toBe(false);
    expect(viewShows("primary", "85")).toBe(true);
    expect(viewShows("primary", "36")).toBe(false);
    expect(viewShows("mixed", "36")).toBe(true);
  });
});

describe("keyboard", () => {
  it("takes a tooth's two digits, the second within a moment", () => {
    let r = typeToothDigit(null, "3", 1000);
    expect(r).toEqual({ pending: { digit: "3", at: 1000 }, tooth: null });
    r = typeToothDigit(r.pending, "6", 1200);
    expect(r).toEqual({ pending: null, tooth: "36" });
    // Too late: the second digit starts over.
    r = typeToothDigit({ digit: "3", at: 0 }, "6", TYPING_MS + 1);
    expect(r).toEqual({ pending: { digit: "6", at: TYPING_MS + 1 }, tooth: null });
    // Not a tooth (39, 56): the digit starts over when it can start a tooth.
    expect(typeToothDigit({ digit: "3", at: 0 }, "9", 10)).toEqual({ pending: null, tooth: null });
    expect(typeToothDigit({ digit: "5", at: 0 }, "6", 10)).toEqual({ pending: { digit: "6", at: 10 }, tooth: null });
    expect(typeToothDigit({ digit: "8", at: 0 }, "5", 10).tooth).toBe("85");
    expect(typeToothDigit(null, "0", 10)).toEqual({ pending: null, tooth: null });
    expect(typeToothDigit(null, "9", 10)).toEqual({ pending: null, tooth: null });
  });

  it("knows the FDI numbers", () => {
    expect(["11", "18", "28", "38", "48", "51", "55", "85"].every(isToothCode)).toBe(true);
    expect(["10", "19", "56", "86", "91", "1", "111", "ab"].some(isToothCode)).toBe(false);
  });

  it("moves along the arch and across to the nearest tooth", () => {
    const perm = chartRows(chart, "permanent");
    expect(moveSelection(perm, null, "ArrowRight")).toBe("18");
    expect(moveSelection(perm, "36", "ArrowRight")).toBe("37");
    expect(moveSelection(perm, "36", "ArrowLeft")).toBe("35");
    expect(moveSelection(perm, "38", "ArrowRight")).toBe("38");
    expect(moveSelection(perm, "11", "ArrowRight")).toBe("21");
    expect(moveSelection(perm, "26", "ArrowDown")).toBe("36");
    expect(moveSelection(perm, "46", "ArrowUp")).toBe("16");
    expect(moveSelection(perm, "16", "ArrowUp")).toBe("16");
    expect(moveSelection(perm, "24", "Home")).toBe("18");
    expect(moveSelection(perm, "24", "End")).toBe("28");
    expect(moveSelection(perm, "24", "Enter")).toBeNull();
    const mixed = chartRows(chart, "mixed");
    expect(moveSelection(mixed, "15", "ArrowDown")).toBe("55");
    expect(moveSelection(mixed, "55", "ArrowDown")).toBe("85");
    expect(moveSelection(mixed, "85", "ArrowDown")).toBe("45");
    // 18 has no milk tooth under it: the nearest, 55.
    expect(moveSelection(mixed, "18", "ArrowDown")).toBe("55");
  });
});

describe("entries", () => {
  const entries = [
    entry({ id: "a", tooth: "46", kind: "crown", surfaces: "" }),
    entry({ id: "b", tooth: "36", active: false, settled_by: "c" }),
    entry({ id: "c", tooth: "36", kind: "restoration", surfaces: "MOD", status: "done" }),
    entry({ id: "d", tooth: "11", kind: "restoration", surfaces: "MI" }),
  ];
  it("lists a tooth's active entries first", () => {
    expect(toothEntries({ entries }, "36").map((e) => e.id)).toEqual(["c", "b"]);
    expect(toothEntries({ entries }, "21")).toEqual([]);
  });

  it("lists the chart's entries by tooth, the active ones unless all are asked for", () => {
    expect(listedEntries({ entries }, false).map((e) => e.id)).toEqual(["d", "c", "a"]);
    expect(listedEntries({ entries }, true).map((e) => e.id)).toEqual(["d", "b", "c", "a"]);
  });

  it("brings back from here what was struck out, never a finding a treatment settles", () => {
    const struck = entry({ id: "s", active: false });
    expect(restorable(struck)).toBe(true);
    expect(restorable(entries[0])).toBe(false);
    // b is settled by c (the Rust side names c only while c still settles it): strike c out,
    // or chart the finding again.
    expect(restorable(entries[1])).toBe(false);
    // Once c no longer stands, the Rust side sends b back in the chart, naming nothing.
    expect(restorable({ ...entries[1], active: true, settled_by: null })).toBe(false);
    expect(restorable(entry({ active: false, settled_by: "x" }))).toBe(false);
  });
});

describe("the entry form", () => {
  it("starts a finding as existing and a treatment as planned", () => {
    expect(emptyChartForm(KINDS, "caries").status).toBe("existing");
    expect(emptyChartForm(KINDS, "missing").status).toBe("existing");
    expect(emptyChartForm(KINDS, "crown").status).toBe("planned");
    expect(emptyChartForm(KINDS)).toEqual({ kind: "caries", surfaces: "", status: "existing", material: "", note: "", done_on: "" });
    expect(emptyChartForm(KINDS, "extraction").status).toBe("planned");
  });

  it("offers a material for restorations, crowns and pontics, those the Rust side lists", () => {
    expect(CHART_KINDS.filter((k) => materialsOf(KINDS, k).length > 0)).toEqual(["restoration", "crown", "pontic"]);
    expect(materialsOf(KINDS, "crown")).not.toContain("composite");
  });

  it("sends what the form offers, as typed", () => {
    const f = { kind: "restoration" as const, surfaces: " mod ", status: "done" as const, material: "composite" as const, note: " x ", done_on: "" };
    expect(inputFromForm("36", f, KINDS)).toEqual({
      tooth: "36", surfaces: "mod", kind: "restoration", status: "done", material: "composite", note: "x", done_on: null,
    });
    expect(inputFromForm("36", { ...f, done_on: "2026-03-02" }, KINDS).done_on).toBe("2026-03-02");
    // No day done unless done, no material where none is offered.
    expect(inputFromForm("36", { ...f, status: "planned", done_on: "2026-03-02" }, KINDS).done_on).toBeNull();
    expect(inputFromForm("36", { ...f, kind: "caries" }, KINDS).material).toBeNull();
    expect(inputFromForm("36", { ...f, material: "" }, KINDS).material).toBeNull();
  });

  it("fills the form from an entry", () => {
    expect(formFromEntry(entry({ kind: "crown", surfaces: "", status: "done", material: "zirconia", done_on: "2026-01-05", note: "n" }))).toEqual({
      kind: "crown", surfaces: "", status: "done", material: "zirconia", note: "n", done_on: "2026-01-05",
    });
  });

  it("reads the field a Rust message is about", () => {
    expect(errorField("surfaces: tooth 11 is a front tooth: its biting edge is I (incisal), not O (occlusal)")).toBe("surfaces");
    expect(errorField("done_on: 2030-01-01 is in the future")).toBe("done_on");
    expect(errorField("material: a caries has no material")).toBe("material");
    expect(errorField("no chart entry with id x")).toBeNull();
    expect(errorField("table: no such conflict")).toBeNull();
  });
});

describe("the Rust side's refusals in words", () => {
  const input = (over: Partial<ChartEntryInput> = {}): ChartEntryInput => ({
    tooth: "36", surfaces: "", kind: "caries", status: "existing", material: null, note: "", done_on: null, ...over,
  });
  const refusal = (reason: string | undefined, message: string): ApiError =>
    reason === undefined ? { code: "invalid_input", message } : { code: "invalid_input", message, reason };
  /** The refusal worded for `over` on a tooth (front or back). */
  const said = (lang: "fr" | "en", reason: string | undefined, message: string, over: Partial<ChartEntryInput> = {}, anterior = false) =>
    chartErrorText(lang, refusal(reason, message), input(over), anterior, KINDS);

  it("says O on a front tooth and I on a back tooth", () => {
    const front = refusal("surface_not_on_tooth", "surfaces: tooth 11 is a front tooth: its biting edge is I (incisal), not O (occlusal)");
    expect(chartErrorText("fr", front, input({ tooth: "11", surfaces: "O" }), true, KINDS)).toBe(
      "La dent 11 est une dent antérieure : son bord libre est I (incisal), pas O (occlusal).",
    );
    expect(chartErrorText("en", front, input({ tooth: "11", surfaces: "O" }), true, KINDS)).toBe(
      "Tooth 11 is a front tooth: its biting edge is I (incisal), not O (occlusal).",
    );
    const back = refusal("surface_not_on_tooth", "surfaces: tooth 46 is a back tooth: its chewing surface is O (occlusal), not I (incisal)");
    expect(chartErrorText("fr", back, input({ tooth: "46", surfaces: "I" }), false, KINDS)).toBe(
      "La dent 46 est une dent postérieure : sa face masticatrice est O (occlusale), pas I (incisal).",
    );
    expect(chartErrorText("en", back, input({ tooth: "46", surfaces: "I" }), false, KINDS)).toBe(
      "Tooth 46 is a back tooth: its chewing surface is O (occlusal), not I (incisal).",
    );
  });

  it("says a tooth that is not one, and a letter that is not a surface", () => {
    expect(said("fr", "not_a_tooth", 'tooth: "99" is not a tooth in FDI notation', { tooth: "99" })).toBe(
      "« 99 » n'est pas un numéro de dent : 11 à 48 en notation FDI, ou 51 à 85 pour les dents de lait.",
    );
    expect(said("en", "not_a_tooth", 'tooth: "99" is not a tooth in FDI notation', { tooth: " 99 " })).toBe(
      "“99” is not a tooth number: 11 to 48 in FDI notation, or 51 to 85 for milk teeth.",
    );
    const unknown = "surfaces: 'x' is not a surface: use M (mesial), …";
    expect(said("fr", "unknown_surface", unknown, { surfaces: "m, x" })).toBe(
      "« x » n'est pas une face : utilisez M (mésiale), O (occlusale), I (incisale), D (distale), B ou V (vestibulaire), L ou P (linguale ou palatine).",
    );
    expect(said("en", "unknown_surface", unknown, { surfaces: "mx" })).toMatch(/^“x” is not a surface: use M \(mesial\)/);
    // The letters sent read well here (the Rust side read them otherwise): said without the letter.
    expect(said("fr", "unknown_surface", unknown, { surfaces: "MO" })).toMatch(/^Une lettre saisie n'est pas une face : utilisez M/);
  });

  it("says which kinds take surfaces, and where a sealant goes", () => {
    expect(said("fr", "surfaces_required", "surfaces: a caries is charted on the surfaces it reaches")).toBe(
      "Carie : indiquez les faces concernées (par exemple MO).",
    );
    expect(said("en", "surfaces_required", "surfaces: a restoration is charted…", { kind: "restoration" })).toBe(
      "Restoration: give the surfaces it covers (for example MO).",
    );
    expect(said("fr", "whole_tooth", "surfaces: a crown concerns the whole tooth", { kind: "crown", surfaces: "O" })).toBe(
      "Couronne : porte sur la dent entière, n'indiquez aucune face.",
    );
    expect(said("en", "whole_tooth", "surfaces: a root canal treatment concerns the whole tooth", { kind: "root_canal", surfaces: "O" })).toBe(
      "Root canal: concerns the whole tooth, give no surfaces.",
    );
    expect(said("fr", "sealant_surfaces", "surfaces: a sealant goes on…", { kind: "sealant", surfaces: "MO" })).toBe(
      "Un scellement de sillons se pose sur la face occlusale et ses puits : O, B ou L, pas M ni D.",
    );
    expect(said("en", "sealant_surfaces", "surfaces: a sealant goes on…", { kind: "sealant", surfaces: "MO" })).toBe(
      "A sealant goes on the chewing surface and its pits: O, B or L, not M or D.",
    );
  });

  it("says which teeth a kind goes on", () => {
    expect(said("fr", "sealant_front_tooth", "tooth: tooth 12 is a front tooth…", { tooth: "12", kind: "sealant", surfaces: "B" }, true)).toBe(
      "La dent 12 est une dent antérieure : un scellement de sillons se pose sur les prémolaires et les molaires.",
    );
    expect(said("en", "sealant_front_tooth", "tooth: tooth 12 is a front tooth…", { tooth: "12", kind: "sealant", surfaces: "B" }, true)).toBe(
      "Tooth 12 is a front tooth: a sealant goes on premolars and molars.",
    );
    expect(said("fr", "milk_tooth", "tooth: tooth 75 is a milk tooth…", { tooth: "75", kind: "implant", status: "planned" })).toBe(
      "Implant impossible sur la dent 75 : c'est une dent de lait, et seule une dent permanente se remplace ainsi.",
    );
    expect(said("fr", "milk_tooth", "tooth: tooth 84 is a milk tooth…", { tooth: "84", kind: "pontic", status: "planned" })).toMatch(
      /^Intermédiaire de bridge impossible sur la dent 84 : c'est une dent de lait/,
    );
    expect(said("en", "milk_tooth", "tooth: tooth 75 is a milk tooth…", { tooth: "75", kind: "pontic", status: "planned" })).toBe(
      "Pontic not possible on tooth 75: it is a milk tooth, and only a permanent tooth is replaced this way.",
    );
    expect(said("fr", "tooth_absent", "tooth: tooth 36 is charted missing…", { tooth: "36", kind: "crown", status: "planned" })).toBe(
      "Couronne impossible sur la dent 36 : elle est notée absente ou extraite. Notez ce qui la remplace (implant, intermédiaire de bridge), ou barrez l'entrée qui la dit absente.",
    );
    expect(said("en", "on_pontic", "tooth: tooth 46 is replaced by a pontic…", { tooth: "46", kind: "caries", surfaces: "O" })).toBe(
      "Caries not possible on tooth 46: it is replaced by a pontic, and this concerns a natural tooth.",
    );
  });

  it("says which status a kind takes", () => {
    expect(said("fr", "finding_not_existing", "status: a caries is a finding…", { surfaces: "O", status: "planned" })).toBe(
      "Carie : c'est un constat, à noter « Constaté » ; prévoyez son traitement dans une entrée à part (une obturation, par exemple).",
    );
    expect(said("en", "finding_not_existing", "status: a missing tooth is a finding…", { kind: "missing", status: "done" })).toBe(
      "Missing: a finding is charted as “Existing”; plan its treatment as a separate entry (a restoration, say).",
    );
    expect(said("fr", "existing_extraction", "status: an extraction is planned or done…", { kind: "extraction" })).toBe(
      "Une extraction est prévue ou réalisée, pas constatée : une dent déjà extraite se note « Absente ».",
    );
    expect(said("en", "existing_extraction", "status: an extraction is planned or done…", { kind: "extraction" })).toBe(
      "An extraction is planned or done, not existing: a tooth already out is charted as “Missing”.",
    );
  });

  it("says a material does not suit the kind", () => {
    const crown = { kind: "crown" as const, status: "planned" as const, material: "composite" as const };
    expect(said("fr", "material_not_for_kind", "material: a crown is not made of composite…", crown)).toBe(
      "Couronne en composite : ce matériau ne convient pas ; choisissez-en un autre.",
    );
    expect(said("en", "material_not_for_kind", "material: a crown is not made of composite…", crown)).toBe(
      "Crown: not made of composite; choose another material.",
    );
    expect(
      said("fr", "material_not_for_kind", "material: a restoration is not made of zirconia…", { kind: "restoration", surfaces: "O", material: "zirconia" }),
    ).toBe("Obturation en zircone : ce matériau ne convient pas ; choisissez-en un autre.");
    expect(said("fr", "material_not_for_kind", "material: a root canal treatment has no material…", { kind: "root_canal", material: "metal" })).toBe(
      "Traitement endodontique : pas de matériau ; on n'en indique que pour une obturation, une couronne ou un intermédiaire de bridge.",
    );
    expect(said("en", "material_not_for_kind", "material: a sealant has no material…", { kind: "sealant", material: "metal" })).toBe(
      "Sealant: no material; only a restoration, a crown or a pontic has one.",
    );
  });

  it("says the day done and the note from their English reason", () => {
    expect(said("fr", undefined, "done_on: 2999-01-01 is in the future", { status: "done" })).toBe("La date de réalisation est dans le futur.");
    expect(said("en", undefined, "done_on: 2999-01-01 is in the future", { status: "done" })).toBe("The date done is in the future.");
    expect(said("fr", undefined, "done_on: 1899-12-31 is before 1900", { status: "done" })).toBe("La date de réalisation est antérieure à 1900.");
    expect(said("fr", undefined, 'done_on: "hier" is not a date YYYY-MM-DD', { status: "done" })).toBe(translate("fr", "pfield.bad_date"));
    expect(said("en", undefined, 'done_on: "hier" is not a date YYYY-MM-DD', { status: "done" })).toBe(translate("en", "pfield.bad_date"));
    expect(said("fr", undefined, "note: is longer than 1000 characters")).toBe("Note : 1000 caractères au maximum.");
    expect(said("en", undefined, "note: is longer than 1000 characters")).toBe("Note: at most 1000 characters.");
  });

  it("leaves to the generic wording what the form cannot send, and other errors", () => {
    expect(said("fr", "unknown_kind", 'kind: "x" is not a kind of chart entry')).toBeNull();
    expect(said("fr", "unknown_status", 'status: "x" is not a status')).toBeNull();
    expect(said("fr", "unknown_material", 'material: "x" is not a material')).toBeNull();
    expect(said("fr", "a_rule_of_tomorrow", "surfaces: something new")).toBeNull();
    expect(said("fr", undefined, "surfaces: something without a reason")).toBeNull();
    expect(said("fr", undefined, "note: something else")).toBeNull();
    expect(said("fr", undefined, "active: this entry is struck out")).toBeNull();
    // Not an invalid_input, even with a reason.
    expect(chartErrorText("fr", { code: "permission_denied", message: "your role…" }, input(), false, KINDS)).toBeNull();
    expect(chartErrorText("fr", { code: "sync_refused", message: "x", reason: "whole_tooth" }, input(), false, KINDS)).toBeNull();
  });

  it("words every rule's reason in both languages, in the words of the language", () => {
    const reasons: [string, Partial<ChartEntryInput>][] = [
      ["not_a_tooth", { tooth: "99" }],
      ["surface_not_on_tooth", { tooth: "11", surfaces: "O" }],
      ["unknown_surface", { surfaces: "x" }],
      ["surfaces_required", {}],
      ["whole_tooth", { kind: "crown", surfaces: "O" }],
      ["sealant_surfaces", { kind: "sealant", surfaces: "M" }],
      ["sealant_front_tooth", { tooth: "11", kind: "sealant", surfaces: "B" }],
      ["milk_tooth", { tooth: "75", kind: "implant" }],
      ["tooth_absent", { tooth: "36", kind: "crown" }],
      ["on_implant", { tooth: "36", kind: "restoration", surfaces: "MO" }],
      ["on_pontic", { tooth: "46", kind: "root_canal" }],
      ["finding_not_existing", { status: "planned", surfaces: "O" }],
      ["existing_extraction", { kind: "extraction" }],
      ["material_not_for_kind", { kind: "crown", material: "composite" }],
    ];
    for (const [reason, over] of reasons) {
      for (const lang of ["fr", "en"] as const) {
        const text = said(lang, reason, "x: y", over, over.tooth === "11");
        expect(text, `${lang} ${reason}`).toBeTruthy();
        expect(text, `${lang} ${reason}`).not.toMatch(/\{\w+\}|chart\./);
        // The French has none of the Rust side's English.
        if (lang === "fr") expect(text, reason).not.toMatch(/\b(tooth|is a|the)\b/);
      }
    }
  });

  it("words the refusals of marking done and restoring, and leaves the rest", () => {
    const refused = (reason?: string): ApiError => ({ code: "invalid_input", message: "active: …", ...(reason ? { reason } : {}) });
    expect(chartActionErrorText("fr", refused("not_planned"))).toBe("Seul un soin prévu peut être marqué réalisé.");
    expect(chartActionErrorText("fr", refused("struck_out"))).toContain("rétablissez-la d'abord");
    expect(chartActionErrorText("en", refused("settled_finding"))).toContain("strike that treatment out");
    expect(chartActionErrorText("fr", refused())).toBeNull();
    expect(chartActionErrorText("fr", { code: "not_found", message: "no chart entry" })).toBeNull();
    // Marking done a crown planned on a tooth since extracted: named from the entry.
    expect(chartActionErrorText("fr", refused("tooth_absent"), { kind: "crown", tooth: "36" })).toMatch(
      /^Couronne impossible sur la dent 36 : elle est notée absente ou extraite/,
    );
    expect(chartActionErrorText("en", refused("on_implant"), { kind: "root_canal", tooth: "16" })).toContain(
      "tooth 16: it is replaced by an implant",
    );
    expect(chartActionErrorText("fr", refused("tooth_absent"))).toBeNull();
  });

  it("says why an entry does not fit its tooth alone, for the inbox, and with the form's advice", () => {
    expect(misfitText("fr", "tooth_absent", { kind: "caries", tooth: "36" })).toBe(
      "Carie impossible sur la dent 36 : elle est notée absente ou extraite.",
    );
    expect(misfitText("en", "on_pontic", { kind: "root_canal", tooth: "46" })).toBe(
      "Root canal not possible on tooth 46: it is replaced by a pontic, and this concerns a natural tooth.",
    );
    expect(misfitText("fr", "milk_tooth", { kind: "implant", tooth: "75" })).toBeNull();
    expect(misfitText("fr", undefined, { kind: "implant", tooth: "75" })).toBeNull();
    // The form says what to do about a tooth charted absent; the inbox offers it as buttons.
    const refused: ApiError = { code: "invalid_input", message: "tooth: …", reason: "tooth_absent" };
    expect(chartActionErrorText("en", refused, { kind: "crown", tooth: "36" })).toBe(
      "Crown not possible on tooth 36: it is charted missing or extracted. Chart what replaces it (an implant, a pontic), or strike out the entry that says it is gone.",
    );
  });

  it("knows which French words a kind agrees with", () => {
    expect(kindGender("caries")).toBe("f");
    expect(kindGender("extraction")).toBe("f");
    expect(kindGender("root_canal")).toBe("m");
    expect(kindGender("implant")).toBe("m");
    expect(kindGender("something_newer")).toBe("m");
    expect(upperFirst("obturation MOD prévue")).toBe("Obturation MOD prévue");
    expect(upperFirst("")).toBe("");
  });
});
