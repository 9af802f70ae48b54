// What this window did to join a clinic, for the "joining a clinic" screen: a join (with the
// fingerprint to compare on the owner's PC) or a restore. In memory only: after a restart the
// screen says what the background sync reports instead. The fingerprint is not a secret.
import type { JoinMode } from "./join";

export const joining = $state<{ kind: JoinMode | null; fingerprint: string | null }>({
  kind: null,
  fingerprint: null,
});

export function rememberJoin(fingerprint: string) {
  joining.kind = "join";
  joining.fingerprint = fingerprint;
}

export function rememberRestore() {
  joining.kind = "restore";
  joining.fingerprint = null;
}

/** The clinic arrived (or the screen is gone): nothing to remember any more. */
export function forgetJoining() {
  joining.kind = null;
  joining.fingerprint = null;
}
