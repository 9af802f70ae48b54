// The inbox's chart contradictions, mounted in a DOM over the dev mock: Karim Haddad charted a
// caries on Mohamed Benali's 18 at "Fauteuil 1", a tooth this PC has as missing. Said in words in
// both languages; each button sends its command with its arguments (the caries or « Absente »
// struck out behind the chart's confirmation, or both kept); settled elsewhere meanwhile; a
// refusal shown; no decision for a role that cannot change the chart.
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../lib/api";
import type { ApiError } from "../lib/bindings";
import { createMockInvoker } from "../lib/dev/mock";
import { inboxCount } from "../lib/inbox";
import { adoptInboxUser, inboxState } from "../lib/inboxstate.svelte";
import { locale } from "../lib/locale.svelte";
import { formatDay } from "../lib/medical";
import AttentionInbox from "./AttentionInbox.svelte";
import { click, find, get, tearDown, until } from "./domtest";

type Mock = ReturnType<typeof createMockInvoker>;

let component: ReturnType<typeof mount> | null = null;
/** Every command sent, with its arguments. */
let calls: [string, Record<string, unknown> | undefined][] = [];
let mock: Mock;

/** The dev mock behind the api; `refuse`: commands answered with that error instead. */
function backend(query = "", refuse: Record<string, ApiError> = {}) {
  calls = [];
  mock = createMockInvoker(new URLSearchParams(`mock=home${query}`));
  api.setInvoker(((cmd: string, args?: Record<string, unknown>) => {
    calls.push([cmd, args]);
    return refuse[cmd] ? Promise.reject(refuse[cmd]) : mock(cmd, args);
  }) as api.Invoker);
}

let opened: string[] = [];
function inbox(props: { canEditClinical?: boolean; canViewClinical?: boolean } = {}, query = "", refuse: Record<string, ApiError> = {}) {
  backend(query, refuse);
  opened = [];
  adoptInboxUser(`u-${Math.random()}`);
  component = mount(AttentionInbox, {
    target: document.body,
    props: {
      canEditPatients: true, canEditClinical: true, canViewClinical: true, canViewAgenda: true, canEditAgenda: true,
      onopen: (id: string) => opened.push(id), onmerged: () => {}, ...props,
    },
  });
}

afterEach(() => {
  component = tearDown(component);
  locale.lang = "fr";
});

const item = () => find("chart-contradiction", { "data-entry-id": "ce31", "data-because-of-id": "ce4" });
const inItem = (testid: string) => item()?.querySelector<HTMLElement>(`[data-testid="${testid}"]`) ?? null;
const sent = (cmd: string) => calls.filter(([c]) => c === cmd).map(([, args]) => args);
const dialogOpen = () => (find<HTMLDialogElement>("chart-contradiction-strike-dialog")?.open ? find("chart-contradiction-strike-dialog") : null);

describe("the inbox's chart contradictions", () => {
  it("say what was charted on the tooth, by whom and when, and why both cannot be true; counted on the badge", async () => {
    inbox();
    await until(item, "the contradiction");
    const c = inboxState.inbox!.chart_contradictions[0];
    const [charted, missing] = [formatDay(c.entry.recorded_at_ms), formatDay(c.because_of.recorded_at_ms)];
    expect(inItem("chart-contradiction-tooth")?.textContent).toBe("Dent 18");
    expect(inItem("chart-contradiction-patient")?.textContent).toBe("BENALI Mohamed");
    expect(item()?.textContent).toContain("K7Q-00001");
    expect(inItem("chart-contradiction-text")?.textContent).toBe(
      `Carie O, notée par Karim Haddad le ${charted}, sur une dent notée absente par Dr Amina Benali le ${missing}.`,
    );
    expect(inItem("chart-contradiction-reason")?.textContent).toBe("Carie impossible sur la dent 18 : elle est notée absente ou extraite.");
    expect(inItem("chart-contradiction-note")?.textContent).toBe("Note (carie O) : Sensible au froid");
    expect(inItem("chart-contradiction-strike-entry")?.textContent).toBe("Barrer la carie");
    expect(inItem("chart-contradiction-strike-entry")?.getAttribute("aria-label")).toBe(
      "Barrer la carie : dent 18, K7Q-00001 BENALI Mohamed",
    );
    expect(inItem("chart-contradiction-strike-because-of")?.textContent).toBe("Barrer « Absente »");
    expect(inItem("chart-contradiction-keep")?.textContent?.trim()).toBe("Garder les deux");
    expect(get("chart-contradictions-count").textContent).toBe("1");
    // Counted with the other things waiting (5 concurrent edits, 1 possible duplicate, 1 double booking).
    expect(inboxCount(inboxState.inbox)).toBe(8);

    locale.lang = "en";
    await until(() => inItem("chart-contradiction-tooth")?.textContent === "Tooth 18", "the English");
    expect(inItem("chart-contradiction-text")?.textContent).toBe(
      `Caries O, charted by Karim Haddad on ${charted}, on a tooth charted missing by Dr Amina Benali on ${missing}.`,
    );
    expect(inItem("chart-contradiction-reason")?.textContent).toBe("Caries not possible on tooth 18: it is charted missing or extracted.");
    expect(inItem("chart-contradiction-strike-entry")?.textContent).toBe("Strike out the caries");
    expect(inItem("chart-contradiction-strike-because-of")?.textContent).toBe("Strike out “Missing”");
    expect(inItem("chart-contradiction-keep")?.textContent?.trim()).toBe("Keep both");

    click(inItem("chart-contradiction-open")!);
    expect(opened).toEqual(["p1"]);
  });

  it("strikes out the caries behind the chart's confirmation; the contradiction leaves the inbox", async () => {
    inbox();
    await until(item, "the contradiction");
    click(inItem("chart-contradiction-strike-entry")!);
    const confirm = await until(dialogOpen, "the confirmation");
    expect(confirm.textContent).toContain("Barrer cette entrée ?");
    expect(confirm.textContent).toContain("K7Q-00001 BENALI Mohamed");
    expect(confirm.textContent).toContain("L'entrée « Carie 18 O » sera barrée");
    expect(sent("set_chart_entry_active")).toEqual([]);
    click(get("chart-contradiction-strike-confirm"));
    await until(() => !item(), "the contradiction to go");
    expect(sent("set_chart_entry_active")).toEqual([{ entry: "ce31", active: false }]);
    expect(sent("keep_chart_entries")).toEqual([]);
    expect(get("chart-contradiction-done").textContent).toBe("Barré : Carie 18 O (K7Q-00001 BENALI Mohamed).");
    expect(find("chart-contradictions-none")).not.toBeNull();
    await until(() => sent("attention_inbox").length >= 2 && inboxState.inbox?.chart_contradictions.length === 0, "the inbox read again");
  });

  it("strikes out « Absente » instead: the tooth is there again", async () => {
    inbox();
    await until(item, "the contradiction");
    click(inItem("chart-contradiction-strike-because-of")!);
    const confirm = await until(dialogOpen, "the confirmation");
    expect(confirm.textContent).toContain("L'entrée « Absente 18 » sera barrée");
    click(get("chart-contradiction-strike-confirm"));
    await until(() => !item(), "the contradiction to go");
    expect(sent("set_chart_entry_active")).toEqual([{ entry: "ce4", active: false }]);
    expect(get("chart-contradiction-done").textContent).toBe("Barré : Absente 18 (K7Q-00001 BENALI Mohamed).");
  });

  it("goes back on the confirmation's safe button without striking anything", async () => {
    inbox();
    await until(item, "the contradiction");
    click(inItem("chart-contradiction-strike-entry")!);
    await until(dialogOpen, "the confirmation");
    expect(get("chart-contradiction-strike-cancel").textContent).toContain("Garder l'entrée");
    click(get("chart-contradiction-strike-cancel"));
    await until(() => !dialogOpen(), "the confirmation to close");
    expect(sent("set_chart_entry_active")).toEqual([]);
    expect(item()).not.toBeNull();
  });

  it("keeps both as charted", async () => {
    inbox();
    await until(item, "the contradiction");
    click(inItem("chart-contradiction-keep")!);
    await until(() => !item(), "the contradiction to go");
    expect(sent("keep_chart_entries")).toEqual([{ req: { entry_id: "ce31", because_of_id: "ce4" } }]);
    expect(sent("set_chart_entry_active")).toEqual([]);
    expect(get("chart-contradiction-done").textContent).toBe("C'est noté : la dent 18 (K7Q-00001 BENALI Mohamed) garde ses deux entrées.");
    await until(() => sent("attention_inbox").length >= 2 && inboxState.inbox?.chart_contradictions.length === 0, "the inbox read again");
  });

  it("says when it was settled on another PC meanwhile", async () => {
    inbox();
    await until(item, "the contradiction");
    // Both kept at another PC; this one's inbox has not been read since.
    await mock("keep_chart_entries", { req: { entry_id: "ce31", because_of_id: "ce4" } });
    click(inItem("chart-contradiction-keep")!);
    await until(() => !item(), "the contradiction to go");
    expect(get("chart-contradiction-done").textContent).toBe(
      "Cette contradiction a déjà été réglée, ici ou sur un autre poste : la liste est actualisée.",
    );
    expect(find("error-message")).toBeNull();
  });

  it("shows a refusal in the confirmation, the contradiction still waiting", async () => {
    const erased: ApiError = { code: "patient_erased", message: "file K7Q-00001 was erased on request" };
    inbox({}, "", { set_chart_entry_active: erased });
    await until(item, "the contradiction");
    click(inItem("chart-contradiction-strike-entry")!);
    const confirm = await until(dialogOpen, "the confirmation");
    click(get("chart-contradiction-strike-confirm"));
    await until(() => confirm.textContent?.includes("effacé à la demande du patient"), "the refusal");
    expect(item()).not.toBeNull();
    expect(find("chart-contradiction-done")).toBeNull();
  });

  it("shows them without the decisions to a role that cannot change the chart", async () => {
    inbox({ canEditClinical: false });
    await until(item, "the contradiction");
    for (const id of ["chart-contradiction-strike-entry", "chart-contradiction-strike-because-of", "chart-contradiction-keep"])
      expect(inItem(id)).toBeNull();
    expect(inItem("chart-contradiction-not-allowed")?.textContent).toContain("schéma dentaire");
    expect(inItem("chart-contradiction-open")).not.toBeNull();
  });

  it("has no section for a role that does not see the clinical record", async () => {
    inbox({ canEditClinical: false, canViewClinical: false }, "&role=receptionist");
    await until(() => find("double-bookings-list"), "the inbox");
    expect(find("chart-contradictions-list")).toBeNull();
  });
});
