// The recovery key section's markup, rendered on the server (the project has no DOM for tests):
// what it asks for after a revocation, and the renewal's button and confirmation.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render } from "svelte/server";
import { en, fr } from "../lib/i18n";
import { recoveryState } from "../lib/recoverystate.svelte";
import DevicesPanel from "./DevicesPanel.svelte";
import RecoveryKey from "./RecoveryKey.svelte";

const html = () => render(RecoveryKey, { props: { clinicName: "Cabinet", relayUrl: "" } }).body;
/** The opening tag of the element with this test id. */
const tag = (body: string, testid: string) => body.match(new RegExp(`<[^<>]*data-testid="${testid}"[^<>]*>`))?.[0] ?? "";

describe("RecoveryKey", () => {
  beforeEach(() => {
    // Leaving the page stops printing (onDestroy runs on the server too).
    vi.stubGlobal("document", { documentElement: { classList: { remove() {} } } });
    vi.stubGlobal("window", { removeEventListener() {} });
    recoveryState.stale = null;
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    recoveryState.stale = null;
  });

  it("offers to show the key and to renew it, with a confirmation", () => {
    const body = html();
    expect(body).not.toContain('data-testid="recovery-stale"');
    expect(tag(body, "recovery-show")).not.toContain("btn-primary");
    expect(body).toContain(fr["recovery.show"]);
    expect(tag(body, "recovery-renew")).toMatch(/^<button/);
    expect(body).toContain(fr["recovery.renew_when"]);
    // The confirmation (the dialog used for revoking): the sheet stops working, print the new one.
    expect(tag(body, "recovery-renew-dialog")).toMatch(/^<dialog/);
    expect(body).toContain('data-testid="recovery-renew-confirm"');
    expect(body).toContain('data-testid="recovery-renew-cancel"');
    expect(body).toContain(fr["recovery.renew_body"]);
    expect(fr["recovery.renew_body"]).toMatch(/cessera aussitôt de fonctionner.*Imprimez la nouvelle clé/);
    expect(en["recovery.renew_body"]).toMatch(/stops working at once.*Print the new key/);
  });

  it("asks for the new key after a revocation renewed it", () => {
    recoveryState.stale = "renewed";
    const body = html();
    expect(tag(body, "recovery-stale")).toContain('data-stale="renewed"');
    expect(body).toContain(fr["recovery.stale_renewed"]);
    expect(tag(body, "recovery-show")).toContain("btn-primary");
    expect(body).toContain(fr["recovery.show_new"]);
  });

  it("asks to renew the key after a revocation that could not", () => {
    recoveryState.stale = "not_renewed";
    const body = html();
    expect(tag(body, "recovery-stale")).toContain('data-stale="not_renewed"');
    expect(body).toContain(fr["recovery.stale_not_renewed"]);
    expect(tag(body, "recovery-renew")).toContain("btn-primary");
    expect(tag(body, "recovery-show")).not.toContain("btn-primary");
  });
});

describe("DevicesPanel", () => {
  it("warns in the revoke confirmation that the recovery key is renewed with it", () => {
    const body = render(DevicesPanel, { props: { relay: null } }).body;
    expect(tag(body, "revoke-dialog")).toMatch(/^<dialog/);
    expect(body).toContain(fr["devices.revoke_recovery"]);
    expect(body).not.toContain('data-testid="devices-not-renewed"');
  });
});
