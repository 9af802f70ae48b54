// The sync made in this run of the app, shared by the Sync panel and the header's status, and
// the background sync's status as last read (the Rust side syncs on its own; the UI asks).
// It lives here rather than in a component so that a sync keeps going (and is reported) when
// the user leaves the panel. Nothing secret is kept: counts, device names, the relay URL.
import * as api from "./api";
import { handleError } from "./app.svelte";
import type { EndOfDayReport, RejoinRequested, RelayRejoined, SyncStatus, SyncSummary } from "./bindings";
import { saveRelayUrl, type SyncOutcome } from "./sync";

export const syncState = $state<{
  /** What is under way: a sync, an end-of-day report, or nothing. */
  running: "sync" | "eod" | null;
  /** The last sync_now or end_of_day that finished, with its summary or error. */
  last: SyncOutcome | null;
  /** The last one that succeeded (still shown under an error that followed it). */
  lastSuccess: { at_ms: number; summary: SyncSummary } | null;
  /** The last end-of-day report and when it was made (cleared by a later failure of one). */
  report: { at_ms: number; report: EndOfDayReport } | null;
  /** The background sync's status (sync_status), null until the first answer. */
  status: SyncStatus | null;
  /** How the relay came to know this PC when the owner last joined it to one (rejoin_relay). */
  rejoined: Pick<RelayRejoined, "outcome" | "old_relay"> | null;
  /**
   * This PC's request to join its relay again with a pairing code (rejoin_with_code), and when it
   * was made: its fingerprint is compared on the owner's PC before approving.
   */
  rejoinAsked: (RejoinRequested & { at_ms: number }) | null;
}>({ running: null, last: null, lastSuccess: null, report: null, status: null, rejoined: null, rejoinAsked: null });

let owner: string | null = null;

/**
 * The state belongs to the signed-in user's session: a different user starts from nothing
 * (locking and unlocking the same session keeps it).
 */
export function adoptSyncUser(userId: string) {
  if (owner === userId) return;
  owner = userId;
  syncState.last = null;
  syncState.lastSuccess = null;
  syncState.report = null;
  syncState.rejoined = null;
  syncState.rejoinAsked = null;
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function succeeded(summary: SyncSummary): number {
  const at_ms = Date.now();
  syncState.last = { at_ms, summary, error: null };
  syncState.lastSuccess = { at_ms, summary };
  saveRelayUrl(storage(), summary.relay_url);
  return at_ms;
}

let statusInFlight: Promise<void> | null = null;

/**
 * Reads the background sync's status (a failure keeps the last). De-duplicated while one is
 * pending; `fresh` asks again once that one is done (after a sync, its answer may be stale).
 */
export function refreshSyncStatus(fresh = false): Promise<void> {
  if (statusInFlight) return fresh ? statusInFlight.then(() => refreshSyncStatus()) : statusInFlight;
  statusInFlight = api
    .syncStatus()
    .then((s) => {
      syncState.status = s;
    })
    .catch(() => {
      /* the header keeps what it showed; the next poll tries again */
    })
    .finally(() => {
      statusInFlight = null;
    });
  return statusInFlight;
}

/** Runs a sync (`work`); resolves to its summary, or null when it failed (the error is in syncState.last). */
async function syncing(work: () => Promise<SyncSummary>): Promise<SyncSummary | null> {
  if (syncState.running) return null;
  syncState.running = "sync";
  try {
    const summary = await work();
    succeeded(summary);
    return summary;
  } catch (err) {
    syncState.last = { at_ms: Date.now(), summary: null, error: handleError(err) };
    return null;
  } finally {
    syncState.running = null;
    void refreshSyncStatus(true);
  }
}

/** Syncs now; resolves to the summary, or null when it failed (the error is in syncState.last). */
export function runSync(relay: string | null): Promise<SyncSummary | null> {
  return syncing(() => api.syncNow(relay));
}

/**
 * Joins this PC to a relay that does not know it (the clinic moved to it, or it lost its data;
 * owner only), then syncs, which sends it everything this PC holds. Null when either failed (the
 * error is in syncState.last).
 */
export function runRejoin(relay: string | null): Promise<SyncSummary | null> {
  return syncing(async () => {
    const joined = await api.rejoinRelay(relay);
    syncState.rejoined = { outcome: joined.outcome, old_relay: joined.old_relay };
    return api.syncNow(null);
  });
}

/**
 * Asks to join the relay again with a pairing code from an owner's PC, when the relay refuses this
 * PC's recovery proof (it missed a renewal of the key; owner only): this PC keeps everything it
 * holds, and syncs once the owner approved (until then its syncs wait for approval). Rejects with
 * the command's error.
 */
export async function requestRejoin(relay: string, code: string): Promise<RejoinRequested> {
  const asked = await api.rejoinWithCode(relay, code);
  syncState.rejoinAsked = { ...asked, at_ms: Date.now() };
  saveRelayUrl(storage(), asked.relay_url);
  void refreshSyncStatus(true);
  return asked;
}

/** The end-of-day report (it syncs first); null when it failed (the error is in syncState.last). */
export async function runEndOfDay(): Promise<EndOfDayReport | null> {
  if (syncState.running) return null;
  syncState.running = "eod";
  try {
    const report = await api.endOfDay();
    syncState.report = { at_ms: succeeded(report.summary), report };
    return report;
  } catch (err) {
    syncState.last = { at_ms: Date.now(), summary: null, error: handleError(err) };
    syncState.report = null;
    return null;
  } finally {
    syncState.running = null;
    void refreshSyncStatus(true);
  }
}

/**
 * When a sync last brought this PC up to date: one made here, or the background sync's (as last
 * read by the header). Screens that show synced data read it again when this moves.
 */
export function lastSyncedAt(): number {
  return Math.max(syncState.lastSuccess?.at_ms ?? 0, syncState.status?.last_success_ms ?? 0);
}
