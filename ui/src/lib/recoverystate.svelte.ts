// What a revocation left to do about the clinic's printed recovery key, shared by the devices
// list (which revokes) and the recovery key section (which shows, prints and renews the key). It
// lives here rather than in a component so that the request stays when the owner leaves the
// Sync panel before printing. Nothing secret is kept: the key itself lives in RecoveryKey.svelte.
// It concerns the clinic, not the session: another owner signing in on this PC is asked too.
import type { RecoveryStale } from "./sync";

export const recoveryState = $state<{
  /**
   * "renewed": a revocation renewed the key, the printed sheet no longer works (show and print
   * the new one); "not_renewed": a PC was revoked but the key could not be renewed (renew it).
   */
  stale: RecoveryStale | null;
}>({ stale: null });

/** After a revocation: the latest one says what is left to do. */
export function markRecoveryStale(stale: RecoveryStale): void {
  recoveryState.stale = stale;
}

/** The key was shown: after a renewal by a revocation, it is the new one (a key not renewed still needs renewing). */
export function recoveryKeyShown(): void {
  if (recoveryState.stale === "renewed") recoveryState.stale = null;
}

/** The key was renewed from this PC and shown: nothing is left to do. */
export function recoveryKeyRenewed(): void {
  recoveryState.stale = null;
}
