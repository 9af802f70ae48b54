// Pure helpers for synchronisation, devices and the recovery key: errors in words, sizes,
// durations and times, the end-of-day texts, the commands shown for a new PC (the background
// sync's status is in syncstatus.ts). No Svelte, no I/O (the relay URL storage takes the
// storage as a parameter).
import type {
  ApiError,
  ClockOff,
  DeviceInvite,
  DeviceLastSeen,
  FilesHeldBack,
  Language,
  RecoveryKeyShown,
  RelayFileRoom,
  RelayRejoined,
  SyncSummary,
} from "./bindings";
import { errorText, translate } from "./i18n";
import { formatDay } from "./medical";
import { dayKey, timeOfDay } from "./timeline";

// ---------------------------------------------------------------- errors

/** Error codes only the sync commands send. */
export const SYNC_ERROR_CODES = ["sync_unreachable", "sync_refused", "sync_not_ready", "integrity"] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

export function isSyncErrorCode(code: string): code is SyncErrorCode {
  return (SYNC_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Where the error happened: "sync" (sync_now, end_of_day: every role may sync, so a refusal
 * there means this PC was revoked) or "devices" (the owner's device commands, and any other
 * command that reaches the relay, such as opening an image stored on another PC).
 */
export type SyncContext = "sync" | "devices";

/** The Rust side's words for a relay URL that is not http(s) (SyncError::BadRelayUrl). */
const BAD_RELAY_URL = /is not a relay URL/i;

function oneOf<T extends string>(list: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (list as readonly string[]).includes(value);
}

/**
 * The relay's refusal codes (ApiError.reason under sync_refused) worded on their own; any other
 * refusal is told with the relay's words.
 */
export const REFUSAL_REASONS = [
  "bad_reply",
  "rate_limited",
  "too_large",
  "unsupported_version",
  "unauthorized",
  "conflict",
  "already_registered",
  "bad_code",
  "not_found",
  "bad_request",
  "internal",
  "storage_full",
  "move_not_followed",
  "proof_refused",
] as const;

export function isRefusalReason(reason: string | undefined): reason is (typeof REFUSAL_REASONS)[number] {
  return oneOf(REFUSAL_REASONS, reason);
}

/**
 * Integrity failures (ApiError.reason under integrity) worded on their own: a device's log that
 * differs, a record or a file that did not authenticate, or the relay's copy of the clinic's
 * renewed data key that was rejected (bad_key_share: nothing of it was used).
 */
export const INTEGRITY_REASONS = ["diverged", "tampered", "tampered_file", "bad_key_share"] as const;

/**
 * Reasons under sync_not_ready, other than "no relay set" (worded by the place). key_not_shared:
 * the clinic's data key was renewed (a PC revoked) and no PC has shared the new key with this one
 * yet; this PC's changes were sent, nothing was received.
 */
export const NOT_READY_REASONS = [
  "waiting_for_approval",
  "no_clinic_key",
  "file_not_uploaded",
  "relay_not_trusted",
  "unknown_to_relay",
  "clinic_moved_away",
  "key_not_shared",
] as const;

/**
 * Reasons under conflict that the device and recovery key commands send: the recovery key was
 * renewed on another PC a moment before, a PC was revoked but the key not renewed, or the
 * clinic's data key was renewed on another PC a moment before (sync, then try again).
 */
export const CONFLICT_REASONS = ["recovery_renewed_elsewhere", "recovery_not_renewed", "key_renewed_elsewhere"] as const;

/** An error of a sync or device command, in plain words. */
export function syncErrorText(lang: Language, err: ApiError, context: SyncContext = "sync"): string {
  const detail = err.message.trim() || "?";
  const reason = err.reason;
  switch (err.code) {
    case "sync_unreachable":
      return translate(lang, context === "sync" ? "sync.error_unreachable" : "sync.error_unreachable_devices");
    case "sync_refused":
      return isRefusalReason(reason)
        ? translate(lang, `sync.refused_${reason}`)
        : translate(lang, "sync.error_refused", { detail });
    case "sync_not_ready":
      // The certificate's fault (expired, unknown authority, another address) is in the detail:
      // it is what the clinic's IT acts on.
      if (oneOf(NOT_READY_REASONS, reason)) return translate(lang, `sync.not_ready_${reason}`, { detail });
      return translate(lang, context === "sync" ? "sync.error_not_ready" : "sync.error_not_ready_devices");
    case "integrity":
      // The technical detail stays: it is what the support needs (device, record).
      return oneOf(INTEGRITY_REASONS, reason)
        ? translate(lang, `sync.integrity_${reason}`, { detail })
        : translate(lang, "sync.error_integrity", { detail });
    case "permission_denied":
      // The relay says "revoked"; without a reason, a refusal to sync can only mean that too,
      // while on the device commands it is the user's role.
      return reason === "revoked" || context === "sync"
        ? translate(lang, "sync.error_revoked")
        : errorText(lang, err);
    case "conflict":
      // The Rust side's words stay for "not renewed": they say why the renewal failed.
      return oneOf(CONFLICT_REASONS, reason)
        ? translate(lang, `sync.conflict_${reason}`, { detail })
        : errorText(lang, err);
    case "invalid_input":
      return BAD_RELAY_URL.test(err.message) ? translate(lang, "sync.error_bad_url") : errorText(lang, err);
    default:
      return errorText(lang, err);
  }
}

// ---------------------------------------------------------------- relay URL

/** Where the relay URL is kept between runs (not a secret). */
export const RELAY_STORAGE_KEY = "chairside.relay_url";

type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

export function loadRelayUrl(storage: KeyValueStorage | null | undefined): string {
  try {
    return storage?.getItem(RELAY_STORAGE_KEY)?.trim() ?? "";
  } catch {
    return "";
  }
}

export function saveRelayUrl(storage: KeyValueStorage | null | undefined, url: string): void {
  const clean = url.trim();
  if (!clean) return;
  try {
    storage?.setItem(RELAY_STORAGE_KEY, clean);
  } catch {
    /* storage unavailable: the Rust side remembers the relay anyway */
  }
}

/** What to send as `relay`: the typed URL, or null (the Rust side uses the remembered one). */
export function relayArg(text: string): string | null {
  const clean = text.trim();
  return clean === "" ? null : clean;
}

/** A problem worth telling before asking the Rust side (which checks for real), or null. */
export function relayUrlProblem(text: string): "bad_scheme" | null {
  const clean = text.trim();
  if (clean === "") return null;
  return /^https?:\/\/\S+$/i.test(clean) ? null : "bad_scheme";
}

/**
 * The relay field after a sync went through: the relay it used when the field was empty, or when
 * the sync followed the clinic to a new relay (the old address typed there would send the next
 * "sync now" back through the relay the clinic left); otherwise what was typed.
 */
export function relayFieldAfter(text: string, summary: Pick<SyncSummary, "relay_url" | "followed_to"> | null | undefined): string {
  if (!summary) return text;
  return !text.trim() || summary.followed_to ? summary.relay_url : text;
}

/** The field's first value: the last sync's relay, else the one kept on this PC, else empty. */
export function initialRelayUrl(lastSummary: SyncSummary | null | undefined, stored: string): string {
  return lastSummary?.relay_url || stored || "";
}

// ---------------------------------------------------------------- numbers and times

/** Whether `n` takes the singular: 0 and 1 in French, 1 alone in English. */
export const plural = (lang: Language, n: number) => (lang === "fr" ? n < 2 : n === 1);

/** A number in the user's language: "1 234" or "1,234". */
export function formatNumber(lang: Language, n: number, maxFraction = 0): string {
  return new Intl.NumberFormat(lang === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: maxFraction }).format(n);
}

const UNITS: Record<Language, readonly string[]> = {
  fr: ["o", "Ko", "Mo", "Go", "To"],
  en: ["B", "KB", "MB", "GB", "TB"],
};

/** "0 o", "512 o", "1,5 Ko", "2,3 Mo" (fr); "1.5 KB" (en). Powers of 1024. */
export function formatBytes(lang: Language, bytes: number): string {
  const units = UNITS[lang];
  let value = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  // One decimal below 10 (1,5 Ko), none above (24 Ko); bytes are whole.
  const digits = i === 0 || value >= 10 ? 0 : 1;
  return `${formatNumber(lang, value, digits)} ${units[i]}`;
}

/** "0,4 s", "12 s", "2 min 5 s". */
export function formatDuration(lang: Language, ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (safe < 10_000) return `${formatNumber(lang, Math.round(safe / 100) / 10, 1)} s`;
  const seconds = Math.round(safe / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** "aujourd'hui à 14:05", "hier à 17:40", "le 14/03/2025 à 09:00". */
export function whenLabel(lang: Language, ms: number, nowMs: number = Date.now()): string {
  const day = dayKey(ms);
  if (!day) return "";
  const time = timeOfDay(ms);
  if (day === dayKey(nowMs)) return translate(lang, "sync.at_today", { time });
  const yesterday = new Date(nowMs);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === dayKey(yesterday.getTime())) return translate(lang, "sync.at_yesterday", { time });
  return translate(lang, "sync.at_date", { date: formatDay(ms), time });
}

/** The time alone today ("14:05"), with the day otherwise ("14/03/2025 14:05"). */
export function shortWhen(ms: number, nowMs: number = Date.now()): string {
  const day = dayKey(ms);
  if (!day) return "";
  return day === dayKey(nowMs) ? timeOfDay(ms) : `${formatDay(ms)} ${timeOfDay(ms)}`;
}

// ---------------------------------------------------------------- sync result

/** "3 modifications envoyées", "1 modification reçue". */
export function sentText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.sent_one" : "sync.sent_many", { n: formatNumber(lang, n) });
}

export function receivedText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.received_one" : "sync.received_many", { n: formatNumber(lang, n) });
}

/** "1 fichier envoyé", "3 fichiers envoyés" (images and documents). */
export function filesSentText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.files_sent_one" : "sync.files_sent_many", { n: formatNumber(lang, n) });
}

/** "2 envois anonymisés sur le relais": this PC's sets sealed again there after an erasure. */
/** "2 radiographies remplacées sur le relais par leur copie sans l'identité…". */
export function filesRetiredText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.files_retired_one" : "sync.files_retired_many", {
    n: formatNumber(lang, n),
  });
}

export function redactedText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.redacted_one" : "sync.redacted_many", { n: formatNumber(lang, n) });
}

/** "37 changes of other PCs brought to the relay". */
export function carriedText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.carried_one" : "sync.carried_many", { n: formatNumber(lang, n) });
}

/** "2 fichiers des patients attendus aujourd'hui et demain téléchargés à l'avance". */
export function prefetchedText(lang: Language, n: number): string {
  return translate(lang, plural(lang, n) ? "sync.prefetched_one" : "sync.prefetched_many", { n: formatNumber(lang, n) });
}

/** "3 modifications envoyées (1,5 Ko)". */
export function withSize(lang: Language, what: string, bytes: number): string {
  return translate(lang, "sync.with_size", { what, size: formatBytes(lang, bytes) });
}

// ---------------------------------------------------------------- end of day

/** "A", "A et B", "A, B et C". */
export function joinNames(lang: Language, names: readonly string[]): string {
  const clean = names.map((n) => n.trim()).filter((n) => n !== "");
  if (clean.length === 0) return "";
  if (clean.length === 1) return clean[0];
  return translate(lang, "list.pair", { a: clean.slice(0, -1).join(", "), b: clean[clean.length - 1] });
}

/** "Tous les postes se sont synchronisés aujourd'hui.", or which ones did not. */
export function notSeenText(lang: Language, names: readonly string[]): string {
  const clean = names.map((n) => n.trim()).filter((n) => n !== "");
  if (clean.length === 0) return translate(lang, "eod.all_seen");
  const joined = joinNames(lang, clean);
  return clean.length === 1
    ? translate(lang, "eod.not_seen_one", { names: joined })
    : translate(lang, "eod.not_seen_many", { n: clean.length, names: joined });
}

/**
 * The PCs not seen today with when they last synced: "Fauteuil 2 (dernière synchronisation hier
 * à 18:02)", "Portable (jamais synchronisé)"; the report's sentence names them so.
 */
export function notSeenSinceNames(lang: Language, devices: readonly DeviceLastSeen[], nowMs: number = Date.now()): string[] {
  return devices.map((d) =>
    d.last_seen_ms != null
      ? translate(lang, "eod.not_seen_since", { name: d.device_name, when: whenLabel(lang, d.last_seen_ms, nowMs) })
      : translate(lang, "eod.not_seen_never", { name: d.device_name }),
  );
}

/** What waits in the inbox (possible duplicates and concurrent edits): "Rien n'attend…", "1 élément attend…". */
export function conflictsText(lang: Language, n: number): string {
  if (!(n > 0)) return translate(lang, "eod.conflicts_none");
  return n === 1 ? translate(lang, "eod.conflicts_one") : translate(lang, "eod.conflicts_many", { n });
}

/**
 * Files the relay had no room for (its quota for the practice, or its disk): how many wait here,
 * why, and who can make room. The other changes synced; the files go once there is room.
 */
export function heldBackText(lang: Language, held: FilesHeldBack): string {
  const what = translate(lang, plural(lang, held.waiting) ? "syncstatus.files_one" : "syncstatus.files_many", {
    n: formatNumber(lang, held.waiting),
  });
  return translate(lang, held.reason === "quota_exceeded" ? "sync.held_back_quota" : "sync.held_back_full", { what });
}

/** The images and documents of the end-of-day report: what this sync sent, what still waits here. */
export function eodFilesText(lang: Language, sent: number, waiting: number): string {
  const sentPart = sent > 0 ? filesSentText(lang, sent) : translate(lang, "eod.files_none_sent");
  const waitingPart = !(waiting > 0)
    ? translate(lang, "eod.files_all_sent")
    : translate(lang, waiting === 1 ? "eod.files_waiting_one" : "eod.files_waiting_many", { n: formatNumber(lang, waiting) });
  return translate(lang, "eod.files_line", { sent: sentPart, waiting: waitingPart });
}

/** The PCs whose files the relay refused today for the practice's quota: "… en attente sur : Fauteuil 2." */
export function filesRefusedOnText(lang: Language, names: readonly string[]): string {
  return translate(lang, "eod.files_refused_on", { names: joinNames(lang, names) });
}

/** The practice's file space at the relay against its operator's quota: "42 Go utilisés sur 47 Go (89 %)". */
export function relayRoomText(lang: Language, room: RelayFileRoom): string {
  const percent = room.quota_bytes > 0 ? Math.floor((room.used_bytes * 100) / room.quota_bytes) : 100;
  return translate(lang, "eod.relay_room", {
    used: formatBytes(lang, room.used_bytes),
    quota: formatBytes(lang, room.quota_bytes),
    percent: formatNumber(lang, percent),
  });
}

/** The end-of-day check of this PC's files at the relay: how many were checked (null: the relay is
 * too old to list its files), and whether the relay had lost some (sent again from this PC). */
export function eodFilesCheckedText(lang: Language, checked: number | null, missing: number, sentAgain: number): string {
  if (checked === null) return translate(lang, "eod.files_check_unsupported");
  if (!(checked > 0)) return translate(lang, "eod.files_checked_none");
  if (!(missing > 0)) {
    return translate(lang, plural(lang, checked) ? "eod.files_checked_one" : "eod.files_checked_many", {
      n: formatNumber(lang, checked),
    });
  }
  return translate(lang, missing === 1 ? "eod.files_lost_one" : "eod.files_lost_many", {
    n: formatNumber(lang, checked),
    missing: formatNumber(lang, missing),
    sent: formatNumber(lang, sentAgain),
  });
}

// ---------------------------------------------------------------- clocks

/**
 * A clock offset's size, as a person reads it: "40 s", "3 min", "2 h 05" ("2 h 5 min" in
 * English), "2 h", and from two days "3 jours". Rounded to its unit, which changes with the
 * rounded value (59.6 s is "1 min").
 */
export function offsetAmount(lang: Language, ms: number): string {
  const abs = Number.isFinite(ms) ? Math.abs(ms) : 0;
  const seconds = Math.round(abs / 1000);
  if (seconds < 60) return `${formatNumber(lang, seconds)} s`;
  const minutes = Math.round(abs / 60_000);
  if (minutes < 60) return `${formatNumber(lang, minutes)} min`;
  if (minutes < 48 * 60) {
    const hours = formatNumber(lang, Math.floor(minutes / 60));
    const rest = minutes % 60;
    if (rest === 0) return `${hours} h`;
    return lang === "fr" ? `${hours} h ${String(rest).padStart(2, "0")}` : `${hours} h ${formatNumber(lang, rest)} min`;
  }
  // Two days or more (never one: 47 h still counts in hours).
  return translate(lang, "time.amount_days", { n: formatNumber(lang, Math.round(abs / 86_400_000)) });
}

/** This PC's clock off the relay's: by how much, which way, what to do and why it matters. */
export function clockOffText(lang: Language, ms: number): string {
  return translate(lang, ms >= 0 ? "syncstatus.clock_off_ahead" : "syncstatus.clock_off_behind", {
    amount: offsetAmount(lang, ms),
  });
}

/** A PC's clock in the owner's device list: "Horloge : avance de 2 h 05". */
export function deviceClockText(lang: Language, ms: number): string {
  const how = translate(lang, ms >= 0 ? "eod.clock_ahead" : "eod.clock_behind", { amount: offsetAmount(lang, ms) });
  return translate(lang, "devices.clock_off", { how });
}

/**
 * The PCs of the end-of-day report whose clock is off: "Horloge à régler : Fauteuil 2 (avance de
 * 2 h 05)."; "" when there is none.
 */
export function clocksOffText(lang: Language, offs: readonly ClockOff[]): string {
  if (offs.length === 0) return "";
  const names = offs.map((o) => {
    const how = translate(lang, o.offset_ms >= 0 ? "eod.clock_ahead" : "eod.clock_behind", {
      amount: offsetAmount(lang, o.offset_ms),
    });
    return `${o.device_name.trim() || "?"} (${how})`;
  });
  return translate(lang, offs.length === 1 ? "eod.clock_off_one" : "eod.clock_off_many", { names: joinNames(lang, names) });
}

// ---------------------------------------------------------------- pairing and recovery

/** Minutes left before `expiresAtMs`, rounded up; 0 once expired. */
export function minutesLeft(expiresAtMs: number, nowMs: number = Date.now()): number {
  return Math.max(0, Math.ceil((expiresAtMs - nowMs) / 60_000));
}

export function isExpired(expiresAtMs: number, nowMs: number = Date.now()): boolean {
  return nowMs >= expiresAtMs;
}

/** "Valable jusqu'à 15:42 (encore 59 min), pour un seul poste." or "Ce code a expiré à 15:42…". */
export function expiryText(lang: Language, expiresAtMs: number, nowMs: number = Date.now()): string {
  const time = shortWhen(expiresAtMs, nowMs);
  return isExpired(expiresAtMs, nowMs)
    ? translate(lang, "devices.invite_expired", { time })
    : translate(lang, "devices.invite_valid", { time, n: minutesLeft(expiresAtMs, nowMs) });
}

/** A word as a POSIX shell reads it: as is when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9._:/@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command the new PC runs to ask to join (then `chairside sync` once approved). */
export function enrollCommand(invite: Pick<DeviceInvite, "code" | "relay_url">): string {
  return `chairside device enroll --relay ${shellQuote(invite.relay_url)} --code ${shellQuote(invite.code)}`;
}

export const FIRST_SYNC_COMMAND = "chairside sync";

/** The command that restores the clinic on a new PC from the printed key. */
export function restoreCommand(relayUrl: string, key: string): string {
  return `chairside recovery restore --relay ${shellQuote(relayUrl)} --recovery-key ${shellQuote(key)}`;
}

/**
 * What joining this PC to a relay did ([`RelayRejoined`]), and what the owner does next for the
 * other PCs: nothing when the relay the clinic left was told (they follow at their next sync),
 * join each by hand when it could not be, or when the relay had lost the clinic.
 */
export function rejoinedText(lang: Language, r: Pick<RelayRejoined, "outcome" | "old_relay">): string {
  const joined = translate(lang, `sync.rejoined_${r.outcome}`);
  const others =
    r.old_relay === "left"
      ? "sync.rejoined_others_follow"
      : r.old_relay === "not_left"
        ? "sync.rejoined_others_by_hand"
        : r.outcome === "registered_clinic"
          ? "sync.rejoined_others_join"
          : null;
  return others ? `${joined} ${translate(lang, others)}` : joined;
}

/**
 * The relay refuses this PC's recovery proof (a rejoin: reason proof_refused): it missed a renewal of the
 * clinic's recovery key while away, and the relay lost its data (or the clinic moved). Joining it
 * again then takes a pairing code from an owner's PC (rejoin_with_code).
 */
export function isProofRefused(err: ApiError | null | undefined): boolean {
  return !!err && err.code === "sync_refused" && err.reason === "proof_refused";
}

/** A device id, short enough for a table ("3f2a91c4…"); the full id goes in a tooltip. */
export function shortId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}

// ---------------------------------------------------------------- sync outcome

/** The last sync made in this run of the app: its summary, or the error it ended with. */
export type SyncOutcome = { at_ms: number; summary: SyncSummary | null; error: ApiError | null };

// ---------------------------------------------------------------- devices

/** This PC first, then the active ones, then the revoked ones; by name within each. */
export function sortDevices<T extends { name: string; revoked: boolean; this_device: boolean }>(devices: readonly T[]): T[] {
  const rank = (d: T) => (d.this_device ? 0 : d.revoked ? 2 : 1);
  return [...devices].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, "fr", { sensitivity: "base" }));
}

/**
 * The flash after a revocation: the PC alone, or also the recovery key renewed with it (the PC
 * had been a member, so it held what the old printed key derived from), and with it the clinic's
 * data key (the revoked PC cannot read what is written from now on). Then, if any, the other PCs
 * that could not be given that new data key yet (`keyWaitingFor`, by name: they have not synced
 * since this version, or at all): each gets it once it has synced and another PC syncs after it,
 * and until then sends its changes but receives none.
 */
export function revokedFlash(lang: Language, name: string, recoveryKeyRenewed: boolean, keyWaitingFor: readonly string[]): string {
  const flash = translate(lang, recoveryKeyRenewed ? "devices.revoked_renewed_flash" : "devices.revoked_flash", { name });
  const waiting = keyWaitingFor.map((n) => n.trim()).filter((n) => n !== "");
  if (waiting.length === 0) return flash;
  const key = waiting.length === 1 ? "devices.key_waiting_for_one" : "devices.key_waiting_for_many";
  return `${flash} ${translate(lang, key, { names: joinNames(lang, waiting) })}`;
}

/** A revocation that went through while the recovery key's renewal did not: renew it now. */
export function isRecoveryNotRenewed(err: ApiError): boolean {
  return err.code === "conflict" && err.reason === "recovery_not_renewed";
}

/**
 * What the recovery key section asks of the owner after a revocation: "renewed" (the printed
 * sheet no longer works: show and print the new key), "not_renewed" (renew the key now).
 */
export type RecoveryStale = "renewed" | "not_renewed";

/**
 * What the recovery key section says of a key it shows, from the relay's check: "unchecked" (the
 * relay could not confirm it is the current key: sync and show it again before printing; the
 * cause in words), "renewed_elsewhere" (another PC renewed it since this PC last synced: this is
 * the new key), or nothing when the relay confirmed it.
 */
export function recoveryKeyNotice(
  lang: Language,
  shown: Pick<RecoveryKeyShown, "renewed_elsewhere" | "unchecked">,
): { kind: "unchecked" | "renewed_elsewhere"; text: string } | null {
  if (shown.unchecked)
    return {
      kind: "unchecked",
      text: translate(lang, "recovery.unchecked", { why: syncErrorText(lang, shown.unchecked, "devices") }),
    };
  if (shown.renewed_elsewhere) return { kind: "renewed_elsewhere", text: translate(lang, "recovery.renewed_elsewhere") };
  return null;
}

/** Whether the owner can revoke it here: not this PC, not already revoked. */
export function canRevoke(d: { revoked: boolean; this_device: boolean }): boolean {
  return !d.this_device && !d.revoked;
}

/**
 * The recovery key in lines of `perLine` groups, to read and type back (dashes do not matter): a
 * first key's 16 groups of five make four lines; a renewed key's 20 groups of five and one of
 * four make five full lines and a last one of four characters.
 */
export function keyLines(key: string, perLine = 4): string[] {
  const groups = key.trim().split(/[\s-]+/).filter(Boolean);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += perLine) lines.push(groups.slice(i, i + perLine).join("-"));
  return lines;
}
