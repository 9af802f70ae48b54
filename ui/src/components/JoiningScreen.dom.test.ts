// The joining screen, mounted in a DOM over the dev mock: while the background sync receives the
// clinic, the screen says how much has arrived and draws it as a bar, from the status the Rust
// side publishes after every page.
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../lib/api";
import type { SyncStatus } from "../lib/bindings";
import { createMockInvoker } from "../lib/dev/mock";
import { forgetJoining, rememberRestore } from "../lib/joining.svelte";
import JoiningScreen from "./JoiningScreen.svelte";
import { find, tearDown, until } from "./domtest";

let component: ReturnType<typeof mount> | null = null;

afterEach(() => {
  component = tearDown(component);
  forgetJoining();
});

function withSyncStatus(status: Partial<SyncStatus>) {
  const mock = createMockInvoker(new URLSearchParams("mock=joining"));
  api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
    const answer = await mock(cmd, args);
    return cmd === "sync_status" ? { ...(answer as SyncStatus), ...status } : answer;
  }) as api.Invoker);
}

describe("the joining screen", () => {
  it("shows how much of the clinic has arrived while it downloads", async () => {
    withSyncStatus({ state: "syncing", progress: { to_receive: 80_000, received: 12_400, to_send: 0, sent: 0, files_to_send: 0, files_sent: 0, file_bytes_to_send: 0, file_bytes_sent: 0 } });
    rememberRestore();
    component = mount(JoiningScreen, { target: document.body });
    await until(() => find("joining-progress"), "the download bar");
    expect(find<HTMLProgressElement>("joining-progress")!.value).toBeCloseTo(0.155);
    expect(find("joining-status")!.textContent).toContain("12\u202f400 modifications reçues sur 80\u202f000 (15 %)");
  });

  it("draws no bar for a sync with too little to count", async () => {
    withSyncStatus({ state: "syncing", progress: { to_receive: 20, received: 5, to_send: 0, sent: 0, files_to_send: 0, files_sent: 0, file_bytes_to_send: 0, file_bytes_sent: 0 } });
    rememberRestore();
    component = mount(JoiningScreen, { target: document.body });
    await until(() => find("joining-status")?.textContent?.includes("Téléchargement"), "the status");
    expect(find("joining-progress")).toBeNull();
  });
});
