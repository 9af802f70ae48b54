// DEV ONLY. The background sync's schedule as the Rust SyncAgent keeps it (chairside-app
// background.rs), for the mock: every minute while all is well; after a failure the relay may
// recover from (offline), 15 s, 30 s, 1 min… up to 10 min with jitter; after one a person must
// act on (waiting for approval, an error, no relay), 10 min. The mock has no thread: what should
// have happened by now is played when the UI asks (tick), an attempt lasting a couple of seconds.
import type { ApiError, SyncProgress, SyncState, SyncStatus } from "../bindings";

export const SYNC_INTERVAL_MS = 60_000;
export const FIRST_RETRY_MS = 15_000;
export const LONGEST_WAIT_MS = 600_000;
/** What a file waiting to be sent weighs in the mock's progress: a radiograph. */
const FILE_BYTES = 2 * 1024 * 1024;

export type AttemptOutcome =
  | { ok: true }
  | { ok: false; state: Exclude<SyncState, "idle" | "syncing" | "up_to_date">; error: ApiError | null };

export type AgentState = {
  state: SyncState;
  last_success_ms: number | null;
  last_attempt_ms: number | null;
  /** The last failure, as the Rust side sends it. */
  error: ApiError | null;
  next_attempt_ms: number | null;
  failures: number;
};

/** The wait after `failures` transient failures in a row, with up to a fifth of jitter. */
export function backoff(failures: number): number {
  const doubled = Math.min(FIRST_RETRY_MS * 2 ** Math.min(Math.max(failures - 1, 0), 16), LONGEST_WAIT_MS);
  return Math.min(doubled + Math.random() * (doubled / 5), LONGEST_WAIT_MS);
}

export class MockAgent {
  private s: AgentState;
  /** When the background attempt under way ends; null when none runs. */
  private attemptEnd: number | null = null;
  /** A sync_now or check_joining holds the agent. */
  private held = false;

  /** `attempt(endMs)`: what a background attempt ending then brings (it may change the mock). */
  constructor(
    initial: Partial<AgentState>,
    private readonly attempt: (endMs: number) => AttemptOutcome,
    private readonly attemptMs = 2000,
  ) {
    this.s = {
      state: "idle",
      last_success_ms: null,
      last_attempt_ms: null,
      error: null,
      next_attempt_ms: Date.now(),
      failures: 0,
      ...initial,
    };
  }

  /** Plays what the schedule says should have happened by now. */
  tick(now: number = Date.now()): void {
    if (this.held) return;
    for (let i = 0; i < 3; i++) {
      if (this.attemptEnd !== null) {
        if (now < this.attemptEnd) return;
        const end = this.attemptEnd;
        this.attemptEnd = null;
        this.record(this.attempt(end), end);
        continue;
      }
      const due = this.s.next_attempt_ms;
      if (due === null || now < due) return;
      // It started when due (the UI only looks later), at most a few seconds ago.
      this.startAttempt(Math.max(due, now - 2 * this.attemptMs));
    }
  }

  /** Starts a background attempt at `startMs`, ending at `endMs` (a restore's download: longer). */
  startAttempt(startMs: number, endMs: number = startMs + this.attemptMs): void {
    this.s.state = "syncing";
    this.s.last_attempt_ms = startMs;
    this.attemptEnd = endMs;
  }

  /** How long the background attempt under way still runs (0 when none). */
  attemptLeft(now: number = Date.now()): number {
    return this.attemptEnd === null ? 0 : Math.max(0, this.attemptEnd - now);
  }

  /** A sync made on demand (sync_now, check_joining) holds the agent until `end`. */
  begin(now: number = Date.now()): void {
    this.held = true;
    this.attemptEnd = null;
    this.s.state = "syncing";
    this.s.last_attempt_ms = now;
  }

  end(outcome: AttemptOutcome, now: number = Date.now()): void {
    this.held = false;
    this.record(outcome, now);
  }

  /** Starts over (a new clinic, a PC that just joined). */
  reset(initial: Partial<AgentState>): void {
    this.attemptEnd = null;
    this.held = false;
    this.s = { state: "idle", last_success_ms: null, last_attempt_ms: null, error: null, next_attempt_ms: Date.now(), failures: 0, ...initial };
  }

  /** `clockOffsetMs`: this PC's clock against the relay's, as its syncs measure it. */
  status(relayUrl: string | null, changesWaiting: number, filesWaiting: number, clockOffsetMs: number | null = null): SyncStatus {
    const s = this.s;
    return {
      state: relayUrl ? s.state : "not_configured",
      relay_url: relayUrl,
      last_success_ms: s.last_success_ms,
      last_attempt_ms: s.last_attempt_ms,
      changes_waiting: changesWaiting,
      files_waiting: filesWaiting,
      // The mock relay has room for every file.
      files_held_back: null,
      error: relayUrl ? s.error : null,
      next_attempt_ms: s.next_attempt_ms,
      progress: relayUrl ? this.progress(changesWaiting, filesWaiting) : null,
      // Measured by a sync that reached the relay: none before the first.
      clock_offset_ms: relayUrl && s.last_success_ms !== null ? clockOffsetMs : null,
      // The Rust side's rule (`chairside_sync::clock::is_off`): five minutes or more either way.
      clock_off: relayUrl !== null && s.last_success_ms !== null && clockOffsetMs !== null && Math.abs(clockOffsetMs) >= 300_000,
    };
  }

  /**
   * A background attempt's progress, from the time it has run: a second's worth of attempt
   * receives 1,200 change sets (the Rust side counts pages merged; the mock has no pages). The
   * files waiting go up with it, taken as 2 MB radiographs.
   */
  private progress(changesWaiting: number, filesWaiting: number, now: number = Date.now()): SyncProgress | null {
    const start = this.s.last_attempt_ms;
    if (this.s.state !== "syncing" || this.attemptEnd === null || start === null) return null;
    const span = Math.max(this.attemptEnd - start, 1);
    const done = Math.min(Math.max((now - start) / span, 0), 1);
    const toReceive = Math.round((span / 1000) * 1200);
    return {
      to_receive: toReceive,
      received: Math.floor(done * toReceive),
      to_send: changesWaiting,
      sent: Math.floor(done * changesWaiting),
      files_to_send: filesWaiting,
      files_sent: Math.floor(done * filesWaiting),
      file_bytes_to_send: filesWaiting * FILE_BYTES,
      file_bytes_sent: Math.floor(done * filesWaiting * FILE_BYTES),
    };
  }

  private record(outcome: AttemptOutcome, at: number): void {
    const s = this.s;
    if (outcome.ok) {
      s.state = "up_to_date";
      s.last_success_ms = at;
      s.error = null;
      s.failures = 0;
      s.next_attempt_ms = at + SYNC_INTERVAL_MS;
      return;
    }
    s.failures += 1;
    s.state = outcome.state;
    s.error = outcome.error;
    s.next_attempt_ms = at + (outcome.state === "offline" ? backoff(s.failures) : LONGEST_WAIT_MS);
  }
}
