// The application phase as told by the Rust side. The UI never decides it.
import * as api from "./api";
import type { ApiError, AppStatus } from "./bindings";
import { adoptDefaultLanguage } from "./locale.svelte";

export const app = $state<{ status: AppStatus | null; startupError: ApiError | null }>({
  status: null,
  startupError: null,
});

export function applyStatus(status: AppStatus) {
  app.status = status;
  app.startupError = null;
  adoptDefaultLanguage(status.language);
}

let inFlight: Promise<void> | null = null;

/** Ask the Rust side for the current status (de-duplicated while one is pending). */
export function refreshStatus(): Promise<void> {
  if (inFlight) return inFlight;
  inFlight = api
    .appStatus()
    .then(applyStatus)
    .catch((err: unknown) => {
      // Only the first load shows a blocking error; later failures keep the last good status.
      if (!app.status) app.startupError = api.toApiError(err);
    })
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

/**
 * Normalise an error from a command. Errors that mean "the phase changed under us"
 * (the session locked or ended) trigger a status refresh so the right screen shows.
 */
export function handleError(err: unknown): ApiError {
  const e = api.toApiError(err);
  if (e.code === "session_locked" || e.code === "not_signed_in") void refreshStatus();
  return e;
}
