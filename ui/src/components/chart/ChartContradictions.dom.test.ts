// The chart tab's own chart contradictions, mounted in a DOM over the dev mock: Karim Haddad
// charted a caries on Mohamed Benali's 18 at "Fauteuil 1", a tooth this PC has as missing. The
// chart says so above the odontogram with the inbox's sentence and decisions, and marks the
// tooth; a decision taken there updates the chart shown and the inbox's badge. Then the inbox's
// "Ouvrir le dossier", which opens the file on its chart.
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../../lib/api";
import { createMockInvoker } from "../../lib/dev/mock";
import { inboxCount } from "../../lib/inbox";
import { adoptInboxUser, inboxState, refreshInbox } from "../../lib/inboxstate.svelte";
import { locale } from "../../lib/locale.svelte";
import { formatDay } from "../../lib/medical";
import PatientsPanel from "../PatientsPanel.svelte";
import { click, find, findAll, get, tearDown, until } from "../domtest";
import ChartTab from "./ChartTab.svelte";

let component: ReturnType<typeof mount> | null = null;
/** Every command sent, with its arguments. */
let calls: [string, Record<string, unknown> | undefined][] = [];
let changes = 0;

/** Holds back the answer to a chart read, already made, until released (a slow read). */
let holdChartReads: Promise<void> | null = null;

function backend(query = "") {
  calls = [];
  holdChartReads = null;
  const mock = createMockInvoker(new URLSearchParams(`mock=home${query}`));
  api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
    calls.push([cmd, args]);
    const answer = await mock(cmd, args);
    if (cmd === "dental_chart" && holdChartReads) await holdChartReads;
    return answer;
  }) as api.Invoker);
}

/** The chart tab of a file, the inbox read first (as the navigation's badge has it). */
async function start(props: Partial<{ patientId: string; canEdit: boolean; readOnlyReason: string | null }> = {}, query = "") {
  backend(query);
  adoptInboxUser(`u-${Math.random()}`);
  await refreshInbox();
  changes = 0;
  component = mount(ChartTab, {
    target: document.body,
    props: { patientId: "p1", canEdit: true, onchange: () => changes++, ...props },
  });
  await until(() => find("chart-tooth-18"), "the chart");
  // What the decisions send, from here.
  calls = [];
}

afterEach(() => {
  component = tearDown(component);
  locale.lang = "fr";
});

const notice = () => find("chart-contradictions-list");
const item = () => find("chart-contradiction", { "data-entry-id": "ce31", "data-because-of-id": "ce4" });
const inItem = (testid: string) => item()?.querySelector<HTMLElement>(`[data-testid="${testid}"]`) ?? null;
const marker = (code: string) => find(`chart-tooth-${code}`)?.querySelector<HTMLElement>('[data-testid="chart-tooth-contradiction"]');
const sent = (cmd: string) => calls.filter(([c]) => c === cmd).map(([, args]) => args);
const dialogOpen = () => (find<HTMLDialogElement>("chart-contradiction-strike-dialog")?.open ? find("chart-contradiction-strike-dialog") : null);
const status = () => find("chart-status")?.textContent?.trim() ?? "";
const waitingInInbox = () => inboxState.inbox?.chart_contradictions.length ?? -1;

describe("the chart's contradictions", () => {
  it("are said above the odontogram with the inbox's words, their tooth marked", async () => {
    await start();
    const box = get("chart-contradictions-list");
    // Above the odontogram.
    expect(box.compareDocumentPosition(get("chart-odontogram")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(box.querySelector("h2")?.textContent?.trim()).toBe("Entrées contradictoires");
    expect(get("chart-contradictions-intro").textContent).toBe(
      "1 dent porte des entrées qui se contredisent, notées à deux postes séparés : barrez celle qui est fausse, ou gardez les deux telles qu'elles ont été notées.",
    );
    const c = inboxState.inbox!.chart_contradictions[0];
    expect(inItem("chart-contradiction-tooth")?.textContent).toBe("Dent 18");
    expect(inItem("chart-contradiction-text")?.textContent).toBe(
      `Carie O, notée par Karim Haddad le ${formatDay(c.entry.recorded_at_ms)}, sur une dent notée absente par Dr Amina Benali le ${formatDay(c.because_of.recorded_at_ms)}.`,
    );
    expect(inItem("chart-contradiction-reason")?.textContent).toBe("Carie impossible sur la dent 18 : elle est notée absente ou extraite.");
    expect(inItem("chart-contradiction-strike-entry")?.textContent).toBe("Barrer la carie");
    expect(inItem("chart-contradiction-strike-entry")?.getAttribute("aria-label")).toBe("Barrer la carie : dent 18");
    expect(inItem("chart-contradiction-strike-because-of")?.textContent).toBe("Barrer « Absente »");
    expect(inItem("chart-contradiction-keep")?.textContent?.trim()).toBe("Garder les deux");
    // In the file itself: no file named, none to open.
    expect(inItem("chart-contradiction-patient")).toBeNull();
    expect(inItem("chart-contradiction-open")).toBeNull();
    expect(box.textContent).not.toContain("K7Q-00001");

    // The tooth is marked, and says so to a screen reader; no other is.
    expect(marker("18")?.getAttribute("title")).toBe("Entrées contradictoires");
    expect(get("chart-tooth-18").getAttribute("aria-label")).toBe("Dent 18 : absente, carie O — entrées contradictoires");
    expect(get("chart-tooth-18").dataset.contradicted).toBe("true");
    expect(findAll("chart-tooth-contradiction")).toHaveLength(1);
    expect(marker("36")).toBeNull();

    locale.lang = "en";
    await until(() => marker("18")?.getAttribute("title") === "Contradicting entries", "the English");
    expect(get("chart-tooth-18").getAttribute("aria-label")).toBe("Tooth 18: missing, caries O — contradicting entries");
    expect(get("chart-contradictions-intro").textContent).toMatch(/^1 tooth holds entries that contradict each other, charted at two computers apart/);
    expect(inItem("chart-contradiction-strike-entry")?.getAttribute("aria-label")).toBe("Strike out the caries: tooth 18");
  });

  it("strikes out the caries behind the chart's confirmation: the chart returned has no notice, the inbox none either", async () => {
    await start();
    expect(waitingInInbox()).toBe(1);
    const before = inboxCount(inboxState.inbox);
    click(inItem("chart-contradiction-strike-entry")!);
    const confirm = await until(dialogOpen, "the confirmation");
    expect(confirm.textContent).toContain("L'entrée « Carie 18 O » sera barrée");
    expect(confirm.textContent).not.toContain("BENALI");
    expect(sent("set_chart_entry_active")).toEqual([]);
    click(get("chart-contradiction-strike-confirm"));
    await until(() => !notice(), "the notice to go");
    expect(sent("set_chart_entry_active")).toEqual([{ entry: "ce31", active: false }]);
    expect(sent("keep_chart_entries")).toEqual([]);
    // The chart the strike-out returned is the one shown: not read again.
    expect(sent("dental_chart")).toEqual([]);
    expect(marker("18")).toBeNull();
    expect(get("chart-tooth-18").getAttribute("aria-label")).toBe("Dent 18 : absente");
    // The tooth is chosen, the words of what was done beside it; the file's history follows.
    expect(get("chart-tooth-18").getAttribute("aria-pressed")).toBe("true");
    expect(status()).toBe("Barré : Carie 18 O.");
    expect(find("chart-entry", { "data-entry-id": "ce31" })?.dataset.active).toBe("false");
    expect(changes).toBe(1);
    await until(() => document.activeElement === get("chart-tooth-18"), "the keyboard on the tooth");
    // The inbox's badge: dropped at once, then read again.
    await until(() => sent("attention_inbox").length >= 1 && waitingInInbox() === 0, "the inbox read again");
    expect(inboxCount(inboxState.inbox)).toBe(before - 1);
  });

  it("keeps both: the chart is read again, the inbox too", async () => {
    await start();
    click(inItem("chart-contradiction-keep")!);
    await until(() => !notice(), "the notice to go");
    expect(sent("keep_chart_entries")).toEqual([{ req: { entry_id: "ce31", because_of_id: "ce4" } }]);
    expect(sent("set_chart_entry_active")).toEqual([]);
    expect(status()).toBe("C'est noté : la dent 18 garde ses deux entrées.");
    expect(marker("18")).toBeNull();
    await until(() => sent("dental_chart").length === 1, "the chart read again");
    await until(() => waitingInInbox() === 0, "the inbox read again");
    // Both entries stay charted, and the chart read again has no contradiction left.
    expect(find("chart-entry", { "data-entry-id": "ce31" })?.dataset.active).toBe("true");
    expect(find("chart-entry", { "data-entry-id": "ce4" })?.dataset.active).toBe("true");
    // Its answer (the mock's, after 120 ms) brings no notice back.
    await new Promise((r) => setTimeout(r, 250));
    expect(notice()).toBeNull();
    expect(changes).toBe(0);
  });

  it("keeps a chart changed here over an older read of it still on its way", async () => {
    await start();
    let release = () => {};
    holdChartReads = new Promise((r) => (release = r));
    click(inItem("chart-contradiction-keep")!);
    // The chart is read again (both kept), and the read made; its answer is slow to come.
    await until(() => sent("dental_chart").length === 1, "the chart read again");
    await new Promise((r) => setTimeout(r, 200));
    click(get("chart-tooth-18"));
    click(get("chart-entry", { "data-entry-id": "ce4" }).querySelector<HTMLElement>('[data-testid="chart-entry-strike"]')!);
    await until(() => find<HTMLDialogElement>("chart-strike-dialog")?.open, "the confirmation");
    click(get("chart-strike-confirm"));
    await until(() => find("chart-entry", { "data-entry-id": "ce4" })?.dataset.active === "false", "the entry struck out");
    // The older read arrives after the strike-out: it is not shown.
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(find("chart-entry", { "data-entry-id": "ce4" })?.dataset.active).toBe("false");
  });

  it("follows an entry of it struck out from the tooth's panel: the notice goes, the inbox is read again", async () => {
    await start();
    click(get("chart-tooth-18"));
    click(get("chart-entry", { "data-entry-id": "ce4" }).querySelector<HTMLElement>('[data-testid="chart-entry-strike"]')!);
    await until(() => find<HTMLDialogElement>("chart-strike-dialog")?.open, "the confirmation");
    click(get("chart-strike-confirm"));
    await until(() => !notice(), "the notice to go");
    expect(sent("set_chart_entry_active")).toEqual([{ entry: "ce4", active: false }]);
    await until(() => sent("attention_inbox").length >= 1 && waitingInInbox() === 0, "the inbox read again");
  });

  it("shows the decisions only to a role that may change the chart", async () => {
    await start({ canEdit: false, readOnlyReason: "Lecture seule" });
    await until(item, "the contradiction");
    for (const id of ["chart-contradiction-strike-entry", "chart-contradiction-strike-because-of", "chart-contradiction-keep"])
      expect(inItem(id)).toBeNull();
    // The chart's own note says why, once.
    expect(inItem("chart-contradiction-not-allowed")).toBeNull();
    expect(get("chart-read-only").textContent).toBe("Lecture seule");
    expect(marker("18")).not.toBeNull();
  });

  it("has no notice and no mark on a chart without contradictions", async () => {
    await start({ patientId: "p4" });
    await until(() => find("chart-tooth-16")?.dataset.state === "implant", "Fatima-Zohra Hadjadj's chart");
    expect(notice()).toBeNull();
    expect(findAll("chart-tooth-contradiction")).toEqual([]);
    expect(get("chart-tooth-16").dataset.contradicted).toBe("false");
  });
});

describe("the inbox's « Ouvrir le dossier »", () => {
  it("opens the file on its chart, the contradiction there to settle; back to the inbox", async () => {
    backend();
    adoptInboxUser(`u-${Math.random()}`);
    component = mount(PatientsPanel, {
      target: document.body,
      props: {
        canView: true, canEdit: true, canEditClinical: true, canViewClinical: true, canExport: false, canErase: false,
        canViewImaging: true, canEditImaging: false, start: "inbox", defaultKind: "none", oninbox: () => {},
      },
    });
    const open = await until(() => item()?.querySelector<HTMLElement>('[data-testid="chart-contradiction-open"]'), "the inbox's contradiction");
    click(open);
    await until(() => find("pfile-tab-chart")?.getAttribute("aria-selected") === "true", "the chart's tab");
    expect(get("pfile-tab-file").getAttribute("aria-selected")).toBe("false");
    await until(() => marker("18"), "the chart, its tooth marked");
    expect(find("chart-contradiction", { "data-entry-id": "ce31" })).not.toBeNull();
    // Other files of the inbox still open on their own tab: back to it, then a concurrent edit's file.
    click(get("patient-back"));
    const conflictOpen = await until(() => find("conflict-open"), "the inbox again");
    click(conflictOpen);
    await until(() => find("pfile-tab-file")?.getAttribute("aria-selected") === "true", "the file's own tab");
    expect(find("chart-tab")).toBeNull();
  });
});
