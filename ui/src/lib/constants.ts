import type { Role } from "./bindings";

/** Client-side convenience check only; the Rust side validates for real. */
export const MIN_PASSWORD_LENGTH = 10;
/** A database passphrase's least length (MIN_PASSPHRASE_CHARS on the Rust side). */
export const MIN_PASSPHRASE_LENGTH = 8;
/** The longest device name the relay accepts. */
export const MAX_DEVICE_NAME_LENGTH = 100;

/** Choices offered for the idle lock, in seconds. */
export const IDLE_LOCK_CHOICES: readonly number[] = [30, 60, 120, 300, 600, 900, 1800];
export const DEFAULT_IDLE_LOCK_SECONDS = 300;

/** Roles offered when adding a user (the order of the select). */
export const ROLES: readonly Role[] = ["owner", "dentist", "assistant", "receptionist"];

/** How often the UI asks the Rust side for the phase while signed in. */
export const STATUS_POLL_MS = 2000;
/** How often the header asks for the background sync's status while signed in. */
export const SYNC_STATUS_POLL_MS = 10_000;
/** How often the "needs attention" inbox is read again while signed in (on the user's next action). */
export const INBOX_POLL_MS = 30_000;
/** How often the "joining a clinic" screen asks for the phase (and the sync's status). */
export const JOINING_POLL_MS = 5000;
/** At most one record_activity call per this interval. */
export const ACTIVITY_THROTTLE_MS = 5000;

/** Wait this long after the last keystroke before searching patients. */
export const SEARCH_DEBOUNCE_MS = 120;
/** The most results search_patients returns (SEARCH_LIMIT on the Rust side). */
export const SEARCH_LIMIT = 50;
