import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { invoke } from "@tauri-apps/api/core";
import * as api from "./api";
import type { EndOfDayReport, SyncStatus, SyncSummary } from "./bindings";
import {
  adoptSyncUser,
  lastSyncedAt,
  refreshSyncStatus,
  requestRejoin,
  runEndOfDay,
  runRejoin,
  runSync,
  syncState,
} from "./syncstate.svelte";

const summary: SyncSummary = {
  relay_url: "https://relais.example",
  relay_in_clear: false,
  files_held_back: null,
  sent: 1,
  received: 0,
  bytes_sent: 900,
  bytes_received: 300,
  files_sent: 0,
  file_bytes_sent: 0,
  redacted: 0,
  files_retired: 0,
  carried: 0,
  checksums_match: true,
  streams: [],
  duration_ms: 500,
  clock_offset_ms: 350,
  clock_off: false,
  files_prefetched: 0,
};

const status: SyncStatus = {
  state: "up_to_date",
  relay_url: "https://relais.example",
  last_success_ms: 1000,
  last_attempt_ms: 900,
  changes_waiting: 0,
  files_waiting: 0,
  files_held_back: null,
  error: null,
  next_attempt_ms: 61_000,
  progress: null,
  clock_offset_ms: 350,
  clock_off: false,
};

describe("sync state", () => {
  let calls: [string, unknown][] = [];
  let answer: (cmd: string) => Promise<unknown> = async () => summary;
  /** The commands sent, without the status reads that follow every sync. */
  const commands = () => calls.filter(([c]) => c !== "sync_status");

  beforeEach(() => {
    calls = [];
    adoptSyncUser(`u-${Math.random()}`); // a fresh session each time
    api.setInvoker(((cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return cmd === "sync_status" ? Promise.resolve(status) : answer(cmd);
    }) as api.Invoker);
  });
  afterEach(() => api.setInvoker(invoke));

  it("keeps the last sync and its success", async () => {
    answer = async () => summary;
    const pending = runSync("https://relais.example");
    expect(syncState.running).toBe("sync");
    expect(await runSync(null)).toBeNull(); // one at a time
    expect(await pending).toEqual(summary);
    expect(syncState.running).toBeNull();
    expect(syncState.last).toMatchObject({ summary, error: null });
    expect(syncState.lastSuccess?.summary).toEqual(summary);
    expect(commands()).toEqual([["sync_now", { relay: "https://relais.example" }]]);
  });

  it("keeps the error, and the success before it", async () => {
    answer = async () => summary;
    await runSync(null);
    answer = () => Promise.reject({ code: "sync_unreachable", message: "down" });
    expect(await runSync(null)).toBeNull();
    expect(syncState.last?.error).toEqual({ code: "sync_unreachable", message: "down" });
    expect(syncState.lastSuccess?.summary).toEqual(summary);
  });

  it("joins a relay that did not know this PC, then syncs to fill it", async () => {
    const filled = { ...summary, carried: 37 };
    answer = async (cmd) =>
      cmd === "rejoin_relay" ? { relay_url: "https://nouveau.example", outcome: "registered_clinic", old_relay: "left" } : filled;
    expect(await runRejoin("https://nouveau.example")).toEqual(filled);
    expect(commands()).toEqual([
      ["rejoin_relay", { relay: "https://nouveau.example" }],
      ["sync_now", { relay: null }],
    ]);
    expect(syncState.rejoined).toEqual({ outcome: "registered_clinic", old_relay: "left" });
    expect(syncState.lastSuccess?.summary.carried).toBe(37);
  });

  it("keeps a refused rejoin as the last error, and syncs nothing", async () => {
    answer = () => Promise.reject({ code: "permission_denied", message: "owner only" });
    expect(await runRejoin(null)).toBeNull();
    expect(commands()).toEqual([["rejoin_relay", { relay: null }]]);
    expect(syncState.last?.error?.code).toBe("permission_denied");
    expect(syncState.rejoined).toBeNull();
  });

  it("keeps a request to join again with a pairing code, and a failed one not", async () => {
    const asked = { relay_url: "https://relais.example", fingerprint: "AB12-CD34-EF56" };
    answer = () => Promise.reject({ code: "sync_refused", reason: "bad_code", message: "unknown code" });
    await expect(requestRejoin("https://relais.example", "EXPX-M2PD")).rejects.toMatchObject({ reason: "bad_code" });
    expect(syncState.rejoinAsked).toBeNull();
    answer = async () => asked;
    expect(await requestRejoin("https://relais.example", "K7QX-M2PD")).toEqual(asked);
    expect(commands()).toEqual([
      ["rejoin_with_code", { relay: "https://relais.example", code: "EXPX-M2PD" }],
      ["rejoin_with_code", { relay: "https://relais.example", code: "K7QX-M2PD" }],
    ]);
    expect(syncState.rejoinAsked).toMatchObject(asked);
    expect(syncState.rejoinAsked!.at_ms).toBeGreaterThanOrEqual(lastSyncedAt());
    adoptSyncUser("someone else");
    expect(syncState.rejoinAsked).toBeNull();
  });

  it("records the end-of-day report and its sync", async () => {
    const report: EndOfDayReport = {
      summary,
      conflicts_waiting: 2,
      files_sent: 1,
      files_waiting: 0,
      files_checked: 0,
      files_missing_at_relay: 0,
      files_sent_again: 0,
      devices_not_seen_today: ["Fauteuil 1"],
      devices_not_seen_since: [{ device_name: "Fauteuil 1", last_seen_ms: null }],
      relay_file_room: null,
      devices_with_files_refused_today: [],
      clocks_off: [],
    };
    answer = async () => report;
    expect(await runEndOfDay()).toEqual(report);
    expect(syncState.report?.report).toEqual(report);
    expect(syncState.lastSuccess?.summary).toEqual(summary);
    answer = () => Promise.reject({ code: "integrity", message: "x" });
    expect(await runEndOfDay()).toBeNull();
    expect(syncState.report).toBeNull();
    expect(commands().map(([c]) => c)).toEqual(["end_of_day", "end_of_day"]);
  });

  it("starts over for another user, not for the same one", async () => {
    adoptSyncUser("amina");
    answer = async () => summary;
    await runSync(null);
    adoptSyncUser("amina");
    expect(syncState.last).not.toBeNull();
    adoptSyncUser("karim");
    expect(syncState.last).toBeNull();
    expect(syncState.lastSuccess).toBeNull();
  });

  it("reads the background sync's status after a sync, and keeps it when a read fails", async () => {
    syncState.status = null;
    answer = async () => summary;
    await runSync(null);
    await refreshSyncStatus(); // waits for the read the sync started
    expect(syncState.status).toEqual(status);
    expect(calls.map(([c]) => c)).toContain("sync_status");
    api.setInvoker((() => Promise.reject({ code: "internal", message: "x" })) as api.Invoker);
    await refreshSyncStatus();
    expect(syncState.status).toEqual(status);
  });
});
