// The navigation's "needs attention" badge, mounted in a DOM over the dev mock: after a sync it is
// read again at once, as a refresh (neither the person's activity nor an audit entry on the Rust
// side), so what the sync settled or brought shows without a key press.
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../lib/api";
import type { AppStatus, AttentionInbox } from "../lib/bindings";
import { createMockInvoker } from "../lib/dev/mock";
import { inboxCount } from "../lib/inbox";
import { syncState } from "../lib/syncstate.svelte";
import HomeScreen from "./HomeScreen.svelte";
import { find, tearDown, until } from "./domtest";

let component: ReturnType<typeof mount> | null = null;
let calls: string[] = [];

afterEach(() => {
  component = tearDown(component);
  syncState.lastSuccess = null;
  syncState.status = null;
});

describe("the inbox badge", () => {
  it("follows a sync at once, read as a refresh", async () => {
    const mock = createMockInvoker(new URLSearchParams("mock=home"));
    api.setInvoker(((cmd: string, args?: Record<string, unknown>) => {
      calls.push(cmd);
      return mock(cmd, args);
    }) as api.Invoker);
    const status = (await mock("app_status")) as AppStatus;
    component = mount(HomeScreen, { target: document.body, props: { status, session: status.session! } });
    const before = inboxCount((await mock("attention_inbox")) as AttentionInbox);
    expect(before).toBeGreaterThan(1);
    await until(() => find("nav-inbox-count")?.textContent?.startsWith(String(before)), "the badge");

    // Another PC decides on a pair of files; this PC's sync brings the decision.
    const inbox = (await mock("attention_inbox")) as AttentionInbox;
    const pair = inbox.duplicates[0];
    await mock("mark_distinct", { a: pair.a.id, b: pair.b.id });
    calls = [];
    syncState.lastSuccess = { at_ms: Date.now(), summary: {} as never };
    await until(() => find("nav-inbox-count")?.textContent?.startsWith(String(before - 1)), "the badge after the sync");
    expect(calls).toContain("attention_inbox_refresh");
    expect(calls).not.toContain("attention_inbox");
  });
});
