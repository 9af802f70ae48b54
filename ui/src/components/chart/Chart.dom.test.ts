// The dental chart tab mounted in a DOM over the dev mock, driven as a dentist would: a tooth
// chosen by typing its number, a caries charted on a surface and drawn, the planned restoration
// marked done settling the caries, the Rust side's refusal shown by the form, an entry struck out
// and restored, and the chart read only for a role that cannot change it. Then the tab in the
// patient file, and a concurrent edit of a chart entry in the inbox.
import { afterEach, describe, expect, it } from "vitest";
import { mount, unmount } from "svelte";
import * as api from "../../lib/api";
import { createMockInvoker } from "../../lib/dev/mock";
import { formatDate } from "../../lib/patients";
import { adoptInboxUser } from "../../lib/inboxstate.svelte";
import { locale } from "../../lib/locale.svelte";
import AttentionInbox from "../AttentionInbox.svelte";
import PatientFile from "../PatientFile.svelte";
import { choose, click, find, findAll, get, press, tearDown, type, until } from "../domtest";
import ChartTab from "./ChartTab.svelte";

let component: ReturnType<typeof mount> | null = null;
let calls: string[] = [];
let changes = 0;

type Mock = ReturnType<typeof createMockInvoker>;
/** Runs before the mock answers a command (another PC's change landing meanwhile, say). */
type Meanwhile = (cmd: string, args: Record<string, unknown> | undefined, mock: Mock) => Promise<unknown> | void;

function backend(query = "", meanwhile?: Meanwhile) {
  calls = [];
  const mock = createMockInvoker(new URLSearchParams(`mock=home${query}`));
  api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
    calls.push(cmd);
    await meanwhile?.(cmd, args, mock);
    return mock(cmd, args);
  }) as api.Invoker);
}

function start(
  props: Partial<{ patientId: string; canEdit: boolean; erased: boolean; readOnlyReason: string | null }> = {},
  query = "",
  meanwhile?: Meanwhile,
) {
  backend(query, meanwhile);
  changes = 0;
  component = mount(ChartTab, {
    target: document.body,
    props: { patientId: "p1", canEdit: true, onchange: () => changes++, ...props },
  });
}

afterEach(() => {
  component = tearDown(component);
  locale.lang = "fr";
});

const tooth = (code: string) => get(`chart-tooth-${code}`);
/** The mark drawn on a surface of a tooth: its kind ("" when none) and how it is drawn. */
const mark = (code: string, surface: string) => {
  const zone = tooth(code).querySelector<SVGElement>(`[data-surface="${surface}"]`);
  if (!zone) throw new Error(`no zone ${surface} on ${code}`);
  return { kind: zone.dataset.mark, style: zone.dataset.style };
};
const rows = () => findAll("chart-entry");
const row = (attrs: Record<string, string>) => find("chart-entry", attrs);
const inRow = (r: HTMLElement, testid: string) => r.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const formOpen = () => find("chart-entry-form");
const status = () => find("chart-status")?.textContent?.trim() ?? "";
/** The clinic's today as the mock has it. */
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

async function typeTooth(code: string) {
  press(code[0]);
  press(code[1]);
  await until(() => tooth(code).getAttribute("aria-pressed") === "true", `tooth ${code} chosen`);
}

describe("the odontogram", () => {
  it("draws each tooth from the Rust side's picture, named for screen readers", async () => {
    start();
    await until(() => find("chart-tooth-36"), "the chart");
    expect(findAll("chart-tooth-36")).toHaveLength(1);
    // The permanent teeth only: no milk tooth carries an entry.
    expect(find("chart-tooth-85")).toBeNull();
    expect(tooth("36").getAttribute("aria-label")).toBe("Dent 36 : carie M, obturation MOD prévue");
    expect(tooth("21").getAttribute("aria-label")).toBe("Dent 21 : rien de noté");
    expect(mark("36", "M")).toEqual({ kind: "caries", style: "caries" });
    expect(mark("36", "O")).toEqual({ kind: "restoration", style: "planned" });
    expect(mark("36", "B")).toEqual({ kind: "", style: "" });
    expect(mark("11", "I").style).toBe("treated");
    expect(tooth("18").dataset.state).toBe("missing");
    expect(tooth("46").querySelector('[data-whole="crown"]')?.getAttribute("data-status")).toBe("existing");
    expect(tooth("38").querySelector('[data-whole="extraction"]')).not.toBeNull();
    // The lips' side (B) on the outside, the midline's (M) towards the middle.
    const zones = (code: string) => [...tooth(code).querySelectorAll<SVGElement>("[data-surface]")].map((z) => z.dataset.surface);
    expect(zones("16")).toEqual(["B", "M", "L", "D", "O"]);
    expect(zones("36")).toEqual(["L", "D", "B", "M", "O"]);
    expect(get("chart-legend").textContent).toContain("Extraction prévue");
  });

  it("chooses a tooth by typing its number, and moves with the arrows", async () => {
    start();
    await until(() => find("chart-tooth-36"), "the chart");
    expect(get("chart-tooth-panel").textContent).toContain("tapez son numéro");
    await typeTooth("36");
    await until(() => document.activeElement === tooth("36"), "the tooth focused");
    expect(get("chart-panel-title").textContent).toBe("Dent 36");
    expect(rows().map((r) => [r.dataset.kind, r.dataset.status])).toEqual([
      ["caries", "existing"],
      ["restoration", "planned"],
    ]);
    expect(rows()[0].textContent).toContain("Visible sur la rétro-coronaire");
    expect(rows()[0].textContent).toContain("Noté par Dr Amina Benali");
    press("ArrowRight");
    expect(tooth("37").getAttribute("aria-pressed")).toBe("true");
    press("ArrowUp");
    expect(tooth("27").getAttribute("aria-pressed")).toBe("true");
    // Only the chosen tooth is in the tab order.
    expect(findAll("chart-tooth-27")[0].tabIndex).toBe(0);
    expect(tooth("36").tabIndex).toBe(-1);
    // A milk tooth's number shows the milk teeth.
    await typeTooth("85");
    expect(get<HTMLInputElement>("chart-view-mixed").checked).toBe(true);
    click(get("chart-view-permanent"));
    expect(find("chart-tooth-85")).toBeNull();
    // Digits typed in a field are the field's.
    click(tooth("46"));
    click(get("chart-entry-add"));
    press("3", get("chart-entry-surfaces"));
    press("6", get("chart-entry-surfaces"));
    expect(tooth("46").getAttribute("aria-pressed")).toBe("true");
  });

  it("clicks a row of the full list to choose its tooth; settled and struck-out entries on demand", async () => {
    start();
    await until(() => find("chart-list-entry"), "the entries");
    const ids = () => findAll("chart-list-entry").map((r) => r.dataset.entryId);
    expect(ids()).not.toContain("ce9");
    click(get("chart-entries-all"));
    expect(ids()).toContain("ce9");
    expect(find("chart-list-entry", { "data-entry-id": "ce9" })?.textContent).toContain("Barré");
    expect(find("chart-list-entry", { "data-entry-id": "ce6" })?.textContent).toContain("Soldé par obturation O");
    click(get("chart-list-entry", { "data-entry-id": "ce3" }));
    expect(tooth("46").getAttribute("aria-pressed")).toBe("true");
    expect(get("chart-panel-title").textContent).toBe("Dent 46");
    // The arrows on another button are that button's (the page's), not the chart's.
    press("ArrowRight", get("chart-list-entry", { "data-entry-id": "ce3" }));
    expect(tooth("46").getAttribute("aria-pressed")).toBe("true");
    press("ArrowRight", tooth("46"));
    expect(tooth("45").getAttribute("aria-pressed")).toBe("true");
  });
});

describe("charting", () => {
  it("adds a caries on O with the keyboard, then marks the planned restoration done, which settles the caries", async () => {
    start();
    await until(() => find("chart-tooth-36"), "the chart");
    await typeTooth("36");
    press("Enter");
    await until(formOpen, "the form");
    expect(get<HTMLSelectElement>("chart-entry-kind").value).toBe("caries");
    expect(get<HTMLSelectElement>("chart-entry-status").value).toBe("existing");
    expect(find("chart-entry-material")).toBeNull();
    expect(find("chart-entry-done-on")).toBeNull();
    click(get("chart-surface-O"));
    expect(get("chart-surface-O").getAttribute("aria-pressed")).toBe("true");
    expect(get<HTMLInputElement>("chart-entry-surfaces").value).toBe("O");
    click(get("chart-entry-save"));
    await until(() => !formOpen(), "the form to close");
    expect(status()).toBe("Ajouté : Carie 36 O.");
    expect(mark("36", "O")).toEqual({ kind: "caries", style: "caries" });
    expect(rows().filter((r) => r.dataset.kind === "caries")).toHaveLength(2);
    expect(changes).toBe(1);
    await until(() => document.activeElement === tooth("36"), "the keyboard back on the tooth");

    const planned = row({ "data-kind": "restoration", "data-status": "planned" })!;
    click(inRow(planned, "chart-entry-complete")!);
    await until(() => status().startsWith("2 constats"), "the settled caries");
    expect(status()).toBe("2 constats soldés par obturation MOD : carie 36 M, carie 36 O.");
    expect(calls).toContain("complete_chart_entry");
    const caries = rows().filter((r) => r.dataset.kind === "caries");
    expect(caries.map((r) => r.dataset.active)).toEqual(["false", "false"]);
    expect(caries.map((r) => inRow(r, "chart-entry-gone")?.textContent)).toEqual([
      "Soldé par obturation MOD",
      "Soldé par obturation MOD",
    ]);
    // Settled by another entry: not restored from here.
    expect(caries.some((r) => inRow(r, "chart-entry-restore"))).toBe(false);
    expect(row({ "data-kind": "restoration" })?.dataset.status).toBe("done");
    // Done today, by whoever marked it.
    expect(inRow(row({ "data-kind": "restoration" })!, "chart-entry-done")?.textContent?.trim()).toBe(
      `Réalisé le ${formatDate(today())} par Dr Amina Benali`,
    );
    expect(mark("36", "O")).toEqual({ kind: "restoration", style: "treated" });
    expect(mark("36", "M").style).toBe("treated");
    expect(tooth("36").getAttribute("aria-label")).toBe("Dent 36 : obturation MOD réalisée");
  });

  it("words the Rust side's refusal of O on a front tooth in French, then closes the form with Escape", async () => {
    start();
    await until(() => find("chart-tooth-11"), "the chart");
    await typeTooth("11");
    press("Enter");
    await until(formOpen, "the form");
    // A front tooth: its edge is I.
    expect(find("chart-surface-O")).toBeNull();
    expect(find("chart-surface-I")).not.toBeNull();
    type(get<HTMLInputElement>("chart-entry-surfaces"), "O");
    click(get("chart-entry-save"));
    const error = await until(() => find("chart-entry-error"), "the error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("La dent 11 est une dent antérieure");
    expect(error.textContent).toContain("I (incisal)");
    expect(error.textContent?.trim()).toBe("La dent 11 est une dent antérieure : son bord libre est I (incisal), pas O (occlusal).");
    // Not the Rust side's English.
    expect(error.textContent).not.toContain("front tooth");
    expect(error.textContent).not.toContain("surfaces:");
    expect(get("chart-entry-surfaces").getAttribute("aria-invalid")).toBe("true");
    expect(formOpen()).not.toBeNull();
    // Escape closes the form (and only the form).
    press("Escape");
    expect(formOpen()).toBeNull();
    expect(get("chart-panel-title").textContent).toBe("Dent 11");
  });

  it("words a refusal in English for an English-speaking user, the field it names marked", async () => {
    locale.lang = "en";
    start();
    await until(() => find("chart-tooth-47"), "the chart");
    await typeTooth("47");
    press("Enter");
    await until(formOpen, "the form");
    // The materials offered are those the Rust side lists for the kind: a crown has no composite.
    choose(get<HTMLSelectElement>("chart-entry-kind"), "crown");
    const offered = [...get<HTMLSelectElement>("chart-entry-material").options].map((o) => o.value);
    expect(offered).toEqual(["", "ceramic", "metal_ceramic", "zirconia", "metal"]);
    choose(get<HTMLSelectElement>("chart-entry-kind"), "sealant");
    type(get<HTMLInputElement>("chart-entry-surfaces"), "MO");
    click(get("chart-entry-save"));
    const error = await until(() => find("chart-entry-error"), "the error");
    expect(error.textContent?.trim()).toBe("A sealant goes on the chewing surface and its pits: O, B or L, not M or D.");
    expect(get("chart-entry-surfaces").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(get("chart-entry-surfaces"));
    // A back tooth: its chewing surface is O.
    choose(get<HTMLSelectElement>("chart-entry-kind"), "caries");
    type(get<HTMLInputElement>("chart-entry-surfaces"), "I");
    click(get("chart-entry-save"));
    const again = await until(() => find("chart-entry-error"), "the error again");
    expect(again.textContent?.trim()).toBe("Tooth 47 is a back tooth: its chewing surface is O (occlusal), not I (incisal).");
    expect(get("chart-entry-surfaces").getAttribute("aria-invalid")).toBe("true");
    expect(calls.filter((c) => c === "add_chart_entry")).toHaveLength(2);
  });

  it("keeps the surface buttons and the typed letters in step, and offers what the kind takes", async () => {
    start();
    await until(() => find("chart-tooth-47"), "the chart");
    click(tooth("47"));
    click(get("chart-entry-add"));
    await until(formOpen, "the form");
    const pressed = () => ["M", "O", "D", "B", "L"].filter((s) => get(`chart-surface-${s}`).getAttribute("aria-pressed") === "true");
    type(get<HTMLInputElement>("chart-entry-surfaces"), "mod");
    expect(pressed()).toEqual(["M", "O", "D"]);
    click(get("chart-surface-B"));
    expect(get<HTMLInputElement>("chart-entry-surfaces").value).toBe("MODB");
    click(get("chart-surface-O"));
    expect(get<HTMLInputElement>("chart-entry-surfaces").value).toBe("MDB");
    type(get<HTMLInputElement>("chart-entry-surfaces"), "dv");
    expect(pressed()).toEqual(["D", "B"]);
    // A treatment starts as planned, with its material; its day done when done.
    choose(get<HTMLSelectElement>("chart-entry-kind"), "restoration");
    expect(get<HTMLSelectElement>("chart-entry-status").value).toBe("planned");
    choose(get<HTMLSelectElement>("chart-entry-material"), "amalgam");
    choose(get<HTMLSelectElement>("chart-entry-status"), "done");
    expect(find("chart-entry-done-on")).not.toBeNull();
    type(get<HTMLInputElement>("chart-entry-note"), "Reprise du bord distal");
    click(get("chart-entry-save"));
    await until(() => !formOpen(), "the form to close");
    const added = row({ "data-kind": "restoration" })!;
    expect(added.dataset.status).toBe("done");
    expect(added.textContent).toContain("Amalgame");
    expect(added.textContent).toContain("Reprise du bord distal");
    expect(mark("47", "B")).toEqual({ kind: "restoration", style: "treated" });
  });

  it("edits an entry", async () => {
    start();
    await until(() => find("chart-tooth-26"), "the chart");
    click(tooth("26"));
    const crown = row({ "data-kind": "crown" })!;
    click(inRow(crown, "chart-entry-edit")!);
    await until(formOpen, "the form");
    expect(get<HTMLSelectElement>("chart-entry-material").value).toBe("zirconia");
    choose(get<HTMLSelectElement>("chart-entry-material"), "ceramic");
    click(get("chart-entry-save"));
    await until(() => !formOpen(), "the form to close");
    expect(status()).toBe("Modifié : Couronne 26.");
    expect(row({ "data-kind": "crown" })?.textContent).toContain("Céramique");
    expect(calls).toContain("update_chart_entry");
  });

  it("strikes an entry out behind a confirmation, and restores it", async () => {
    start();
    await until(() => find("chart-tooth-24"), "the chart");
    await typeTooth("24");
    const watch = row({ "data-kind": "watch" })!;
    click(inRow(watch, "chart-entry-strike")!);
    const dialog = await until(() => (find<HTMLDialogElement>("chart-strike-dialog")?.open ? find("chart-strike-dialog") : null), "the confirmation");
    expect(dialog.textContent).toContain("À surveiller 24");
    click(get("chart-strike-confirm"));
    await until(() => row({ "data-kind": "watch" })?.dataset.active === "false", "the entry struck out");
    expect(status()).toBe("Barré : À surveiller 24.");
    expect(inRow(row({ "data-kind": "watch" })!, "chart-entry-gone")?.textContent).toBe("Barré");
    expect(tooth("24").querySelector('[data-whole="watch"]')).toBeNull();
    click(inRow(row({ "data-kind": "watch" })!, "chart-entry-restore")!);
    await until(() => row({ "data-kind": "watch" })?.dataset.active === "true", "the entry back");
    expect(status()).toBe("Rétabli : À surveiller 24.");
    expect(tooth("24").querySelector('[data-whole="watch"]')).not.toBeNull();
  });

  it("gives back the finding a done restoration settled when it is struck out, and says so", async () => {
    start();
    await until(() => find("chart-tooth-45"), "the chart");
    await typeTooth("45");
    // 45: the amalgam on O done, the caries it settled under it.
    const resto = () => row({ "data-entry-id": "ce10" })!;
    const caries = () => row({ "data-entry-id": "ce6" })!;
    expect(inRow(resto(), "chart-entry-done")?.textContent).toMatch(/^Réalisé le \d{2}\/\d{2}\/\d{4} par Dr Amina Benali$/);
    expect(caries().dataset.active).toBe("false");
    expect(inRow(caries(), "chart-entry-gone")?.textContent).toBe("Soldé par obturation O");
    // Settled by a restoration that stands: not brought back from here.
    expect(inRow(caries(), "chart-entry-restore")).toBeNull();
    expect(mark("45", "O")).toEqual({ kind: "restoration", style: "treated" });

    click(inRow(resto(), "chart-entry-strike")!);
    await until(() => (find<HTMLDialogElement>("chart-strike-dialog")?.open ? true : null), "the confirmation");
    click(get("chart-strike-confirm"));
    await until(() => caries().dataset.active === "true", "the caries back");
    expect(status()).toBe("1 constat rétabli : carie 45 O.");
    expect(findAll("chart-status")).toHaveLength(1);
    expect(resto().dataset.active).toBe("false");
    expect(inRow(caries(), "chart-entry-gone")).toBeNull();
    expect(mark("45", "O")).toEqual({ kind: "caries", style: "caries" });
    expect(tooth("45").getAttribute("aria-label")).toBe("Dent 45 : carie O");
    expect(changes).toBe(1);

    // Restored, the restoration settles it again.
    click(inRow(resto(), "chart-entry-restore")!);
    await until(() => caries().dataset.active === "false", "the caries settled again");
    expect(status()).toBe("1 constat soldé par obturation O : carie 45 O.");
    expect(mark("45", "O")).toEqual({ kind: "restoration", style: "treated" });
  });

  it("names the entry just added by the id the Rust side gives, not by the ids new since", async () => {
    // Another PC's entry on 11 lands while this one is charted: it is new too, and comes first.
    start({}, "", async (cmd, _args, mock) => {
      if (cmd !== "add_chart_entry") return;
      const other = { tooth: "11", surfaces: "", kind: "watch", status: "existing", material: null, note: "", done_on: null };
      await mock("add_chart_entry", { id: "p1", request: other });
    });
    await until(() => find("chart-tooth-36"), "the chart");
    await typeTooth("36");
    press("Enter");
    await until(formOpen, "the form");
    click(get("chart-surface-B"));
    click(get("chart-entry-save"));
    await until(() => !formOpen(), "the form to close");
    expect(status()).toBe("Ajouté : Carie 36 B.");
    expect(tooth("11").querySelector('[data-whole="watch"]')).not.toBeNull();
    expect(get("chart-panel-title").textContent).toBe("Dent 36");
  });

  it("reads only, for a role that cannot change the chart", async () => {
    start({ canEdit: false, readOnlyReason: "Votre rôle permet de consulter le schéma dentaire, pas de le modifier." });
    await until(() => find("chart-tooth-36"), "the chart");
    expect(get("chart-read-only").textContent).toContain("pas de le modifier");
    await typeTooth("36");
    expect(rows()).toHaveLength(2);
    expect(find("chart-entry-add")).toBeNull();
    for (const id of ["chart-entry-complete", "chart-entry-edit", "chart-entry-strike", "chart-entry-restore"]) expect(find(id)).toBeNull();
    press("Enter");
    expect(formOpen()).toBeNull();
    expect(find("chart-strike-dialog")).toBeNull();
  });

  it("opens on both dentitions for a child with milk teeth charted", async () => {
    start({ patientId: "p14" });
    await until(() => find("chart-tooth-85"), "the milk teeth");
    expect(get<HTMLInputElement>("chart-view-mixed").checked).toBe(true);
    expect(mark("85", "O").style).toBe("caries");
    expect(find("chart-tooth-16")).not.toBeNull();
    click(get("chart-view-primary"));
    expect(find("chart-tooth-16")).toBeNull();
    expect(find("chart-tooth-85")).not.toBeNull();
  });
});

describe("the patient file's tab", () => {
  function file(over: Record<string, unknown> = {}) {
    backend();
    const none = () => {};
    component = mount(PatientFile, {
      target: document.body,
      props: {
        id: "p1", preloaded: null, flash: null, canEdit: true, canExport: false, canErase: false, canViewImaging: false,
        canEditImaging: false, onback: none, onedit: none, onopen: none, onupdated: none, ondistinct: none, onmerged: none,
        oninbox: none, canViewClinical: true, canEditClinical: true, ...over,
      },
    });
  }

  it("sits between the file and the images, the arrows moving across the three tabs", async () => {
    file({ canViewImaging: true });
    await until(() => find("pfile-tab-chart"), "the tabs");
    // The file's title takes the focus when the file opens.
    await until(() => document.activeElement === find("patient-file-name"), "the title focused");
    expect([...document.querySelectorAll("[role=tab]")].map((x) => x.getAttribute("data-testid"))).toEqual([
      "pfile-tab-file",
      "pfile-tab-chart",
      "pfile-tab-imaging",
    ]);
    press("ArrowRight", get("pfile-tab-file"));
    expect(get("pfile-tab-chart").getAttribute("aria-selected")).toBe("true");
    await until(() => find("chart-tooth-36"), "the chart, loaded on first use");
    await until(() => document.activeElement === get("pfile-tab-chart"), "the keyboard on the tab");
    press("ArrowLeft", get("pfile-tab-chart"));
    expect(get("pfile-tab-file").getAttribute("aria-selected")).toBe("true");
    press("ArrowLeft", get("pfile-tab-file"));
    expect(get("pfile-tab-imaging").getAttribute("aria-selected")).toBe("true");
    press("Home", get("pfile-tab-imaging"));
    expect(get("pfile-tab-file").getAttribute("aria-selected")).toBe("true");
  });

  it("is not offered without view_clinical; read only on an erased file", async () => {
    file({ canViewClinical: false, canEditClinical: false });
    await until(() => find("patient-file-name"), "the file");
    expect(find("pfile-tab-chart")).toBeNull();
    expect(find("pfile-tab-file")).toBeNull();
    unmount(component!);
    component = null;
    document.body.innerHTML = "";
    file({ id: "p16" });
    click(await until(() => find("pfile-tab-chart"), "the tab"));
    await until(() => find("chart-tooth-11"), "the chart");
    expect(get("chart-read-only").textContent).toContain("RGPD");
    click(tooth("11"));
    expect(find("chart-entry-add")).toBeNull();
  });

  it("reads the history again once something is charted; Escape closes the form before leaving the file", async () => {
    let back = 0;
    file({ onback: () => back++ });
    click(await until(() => find("pfile-tab-chart"), "the tab"));
    await until(() => find("chart-tooth-36"), "the chart");
    const before = calls.filter((c) => c === "patient_timeline").length;
    await typeTooth("36");
    const planned = row({ "data-kind": "restoration", "data-status": "planned" })!;
    click(inRow(planned, "chart-entry-complete")!);
    await until(() => calls.filter((c) => c === "patient_timeline").length > before, "the history read again");
    press("Enter");
    await until(formOpen, "the form");
    press("Escape", get("chart-entry-note"));
    expect(formOpen()).toBeNull();
    expect(back).toBe(0);
    // With the form closed, Escape is the file's: back to the list.
    press("Escape");
    expect(back).toBe(1);
  });
});

describe("the inbox", () => {
  it("names a concurrent edit of a chart entry by its tooth, its values in words", async () => {
    backend();
    adoptInboxUser(`u-${Math.random()}`);
    component = mount(AttentionInbox, {
      target: document.body,
      props: { canEditPatients: true, canEditClinical: true, canViewAgenda: true, canEditAgenda: true, onopen: () => {}, onmerged: () => {} },
    });
    const item = await until(() => find("conflict", { "data-table": "chart_entry" }), "the chart entry's conflict");
    expect(item.querySelector('[data-testid="conflict-chart"]')?.textContent).toBe("Schéma dentaire — dent 46, couronne");
    expect(item.querySelector('[data-testid="conflict-subject"]')?.textContent).toBe("Schéma dentaire — dent 46, couronne : Matériau");
    expect(item.querySelector('[data-testid="conflict-current-value"]')?.textContent).toBe("Céramo-métallique");
    expect(item.querySelector('[data-testid="conflict-other-value"]')?.textContent).toBe("Zircone");
    expect(item.querySelector('[data-testid="conflict-keep"]')).not.toBeNull();
  });

  it("opens the file on its chart when only a chart entry waits in it", async () => {
    backend("", async (cmd, _args, mock) => {
      if (cmd !== "attention_inbox" && cmd !== "attention_inbox_refresh") return;
      // Mohamed Benali's other concurrent edits decided already: only his crown's material waits.
      const inbox = (await mock("attention_inbox", {})) as { edit_conflicts: { table: string; patient: { id: string } }[] };
      for (const c of inbox.edit_conflicts.filter((c) => c.patient.id === "p1" && c.table !== "chart_entry")) {
        await mock("resolve_edit_conflict", { request: { ...c, choice: "keep_current", allow_overlap: false } });
      }
    });
    adoptInboxUser(`u-${Math.random()}`);
    const opened: [string, string | undefined][] = [];
    component = mount(AttentionInbox, {
      target: document.body,
      props: {
        canEditPatients: true, canEditClinical: true, canViewAgenda: true, canEditAgenda: true,
        onopen: (id: string, tab?: string) => opened.push([id, tab]), onmerged: () => {},
      },
    });
    const item = await until(() => find("conflict", { "data-table": "chart_entry" }), "the chart entry's conflict");
    const group = item.closest<HTMLElement>("[data-testid=conflict-group]")!;
    expect(group.querySelectorAll("[data-testid=conflict]")).toHaveLength(1);
    click(group.querySelector<HTMLElement>("[data-testid=conflict-open]")!);
    expect(opened).toEqual([["p1", "chart"]]);
  });

  it("leaves the decision to someone who may change the chart", async () => {
    backend("&role=assistant");
    adoptInboxUser(`u-${Math.random()}`);
    component = mount(AttentionInbox, {
      target: document.body,
      props: { canEditPatients: true, canEditClinical: false, canViewAgenda: true, canEditAgenda: true, onopen: () => {}, onmerged: () => {} },
    });
    const item = await until(() => find("conflict", { "data-table": "chart_entry" }), "the chart entry's conflict");
    expect(item.querySelector('[data-testid="conflict-not-allowed"]')?.textContent).toContain("schéma dentaire");
  });
});
