// Pure helpers for the background sync's status (sync_status): relative times, what waits to
// be sent, and what the header shows. The Rust side syncs on its own; the UI only tells where it
// stands. No Svelte, no I/O.
import type { Language, SyncProgress, SyncState, SyncStatus } from "./bindings";
import { translate, type MessageKey, type Params } from "./i18n";
import {
  clockOffText,
  formatBytes,
  formatNumber,
  heldBackText,
  joinNames,
  plural,
  shortWhen,
  syncErrorText,
  whenLabel,
  type SyncOutcome,
} from "./sync";

// ---------------------------------------------------------------- relative times

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** "à l'instant", "il y a 2 min", "il y a 3 h"; older ones as "hier à 17:40". */
export function agoText(lang: Language, ms: number, nowMs: number = Date.now()): string {
  const diff = nowMs - ms;
  if (diff < MINUTE) return translate(lang, "time.just_now");
  if (diff < HOUR) return translate(lang, "time.minutes_ago", { n: Math.floor(diff / MINUTE) });
  if (diff < 12 * HOUR) return translate(lang, "time.hours_ago", { n: Math.floor(diff / HOUR) });
  return whenLabel(lang, ms, nowMs);
}

/** "maintenant", "dans 30 s", "dans 5 min" (to the nearest minute); an hour or more ahead as "à 15:42". */
export function inText(lang: Language, ms: number, nowMs: number = Date.now()): string {
  const diff = ms - nowMs;
  if (diff < 1000) return translate(lang, "time.now");
  if (diff < MINUTE) return translate(lang, "time.in_seconds", { n: Math.ceil(diff / 1000) });
  if (diff < HOUR) return translate(lang, "time.in_minutes", { n: Math.max(1, Math.round(diff / MINUTE)) });
  return translate(lang, "time.at", { time: shortWhen(ms, nowMs) });
}

// ---------------------------------------------------------------- waiting counts

/** "1 modification", "3 modifications". */
export function changesCount(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "syncstatus.changes_one" : "syncstatus.changes_many", { n: formatNumber(lang, n) });
}

/** "1 fichier", "2 fichiers" (images and documents). */
export function filesCount(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "syncstatus.files_one" : "syncstatus.files_many", { n: formatNumber(lang, n) });
}

/** "3 modifications et 2 fichiers", "1 fichier"; "" when nothing waits. */
export function waitingWhat(lang: Language, changes: number, files: number): string {
  const parts: string[] = [];
  if (changes > 0) parts.push(changesCount(lang, changes));
  if (files > 0) parts.push(filesCount(lang, files));
  return joinNames(lang, parts);
}

/** "3 modifications et 2 fichiers en attente d'envoi.", or that everything was sent. */
export function waitingText(lang: Language, changes: number, files: number): string {
  const what = waitingWhat(lang, changes, files);
  return what ? translate(lang, "syncstatus.waiting", { what }) : translate(lang, "syncstatus.nothing_waiting");
}

// ---------------------------------------------------------------- a running sync's progress

/** Below this many change sets to exchange, a sync ends before its progress would help. */
export const PROGRESS_WORTH_SHOWING = 100;
/** Likewise for the files this PC sends, in bytes: a megabyte takes seconds on a clinic's
 * upload line. */
export const FILE_BYTES_WORTH_SHOWING = 1024 * 1024;
/** What one change set weighs, sealed, next to a file's bytes: about half a kilobyte (the sync
 * benchmark seals 6,666 sets into 3.5 MB). One bar then moves with the bytes that cross, a CBCT
 * volume outweighing a day's change sets as it does on the line. */
export const CHANGE_SET_BYTES = 512;

/** How far a running sync has come, 0 to 1; null when there is too little to show. */
export function progressFraction(p: SyncProgress | null | undefined): number | null {
  if (!p) return null;
  const sets = p.to_receive + p.to_send;
  const fileBytes = p.file_bytes_to_send ?? 0;
  if (sets < PROGRESS_WORTH_SHOWING && fileBytes < FILE_BYTES_WORTH_SHOWING) return null;
  const total = sets * CHANGE_SET_BYTES + fileBytes;
  const done = (p.received + p.sent) * CHANGE_SET_BYTES + (p.file_bytes_sent ?? 0);
  return total > 0 ? Math.min(done / total, 1) : 1;
}

/** "45" for 0.456: rounded down, so 100 only once everything is done. */
export function percentOf(fraction: number): number {
  return Math.floor(fraction * 100);
}

/**
 * One sentence per direction: "Reçues : 12 400 modifications sur 80 000." and "Envoyées : 3 sur
 * 3.", and one for the files sent ("Fichiers envoyés : 1 sur 4 (3,1 Mo sur 46 Mo)."); none when
 * there is too little to show.
 */
export function progressDetails(lang: Language, p: SyncProgress | null | undefined): string[] {
  if (!p || progressFraction(p) === null) return [];
  const details: string[] = [];
  if (p.to_receive > 0)
    details.push(
      translate(lang, "syncstatus.progress_received", { done: formatNumber(lang, p.received), total: formatNumber(lang, p.to_receive) }),
    );
  if (p.to_send > 0)
    details.push(translate(lang, "syncstatus.progress_sent", { done: formatNumber(lang, p.sent), total: formatNumber(lang, p.to_send) }));
  if (p.files_to_send > 0)
    details.push(
      translate(lang, "syncstatus.progress_files_sent", {
        done: formatNumber(lang, p.files_sent),
        total: formatNumber(lang, p.files_to_send),
        bytes_done: formatBytes(lang, p.file_bytes_sent),
        bytes_total: formatBytes(lang, p.file_bytes_to_send),
      }),
    );
  return details;
}

// ---------------------------------------------------------------- the header

/**
 * The dot's colour: ok (green), running (spinner), offline (amber), waiting (approval, blue),
 * off (not configured, grey), error and mismatch (red), idle (not synced yet, grey).
 */
export type SyncTone = "ok" | "running" | "offline" | "waiting" | "off" | "error" | "mismatch" | "idle";

export type SyncHeaderView = {
  tone: SyncTone;
  /** The short text of the header's button. */
  text: string;
  /** One sentence: where the sync stands. */
  headline: string;
  /** Last success, what waits, next attempt, relay: one sentence each. */
  details: string[];
  /** The last failure in the user's language (what happened, what to do). */
  message: string | null;
  /** Everything above, for the tooltip. */
  title: string;
};

export type SyncHeaderInput = {
  /** A sync_now or end_of_day of this window is under way. */
  running: boolean;
  /** The background sync's status as last read; null before the first answer. */
  status: SyncStatus | null;
  /** The last sync_now or end_of_day of this session (only its checksums matter here). */
  last: SyncOutcome | null;
};

const MESSAGE_STATES: readonly SyncState[] = ["offline", "error", "waiting_for_approval"];

/** Whether the last sync of this window found checksums that differ, and nothing newer succeeded. */
function mismatchShown(status: SyncStatus | null, last: SyncOutcome | null): boolean {
  if (!last?.summary || last.summary.checksums_match) return false;
  return (status?.last_success_ms ?? 0) <= last.at_ms;
}

function toneOf(state: SyncState | null, input: SyncHeaderInput): SyncTone {
  if (input.running || state === "syncing") return "running";
  if (mismatchShown(input.status, input.last)) return "mismatch";
  switch (state) {
    case "up_to_date":
      return "ok";
    case "offline":
      return "offline";
    case "waiting_for_approval":
      return "waiting";
    case "not_configured":
      return "off";
    case "error":
      return "error";
    default:
      // idle (the first sync is about to run) or not read yet: say when it last worked, if known.
      return input.status?.last_success_ms != null ? "ok" : "idle";
  }
}

/** What the header shows for the background sync; `nowMs` for the relative times. */
export function syncHeaderView(lang: Language, input: SyncHeaderInput, nowMs: number = Date.now()): SyncHeaderView {
  const tr = (key: MessageKey, params?: Params) => translate(lang, key, params);
  const s = input.status;
  const tone = toneOf(s?.state ?? null, input);
  const changes = s?.changes_waiting ?? 0;
  const files = s?.files_waiting ?? 0;
  const waiting = changes + files;
  const ago = s?.last_success_ms != null ? agoText(lang, s.last_success_ms, nowMs) : null;
  // This PC's clock off the relay's: the sync works, but its edits win or lose against the
  // other PCs' by the wrong time until someone sets it, so the pill asks for that instead.
  const offset = s?.clock_offset_ms;
  const clockOff = tone === "ok" && s?.clock_off && offset != null ? clockOffText(lang, offset) : null;

  let text: string;
  let headline: string;
  switch (tone) {
    case "running": {
      // A long sync (a PC receiving its clinic) shows how far it has come.
      const fraction = s?.state === "syncing" ? progressFraction(s.progress) : null;
      text =
        fraction === null
          ? tr("syncstatus.pill_running")
          : tr("syncstatus.pill_running_percent", { percent: formatNumber(lang, percentOf(fraction)) });
      headline = tr("syncstatus.headline_running");
      break;
    }
    case "mismatch":
      text = tr("syncstatus.pill_mismatch");
      headline = tr("syncstatus.headline_mismatch");
      break;
    case "ok":
      text = clockOff
        ? tr("syncstatus.pill_clock_off")
        : ago
          ? waiting > 0
            ? tr("syncstatus.pill_ok_waiting", { ago, n: formatNumber(lang, waiting) })
            : tr("syncstatus.pill_ok", { ago })
          : tr("syncstatus.pill_ok_now");
      headline = tr("syncstatus.headline_ok");
      break;
    case "offline":
      // Short enough for the header: one kind counted in words, both as a total.
      text =
        waiting === 0
          ? tr("syncstatus.pill_offline")
          : tr("syncstatus.pill_offline_waiting", {
              what: changes > 0 && files > 0 ? formatNumber(lang, waiting) : waitingWhat(lang, changes, files),
            });
      headline = tr("syncstatus.headline_offline");
      break;
    case "waiting":
      text = tr("syncstatus.pill_approval");
      headline = tr("syncstatus.headline_approval");
      break;
    case "off":
      text = tr("syncstatus.pill_off");
      headline = tr("syncstatus.headline_off");
      break;
    case "error":
      text = tr("syncstatus.pill_error");
      headline = tr("syncstatus.headline_error");
      break;
    default:
      text = s ? tr("syncstatus.pill_idle") : tr("syncstatus.pill_unknown");
      headline = s ? tr("syncstatus.headline_idle") : tr("syncstatus.headline_unknown");
  }

  const details: string[] = [];
  if (s) {
    if (s.last_success_ms != null && ago) {
      const when = whenLabel(lang, s.last_success_ms, nowMs);
      details.push(when === ago ? tr("syncstatus.last_success_at", { when }) : tr("syncstatus.last_success", { ago, when }));
    } else if (s.state !== "not_configured") {
      details.push(tr("syncstatus.never_synced"));
    }
    if (s.state === "syncing") details.push(...progressDetails(lang, s.progress));
    details.push(waitingText(lang, changes, files));
    if (s.next_attempt_ms != null && s.state !== "syncing" && s.state !== "not_configured" && !input.running) {
      details.push(
        tr(s.state === "up_to_date" || s.state === "idle" ? "syncstatus.next_sync" : "syncstatus.next_attempt", {
          when: inText(lang, s.next_attempt_ms, nowMs),
        }),
      );
    }
    if (s.relay_url) details.push(tr("sync.relay_used", { url: s.relay_url }));
  }
  // Files the relay had no room for wait here while everything else syncs: told like an error,
  // since only whoever runs the relay can make room; an off clock after them (someone on this PC
  // sets it). A failure is told alone: it is what to act on first.
  let message: string | null = null;
  if (s && s.error && MESSAGE_STATES.includes(s.state)) {
    message = syncErrorText(lang, s.error, "sync");
  } else {
    const notes: string[] = [];
    if (s?.files_held_back && s.state === "up_to_date") notes.push(heldBackText(lang, s.files_held_back));
    if (clockOff) notes.push(clockOff);
    message = notes.length > 0 ? notes.join(" ") : null;
  }
  const title = [headline, ...details, message ? tr("syncstatus.detail", { message }) : ""].filter(Boolean).join(" ");
  return { tone, text, headline, details, message, title };
}

// ---------------------------------------------------------------- joining a clinic

/** What the "joining a clinic" screen explains. */
export type JoiningStep =
  /** This window asked to join: show the fingerprint to compare and how to approve. */
  | "join"
  /** This window started a restore: the clinic is being downloaded. */
  | "restore"
  /** After a restart: the relay says the request waits for the owner's approval. */
  | "waiting"
  /** After a restart: the clinic is on its way (approved, or a restore). */
  | "receiving";

export function joiningStep(kind: "join" | "restore" | null, state: SyncState | null): JoiningStep {
  if (kind) return kind;
  return state === "waiting_for_approval" ? "waiting" : "receiving";
}

/**
 * One sentence under the joining screen's explanation: what the background sync is doing. The
 * next attempt is a time of day ("à 14:32"), so the sentence changes only with the status.
 */
export function joiningStatusText(
  lang: Language,
  status: SyncStatus | null,
  nowMs: number = Date.now(),
  /** The clinic is known to be on its way (a restore): an exchange is a download. */
  downloading = false,
): string {
  const next =
    status?.next_attempt_ms != null && status.next_attempt_ms > nowMs
      ? translate(lang, "time.at", { time: shortWhen(status.next_attempt_ms, nowMs) })
      : null;
  switch (status?.state ?? null) {
    case null:
      return translate(lang, "joining.status_unknown");
    case "syncing": {
      const fraction = progressFraction(status?.progress);
      const progress = status?.progress;
      // Receiving enough to count is the clinic's download, whichever window asked to join.
      if (fraction !== null && progress && progress.to_receive > 0)
        return translate(lang, "joining.status_downloading_progress", {
          done: formatNumber(lang, progress.received),
          total: formatNumber(lang, progress.to_receive),
          percent: formatNumber(lang, percentOf(fraction)),
        });
      return translate(lang, downloading ? "joining.status_downloading" : "joining.status_syncing");
    }
    case "waiting_for_approval":
      return next
        ? translate(lang, "joining.status_approval_next", { when: next })
        : translate(lang, "joining.status_approval");
    case "offline":
      return next ? translate(lang, "joining.status_offline_next", { when: next }) : translate(lang, "joining.status_offline");
    case "error":
      return translate(lang, "joining.status_error");
    case "up_to_date":
      return translate(lang, "joining.status_done");
    case "not_configured":
      return translate(lang, "joining.status_not_configured");
    default:
      return next ? translate(lang, "joining.status_idle_next", { when: next }) : translate(lang, "joining.status_unknown");
  }
}
