// The "needs attention" inbox as last read, shared by the navigation's badge, the inbox screen,
// the patients list's notice and the patient files' banners: one read serves them all.
//
// Reading it again every INBOX_POLL_MS goes through the signed-in session, and the Rust side
// counts every such command as activity (it pushes the idle lock back). So the poll never runs
// on its own: once it is due, it runs with the user's next key press or click, which is activity
// anyway. A PC left alone still locks on time. After each sync that succeeded it is read at once
// as a refresh (`attention_inbox_refresh`: not activity, not audited), so what the sync brought
// shows in the badge without waiting for a key press.
import * as api from "./api";
import { handleError } from "./app.svelte";
import type { ApiError, AttentionInbox } from "./bindings";
import { onNextInput } from "./actions";
import { INBOX_POLL_MS } from "./constants";
import { withoutFile, withoutPair } from "./duplicates";
import { withoutChartContradiction, withoutChartEntry, withoutConflict, withoutDoubleBooking } from "./inbox";

export const inboxState = $state<{
  /** The last answer of attention_inbox; null until the first one. */
  inbox: AttentionInbox | null;
  /** The last read's error (the last answer stays shown under it). */
  error: ApiError | null;
}>({ inbox: null, error: null });

let owner: string | null = null;
// Bumped by a decision made here (and a change of user): an answer to a read begun before it
// may predate the decision, so it is dropped.
let epoch = 0;
let inFlight: { epoch: number; promise: Promise<void> } | null = null;

/** The inbox belongs to the signed-in user (a receptionist does not see medical items). */
export function adoptInboxUser(userId: string) {
  if (owner === userId) return;
  owner = userId;
  epoch++;
  inFlight = null;
  inboxState.inbox = null;
  inboxState.error = null;
}

/**
 * Reads the inbox (de-duplicated while a read is pending; a failure keeps the last answer).
 * `afterSync`: the read a finished sync makes on its own, as a refresh that neither holds off
 * the idle lock nor goes in the audit log (`attention_inbox_refresh`).
 */
export function refreshInbox(options: { afterSync?: boolean } = {}): Promise<void> {
  if (inFlight && inFlight.epoch === epoch) return inFlight.promise;
  const mine = epoch;
  const promise: Promise<void> = (options.afterSync ? api.attentionInboxRefresh() : api.attentionInbox())
    .then(
      (inbox) => {
        if (mine !== epoch) return;
        inboxState.inbox = inbox;
        inboxState.error = null;
      },
      (err: unknown) => {
        if (mine === epoch) inboxState.error = handleError(err);
      },
    )
    .finally(() => {
      if (inFlight?.promise === promise) inFlight = null;
    });
  inFlight = { epoch: mine, promise };
  return promise;
}

/** Two files were recorded as different people here: the pair goes at once. */
export function forgetPair(a: string, b: string) {
  epoch++;
  const inbox = inboxState.inbox;
  if (inbox) inboxState.inbox = { ...inbox, duplicates: withoutPair(inbox.duplicates, a, b) };
}

/** A file was merged into another here: every pair it was in goes at once. */
export function forgetFile(id: string) {
  epoch++;
  const inbox = inboxState.inbox;
  if (inbox) inboxState.inbox = { ...inbox, duplicates: withoutFile(inbox.duplicates, id) };
}

/** A concurrent edit was decided here (or was already settled elsewhere): it goes at once. */
export function forgetConflict(key: string) {
  epoch++;
  const inbox = inboxState.inbox;
  if (inbox) inboxState.inbox = { ...inbox, edit_conflicts: withoutConflict(inbox.edit_conflicts, key) };
}

/** A double booking was settled here (one appointment cancelled, or both kept): it goes at once. */
export function forgetDoubleBooking(firstId: string, secondId: string) {
  epoch++;
  const inbox = inboxState.inbox;
  if (inbox) inboxState.inbox = { ...inbox, double_bookings: withoutDoubleBooking(inbox.double_bookings ?? [], firstId, secondId) };
}

/** A chart contradiction was settled here (both entries kept, or already settled elsewhere): it
 * goes at once. */
export function forgetChartContradiction(entryId: string, becauseOfId: string) {
  epoch++;
  const inbox = inboxState.inbox;
  if (inbox)
    inboxState.inbox = {
      ...inbox,
      chart_contradictions: withoutChartContradiction(inbox.chart_contradictions ?? [], entryId, becauseOfId),
    };
}

/** A chart entry was struck out here: every contradiction it was in goes at once. */
export function forgetChartEntry(entryId: string) {
  epoch++;
  const inbox = inboxState.inbox;
  if (inbox) inboxState.inbox = { ...inbox, chart_contradictions: withoutChartEntry(inbox.chart_contradictions ?? [], entryId) };
}

/**
 * Reads the inbox now, then again every `intervalMs`, each time with the user's next input on
 * `target` once due (see the top of this file). Returns what stops it.
 */
export function pollInbox(intervalMs: number = INBOX_POLL_MS, target: EventTarget = window): () => void {
  const next = onNextInput(() => void refreshInbox(), target);
  const timer = setInterval(next.arm, intervalMs);
  void refreshInbox();
  return () => {
    clearInterval(timer);
    next.stop();
  };
}
