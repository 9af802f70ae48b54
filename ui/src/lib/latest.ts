/**
 * Search-as-you-type plumbing: waits `delayMs` after the last keystroke, then runs the query,
 * and only ever reports a reply newer than the one already shown (a slow reply to "be" never
 * overwrites the results for "ben"). `cancel()` drops the pending query and any reply in flight.
 */
export type LatestSearch = {
  /** The text changed: (re)start the wait, then run it. */
  set(query: string): void;
  /** Run the current query now (skipping the wait), e.g. on Enter. */
  flush(): void;
  /** Forget the pending query and ignore replies still in flight. */
  cancel(): void;
  /** True while a query is waiting or in flight and its reply would be shown. */
  readonly pending: boolean;
};

export type Timers = {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
};

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function createLatestSearch<T>(opts: {
  delayMs: number;
  run: (query: string) => Promise<T>;
  onResult: (query: string, result: T) => void;
  onError: (query: string, error: unknown) => void;
  /** Called whenever `pending` changes. */
  onPending?: (pending: boolean) => void;
  timers?: Timers;
}): LatestSearch {
  const timers = opts.timers ?? realTimers;
  let timer: unknown = null;
  let query = "";
  let issued = 0; // sequence number of the last query sent
  let shown = 0; // sequence number of the last reply reported (or cancelled up to)
  let pending = false;

  const update = () => {
    const now = timer !== null || issued > shown;
    if (now !== pending) {
      pending = now;
      opts.onPending?.(now);
    }
  };

  const fire = () => {
    timer = null;
    const seq = ++issued;
    const q = query;
    update();
    opts.run(q).then(
      (result) => {
        if (seq <= shown) return;
        shown = seq;
        update();
        opts.onResult(q, result);
      },
      (error: unknown) => {
        if (seq <= shown) return;
        shown = seq;
        update();
        opts.onError(q, error);
      },
    );
  };

  const stop = () => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };

  return {
    set(q: string) {
      query = q;
      stop();
      timer = timers.setTimeout(fire, opts.delayMs);
      update();
    },
    flush() {
      if (timer === null) return;
      stop();
      fire();
    },
    cancel() {
      stop();
      shown = issued;
      update();
    },
    get pending() {
      return pending;
    },
  };
}
