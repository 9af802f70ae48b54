// The devices panel, mounted in a DOM over the dev mock: revoking « Fauteuil 1 » renews the keys,
// and the flash names the other PCs that could not be given the new encryption key yet; each
// PC's last contact with the relay, and its clock when it is off.
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../lib/api";
import type { DeviceRevoked } from "../lib/bindings";
import { createMockInvoker } from "../lib/dev/mock";
import { fr } from "../lib/i18n";
import { recoveryState } from "../lib/recoverystate.svelte";
import DevicesPanel from "./DevicesPanel.svelte";
import { click, find, get, tearDown, until } from "./domtest";

let component: ReturnType<typeof mount> | null = null;

afterEach(() => {
  component = tearDown(component);
  recoveryState.stale = null;
});

/** The dev mock behind the api, its revocation answering these PCs as still waiting for the key. */
function backend(keyWaitingFor: string[], query = "") {
  const mock = createMockInvoker(new URLSearchParams(`mock=home${query}`));
  api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
    const answer = await mock(cmd, args);
    return cmd === "revoke_device" ? { ...(answer as DeviceRevoked), key_waiting_for: keyWaitingFor } : answer;
  }) as api.Invoker);
}

async function revokeFauteuil(keyWaitingFor: string[]): Promise<string> {
  backend(keyWaitingFor);
  component = mount(DevicesPanel, { target: document.body, props: { relay: null } });
  click(await until(() => find("device-revoke"), "the revoke button"));
  click(get("revoke-confirm"));
  return (await until(() => find("devices-flash"), "the flash")).textContent ?? "";
}

describe("revoking a PC", () => {
  it("says the keys were renewed, and nothing more when every PC holds the new one", async () => {
    const flash = await revokeFauteuil([]);
    expect(flash).toBe(fr["devices.revoked_renewed_flash"].replace("{name}", "Fauteuil 1"));
  });

  it("names the PCs still waiting for the new encryption key", async () => {
    const flash = await revokeFauteuil(["Accueil", "Portable"]);
    expect(flash).toMatch(/^Le poste « Fauteuil 1 » est révoqué, et la clé de secours du cabinet a été renouvelée/);
    expect(flash).toContain("Ces postes n'ont pas encore la nouvelle clé de chiffrement : Accueil et Portable.");
    expect(flash).toMatch(/d'ici là, il envoie ses modifications mais n'en reçoit pas\.$/);
  });
});

describe("the device list", () => {
  const rows = () => [...document.querySelectorAll<HTMLElement>("[data-testid=device-row]")];
  const cell = (row: HTMLElement, testid: string) => row.querySelector<HTMLElement>(`[data-testid=${testid}]`);

  it("says when each PC last reached the relay, and names a clock that is off", async () => {
    backend([], "&clockoff");
    component = mount(DevicesPanel, { target: document.body, props: { relay: null } });
    await until(() => rows().length === 2, "the two PCs");
    const [mine, chair] = rows();
    // The mock's relay saw this PC three hours ago and Fauteuil 1 yesterday.
    expect(cell(mine, "device-last-sync")?.textContent).toMatch(/(aujourd'hui|hier) à \d\d:\d\d/);
    expect(cell(chair, "device-last-sync")?.textContent).toMatch(/hier à \d\d:\d\d|à \d\d:\d\d/);
    expect(cell(mine, "device-clock-off")?.textContent).toBe("Horloge : avance de 2 h 05");
    expect(cell(chair, "device-clock-off")?.textContent).toBe("Horloge : retarde de 7 min");
  });

  it("shows no clock for PCs whose clock is right", async () => {
    backend([]);
    component = mount(DevicesPanel, { target: document.body, props: { relay: null } });
    await until(() => rows().length === 2, "the two PCs");
    expect(find("device-clock-off")).toBeNull();
  });
});
