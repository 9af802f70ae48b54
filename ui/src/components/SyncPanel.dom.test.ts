// The Sync panel, mounted in a DOM over the dev mock: a relay that lost its data while this PC
// missed a renewal of the recovery key refuses to be rejoined with the recovery proof; the owner
// then asks to join it with a pairing code, and this PC shows the fingerprint to compare. And
// clocks off the relay's (&clockoff): this PC's after a sync, and the PCs the end-of-day report names.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount } from "svelte";
import * as api from "../lib/api";
import { createMockInvoker } from "../lib/dev/mock";
import { fr } from "../lib/i18n";
import { adoptSyncUser } from "../lib/syncstate.svelte";
import SyncPanel from "./SyncPanel.svelte";
import { click, find, get, tearDown, type, until } from "./domtest";

let component: ReturnType<typeof mount> | null = null;
let calls: [string, Record<string, unknown> | undefined][] = [];

/** Calls go to a fresh dev mock started with `query`, and are recorded. */
function useMock(query: string) {
  calls = [];
  const mock = createMockInvoker(new URLSearchParams(query));
  api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
    calls.push([cmd, args]);
    return mock(cmd, args);
  }) as api.Invoker);
}

beforeEach(() => {
  adoptSyncUser(`u-${Math.random()}`); // the panel's state starts from nothing
  useMock("mock=home");
});

afterEach(() => {
  component = tearDown(component);
});

/** The panel of an owner whose rejoin the relay (one that lost its data) refused. */
async function refusedRejoin() {
  component = mount(SyncPanel, {
    target: document.body,
    props: { canEndOfDay: false, canManageDevices: true, clinicName: "Cabinet des Tilleuls", onreview: () => {} },
  });
  flushSync();
  type(get<HTMLInputElement>("sync-relay-url"), "https://lost.example");
  click(get("sync-now"));
  click(await until(() => find("sync-rejoin"), "the rejoin button", 5000));
  await until(() => find("rejoin-code-box"), "the pairing code form", 5000);
}

describe("a relay that refuses this PC's recovery proof", () => {
  it("offers to ask with a pairing code, and shows the fingerprint once asked", async () => {
    await refusedRejoin();
    expect(find("sync-rejoin-box")).toBeNull();
    expect(get("rejoin-code-box").textContent).toContain(fr["sync.rejoin_code_intro"]);
    expect(get("rejoin-code-submit").textContent?.trim()).toBe(fr["sync.rejoin_code_submit"]);

    // Nothing typed: said under the field, nothing sent.
    click(get("rejoin-code-submit"));
    expect(get("rejoin-code-error").textContent?.trim()).toBe(fr["join.code_required"]);
    expect(calls.some(([c]) => c === "rejoin_with_code")).toBe(false);

    type(get<HTMLInputElement>("rejoin-code"), "k7qxm2pd");
    expect(find("rejoin-code-error")).toBeNull();
    click(get("rejoin-code-submit"));
    const fingerprint = await until(() => find("rejoin-fingerprint"), "the fingerprint", 5000);
    expect(fingerprint.textContent?.trim()).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(calls).toContainEqual(["rejoin_with_code", { relay: "https://lost.example", code: "K7QX-M2PD" }]);
    expect(get("rejoin-asked").textContent).toContain(fr["sync.rejoin_code_requested"]);
    expect(find("rejoin-code-box")).toBeNull();
  }, 15_000);

  it("tells a refused code under the field", async () => {
    await refusedRejoin();
    type(get<HTMLInputElement>("rejoin-code"), "EXPX-M2PD");
    click(get("rejoin-code-submit"));
    const error = await until(() => find("rejoin-code-error"), "the code's error", 5000);
    expect(error.textContent?.trim()).toBe(fr["join.code_refused"]);
    expect(find("rejoin-fingerprint")).toBeNull();
  }, 15_000);
});

/** The panel of an owner, who may run the end-of-day report. */
function ownerPanel() {
  component = mount(SyncPanel, {
    target: document.body,
    props: { canEndOfDay: true, canManageDevices: false, clinicName: "Cabinet des Tilleuls", onreview: () => {} },
  });
  flushSync();
}

describe("files fetched ahead", () => {
  it("says how many files of the patients booked soon the sync fetched ahead", async () => {
    useMock("mock=home&prefetched");
    ownerPanel();
    click(get("eod-run"));
    const line = await until(() => find("sync-files-prefetched"), "the files fetched ahead", 5000);
    expect(line.textContent?.trim()).toBe("↓2 fichiers des patients attendus aujourd'hui et demain téléchargés à l'avance");
  }, 15_000);

  it("says nothing when none was", async () => {
    ownerPanel();
    click(get("eod-run"));
    await until(() => find("eod-report"), "the report", 5000);
    expect(find("sync-files-prefetched")).toBeNull();
  }, 15_000);
});

describe("clocks off the relay's", () => {
  it("names the PCs to set in the end-of-day report, and tells this PC's after its sync", async () => {
    useMock("mock=home&clockoff");
    ownerPanel();
    click(get("eod-run"));
    const line = await until(() => find("eod-clocks-off"), "the clocks to set", 5000);
    expect(line.textContent?.trim()).toBe(
      "Horloges à régler : Fauteuil 1 (retarde de 7 min) et Poste accueil (avance de 2 h 05).",
    );
    expect(line.nextElementSibling?.textContent?.trim()).toBe(fr["eod.clock_off_hint"]);
    expect(line.closest(".block")?.classList.contains("attention")).toBe(true);
    // The report's sync is this PC's last: its result tells the clock too.
    expect(get("sync-clock-off").textContent?.trim()).toMatch(/^L'horloge de ce poste avance de 2 h 05 sur celle du relais : /);
    // And so does the background sync's status, read again after it.
    const auto = await until(() => find("sync-auto-status"), "the background sync's status", 5000);
    await until(() => auto.textContent?.includes("L'horloge de ce poste avance de 2 h 05"), "this PC's clock in the status", 5000);
  }, 15_000);

  it("says nothing of clocks that are right", async () => {
    ownerPanel();
    click(get("eod-run"));
    await until(() => find("eod-report"), "the report", 5000);
    // The PC not seen today is named with when it last synced (the mock's: 26 hours ago).
    expect(get("eod-not-seen").textContent?.trim()).toMatch(
      /^1 poste ne s'est pas synchronisé aujourd'hui : Fauteuil 1 \(dernière synchronisation (hier|le .+) à \d\d:\d\d\)\.$/,
    );
    expect(find("eod-clocks-off")).toBeNull();
    expect(find("sync-clock-off")).toBeNull();
    expect(document.body.textContent).not.toContain(fr["eod.clock_off_hint"]);
  }, 15_000);
});
