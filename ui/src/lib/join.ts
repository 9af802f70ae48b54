// Pure helpers for the first run on a PC of an existing clinic: joining it with the owner's
// pairing code, or restoring it with the printed recovery key. The forms, the checks made before
// asking the Rust side (which checks everything for real) and its errors in words. No Svelte,
// no I/O.
import type { ApiError, JoinClinicRequest, Language, RestoreClinicRequest } from "./bindings";
import { MAX_DEVICE_NAME_LENGTH, MIN_PASSPHRASE_LENGTH } from "./constants";
import { translate, type MessageKey, type Params } from "./i18n";
import { isRefusalReason, relayUrlProblem, syncErrorText } from "./sync";

export type JoinMode = "join" | "restore";

export type JoinForm = {
  relay_url: string;
  /** Join only: the pairing code shown on the owner's PC ("K7QX-M2PD"). */
  code: string;
  /** Restore only: the printed recovery key. */
  recovery_key: string;
  device_name: string;
  /** Only when the OS has no keyring. */
  passphrase: string;
  passphrase_confirm: string;
};

export type JoinField = keyof JoinForm;

/** A message to show: a text of the dictionaries, or the Rust side's words as they come. */
export type Problem = { key: MessageKey; params?: Params } | { text: string };

export type JoinErrors = Partial<Record<JoinField, Problem>>;

export function emptyJoinForm(relayUrl = ""): JoinForm {
  return { relay_url: relayUrl, code: "", recovery_key: "", device_name: "", passphrase: "", passphrase_confirm: "" };
}

export function problemText(lang: Language, p: Problem): string {
  return "text" in p ? p.text : translate(lang, p.key, p.params);
}

// ---------------------------------------------------------------- pairing code


/** As the relay compares codes: letters and digits only, in capitals ("k7qx m2pd" -> "K7QXM2PD"). */
export function normalizePairingCode(text: string): string {
  return text.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
}

/** "k7qxm2pd" -> "K7QX-M2PD" once the code has its 8 characters; anything else as typed. */
/** A full pairing code is shown as two groups of four, as on the owner's PC (display only). */
const SHOWN_CODE_LENGTH = 8;

export function formatPairingCode(text: string): string {
  const code = normalizePairingCode(text);
  return code.length === SHOWN_CODE_LENGTH ? `${code.slice(0, 4)}-${code.slice(4)}` : text.trim();
}

// What a code or a key may contain, and how long it is, is checked in Rust (chairside-sync's
// enroll module) before anything is created; its refusals come back under the field
// (see joinFailure). Here only: was something typed at all.

export function pairingCodeProblem(text: string): Problem | null {
  return text.replace(/[\s-]/g, "") === "" ? { key: "join.code_required" } : null;
}

// ---------------------------------------------------------------- recovery key

export function recoveryKeyProblem(text: string): Problem | null {
  return text.replace(/[\s-]/g, "") === "" ? { key: "join.key_required" } : null;
}

// ---------------------------------------------------------------- the whole form

/** The order of the fields on screen, to focus the first one in error. */
export function joinFieldOrder(mode: JoinMode): JoinField[] {
  return ["relay_url", mode === "join" ? "code" : "recovery_key", "device_name", "passphrase", "passphrase_confirm"];
}

/** The checks made before sending; an empty object when the form can go. */
export function validateJoin(mode: JoinMode, f: JoinForm, needsPassphrase: boolean): JoinErrors {
  const errors: JoinErrors = {};
  if (!f.relay_url.trim()) errors.relay_url = { key: "join.relay_required" };
  else if (relayUrlProblem(f.relay_url)) errors.relay_url = { key: "sync.relay_bad_scheme" };

  const secret = mode === "join" ? pairingCodeProblem(f.code) : recoveryKeyProblem(f.recovery_key);
  if (secret) errors[mode === "join" ? "code" : "recovery_key"] = secret;

  const name = f.device_name.trim();
  if (!name) errors.device_name = { key: "join.device_required" };
  else if ([...name].length > MAX_DEVICE_NAME_LENGTH)
    errors.device_name = { key: "join.device_too_long", params: { max: MAX_DEVICE_NAME_LENGTH } };

  if (needsPassphrase) {
    if (!f.passphrase) errors.passphrase = { key: "join.passphrase_required" };
    else if ([...f.passphrase].length < MIN_PASSPHRASE_LENGTH)
      errors.passphrase = { key: "validation.passphrase_short", params: { min: MIN_PASSPHRASE_LENGTH } };
    else if (f.passphrase !== f.passphrase_confirm) errors.passphrase_confirm = { key: "validation.passphrase_mismatch" };
  }
  return errors;
}

export function joinRequest(f: JoinForm, needsPassphrase: boolean): JoinClinicRequest {
  return {
    relay_url: f.relay_url.trim(),
    code: formatPairingCode(f.code),
    device_name: f.device_name.trim(),
    passphrase: needsPassphrase ? f.passphrase : null,
  };
}

export function restoreRequest(f: JoinForm, needsPassphrase: boolean): RestoreClinicRequest {
  return {
    relay_url: f.relay_url.trim(),
    recovery_key: f.recovery_key.trim(),
    device_name: f.device_name.trim(),
    passphrase: needsPassphrase ? f.passphrase : null,
  };
}

// ---------------------------------------------------------------- errors of the Rust side

/** Where an error of join_clinic or restore_clinic goes: under a field, or above the form. */
export type JoinFailure = { field: JoinField; problem: Problem } | { field: null; problem: Problem };

/** An invalid_input message that names a field: "passphrase: a database passphrase has…". */
const FIELD_MESSAGE = /^(passphrase|device_name|relay_url|code|recovery_key):\s*(.*)$/s;

/**
 * Says in words what went wrong with a join or a restore, and where. Errors the form knows are
 * dictionary texts; any other goes above the form in the sync's or the app's words.
 */
export function joinFailure(lang: Language, mode: JoinMode, err: ApiError): JoinFailure {
  const message = err.message.trim();
  const detail = message || "?";
  // The relay's certificate is refused: told at the address typed, which may be the fault.
  if (err.code === "sync_not_ready" && err.reason === "relay_not_trusted")
    return { field: "relay_url", problem: { text: syncErrorText(lang, err) } };
  switch (err.code) {
    case "invalid_input": {
      if (/is not a relay URL/i.test(message)) return { field: "relay_url", problem: { key: "sync.error_bad_url" } };
      // A sheet printed before the clinic's data key was last renewed: the one printed since restores.
      if (mode === "restore" && err.reason === "recovery_key_outdated")
        return { field: "recovery_key", problem: { key: "restore.key_outdated" } };
      if (/recovery key is not valid/i.test(message)) return { field: "recovery_key", problem: { key: "join.key_invalid" } };
      const m = FIELD_MESSAGE.exec(message);
      if (!m) return { field: null, problem: { key: "error.invalid_input", params: { detail } } };
      const field = m[1] as JoinField;
      const reason = m[2];
      const foreign = /cannot contain (.+)$/.exec(reason);
      // "has 8 characters, not 7"; a recovery key: "has 80 characters (104 once renewed), not 75".
      const count = /has \d+ characters(?: \([^)]*\))?, not (\d+)/.exec(reason);
      if (field === "code" || field === "recovery_key") {
        const prefix = field === "code" ? "join.code" : "join.key";
        if (foreign) return { field, problem: { key: `${prefix}_bad_chars` as MessageKey, params: { chars: foreign[1] } } };
        if (count) return { field, problem: { key: `${prefix}_length` as MessageKey, params: { n: Number(count[1]) } } };
        if (field === "recovery_key") return { field, problem: { key: "join.key_invalid" } };
      }
      const least = /at least (\d+) characters/.exec(reason);
      if (field === "passphrase" && least)
        return { field, problem: { key: "validation.passphrase_short", params: { min: Number(least[1]) } } };
      if (field === "passphrase" && /no OS keyring/i.test(reason)) return { field, problem: { key: "join.passphrase_required" } };
      if (/^is empty$/.test(reason)) return { field, problem: { key: "pfield.required" } };
      return { field, problem: { text: reason } };
    }
    case "sync_refused":
      // The relay's code says which refusal.
      if (mode === "join" && err.reason === "bad_code") return { field: "code", problem: { key: "join.code_refused" } };
      if (mode === "restore" && err.reason === "not_found")
        return { field: "recovery_key", problem: { key: "restore.key_unknown" } };
      if (/device name/i.test(message))
        return { field: "device_name", problem: { key: "join.device_too_long", params: { max: MAX_DEVICE_NAME_LENGTH } } };
      if (isRefusalReason(err.reason)) return { field: null, problem: { text: syncErrorText(lang, err) } };
      return { field: null, problem: { key: mode === "join" ? "join.error_refused" : "restore.error_refused", params: { detail } } };
    case "sync_unreachable":
      return { field: null, problem: { key: "join.error_unreachable" } };
    case "already_initialised":
      return { field: null, problem: { key: "join.error_already" } };
    default:
      return { field: null, problem: { text: syncErrorText(lang, err) } };
  }
}

/**
 * An error of rejoin_with_code (a PC of the clinic asking to join its relay again with a pairing
 * code): under the code field when the code is at fault, in the same words as when joining;
 * otherwise in the words of the panel's other device commands.
 */
export function rejoinCodeFailure(lang: Language, err: ApiError): { field: "code" | null; problem: Problem } {
  const failure = joinFailure(lang, "join", err);
  if (failure.field === "code") return { field: "code", problem: failure.problem };
  return { field: null, problem: { text: syncErrorText(lang, err, "devices") } };
}
